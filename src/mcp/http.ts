// The streamable HTTP transport on loopback only (`nix-warden serve --http PORT`): one MCP session,
// with its own server and roots, per client. It binds 127.0.0.1 and checks Host and Origin headers
// (DNS rebinding), so only local programs reach it.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { createServer, type CreateServerOptions } from "./server.js";

export const LOOPBACK = "127.0.0.1";
export const MCP_PATH = "/mcp";
const MAX_BODY = 4 * 1024 * 1024;

interface Session {
  transport: StreamableHTTPServerTransport;
  cleanup: () => Promise<void>;
}

export interface HttpServerHandle {
  port: number;
  url: string;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
      } catch {
        reject(new Error("request body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

export async function serveHttp(port: number, options: CreateServerOptions = {}): Promise<HttpServerHandle> {
  const sessions = new Map<string, Session>();
  let allowedHosts: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${LOOPBACK}`);
    if (url.pathname !== MCP_PATH) return jsonError(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (req.method === "POST") {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (e) {
        return jsonError(res, 400, (e as Error).message);
      }
      if (existing) return existing.transport.handleRequest(req, res, body);
      if (sessionId !== undefined) return jsonError(res, 404, "unknown session");
      if (!isInitializeRequest(body)) return jsonError(res, 400, "no session: send initialize first");
      const { server, cleanup } = createServer(options);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableDnsRebindingProtection: true,
        allowedHosts,
        allowedOrigins: allowedHosts.map((h) => `http://${h}`),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, cleanup });
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
          cleanup().catch(() => {});
        },
      });
      transport.onclose = () => {
        if (transport.sessionId && sessions.delete(transport.sessionId)) cleanup().catch(() => {});
      };
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (req.method === "GET" || req.method === "DELETE") {
      if (!existing) return jsonError(res, sessionId === undefined ? 400 : 404, sessionId === undefined ? "missing mcp-session-id" : "unknown session");
      return existing.transport.handleRequest(req, res);
    }
    res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
  };

  const http: HttpServer = createHttpServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) jsonError(res, 500, e.message);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, LOOPBACK, () => resolve());
  });
  const actual = (http.address() as AddressInfo).port;
  allowedHosts = [`${LOOPBACK}:${actual}`, `localhost:${actual}`];
  return {
    port: actual,
    url: `http://${LOOPBACK}:${actual}${MCP_PATH}`,
    close: async () => {
      for (const [id, s] of sessions) {
        sessions.delete(id);
        await s.transport.close().catch(() => {});
        await s.cleanup().catch(() => {});
      }
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
