// nix-warden's state is not the repository's: the MCP tools keep their reports (and default output
// files) in the state directory, keyed by the repository, so a repository cannot redirect them and
// the "read-only" tools leave the working tree as it was. The built server over stdio, the SDK's
// client, real git repositories.
import { execFileSync } from "node:child_process";
import { cp, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { DriftReportX } from "../../src/drift/model.js";
import { SecurityReport } from "../../src/report/schema.js";
import { repoKey, stateBase } from "../../src/system/state.js";
import { connect, linkedReport, tempDir } from "./helpers.js";

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

const text = (r: Result) => r.content.filter((c) => c.type === "text").map((c) => (c as { text: string }).text).join("\n");

async function call(c: Awaited<ReturnType<typeof connect>>, name: string, args: Record<string, unknown>): Promise<Result> {
  return (await c.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 120_000 })) as Result;
}

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "pipe", timeout: 30_000 }).toString();
}

/** `<ws>/repo`: the drift example's flake (two hosts' worth of findings), committed, plus what the
 * test adds before the commit; `<ws>/outside`: an empty directory next to it; `<ws>/inputs`: a
 * machine root and its declared state for check_drift, in a second root. */
async function setup(add: (repo: string, ws: string) => Promise<void> = async () => {}): Promise<{ ws: string; repo: string; outside: string; inputs: string }> {
  const { materializeRoot } = await import("../../src/drift/root-spec.js");
  const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
  const ws = await tempDir();
  const repo = join(ws, "repo");
  const outside = join(ws, "outside");
  const inputs = join(ws, "inputs");
  await cp(join(EXAMPLE_DIR, "flake"), repo, { recursive: true });
  await mkdir(outside);
  await materializeRoot(join(EXAMPLE_DIR, "system"), join(inputs, "machine"));
  await writeFile(join(inputs, "declared.json"), await readFile(join(EXAMPLE_DIR, "declared.json")));
  await add(repo, ws);
  git(repo, "init", "-q");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "config");
  return { ws, repo, outside, inputs };
}

const porcelain = (repo: string) => git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all");

describe("state outside the repository", () => {
  it("a committed `.nix-warden -> ../outside` symlink redirects nothing: security_scan and check_drift write nothing into the repository or through the link", async () => {
    const { repo, outside, inputs } = await setup((repo) => symlink("../outside", join(repo, ".nix-warden")));
    expect(porcelain(repo)).toBe("");
    const c = await connect({ cwd: repo, args: ["--root", repo, "--root", inputs] });

    const scan = await call(c, "security_scan", {});
    expect(scan.isError, text(scan)).toBeFalsy();
    expect(SecurityReport.parse(await linkedReport(c.client, scan)).findings.length).toBeGreaterThan(0);
    expect(await readdir(outside)).toEqual([]); // the report used to land here, through the link
    // Output files without an outputDir go to the state directory too (they went to <repo>/.nix-warden/output).
    const files = await call(c, "security_scan", { quick: true, formats: ["markdown", "json", "sarif"] });
    expect(files.isError, text(files)).toBeFalsy();
    const drift = await call(c, "check_drift", { declaredFile: join(inputs, "declared.json"), root: join(inputs, "machine"), host: "web1" });
    expect(drift.isError, text(drift)).toBeFalsy();
    expect(DriftReportX.parse(await linkedReport(c.client, drift)).drifted).toBe(true);

    // Nothing went through the link, and the working tree is as it was, ignored files included.
    expect(await readdir(outside)).toEqual([]);
    expect(porcelain(repo)).toBe("");
    expect((await lstat(join(repo, ".nix-warden"))).isSymbolicLink()).toBe(true);
    // The reports and files are in the repository's state directory, and are resources.
    const state = join(stateBase(), "repos", await repoKey(repo));
    expect(await readdir(join(state, "reports", "security", "all"))).toHaveLength(2);
    expect(await readdir(join(state, "reports", "drift", "web1"))).toHaveLength(1);
    expect((await readdir(join(state, "output"))).sort()).toEqual(["security-issues.json", "security-report.md", "security.sarif"]);
    expect((files.structuredContent as { filesWritten?: string[] }).filesWritten).toContain(join(state, "output", "security-report.md"));
    const latest = await c.client.readResource({ uri: "nix-warden://reports/drift/web1/latest.json" });
    expect(JSON.parse((latest.contents[0] as { text: string }).text).host).toBe("web1");
  });

  it("an explicit outputDir with a symlink inside the root, or a symlinked output file, is refused and nothing is written through it", async () => {
    const { repo, outside } = await setup(async (repo) => {
      await mkdir(join(repo, "real-out"));
      await symlink("real-out", join(repo, "out-link")); // stays inside the root, still refused
      await mkdir(join(repo, "reports"));
      await writeFile(join(repo, "reports", "README"), "generated reports land here\n");
      await symlink("../../outside/bashrc", join(repo, "reports", "security-report.md"));
    });
    await writeFile(join(outside, "bashrc"), "# the user's shell\n");
    const c = await connect({ cwd: repo });

    const viaDir = await call(c, "security_scan", { quick: true, formats: ["json"], outputDir: "out-link/x" });
    expect(viaDir.isError).toBe(true);
    expect(text(viaDir)).toContain(`goes through the symbolic link ${join(repo, "out-link")}`);
    const viaFile = await call(c, "security_scan", { quick: true, formats: ["markdown"], outputDir: "reports" });
    expect(viaFile.isError).toBe(true);
    expect(text(viaFile)).toContain("holds a symbolic link security-report.md");
    expect(await readFile(join(outside, "bashrc"), "utf8")).toBe("# the user's shell\n");
    expect(await readdir(join(repo, "real-out"))).toEqual([]);
    expect(porcelain(repo)).toBe("");
    // A plain directory inside the root still gets the files.
    const ok = await call(c, "security_scan", { quick: true, formats: ["json"], outputDir: "real-out" });
    expect(ok.isError, text(ok)).toBeFalsy();
    expect(await readdir(join(repo, "real-out"))).toEqual(["security-issues.json"]);
  });

  it("keeps reports across a server restart, as resources, in owner-only (0700) directories", async () => {
    const { repo } = await setup();
    const first = await connect({ cwd: repo });
    const scans = [await call(first, "security_scan", { quick: true }), await call(first, "security_scan", { quick: true, hosts: ["web1"] })];
    const uris = scans.map((s) => (s.content.find((x) => x.type === "resource_link") as { uri: string }).uri);
    await first.close();

    const second = await connect({ cwd: repo });
    const { resources } = await second.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining([...uris, "nix-warden://reports/security/all/latest.json", "nix-warden://reports/security/web1/latest.json"]));
    const back = await second.client.readResource({ uri: uris[0]! });
    expect(JSON.parse((back.contents[0] as { text: string }).text).generatedAt).toBe((scans[0]!.structuredContent as { report: { generatedAt: string } }).report.generatedAt);
    const index = JSON.parse(((await second.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text);
    expect(index.reports.map((r: { uri: string }) => r.uri)).toEqual([...uris].reverse()); // newest first
    // A third scan after the restart sorts after the stored ones.
    const third = await call(second, "security_scan", { quick: true });
    const thirdUri = (third.content.find((x) => x.type === "resource_link") as { uri: string }).uri;
    expect(thirdUri.split("/").pop()! > uris[1]!.split("/").pop()!).toBe(true);

    const state = join(stateBase(), "repos", await repoKey(repo));
    for (const dir of [stateBase(), join(stateBase(), "repos"), state, join(state, "reports"), join(state, "reports", "security"), join(state, "reports", "security", "all")])
      expect(((await stat(dir)).mode & 0o777).toString(8), dir).toBe("700");
    for (const f of await readdir(join(state, "reports", "security", "all")))
      expect(((await stat(join(state, "reports", "security", "all", f))).mode & 0o777).toString(8), f).toBe("600");
    expect(porcelain(repo)).toBe("");
  });

  it("refuses a reports directory in the state directory that is a symlink (planted by someone else), and writes nothing through it", async () => {
    const { repo, outside } = await setup();
    const state = join(stateBase(), "repos", await repoKey(repo));
    await mkdir(state, { recursive: true, mode: 0o700 });
    await symlink(outside, join(state, "reports"));
    const c = await connect({ cwd: repo });
    const r = await call(c, "security_scan", { quick: true });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/refusing to use .*reports: it is a symbolic link/);
    expect(await readdir(outside)).toEqual([]);
  });
});
