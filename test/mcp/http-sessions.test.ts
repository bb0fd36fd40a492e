// The HTTP server's bounds, in process (serveHttp on a free loopback port, real HTTP requests and
// the SDK client): live sessions are capped, idle ones expire and release their server, closed
// ones leave the session map, bodies over the limit get 413 before they are buffered, and the Unix
// socket is owner-only. Before, every initialize kept a server forever (RSS grew with each one).
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { serveHttp, type HttpServeOptions, type HttpServerHandle } from "../../src/mcp/http.js";
import { MAX_MESSAGE_BYTES } from "../../src/mcp/stdio.js";
import { onCleanup, tempDir, waitFor, workspace } from "./helpers.js";

const TOKEN = randomBytes(32).toString("base64url");
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${TOKEN}`, "mcp-protocol-version": "2025-06-18" };

async function start(options: Partial<HttpServeOptions> = {}, listen: { port: number } | { socket: string } = { port: 0 }): Promise<HttpServerHandle> {
  const { repo } = await workspace();
  const handle = await serveHttp(listen, { cwd: repo, token: TOKEN, ...options });
  onCleanup(() => handle.close());
  return handle;
}

/** An initialize over plain fetch, as a client that never comes back would send it. */
async function initialize(url: string): Promise<{ status: number; session: string | null; body: string }> {
  const res = await fetch(url, { method: "POST", headers: HEADERS, body: JSON.stringify(INIT) });
  return { status: res.status, session: res.headers.get("mcp-session-id"), body: await res.text() };
}

const terminate = (url: string, session: string) => fetch(url, { method: "DELETE", headers: { ...HEADERS, "mcp-session-id": session } });

describe("serve --http: sessions and limits", () => {
  it("refuses sessions past the cap with 503 and a JSON-RPC error, and expires idle ones", async () => {
    const h = await start({ maxSessions: 3, idleTimeoutMs: 3_000 });
    for (let i = 0; i < 3; i++) expect((await initialize(h.url)).status).toBe(200);
    expect(h.sessionCount()).toBe(3);
    const refused = await initialize(h.url);
    expect(refused.status).toBe(503);
    expect(refused.session).toBeNull();
    expect(JSON.parse(refused.body)).toMatchObject({ jsonrpc: "2.0", id: null, error: { message: expect.stringMatching(/too many sessions/) } });
    // The SDK client is refused as well.
    const client = new Client({ name: "t", version: "1" });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(h.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }))).rejects.toThrow(/503|too many sessions/);
    expect(h.sessionCount()).toBe(3);

    // Nobody comes back: the sessions expire and a new client gets in.
    await waitFor(() => h.sessionCount() === 0, 15_000, "idle sessions to expire");
    expect((await initialize(h.url)).status).toBe(200);
  });

  it("keeps a session alive while its client is connected, and expires it once the client is gone", async () => {
    const h = await start({ idleTimeoutMs: 1_000 });
    const client = new Client({ name: "t", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(h.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });
    await client.connect(transport);
    onCleanup(() => client.close());
    // Connected for 1.5 s, past the idle timeout.
    for (let i = 0; i < 5; i++) {
      await client.ping();
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(h.sessionCount()).toBe(1);
    await client.close(); // drops its connections without DELETE
    await waitFor(() => h.sessionCount() === 0, 15_000, "the idle session to expire");
    const stale = await fetch(h.url, { method: "POST", headers: { ...HEADERS, "mcp-session-id": transport.sessionId! }, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }) });
    expect(stale.status).toBe(404);
  });

  it("releases closed sessions: 300 initialize + DELETE cycles under a cap of 3", async () => {
    const h = await start({ maxSessions: 3, idleTimeoutMs: 600_000 });
    for (let i = 0; i < 300; i++) {
      const { status, session } = await initialize(h.url);
      expect(status).toBe(200);
      expect((await terminate(h.url, session!)).status).toBe(200);
    }
    expect(h.sessionCount()).toBe(0);
  });

  it("answers a body over the limit with 413 and a JSON-RPC error, before buffering it; the session goes on", async () => {
    const h = await start();
    const { session } = await initialize(h.url);
    const big = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping", params: { pad: "x".repeat(MAX_MESSAGE_BYTES) } });
    // With a Content-Length: refused on the header.
    const declared = await fetch(h.url, { method: "POST", headers: { ...HEADERS, "mcp-session-id": session! }, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600, message: expect.stringMatching(/too large/) } });

    // Chunked, no length announced: refused once the bytes read pass the limit.
    const u = new URL(h.url);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ hostname: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { ...HEADERS, "mcp-session-id": session! } }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      const piece = "x".repeat(256 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < MAX_MESSAGE_BYTES * 2) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    }).catch((e: Error) => ({ status: -1, body: e.message }));
    expect(chunked.status, chunked.body).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe(-32600);

    const ping = await fetch(h.url, { method: "POST", headers: { ...HEADERS, "mcp-session-id": session! }, body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping" }) });
    expect(ping.status).toBe(200);
    expect(await ping.text()).toMatch(/"id":3/);
  });

  it("serves on an owner-only Unix socket, still asking for the token", async () => {
    const socket = join(await tempDir("nw-sock-"), "mcp.sock");
    const h = await start({}, { socket });
    const st = await stat(socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ socketPath: socket, path: "/mcp", method: "POST", headers: { host: "localhost", ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(JSON.stringify(INIT));
      });
    const { authorization: _, ...withoutToken } = HEADERS;
    expect(await post(withoutToken)).toBe(401);
    expect(await post(HEADERS)).toBe(200);
    expect(h.sessionCount()).toBe(1);
    await h.close();
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });
});
