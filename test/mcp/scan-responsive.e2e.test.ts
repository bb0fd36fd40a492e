// The server keeps answering while it scans. The scan is synchronous work file after file; before,
// a big repository (or one hostile file) kept the event loop for the whole scan and a ping waited
// tens of seconds. Now the scan yields between files, so a ping is answered at once.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { connect, waitFor, workspace } from "./helpers.js";

describe("security_scan and the event loop", () => {
  it("answers a ping quickly while a long scan runs", async () => {
    const { ws, repo } = await workspace();
    // Many files of ordinary module code plus one large one: seconds of scanning (240 files: 60 became
    // too quick for the assertion below once the scan got faster).
    const module = (i: number) => `{ config, lib, ... }: {\n${Array.from({ length: 300 }, (_, j) => `  services.s${i}x${j}.enable = lib.mkDefault true;\n`).join("")}}\n`;
    await Promise.all(Array.from({ length: 240 }, (_, i) => writeFile(join(repo, `m${i}.nix`), module(i))));
    await writeFile(join(repo, "big.nix"), `{ ... }: { environment.etc.x.text = a${".b".repeat(500_000)}; }\n`);
    const c = await connect({ cwd: ws });
    await c.client.ping();

    const progress: string[] = [];
    const started = performance.now();
    let finished = 0;
    const pending = c.client
      .callTool({ name: "security_scan", arguments: { path: "repo", quick: true } }, CallToolResultSchema, {
        timeout: 300_000,
        onprogress: (p) => progress.push(p.message ?? ""),
      })
      .then((r) => {
        finished = performance.now();
        return r;
      });
    // Once the scan is reading files, ping a few times while it runs.
    await waitFor(() => progress.some((m) => /^read: /.test(m)), 60_000, "the scan to start reading files");
    const pings: number[] = [];
    for (let i = 0; i < 3 && !finished; i++) {
      const t = performance.now();
      await c.client.ping();
      if (!finished) pings.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = await pending;
    const scanMs = finished - started;
    expect(result.isError).toBeFalsy();
    // The pings were sent while the scan was running, and the scan took much longer than a ping.
    expect(pings.length).toBeGreaterThan(0);
    expect(scanMs).toBeGreaterThan(1_500);
    for (const p of pings) expect(p).toBeLessThan(1_000);
  }, 300_000);
});
