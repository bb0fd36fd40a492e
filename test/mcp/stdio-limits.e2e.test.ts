// The stdio transport with messages it cannot take: a line over the size limit, a line that is
// not JSON, a request that is not JSON-RPC. Each gets a JSON-RPC error (id null when the id cannot
// be read) and the session goes on. Before, an oversized line closed the session without a word.
import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../../src/mcp/stdio.js";
import { stdioServer, workspace } from "./helpers.js";

describe("serve (stdio) message limits", () => {
  it("answers an oversized line with a JSON-RPC error and keeps the session", async () => {
    const { repo } = await workspace();
    const s = await stdioServer(repo);
    await s.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
    expect((await s.answer(1)).result).toBeDefined();
    await s.send({ jsonrpc: "2.0", method: "notifications/initialized" });

    // A ping carrying 5 MiB, written in pieces as a pipe delivers it.
    const big = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping", params: { pad: "x".repeat(MAX_MESSAGE_BYTES + 1024 * 1024) } }) + "\n";
    for (let i = 0; i < big.length; i += 256 * 1024) await s.write(big.slice(i, i + 256 * 1024));
    const tooLarge = await s.answer(null);
    expect(tooLarge.error).toEqual({ code: -32600, message: expect.stringMatching(/too large/) });
    expect(s.messages.some((m) => m.id === 2)).toBe(false);

    await s.send({ jsonrpc: "2.0", id: 3, method: "ping" });
    expect((await s.answer(3)).result).toEqual({});

    await s.write("this is not json\n");
    await s.send({ jsonrpc: "2.0", id: 4, method: 42 });
    expect((await s.answer(4)).error?.code).toBe(-32600);
    expect(s.messages.filter((m) => m.id === null).map((m) => m.error?.code)).toEqual([-32600, -32700]);
    await s.send({ jsonrpc: "2.0", id: 5, method: "tools/list" });
    expect((await s.answer(5)).result).toHaveProperty("tools");

    expect(s.child.exitCode).toBeNull();
    s.child.stdin.end();
    expect(await s.exited).toBe(0);
  });
});
