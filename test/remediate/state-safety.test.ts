// A repository someone else wrote cannot steer remediate: journals and plans committed in it are
// never read, state files that are not ours (no valid MAC, another repository) are refused, every
// path from a state file stays inside the repository, a `.nix-warden` symlink carries no write out,
// and bytes that are not UTF-8 survive apply and undo. Each test performs the attack.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPlan, planRemediation, undoPlan } from "../../src/remediate/index.js";
import { applyEditsToBytes, decodeWithOffsets } from "../../src/remediate/bytes.js";
import { assemblePlan } from "../../src/remediate/plan.js";
import { journalPath, loadJournal, saveJournal, savePlan } from "../../src/remediate/store.js";
import { clearScanCache } from "../../src/scan/index.js";
import { repoStateDir } from "../../src/system/state.js";
import { runCli } from "../helpers/cli.js";
import { commitRepo, gitIn, unhardenedService } from "../helpers/git.js";

const MODULE = unhardenedService("job");

let base: string;
let root: string;
const git = gitIn;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const repo = commitRepo;

beforeEach(async () => {
  clearScanCache();
  base = await mkdtemp(join(tmpdir(), "nix-warden-state-safety-"));
  root = await repo(join(base, "repo"), { "job.nix": MODULE });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("journals", () => {
  it("ignores a journal committed in the repository: --undo writes nothing outside and prints none of its commands", async () => {
    const victim = join(base, "outside-victim.txt");
    await writeFile(victim, "precious\n");
    const id = "0123456789ab";
    const evil = {
      planId: id,
      appliedAt: "2026-01-01T00:00:00.000Z",
      root,
      gitRoot: root,
      files: [{ file: "../outside-victim.txt", beforeHash: sha("owned\n"), afterHash: sha("precious\n"), before: "owned\n" }],
      commands: [{ action: "a1", command: ["true"], exitCode: 0, ok: true, output: "", undo: ["rm", "-rf", "/"] }],
    };
    await mkdir(join(root, ".nix-warden", "journal"), { recursive: true });
    await writeFile(join(root, ".nix-warden", "journal", `${id}.json`), JSON.stringify(evil));
    git(root, "add", "-A");
    git(root, "commit", "-qm", "journal");
    const r = await runCli(["remediate", root, "--undo", id]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("it was not applied here");
    expect(r.stdout + r.stderr).not.toContain("rm -rf");
    expect(await readFile(victim, "utf8")).toBe("precious\n");
  });

  it("refuses a journal in the state directory that nix-warden did not sign (copied, forged or edited)", async () => {
    const { plan } = await planRemediation({ root });
    expect((await applyPlan(root, plan.id)).status).toBe("applied");
    const path = await journalPath(root, plan.id);
    const journal = JSON.parse(await readFile(path, "utf8"));
    journal.files[0].before = Buffer.from("owned\n").toString("base64");
    journal.files[0].beforeHash = sha("owned\n");
    await writeFile(path, JSON.stringify(journal));
    const u = await undoPlan(root, plan.id);
    expect(u.status).toBe("refused");
    expect(u.reason).toMatch(/not applied here/);
    expect(await readFile(join(root, "job.nix"), "utf8")).toContain("ProtectSystem");
  });

  it("confines every path of a journal at undo time, even of a signed one: no .., no symlinked directory", async () => {
    const victim = join(base, "outside-victim.txt");
    await writeFile(victim, "precious\n");
    await mkdir(join(base, "elsewhere"));
    await writeFile(join(base, "elsewhere", "victim.nix"), "precious\n");
    await symlink(join(base, "elsewhere"), join(root, "hosts"));
    for (const [i, file] of ["../outside-victim.txt", "hosts/victim.nix", "/etc/passwd"].entries()) {
      const id = `00000000000${i}`;
      await saveJournal(root, {
        version: 2,
        planId: id,
        appliedAt: "2026-01-01T00:00:00.000Z",
        status: "committed",
        previousBranch: "main",
        previousHead: git(root, "rev-parse", "HEAD").trim(),
        branch: "main",
        createdBranch: false,
        dirty: false,
        files: [{ file, beforeHash: sha("owned\n"), afterHash: sha("precious\n"), before: Buffer.from("owned\n").toString("base64"), mode: 0o644, index: null }],
        commands: [],
      });
      const u = await undoPlan(root, id);
      expect(u.status, file).toBe("refused");
      expect(u.reason, file).toMatch(/outside the repository|not a path inside/);
    }
    expect(await readFile(victim, "utf8")).toBe("precious\n");
    expect(await readFile(join(base, "elsewhere", "victim.nix"), "utf8")).toBe("precious\n");
  });

  it("takes the undo of a command from nix-warden's own plan, never from the journal", async () => {
    const plan = assemblePlan({
      root,
      actions: [{ kind: "command", safety: "auto", fixes: { type: "drift", id: "d", title: "t" }, description: "d", command: ["systemctl", "--version"], undo: ["systemctl", "--version"] }],
      skipped: [],
      texts: new Map(),
    });
    await savePlan(root, plan);
    const r = await applyPlan(root, plan.id, { runCommands: true });
    expect(r.commands).toHaveLength(1);
    // A journal (even one we signed) holds no undo command to print.
    const journal = (await loadJournal(root, plan.id))!;
    expect(JSON.stringify(journal)).not.toContain('"undo"');
    await saveJournal(root, { ...journal, commands: journal.commands.map((c) => ({ ...c, undo: ["rm", "-rf", "/"] })) as never });
    const u = await undoPlan(root, plan.id);
    expect(u.undoCommands).toEqual([["systemctl", "--version"]]);
  });
});

describe("plans", () => {
  it("never applies a plan committed in the repository, and runs none of its commands", async () => {
    const marker = join(base, "ran");
    const other = await repo(join(base, "other"), { "x.nix": "{ }\n" });
    // A well-formed plan (its id is the hash of its content), made for another repository.
    const evil = assemblePlan({ root: other, actions: [{ kind: "command", safety: "auto", fixes: { type: "drift", id: "d", title: "t" }, description: "d", command: ["touch", marker] }], skipped: [], texts: new Map() });
    const id = evil.id;
    await mkdir(join(root, ".nix-warden", "plans"), { recursive: true });
    await writeFile(join(root, ".nix-warden", "plans", `${id}.json`), JSON.stringify(evil));
    git(root, "add", "-A");
    git(root, "commit", "-qm", "plan");
    const r = await runCli(["remediate", root, "--apply", id, "--yes", "--run-commands"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("refused");
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a plan of another repository, and one whose MAC does not match", async () => {
    const marker = join(base, "ran");
    const other = await repo(join(base, "other"), { "x.nix": "{ }\n" });
    const plan = assemblePlan({ root: other, actions: [{ kind: "command", safety: "auto", fixes: { type: "drift", id: "d", title: "t" }, description: "d", command: ["touch", marker] }], skipped: [], texts: new Map() });
    // Signed for the other repository, then copied into this one's state directory.
    const path = await savePlan(other, plan);
    const dest = join(await repoStateDir(root), "plans", `${plan.id}.json`);
    await mkdir(join(dest, ".."), { recursive: true, mode: 0o700 });
    await writeFile(dest, await readFile(path));
    expect((await applyPlan(root, plan.id, { runCommands: true })).status).toBe("refused");
    // Re-labelled with this root: the MAC no longer matches.
    const relabelled = JSON.parse(await readFile(path, "utf8"));
    relabelled.root = root;
    await writeFile(dest, JSON.stringify(relabelled));
    expect((await applyPlan(root, plan.id, { runCommands: true })).status).toBe("refused");
    expect(existsSync(marker)).toBe(false);
  });

  it("--apply '' and --undo '' are usage errors, not a new plan", async () => {
    for (const flag of ["--apply", "--undo"]) {
      const r = await runCli(["remediate", root, flag, ""]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("needs a plan id");
    }
  });
});

describe("a .nix-warden symlink in the repository", () => {
  it("carries no write out: plans, patches and the script go to the state directory, and nothing is written into the repository", async () => {
    const outside = join(base, "outside-state");
    await mkdir(outside);
    await writeFile(join(outside, ".gitignore"), "mine\n");
    await symlink("../outside-state", join(root, ".nix-warden"));
    git(root, "add", "-A");
    git(root, "commit", "-qm", "link");
    const r = await runCli(["remediate", root, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(outside)).toEqual([".gitignore"]);
    expect(await readFile(join(outside, ".gitignore"), "utf8")).toBe("mine\n");
    expect(git(root, "status", "--porcelain", "--untracked-files=all")).toBe("");
    const plan = JSON.parse(r.stdout) as { id: string };
    expect(existsSync(join(await repoStateDir(root), "plans", plan.id, "remediation-script.sh"))).toBe(true);
    // And the plan applies and undoes without touching the link's target.
    expect((await runCli(["remediate", root, "--apply", plan.id, "--yes"])).code).toBe(0);
    expect((await runCli(["remediate", root, "--undo", plan.id])).code).toBe(0);
    expect(await readdir(outside)).toEqual([".gitignore"]);
  });

  it("refuses an edit whose path goes through a symlinked directory", async () => {
    await mkdir(join(base, "elsewhere"));
    await writeFile(join(base, "elsewhere", "victim.nix"), "{ }\n");
    await symlink(join(base, "elsewhere"), join(root, "hosts"));
    const plan = assemblePlan({
      root,
      actions: [{ kind: "edit", safety: "auto", fixes: { type: "finding", id: "x", title: "t" }, description: "d", edits: [{ file: "hosts/victim.nix", start: 0, end: 0, text: "# hi\n" }] }],
      skipped: [],
      texts: new Map([["hosts/victim.nix", "{ }\n"]]),
    });
    await savePlan(root, plan);
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("refused");
    expect(r.reason).toMatch(/hosts is a symbolic link/);
    expect(await readFile(join(base, "elsewhere", "victim.nix"), "utf8")).toBe("{ }\n");
  });
});

describe("bytes that are not UTF-8", () => {
  it("keeps a Latin-1 comment byte for byte through apply, and undo restores the exact bytes", async () => {
    const latin1 = Buffer.concat([Buffer.from("# Caf"), Buffer.from([0xe9]), Buffer.from(" \u00e9t\u00e9 ", "utf8"), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("\n"), Buffer.from(MODULE)]);
    const dir = await repo(join(base, "latin1"), { "job.nix": latin1 });
    const { plan } = await planRemediation({ root: dir });
    expect(plan.actions).toHaveLength(1);
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    const after = await readFile(join(dir, "job.nix"));
    // The first line is untouched bytes, not U+FFFD.
    expect(after.subarray(0, latin1.indexOf(0x0a) + 1).equals(latin1.subarray(0, latin1.indexOf(0x0a) + 1))).toBe(true);
    expect(after.toString("latin1")).toContain("ProtectSystem");
    const u = await undoPlan(dir, plan.id);
    expect(u.status, u.reason).toBe("undone");
    expect(sha(await readFile(join(dir, "job.nix")))).toBe(sha(latin1));
  });

  it("maps text offsets to bytes exactly as Node decodes UTF-8, for valid and broken sequences", () => {
    const interesting = [0x41, 0x0a, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    // Each input's failed checks, collected (5000 inputs: one expect at the end, not 20,000).
    const failed: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const bytes = Buffer.from(Array.from({ length: next() % 12 }, () => interesting[next() % interesting.length]!));
      const { text, offsets } = decodeWithOffsets(bytes);
      const hex = bytes.toString("hex");
      if (text !== bytes.toString("utf8")) failed.push(`${hex}: decoded ${JSON.stringify(text)}, Node ${JSON.stringify(bytes.toString("utf8"))}`);
      if (offsets.length !== text.length + 1) failed.push(`${hex}: ${offsets.length} offsets for ${text.length} characters`);
      // No edit leaves the bytes unchanged; an insertion at the end appends.
      if (!applyEditsToBytes(bytes, []).equals(bytes)) failed.push(`${hex}: no edit changed the bytes`);
      if (!applyEditsToBytes(bytes, [{ start: text.length, end: text.length, text: "x" }]).equals(Buffer.concat([bytes, Buffer.from("x")]))) failed.push(`${hex}: an insertion at the end did not append`);
    }
    expect(failed).toEqual([]);
    const emoji = Buffer.from("a\u{1F600}b", "utf8");
    expect(applyEditsToBytes(emoji, [{ start: 3, end: 4, text: "c" }]).toString("utf8")).toBe("a\u{1F600}c");
  });
});
