// Streamable HTTP: `serve --http 0` as a child process and the SDK's HTTP client transport. The
// attack: any local process (another user) can reach 127.0.0.1, so without the bearer token a
// request must be refused before it reaches a tool. Also: the token file is the owner's only,
// DNS-rebinding protection (a foreign Host header is refused), and a clean stop on SIGTERM.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { SecurityAnswer } from "../../src/mcp/summary.js";
import { CLI, onCleanup, tempDir, waitFor, workspace } from "./helpers.js";

const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };

function post(url: string, host: string, body: unknown, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { host, "content-type": "application/json", accept: "application/json, text/event-stream" };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request({ hostname: u.hostname, port: u.port, path: u.pathname, method: "POST", headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** `nix-warden serve --http 0 ...` with its own state directory; resolves once it listens. */
async function startServer(cwd: string, args: string[] = []) {
  const state = join(await tempDir("nix-warden-http-state-"), "state");
  const child: ChildProcess = spawn(process.execPath, [CLI, "serve", "--http", "0", ...args], {
    cwd,
    env: { ...process.env, NIX_WARDEN_STATE_DIR: state },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  onCleanup(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)?.[1], 20_000, "the server to listen");
  return { child, exited, url, state, stdout: () => stdout, stderr: () => stderr };
}

async function connectClient(url: string, token: string) {
  const client = new Client({ name: "http-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  onCleanup(() => client.close());
  return { client, transport };
}

const commits = (repo: string) => Number(execFileSync("git", ["rev-list", "--count", "--all"], { cwd: repo, encoding: "utf8" }).trim());
const porcelain = (repo: string) => execFileSync("git", ["status", "--porcelain"], { cwd: repo, encoding: "utf8" });

describe("serve --http", () => {
  it("refuses requests without the right bearer token before they reach a tool (the attack: another local user applies a plan)", async () => {
    const { repo } = await workspace();
    const srv = await startServer(repo);
    const tokenPath = join(srv.state, "http-token");
    const token = (await readFile(tokenPath, "utf8")).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(srv.stderr()).toContain(tokenPath);
    expect(srv.stderr()).not.toContain(token);

    // The owner's client, with the token: plans a fix (a dry run, nothing changes).
    const { client, transport } = await connectClient(srv.url, token);
    await client.callTool({ name: "security_scan", arguments: { quick: true } });
    const planned = await client.callTool({ name: "remediate", arguments: {} });
    const planId = (planned.structuredContent as { plan?: { id: string; actions: unknown[] } }).plan?.id;
    expect(planId, JSON.stringify(planned.content)).toBeTruthy();
    const before = commits(repo);

    // The attacker: no token, a wrong one of the right length, one of another length, another scheme.
    const apply = { jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "remediate", arguments: { apply: planId, confirm: true } } };
    const attempt = (authorization: string | undefined, body: object, session?: string) =>
      fetch(srv.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
          ...(session ? { "mcp-session-id": session } : {}),
          ...(authorization !== undefined ? { authorization } : {}),
        },
        body: JSON.stringify(body),
      });
    const wrongSameLength = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const authorization of [undefined, `Bearer ${wrongSameLength}`, "Bearer short", `Bearer ${token}x`, `Basic ${token}`, "Bearer "]) {
      for (const res of [await attempt(authorization, INIT), await attempt(authorization, apply, transport.sessionId)]) {
        expect(res.status, String(authorization)).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(await res.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: expect.any(Number), message: expect.stringMatching(/unauthorized/) } });
      }
    }
    // Nothing reached the remediate tool: no commit, no edited file.
    expect(commits(repo)).toBe(before);
    expect(porcelain(repo)).toBe("");

    // The same request with the token does apply (so the refusals above are what stopped it).
    const res = await attempt(`Bearer ${token}`, apply, transport.sessionId);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/applied/);
    expect(commits(repo)).toBeGreaterThan(before);
    expect(srv.stdout()).toBe("");
  });

  it("writes the token owner-only (0600 in a 0700 directory) and takes a --token-file only if it is the owner's alone", async () => {
    const { repo, ws } = await workspace();
    const srv = await startServer(repo);
    const tokenPath = join(srv.state, "http-token");
    expect((await stat(tokenPath)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(tokenPath))).mode & 0o777).toBe(0o700);
    srv.child.kill("SIGTERM");
    expect(await srv.exited).toBe(0);

    const own = join(ws, "token");
    await writeFile(own, "my-own-token-of-more-than-32-characters\n", { mode: 0o644 });
    await chmod(own, 0o644);
    const refused = spawn(process.execPath, [CLI, "serve", "--http", "0", "--token-file", own], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    refused.stderr.on("data", (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => refused.once("exit", resolve))).toBe(2);
    expect(err).toMatch(/group or others/);

    await chmod(own, 0o600);
    const mine = await startServer(repo, ["--token-file", own]);
    expect(await post(mine.url, `127.0.0.1:${new URL(mine.url).port}`, INIT, "my-own-token-of-more-than-32-characters")).toBe(200);
    expect(await post(mine.url, `127.0.0.1:${new URL(mine.url).port}`, INIT, "x".repeat(40))).toBe(401);
  });

  it("serves MCP on 127.0.0.1 only, refuses foreign Host headers, and stops on SIGTERM", async () => {
    const { repo } = await workspace();
    const srv = await startServer(repo);
    const token = (await readFile(join(srv.state, "http-token"), "utf8")).trim();
    const url = srv.url;

    const { client, transport } = await connectClient(url, token);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("security_scan");
    const r = await client.callTool({ name: "security_scan", arguments: { quick: true } });
    expect(SecurityAnswer.parse(r.structuredContent).summary.root).toBe(repo);
    const outside = await client.callTool({ name: "security_scan", arguments: { path: "/" } });
    expect(outside.isError).toBe(true);
    await transport.terminateSession();
    await client.close();

    const port = new URL(url).port;
    expect(await post(url, `evil.example:${port}`, INIT, token)).toBe(403);
    expect(await post(url.replace("/mcp", "/other"), `127.0.0.1:${port}`, INIT, token)).toBe(404);
    expect(await post(url, `127.0.0.1:${port}`, { jsonrpc: "2.0", id: 2, method: "tools/list" }, token)).toBe(400);

    // Bound to loopback: the machine's other addresses do not answer.
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    if (external) await expect(post(url.replace("127.0.0.1", external), `${external}:${port}`, INIT, token)).rejects.toThrow(/ECONNREFUSED/);

    srv.child.kill("SIGTERM");
    expect(await srv.exited).toBe(0);
    await expect(post(url, `127.0.0.1:${port}`, INIT, token)).rejects.toThrow(/ECONNREFUSED/);
  });
});

