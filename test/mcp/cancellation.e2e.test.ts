// Cancellation: a client aborting a long call (notifications/cancelled) stops the program the tool
// started. A scan whose systemd-analyze hangs, and a drift check whose nix eval hangs; both are
// stand-ins on PATH (a real one cannot be made to hang on demand), recording their PIDs. The sleep
// is exec'd, so the PID is the process the server started.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { alive, connect, driftExampleWorkspace, fakeBin, linkedReport, waitFor, workspace } from "./helpers.js";

async function pids(bin: string, name: string): Promise<number[]> {
  const text = await readFile(join(bin, `${name}.pids`), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map(Number);
}

describe("cancellation", () => {
  it("stops a scan's hanging systemd-analyze when the client cancels, and the server keeps serving", async () => {
    const { repo } = await workspace();
    const bin = await fakeBin({ "systemd-analyze": "exec sleep 600" });
    const c = await connect({ cwd: repo, env: { PATH: `${bin}:${process.env.PATH}` } });
    const controller = new AbortController();
    const pending = c.client.callTool({ name: "security_scan", arguments: {} }, CallToolResultSchema, { signal: controller.signal, timeout: 120_000 });
    const [pid] = await waitFor(async () => {
      const p = await pids(bin, "systemd-analyze");
      return p.length ? p : undefined;
    }, 30_000, "systemd-analyze to start");
    expect(alive(pid!)).toBe(true);
    controller.abort("the user changed their mind");
    await expect(pending).rejects.toThrow();
    await waitFor(() => !alive(pid!), 10_000, `process ${pid} to end`);
    // No report was stored for the cancelled scan, and the server still answers.
    const index = JSON.parse(((await c.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text);
    expect(index.reports).toEqual([]);
    const quick = await c.client.callTool({ name: "security_scan", arguments: { quick: true } });
    expect(SecurityReport.parse(await linkedReport(c.client, quick)).findings.length).toBeGreaterThan(0);
    expect(await pids(bin, "systemd-analyze")).toEqual([pid]); // quick mode ran no external program
  });

  it("stops a drift check's hanging nix eval when the client cancels", async () => {
    const { ws } = await driftExampleWorkspace();
    const bin = await fakeBin({ nix: "exec sleep 600" });
    const c = await connect({ cwd: ws, env: { PATH: `${bin}:${process.env.PATH}` } });
    const controller = new AbortController();
    const progress: string[] = [];
    const pending = c.client.callTool({ name: "check_drift", arguments: { flake: "nixos-config", host: "web1", root: "machine", noCache: true } }, CallToolResultSchema, {
      signal: controller.signal,
      timeout: 120_000,
      onprogress: (p) => progress.push(p.message ?? ""),
    });
    const started = await waitFor(async () => {
      const p = await pids(bin, "nix");
      return p.length ? p : undefined;
    }, 30_000, "nix to start");
    expect(started.every(alive)).toBe(true);
    expect(progress[0]).toContain("evaluating");
    controller.abort();
    await expect(pending).rejects.toThrow();
    for (const pid of started) await waitFor(() => !alive(pid), 10_000, `nix (${pid}) to end`);
    const hosts = await c.client.callTool({ name: "list_hosts", arguments: { path: "nixos-config" } });
    expect(hosts.isError).toBeFalsy();
  });
});
