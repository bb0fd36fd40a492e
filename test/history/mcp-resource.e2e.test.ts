// The history as an MCP resource: the built server over stdio, read by the SDK's client, serving
// what `nix-warden run` recorded.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLE_DIR, prepareExample } from "../../src/drift/demo.js";
import { runCli } from "../helpers/cli.js";
import { connect, onCleanup, tempDir, workspace } from "../mcp/helpers.js";

describe("MCP resource nix-warden://history", () => {
  it("lists and serves the trend of the recorded runs, headline first", async () => {
    const ex = await prepareExample();
    onCleanup(() => ex.cleanup());
    const dir = join(await tempDir("nix-warden-history-mcp-"), "history");
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["run", "--flake", ex.repo, "--host", "web1", "--drift", "--root", ex.root, "--declared", join(EXAMPLE_DIR, "declared.json"), "--output-dir", dir]);
      expect(r.code, r.stderr).toBe(0);
    }
    const { repo } = await workspace();
    const c = await connect({ cwd: repo, env: { NIX_WARDEN_HISTORY_DIR: dir } });
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri)).toContain("nix-warden://history");
    const read = await c.client.readResource({ uri: "nix-warden://history" });
    const body = JSON.parse((read.contents[0] as { text: string }).text);
    expect(body.dir).toBe(dir);
    expect(body.headlines).toEqual(["drift on web1: 26 (unchanged since the previous run; 0 new, 0 fixed)"]);
    expect(body.series[0].runs.map((r: { total: number }) => r.total)).toEqual([26, 26]);
  });

  it("an empty history is an empty list, not an error", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo, env: { NIX_WARDEN_HISTORY_DIR: join(await tempDir(), "none") } });
    const body = JSON.parse(((await c.client.readResource({ uri: "nix-warden://history" })).contents[0] as { text: string }).text);
    expect(body.series).toEqual([]);
  });
});
