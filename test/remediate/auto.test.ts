// `nix-warden run --drift --auto-remediate` (services.nix-warden.autoRemediate) against the recorded
// example machine (examples/drift): only the reverts nix-warden rates `auto` run, never a file edit,
// journaled and undoable. No command may reach THIS machine: the CLI runs with PATH holding only
// stand-ins that log their arguments (and the real git, which the journal needs), so a command that
// is not stood in fails to start instead of running.
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLE_DIR, prepareExample, type ExampleWorkspace } from "../../src/drift/demo.js";
import { readHistory } from "../../src/history/store.js";
import { cli } from "../helpers/cli.js";

const STAND_INS = ["systemctl", "nix", "nix-env", "runuser", "install", "mv", "ln", "test", "sh", "sysctl", "gpasswd", "userdel", "groupdel", "umount", "mountpoint", "nixos-rebuild", "resolvconf", "getent", "rm"];

describe("run --drift --auto-remediate on the example machine", () => {
  let ws: ExampleWorkspace;
  let tmp: string;
  let bin: string;
  let log: string;
  const gitOf = (...args: string[]) => execFileSync("git", ["-C", ws.repo, ...args], { encoding: "utf8", timeout: 30_000 });
  const logged = async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);

  beforeAll(async () => {
    ws = await prepareExample();
    tmp = await mkdtemp(join(tmpdir(), "nw-auto-"));
    bin = join(tmp, "bin");
    log = join(tmp, "commands.log");
    await mkdir(bin);
    for (const name of STAND_INS) {
      await writeFile(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${log}'\nexit 0\n`);
      await chmod(join(bin, name), 0o755);
    }
    await symlink(execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(), join(bin, "git"));
  });
  afterAll(async () => {
    await ws.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await rm(log, { force: true });
  });

  const runDrift = (out: string, extra: string[], env: Record<string, string> = {}) =>
    cli(["run", "--drift", "--flake", ws.repo, "--host", "web1", "--root", ws.root, "--declared", join(EXAMPLE_DIR, "declared.json"), "--output-dir", out, ...extra], { env: { PATH: bin, ...env } });

  it("runs the commands of the safe reverts only (packages, a stray unit), never the reviewed ones, and edits no file of the repository", async () => {
    const statusBefore = gitOf("status", "--porcelain");
    const headBefore = gitOf("rev-parse", "HEAD");
    const branchesBefore = gitOf("branch", "--list");
    const hostBefore = await readFile(join(ws.repo, "hosts", "web1.nix"));
    const out = join(tmp, "out-run");
    const r = runDrift(out, ["--auto-remediate"], { NIX_WARDEN_TEST_RUN_COMMANDS_WITH_ROOT: "1" });
    expect(r.code, r.stderr).toBe(0);
    const m = r.stdout.match(/auto-remediate: plan ([0-9a-f]{12}): (\d+) command\(s\) ran/);
    expect(m, r.stdout).not.toBeNull();
    const planId = m![1]!;
    const ran = await logged();
    // The auto reverts of the example: root's and alice's imperative packages, two stray units.
    expect(ran).toEqual(expect.arrayContaining([
      expect.stringMatching(/^nix --extra-experimental-features nix-command flakes profile remove --profile \/nix\/var\/nix\/profiles\/per-user\/root\/profile -- \/nix\/store\/\S+-cowsay-3\.7\.0$/),
      "runuser -u alice -- nix-env -p /nix/var/nix/profiles/per-user/alice/profile -e htop-3.3.0",
      "runuser -u alice -- nix-env -p /nix/var/nix/profiles/per-user/alice/profile -e ncdu-2.4",
      "systemctl stop -- redis-imperative.service",
      "systemctl stop -- adhoc-http.service",
    ]));
    // Nothing rated review or manual: users, groups, mounts, sysctl, /etc files, rebuilds, git.
    const forbidden = /^(userdel|gpasswd|groupdel|umount|sysctl|nixos-rebuild|resolvconf|ln) |^mv -- \/etc\/|^systemctl (unmask|start|reboot|disable --now|try-restart)|^git /;
    expect(ran.filter((l) => forbidden.test(l))).toEqual([]);
    // The repository: same HEAD, same branches, same uncommitted changes, same bytes.
    expect(gitOf("rev-parse", "HEAD")).toBe(headBefore);
    expect(gitOf("branch", "--list")).toBe(branchesBefore);
    expect(gitOf("status", "--porcelain")).toBe(statusBefore);
    expect(await readFile(join(ws.repo, "hosts", "web1.nix"))).toEqual(hostBefore);
    // The history entry says what happened.
    const { entries } = await readHistory(out);
    expect(entries.at(-1)!.remediation).toMatchObject({ planId, applied: true, failed: 0 });
    // Journaled and undoable: undo lists the inverse of what ran (it runs nothing itself).
    await rm(log, { force: true });
    const u = cli(["remediate", ws.repo, "--undo", planId], { env: { PATH: bin } });
    expect(u.code, u.stderr + u.stdout).toBe(0);
    expect(u.stdout).toContain("systemctl");
    expect(await logged()).toEqual([]);
    const again = cli(["remediate", ws.repo, "--undo", planId], { env: { PATH: bin } });
    expect(again.code).not.toBe(0);
  });

  it("with --root and no test override, the commands are planned and not run (they would act on this machine, not on the root)", async () => {
    const out = join(tmp, "out-root");
    const r = runDrift(out, ["--auto-remediate"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/auto-remediate: planned \d+ command\(s\) as plan [0-9a-f]{12}, not run: the drift was read from /);
    expect(await logged()).toEqual([]);
    const { entries } = await readHistory(out);
    expect(entries.at(-1)!.remediation).toMatchObject({ applied: false, ran: 0 });
  });

  it("without --auto-remediate nothing runs", async () => {
    const r = runDrift(join(tmp, "out-off"), [], { NIX_WARDEN_TEST_RUN_COMMANDS_WITH_ROOT: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("auto-remediate");
    expect(await logged()).toEqual([]);
  });
});
