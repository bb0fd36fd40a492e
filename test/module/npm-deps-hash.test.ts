// scripts/update-npm-deps-hash.sh: its update and --check logic, with a stand-in for nixpkgs'
// prefetch-npm-deps (not installable here: it comes from nixpkgs). The real tool runs where
// `nix develop` works; .ci/run calls the script there.
import { spawnSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nixAvailable } from "../helpers/nix.js";

const ROOT = join(import.meta.dirname, "..", "..");
const HASH = "sha256-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG=";

describe("scripts/update-npm-deps-hash.sh", () => {
  let tmp: string;
  let bin: string;
  const script = () => join(tmp, "scripts", "update-npm-deps-hash.sh");
  const runScript = (args: string[], withTool = true) =>
    spawnSync("bash", [script(), ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PATH: withTool ? `${bin}:/usr/bin:/bin` : "/usr/bin:/bin" } });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "nw-npmhash-"));
    await mkdir(join(tmp, "scripts"));
    await mkdir(join(tmp, "nix"));
    await copyFile(join(ROOT, "scripts", "update-npm-deps-hash.sh"), script());
    await copyFile(join(ROOT, "nix", "npm-deps-hash.nix"), join(tmp, "nix", "npm-deps-hash.nix"));
    await writeFile(join(tmp, "package-lock.json"), "{}\n");
    bin = join(tmp, "bin");
    await mkdir(bin);
    // Prints what the real tool prints last: the SRI hash of the lock file's dependencies.
    await writeFile(join(bin, "prefetch-npm-deps"), `#!/bin/sh\n[ "$1" = package-lock.json ] || exit 9\necho '${HASH}'\n`);
    await chmod(join(bin, "prefetch-npm-deps"), 0o755);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("without prefetch-npm-deps: exit 2, nothing checked, nothing written", async () => {
    const before = await readFile(join(tmp, "nix", "npm-deps-hash.nix"), "utf8");
    const r = runScript(["--check"], false);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("prefetch-npm-deps");
    expect(await readFile(join(tmp, "nix", "npm-deps-hash.nix"), "utf8")).toBe(before);
  });

  it("--check fails on the committed placeholder; update writes the hash; --check then passes", async () => {
    const stale = runScript(["--check"]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`needs ${HASH}`);
    const update = runScript([]);
    expect(update.status, update.stderr).toBe(0);
    const ok = runScript(["--check"]);
    expect(ok.status, ok.stderr).toBe(0);
    if (nixAvailable) {
      const v = spawnSync("nix-instantiate", ["--eval", "--json", join(tmp, "nix", "npm-deps-hash.nix")], { encoding: "utf8", timeout: 30_000 });
      expect(JSON.parse(v.stdout)).toBe(HASH);
    }
  });
});
