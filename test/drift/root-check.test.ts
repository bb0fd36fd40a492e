// The attack: `drift --root` pointed at something that is not a machine (a typo, a regular file, an
// empty directory, a repository) compared as a machine with nothing on it, found nothing wrong and
// passed `--fail-on high`. A root that is not a system root is an error: exit 2, no report.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { materializeRoot } from "../../src/drift/root-spec.js";
import { checkDrift } from "../../src/drift/index.js";
import { assertSystemRoot, InvalidRootError } from "../../src/drift/root.js";
import { runCli } from "../helpers/cli.js";
import { CLI, connect } from "../mcp/helpers.js";
import { EXAMPLE, fixture, makeRoot, tempDir } from "./helpers.js";

/** Roots that are not machines, by what is wrong with them. */
async function badRoots(dir: string): Promise<Record<string, { path: string; message: RegExp }>> {
  await writeFile(join(dir, "a-file"), "not a directory\n");
  await mkdir(join(dir, "empty"));
  await mkdir(join(dir, "repo", "etc"), { recursive: true }); // a configuration repository with an etc/ folder
  await writeFile(join(dir, "repo", "etc", "hosts"), "127.0.0.1 localhost\n");
  return {
    missing: { path: "./does-not-exist", message: /does not exist/ },
    file: { path: "a-file", message: /is not a directory/ },
    empty: { path: "empty", message: /not a system root: it has no etc\/ directory/ },
    "etc only": { path: "repo", message: /not a system root: it has etc\/ but none of etc\/NIXOS, etc\/os-release, nix\/var, run\/current-system, var\/lib/ },
  };
}

describe("a --root that is not a system root", () => {
  it("is a usage error of the built CLI (exit 2, a clear message, no report), even with --fail-on high", async () => {
    const dir = await tempDir();
    for (const [what, bad] of Object.entries(await badRoots(dir))) {
      // With --declared the check needs nothing else: before the fix this printed "no drift" and exited 0.
      for (const extra of [["--declared", join(EXAMPLE, "declared.json")], []]) {
        const r = await runCli(["drift", "--root", bad.path, "--fail-on", "high", "--format", "json", ...extra], { cwd: dir });
        expect(r.code, `${what}: ${r.stdout}${r.stderr}`).toBe(2);
        expect(r.stderr, what).toMatch(/^nix-warden: --root: /);
        expect(r.stderr, what).toMatch(bad.message);
        expect(r.stdout, what).toBe(""); // no report that could be mistaken for a result
      }
    }
    // The same in its own process: the exit status the shell sees.
    const r = spawnSync(process.execPath, [CLI, "drift", "--root", "./does-not-exist", "--fail-on", "high", "--format", "json"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect([r.status, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(/^nix-warden: --root: .*does not exist/);
  });

  it("is an error of the library (InvalidRootError), before anything is probed or evaluated", async () => {
    const dir = await tempDir();
    for (const [what, bad] of Object.entries(await badRoots(dir))) {
      const p = checkDrift({ root: join(dir, bad.path), declaredFile: join(EXAMPLE, "declared.json"), cwd: dir });
      await expect(p, what).rejects.toBeInstanceOf(InvalidRootError);
      await expect(checkDrift({ root: join(dir, bad.path), declaredFile: join(EXAMPLE, "declared.json") }), what).rejects.toThrow(bad.message);
    }
  });

  it("is an error result (isError) of MCP check_drift, and stores no report", async () => {
    const dir = await tempDir();
    const bad = await badRoots(dir);
    await writeFile(join(dir, "declared.json"), JSON.stringify({ schemaVersion: 1, hostName: "web1" }));
    const c = await connect({ cwd: dir });
    for (const what of ["empty", "etc only"]) {
      const r = await c.client.callTool({ name: "check_drift", arguments: { declaredFile: "declared.json", root: bad[what]!.path, host: "web1" } });
      expect(r.isError, what).toBe(true);
      expect(JSON.stringify(r.content), what).toMatch(bad[what]!.message);
    }
    const index = JSON.parse(((await c.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text);
    expect(index.reports).toEqual([]);
  }, 60_000);

  it("accepts the example machine, the clean fixture and a minimal root, by their markers", async () => {
    const dir = await tempDir();
    await materializeRoot(join(EXAMPLE, "system"), join(dir, "example"));
    await materializeRoot(fixture("roots", "clean"), join(dir, "clean"));
    await assertSystemRoot(join(dir, "example"));
    await assertSystemRoot(join(dir, "clean"));
    await assertSystemRoot(await makeRoot({ files: { "etc/os-release": "ID=nixos\n" } }));
    await assertSystemRoot(await makeRoot({ dirs: ["etc", "var/lib"] }));
    // A dangling run/current-system (its store is not in the root) still marks a NixOS root.
    await assertSystemRoot(await makeRoot({ dirs: ["etc"], links: { "run/current-system": "/nix/store/x-nixos-system" } }));
  });
});
