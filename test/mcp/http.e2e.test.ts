// Streamable HTTP on loopback: `serve --http 0` as a child process, the SDK's HTTP client transport,
// DNS-rebinding protection (a foreign Host header is refused), and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { SecurityAnswer } from "../../src/mcp/summary.js";
import { CLI, onCleanup, waitFor, workspace } from "./helpers.js";

function post(url: string, host: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { hostname: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream" } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("serve --http", () => {
  it("serves MCP on 127.0.0.1 only, refuses foreign Host headers, and stops on SIGTERM", async () => {
    const { repo } = await workspace();
    const child: ChildProcess = spawn(process.execPath, [CLI, "serve", "--http", "0"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    onCleanup(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)?.[1], 20_000, "the server to listen");

    const client = new Client({ name: "http-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("security_scan");
    const r = await client.callTool({ name: "security_scan", arguments: { quick: true } });
    expect(SecurityAnswer.parse(r.structuredContent).summary.root).toBe(repo);
    const outside = await client.callTool({ name: "security_scan", arguments: { path: "/" } });
    expect(outside.isError).toBe(true);
    await transport.terminateSession();
    await client.close();

    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    const port = new URL(url).port;
    expect(await post(url, `evil.example:${port}`, init)).toBe(403);
    expect(await post(url.replace("/mcp", "/other"), `127.0.0.1:${port}`, init)).toBe(404);
    expect(await post(url, `127.0.0.1:${port}`, { jsonrpc: "2.0", id: 2, method: "tools/list" })).toBe(400);

    // Bound to loopback: the machine's other addresses do not answer.
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    if (external) await expect(post(url.replace("127.0.0.1", external), `${external}:${port}`, init)).rejects.toThrow(/ECONNREFUSED/);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect(post(url, `127.0.0.1:${port}`, init)).rejects.toThrow(/ECONNREFUSED/);
  });
});
