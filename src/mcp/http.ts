// The streamable HTTP transport (`nix-warden serve --http PORT` or `--socket PATH`): one MCP
// session, with its own server and roots, per client. Every request must carry the bearer token
// (http-auth.ts): Host/Origin checks stop web pages (DNS rebinding) but any local user can reach
// 127.0.0.1. A Unix socket is created owner-only as well. Sessions are capped and expire when
// idle, and a body over the limit is refused before it is buffered, so a client cannot make the
// server grow without bound.
import { randomUUID } from "node:crypto";
import { chmod, lstat, rm } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ErrorCode, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { UnsafeStateError } from "../system/state.js";
import { bearerChecker } from "./http-auth.js";
import { createServer, type CreateServerOptions } from "./server.js";
import { jsonRpcError, MAX_MESSAGE_BYTES } from "./stdio.js";

export const LOOPBACK = "127.0.0.1";
export const MCP_PATH = "/mcp";
export const DEFAULT_MAX_SESSIONS = 16;
export const DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000;

export interface HttpServeOptions extends CreateServerOptions {
  /** The secret every request must send as `Authorization: Bearer <token>`. */
  token: string;
  /** Live sessions at most; an initialize beyond them gets 503. */
  maxSessions?: number;
  /** A session without requests for this long is closed (a request in progress keeps it alive). */
  idleTimeoutMs?: number;
  /** The largest request body, in bytes; larger ones get 413. */
  maxBodyBytes?: number;
}

/** Where to listen: a TCP port on 127.0.0.1 (0: a free one) or a Unix socket path. */
export type HttpListen = { port: number } | { socket: string };

export interface HttpServerHandle {
  /** The TCP port (undefined on a Unix socket). */
  port?: number;
  socket?: string;
  url: string;
  /** Live sessions (for tests and diagnostics). */
  sessionCount(): number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  cleanup: () => Promise<void>;
  /** Requests in progress: the idle clock stops while there are any. */
  active: number;
  timer?: NodeJS.Timeout;
}

class BodyTooLarge extends Error {}

/** Read a body of at most `limit` bytes; past it, stop buffering and throw BodyTooLarge. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers["content-length"]) > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      chunks = [];
      req.off("data", onData);
      req.resume(); // the rest is discarded, not kept
      reject(new BodyTooLarge());
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function jsonError(res: ServerResponse, status: number, message: string, code: number = -32000, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(jsonRpcError(code, message));
}

export async function serveHttp(listen: HttpListen, options: HttpServeOptions): Promise<HttpServerHandle> {
  if (!options.token) throw new Error("serveHttp needs a token");
  const authorized = bearerChecker(options.token);
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxBody = options.maxBodyBytes ?? MAX_MESSAGE_BYTES;
  const onSocket = "socket" in listen;
  const sessions = new Map<string, Session>();
  let pending = 0; // initializations under way, counted against the cap
  let allowedHosts: string[] = [];

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    clearTimeout(s.timer);
    await s.transport.close().catch(() => {});
    await s.cleanup().catch(() => {});
  };
  const idleClock = (id: string, s: Session) => {
    clearTimeout(s.timer);
    if (s.active === 0) s.timer = setTimeout(() => void closeSession(id), idleTimeoutMs).unref();
  };
  const track = (id: string, s: Session, res: ServerResponse) => {
    s.active++;
    clearTimeout(s.timer);
    res.once("close", () => {
      s.active--;
      if (sessions.get(id) === s) idleClock(id, s);
    });
  };

  // DNS rebinding: a web page can make the browser send to 127.0.0.1 under its own host name.
  // Checked here, before any server is made, and again by the SDK transport. Not on a Unix
  // socket, which browsers cannot reach.
  const foreign = (req: IncomingMessage): string | undefined => {
    if (onSocket) return undefined;
    if (!allowedHosts.includes(req.headers.host ?? "")) return `Host not allowed: ${req.headers.host ?? "(none)"}`;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`)) return `Origin not allowed: ${origin}`;
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refused = foreign(req);
    if (refused) return jsonError(res, 403, refused, -32000, { connection: "close" });
    if (!authorized(req.headers.authorization))
      return jsonError(res, 401, "unauthorized: send Authorization: Bearer <token> (see `nix-warden serve --help`)", -32000, { "www-authenticate": 'Bearer realm="nix-warden"', connection: "close" });
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== MCP_PATH) return jsonError(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (req.method === "POST") {
      let body: unknown;
      try {
        const raw = await readBody(req, maxBody);
        body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch (e) {
        if (e instanceof BodyTooLarge) return jsonError(res, 413, `message too large: over ${maxBody} bytes`, ErrorCode.InvalidRequest, { connection: "close" });
        if (e instanceof SyntaxError) return jsonError(res, 400, "parse error: the body is not JSON", ErrorCode.ParseError);
        throw e;
      }
      if (existing) {
        track(sessionId as string, existing, res);
        return existing.transport.handleRequest(req, res, body);
      }
      if (sessionId !== undefined) return jsonError(res, 404, "unknown session");
      if (!isInitializeRequest(body)) return jsonError(res, 400, "no session: send initialize first");
      if (sessions.size + pending >= maxSessions) return jsonError(res, 503, `too many sessions (${maxSessions}); close one or wait for idle ones to expire`, -32000, { "retry-after": "60" });
      pending++;
      const { server, cleanup } = createServer(options);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableDnsRebindingProtection: !onSocket,
        allowedHosts,
        allowedOrigins: allowedHosts.map((h) => `http://${h}`),
        onsessioninitialized: (id) => {
          const s: Session = { transport, cleanup, active: 0 };
          sessions.set(id, s);
          idleClock(id, s);
        },
        onsessionclosed: (id) => void closeSession(id),
      });
      transport.onclose = () => {
        if (transport.sessionId) void closeSession(transport.sessionId);
      };
      try {
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      } finally {
        pending--;
        // An initialize the transport refused made no session: release its server now.
        if (!transport.sessionId || !sessions.has(transport.sessionId)) {
          await transport.close().catch(() => {});
          await cleanup().catch(() => {});
        }
      }
      return;
    }
    if (req.method === "GET" || req.method === "DELETE") {
      if (!existing) return jsonError(res, sessionId === undefined ? 400 : 404, sessionId === undefined ? "missing mcp-session-id" : "unknown session");
      track(sessionId as string, existing, res);
      return existing.transport.handleRequest(req, res);
    }
    res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
  };

  const http: HttpServer = createHttpServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) jsonError(res, 500, e.message, ErrorCode.InternalError);
      else res.end();
    });
  });

  if ("socket" in listen) {
    const path = listen.socket;
    // Created owner-only from the start (umask), so no other user can connect in between.
    const umask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen(path, () => resolve());
      });
    } finally {
      process.umask(umask);
    }
    await chmod(path, 0o600);
    const st = await lstat(path);
    if (!st.isSocket() || st.mode & 0o077) {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      throw new UnsafeStateError(`refusing to serve on ${path}: it is not an owner-only socket`, path);
    }
    allowedHosts = ["localhost"];
  } else {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(listen.port, LOOPBACK, () => resolve());
    });
    const actual = (http.address() as AddressInfo).port;
    allowedHosts = [`${LOOPBACK}:${actual}`, `localhost:${actual}`];
  }

  const port = "port" in listen ? (http.address() as AddressInfo).port : undefined;
  return {
    port,
    socket: "socket" in listen ? listen.socket : undefined,
    url: port !== undefined ? `http://${LOOPBACK}:${port}${MCP_PATH}` : `http://localhost${MCP_PATH}`,
    sessionCount: () => sessions.size,
    close: async () => {
      for (const id of [...sessions.keys()]) await closeSession(id);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if ("socket" in listen) await rm(listen.socket, { force: true });
    },
  };
}
