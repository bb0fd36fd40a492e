// Apply and undo in real git repositories: exact text, real Nix validation, one commit per plan,
// refusal of stale plans and of files outside the repository, rollback on failed validation,
// idempotence, byte-exact undo.
import { mkdtemp, readFile, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPlan, planRemediation, undoPlan } from "../../src/remediate/index.js";
import { assemblePlan } from "../../src/remediate/plan.js";
import { journalPath, savePlan } from "../../src/remediate/store.js";
import { reversibleCommands } from "../../src/drift/compare/common.js";
import type { DriftReport } from "../../src/report/schema.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { commitRepo, gitIn, unhardenedService } from "../helpers/git.js";

const MODULE = unhardenedService("job", "A job that needs hardening.");

let root: string;
const git = (...args: string[]) => gitIn(root, ...args);

beforeEach(async () => {
  clearScanCache();
  root = await commitRepo(await mkdtemp(join(tmpdir(), "nix-warden-apply-")), { "job.nix": MODULE });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("remediate: apply and undo", () => {
  it("applies a plan on a new branch in one commit, fixes the finding, and undoes byte for byte", async () => {
    const { plan } = await planRemediation({ root });
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]!.safety).toBe("review");
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("applied");
    expect(r.branch).toMatch(/^nix-warden\/fix-\d{4}-\d{2}-\d{2}$/);
    const text = await readFile(join(root, "job.nix"), "utf8");
    expect(text).toContain('      User = "nobody";\n      ProtectSystem = "strict";\n');
    expect(text.startsWith(MODULE.slice(0, MODULE.indexOf('      User = "nobody";')))).toBe(true);
    expect(git("log", "--format=%s", "-1").trim()).toBe(`nix-warden: fix 1 finding (plan ${plan.id})`);
    expect(r.validation.some((v) => v.check.startsWith("nix-instantiate --parse") || v.check.startsWith("parse"))).toBe(true);

    clearScanCache();
    const after = await runScan({ root, quick: true });
    expect(after.findings.filter((f) => f.ruleId === "systemd-service-exposure")).toHaveLength(0);

    // Applying the same plan again changes nothing.
    const again = await applyPlan(root, plan.id);
    expect(again.status).toBe("already-applied");
    expect(git("rev-list", "--count", "HEAD").trim()).toBe("2");

    const u = await undoPlan(root, plan.id);
    expect(u.status).toBe("undone");
    expect(await readFile(join(root, "job.nix"), "utf8")).toBe(MODULE);
  });

  it("refuses a stale plan and leaves the file alone", async () => {
    const { plan } = await planRemediation({ root });
    const changed = MODULE.replace("Nightly job", "Nightly job (renamed)");
    await writeFile(join(root, "job.nix"), changed);
    git("commit", "-qam", "rename");
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("refused");
    expect(r.reason).toMatch(/changed since the plan was made/);
    expect(await readFile(join(root, "job.nix"), "utf8")).toBe(changed);
  });

  it("refuses uncommitted changes in the files to edit unless allowed", async () => {
    await writeFile(join(root, "job.nix"), MODULE + "\n");
    const { plan } = await planRemediation({ root });
    expect((await applyPlan(root, plan.id)).reason).toMatch(/uncommitted changes/);
    expect((await applyPlan(root, plan.id, { allowDirty: true })).status).toBe("applied");
    const u = await undoPlan(root, plan.id);
    expect(u.status).toBe("undone");
    expect(await readFile(join(root, "job.nix"), "utf8")).toBe(MODULE + "\n");
  });

  it("refuses an unknown or altered plan", async () => {
    expect((await applyPlan(root, "000000000000")).status).toBe("refused");
    const { plan, path } = await planRemediation({ root });
    const stored = JSON.parse(await readFile(path, "utf8"));
    stored.actions[0].edits[0].text = "rm -rf /";
    await writeFile(path, JSON.stringify(stored));
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("refused");
    expect(await readFile(join(root, "job.nix"), "utf8")).toBe(MODULE);
  });

  it("never edits a file outside the repository, not even through a symlink", async () => {
    const outside = await mkdtemp(join(tmpdir(), "nix-warden-outside-"));
    try {
      await writeFile(join(outside, "victim.nix"), "{ }\n");
      await symlink(join(outside, "victim.nix"), join(root, "link.nix"));
      for (const file of ["../victim.nix", "link.nix"]) {
        const texts = new Map([[file, "{ }\n"]]);
        const plan = assemblePlan({
          root,
          actions: [{ kind: "edit", safety: "auto", fixes: { type: "finding", id: "x", title: "t" }, description: "d", edits: [{ file, start: 0, end: 0, text: "# hi\n" }] }],
          skipped: [],
          texts,
        });
        await savePlan(root, plan);
        const r = await applyPlan(root, plan.id);
        expect(r.status).toBe("refused");
        expect(r.reason).toMatch(/outside the repository/);
      }
      expect(await readFile(join(outside, "victim.nix"), "utf8")).toBe("{ }\n");
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("rolls everything back when the edited file no longer parses", async () => {
    const texts = new Map([["job.nix", MODULE]]);
    const plan = assemblePlan({
      root,
      actions: [{ kind: "edit", safety: "auto", fixes: { type: "finding", id: "x", title: "t", host: [] }, description: "breaks it", edits: [{ file: "job.nix", start: MODULE.length - 2, end: MODULE.length - 2, text: " = ;" }] }],
      skipped: [],
      texts,
    });
    await savePlan(root, plan);
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("rolled-back");
    expect(r.reason).toMatch(/no longer parses/);
    expect(await readFile(join(root, "job.nix"), "utf8")).toBe(MODULE);
    expect(git("symbolic-ref", "--short", "HEAD").trim()).toBe("main");
    expect(git("branch", "--list", "nix-warden/*").trim()).toBe("");
    expect(git("status", "--porcelain").trim()).toBe("");
  });

  it("runs system commands only when asked, one at a time, stopping at the first failure", async () => {
    const texts = new Map<string, string>();
    const mk = (command: string[]) => ({ kind: "command" as const, safety: "auto" as const, fixes: { type: "drift" as const, id: command.join("-"), title: "t" }, description: "d", command, undo: ["echo", "undo", ...command] });
    const plan = assemblePlan({ root, actions: [mk(["true"]), mk(["false"]), mk(["touch", join(root, "never")])], skipped: [], texts });
    await savePlan(root, plan);
    const dry = await applyPlan(root, plan.id);
    expect(dry.commands).toHaveLength(0);
    const plan2 = assemblePlan({ root, actions: [mk(["true"]), mk(["false"]), mk(["touch", join(root, "never")])], skipped: [], texts, now: new Date(0) });
    await savePlan(root, plan2);
    // The first plan was applied (no edits, no commands run); use a fresh journal-free id.
    await rm(await journalPath(root, plan2.id), { force: true });
    const r = await applyPlan(root, plan2.id, { runCommands: true });
    expect(r.commands.map((c) => [c.command[0], c.ok])).toEqual([
      ["true", true],
      ["false", false],
    ]);
    expect(r.reason).toMatch(/failed/);
    await expect(readFile(join(root, "never"))).rejects.toThrow();
    // Only what ran is undone (the failed command changed nothing to undo).
    expect(r.undoCommands).toEqual([["echo", "undo", "true"]]);
  });

  it("skips a drift item's steps when its guard says they are no longer needed (the file is already gone), and runs the rest", async () => {
    const backupDir = join(root, "backup");
    const unitAt = (name: string) => join(root, "etc", `${name}.service`);
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(unitAt("present"), "[Service]\nExecStart=/bin/true\n");
    const removal = (name: string): DriftReport["items"][number] => {
      const id = `drift-service-${name}`;
      const remediation = { strategy: "revert" as const, safety: "auto" as const, description: "Remove it.", commands: reversibleCommands(["rm", "-f", "--", unitAt(name)], id, backupDir), guard: ["test", "-e", unitAt(name)] };
      return { id, category: "service", subject: `${name}.service`, severity: "medium", declared: null, actual: {}, evidence: "e", remediation: [remediation] };
    };
    // "gone" was removed by hand after the check: its move would fail without the guard.
    const items = [removal("gone"), removal("present")];
    const driftReport: DriftReport = {
      tool: { name: "nix-warden", version: "0" },
      generatedAt: new Date(0).toISOString(),
      host: "box",
      declaredFrom: "flake",
      actualFrom: "test",
      drifted: true,
      summary: { total: 2, bySeverity: { medium: 2 }, byCategory: { service: 2 } },
      items,
      errors: [],
    };
    const { plan } = await planRemediation({ root, driftReport, ids: items.map((i) => i.id) });
    expect(plan.actions.map((a) => [a.command?.[0], a.guard])).toEqual([
      ["install", ["test", "-e", unitAt("gone")]],
      ["mv", ["test", "-e", unitAt("gone")]],
      ["install", ["test", "-e", unitAt("present")]],
      ["mv", ["test", "-e", unitAt("present")]],
    ]);
    const r = await applyPlan(root, plan.id, { runCommands: true });
    expect(r.reason).toBeUndefined();
    expect(r.commands.map((c) => [c.command[0], c.ok, c.skipped ?? false])).toEqual([
      ["install", true, true],
      ["mv", true, true],
      ["install", true, false],
      ["mv", true, false],
    ]);
    await expect(readFile(unitAt("present"))).rejects.toThrow();
    expect(await readFile(join(backupDir, "drift-service-present", unitAt("present").slice(1)), "utf8")).toContain("ExecStart");
    // Only the steps that ran have an undo.
    expect(r.undoCommands).toHaveLength(2);
    expect(r.undoCommands[0]).toEqual(["mv", "--", join(backupDir, "drift-service-present", unitAt("present").slice(1)), unitAt("present")]);
  });

  it("lists the undo of the commands that ran last-first, in the result and after --undo", async () => {
    const mk = (command: string[]) => ({ kind: "command" as const, safety: "auto" as const, fixes: { type: "drift" as const, id: command.join("-"), title: "t" }, description: "d", command, undo: ["echo", "undo", ...command] });
    const plan = assemblePlan({ root, actions: [mk(["true", "1"]), mk(["true", "2"])], skipped: [], texts: new Map() });
    await savePlan(root, plan);
    const r = await applyPlan(root, plan.id, { runCommands: true });
    expect(r.status).toBe("applied");
    expect(r.undoCommands).toEqual([["echo", "undo", "true", "2"], ["echo", "undo", "true", "1"]]);
    const u = await undoPlan(root, plan.id);
    expect(u.undoCommands).toEqual(r.undoCommands);
  });

  it("refuses outside a git repository", async () => {
    const plain = await mkdtemp(join(tmpdir(), "nix-warden-plain-"));
    try {
      await mkdir(dirname(join(plain, "job.nix")), { recursive: true });
      await writeFile(join(plain, "job.nix"), MODULE);
      const { plan } = await planRemediation({ root: plain });
      const r = await applyPlan(plain, plan.id);
      expect(r.status).toBe("refused");
      expect(r.reason).toMatch(/not a git repository/);
      expect(await readFile(join(plain, "job.nix"), "utf8")).toBe(MODULE);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});
