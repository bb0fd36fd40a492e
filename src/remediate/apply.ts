// Applying a stored plan, and undoing it. Everything that can refuse does so before the first
// write; after writing, validation failures roll the files and the branch back to what they were.
import { chmod, mkdir, readFile, realpath, rename, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { isInside } from "../scan/discover.js";
import { parseNix } from "../nix/index.js";
import { hasCommand, run } from "../system/run.js";
import { type Plan, plannedContents, sha256 } from "./plan.js";
import { type Journal, loadJournal, loadPlan, saveJournal } from "./store.js";

export interface ApplyOptions {
  /** Apply even when the touched files have uncommitted changes. */
  allowDirty?: boolean;
  /** Commit on the current branch instead of a new `nix-warden/fix-<date>` branch. */
  currentBranch?: boolean;
  /** Also run the plan's system commands (a separate, explicit confirmation). */
  runCommands?: boolean;
  /** Skip `nix eval` of the affected hosts (the parse check always runs). */
  skipEval?: boolean;
  signal?: AbortSignal;
  now?: Date;
  /** Called before each system command; return false to stop. */
  confirmCommand?: (command: string[]) => Promise<boolean>;
}

export interface ValidationStep {
  check: string;
  ok: boolean;
  detail: string;
}

export interface ApplyResult {
  planId: string;
  status: "applied" | "already-applied" | "refused" | "rolled-back";
  reason?: string;
  branch?: string;
  commit?: string;
  files: string[];
  validation: ValidationStep[];
  commands: Journal["commands"];
  /** Commands that undo the system actions that ran. */
  undoCommands: Array<string[] | string>;
}

async function git(gitRoot: string, args: string[], signal?: AbortSignal) {
  return run("git", ["-C", gitRoot, ...args], { timeoutMs: 60_000, signal });
}

/** Write a file atomically, keeping its mode. */
async function writeKeepingMode(path: string, content: string): Promise<void> {
  const mode = (await stat(path).catch(() => undefined))?.mode;
  const tmp = `${path}.nix-warden-${process.pid}`;
  await writeFile(tmp, content);
  if (mode !== undefined) await chmod(tmp, mode & 0o7777);
  await rename(tmp, path);
}

function refuse(planId: string, reason: string, files: string[] = []): ApplyResult {
  return { planId, status: "refused", reason, files, validation: [], commands: [], undoCommands: [] };
}

/** Hosts the plan's file edits touch (from the findings' hosts). */
function affectedHosts(plan: Plan): string[] {
  return [...new Set(plan.actions.filter((a) => a.kind === "edit").flatMap((a) => a.fixes.host ?? []))].sort();
}

async function evalHost(root: string, host: string, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  const r = await run("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--raw", `${root}#nixosConfigurations.${host}.config.system.build.toplevel.drvPath`], { timeoutMs: 300_000, signal });
  if (r.ok) return { ok: true, detail: r.stdout.trim() };
  return { ok: false, detail: r.error ?? "nix eval failed" };
}

export async function applyPlan(root: string, planId: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const plan = await loadPlan(root, planId);
  if (!plan) return refuse(planId, `no plan with id '${planId}' in ${join(root, ".nix-warden", "plans")} (make one with a dry run first)`);
  const files = Object.keys(plan.files).sort();

  // Applied before and nothing changed since: nothing to do.
  const journal = await loadJournal(root, planId);
  if (journal && !journal.undoneAt) {
    const now = await Promise.all(journal.files.map(async (f) => sha256(await readFile(join(root, f.file)).catch(() => Buffer.from("")))));
    if (journal.files.every((f, i) => now[i] === f.afterHash)) {
      return { planId, status: "already-applied", reason: "this plan was applied already; the files still hold its result", files, branch: journal.branch, commit: journal.commit, validation: [], commands: [], undoCommands: [] };
    }
  }

  // Only files inside the repository, also after resolving symlinks.
  const realRoot = await realpath(root);
  for (const f of files) {
    const abs = join(root, f);
    if (isAbsolute(f) || !isInside(realRoot, resolve(realRoot, f)) || !isInside(realRoot, await realpath(abs).catch(() => abs))) {
      return refuse(planId, `${f} is outside the repository; nix-warden never edits files outside it`, files);
    }
  }

  const top = await git(root, ["rev-parse", "--show-toplevel"], options.signal);
  if (!top.ok) return refuse(planId, `${root} is not a git repository: nix-warden only edits files it can commit and revert`, files);
  const gitRoot = top.stdout.trim();

  // Stale plan: a touched file changed since planning.
  const texts = new Map<string, string>();
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(join(root, f), "utf8");
    } catch (e) {
      return refuse(planId, `cannot read ${f}: ${(e as Error).message}`, files);
    }
    if (sha256(text) !== plan.files[f]) return refuse(planId, `${f} changed since the plan was made; make a new plan`, files);
    texts.set(f, text);
  }
  const relToGit = (f: string) => relative(gitRoot, join(root, f));
  if (files.length > 0 && !options.allowDirty) {
    const status = await git(gitRoot, ["status", "--porcelain", "--", ...files.map(relToGit)], options.signal);
    const dirty = status.stdout.split("\n").filter(Boolean);
    if (dirty.length) return refuse(planId, `uncommitted changes in the files to edit (${dirty.map((l) => l.slice(3)).join(", ")}); commit them first or allow it explicitly`, files);
  }

  const validation: ValidationStep[] = [];
  const hosts = options.skipEval ? [] : affectedHosts(plan);
  const flake = await stat(join(root, "flake.nix")).then(() => true, () => false);
  const canEval = flake && hosts.length > 0 && (await hasCommand("nix"));
  // Which hosts evaluate now: only those must still evaluate after the edit.
  const baseline = new Map<string, boolean>();
  if (canEval) {
    for (const h of hosts) {
      const r = await evalHost(root, h, options.signal);
      baseline.set(h, r.ok);
      if (!r.ok) validation.push({ check: `nix eval ${h} (before)`, ok: true, detail: `does not evaluate here before the change either (${r.detail}); not checked` });
    }
  }

  const head = await git(gitRoot, ["rev-parse", "HEAD"], options.signal);
  const previousHead = head.ok ? head.stdout.trim() : undefined;
  const branchNow = await git(gitRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"], options.signal);
  const previousBranch = branchNow.ok ? branchNow.stdout.trim() : undefined;
  let branch: string | undefined = previousBranch;
  const date = (options.now ?? new Date()).toISOString().slice(0, 10);
  if (!options.currentBranch && files.length > 0) {
    let name = `nix-warden/fix-${date}`;
    if ((await git(gitRoot, ["rev-parse", "--verify", "--quiet", `refs/heads/${name}`])).ok) name = `${name}-${planId}`;
    const co = await git(gitRoot, ["checkout", "-q", "-b", name], options.signal);
    if (!co.ok) return refuse(planId, `cannot create branch ${name}: ${co.error}`, files);
    branch = name;
  }

  const newContents = plannedContents(plan, texts);
  const rollback = async (reason: string, extra: ValidationStep[] = []): Promise<ApplyResult> => {
    for (const [f, text] of texts) await writeKeepingMode(join(root, f), text);
    if (branch && branch !== previousBranch && previousBranch) {
      await git(gitRoot, ["checkout", "-q", previousBranch]);
      await git(gitRoot, ["branch", "-q", "-D", branch]);
    }
    return { planId, status: "rolled-back", reason, files, validation: [...validation, ...extra], commands: [], undoCommands: [] };
  };

  try {
    for (const [f, content] of newContents) {
      await mkdir(dirname(join(root, f)), { recursive: true });
      await writeKeepingMode(join(root, f), content);
    }
  } catch (e) {
    return rollback(`writing failed: ${(e as Error).message}`);
  }

  // Every touched Nix file must still parse, with Nix itself when it is installed.
  const nixInstantiate = await hasCommand("nix-instantiate");
  for (const f of files.filter((x) => x.endsWith(".nix"))) {
    if (nixInstantiate) {
      const r = await run("nix-instantiate", ["--parse", join(root, f)], { timeoutMs: 60_000, signal: options.signal });
      validation.push({ check: `nix-instantiate --parse ${f}`, ok: r.ok, detail: r.ok ? "parses" : (r.error ?? "failed") });
      if (!r.ok) return rollback(`${f} no longer parses: ${r.error}`);
    } else {
      const p = parseNix(newContents.get(f)!, { path: join(root, f) });
      validation.push({ check: `parse ${f} (nix-warden's parser; nix-instantiate is not installed)`, ok: !p.error, detail: p.error?.message ?? "parses" });
      if (p.error) return rollback(`${f} no longer parses: ${p.error.message} (line ${p.error.line})`);
    }
  }
  for (const h of hosts) {
    if (!baseline.get(h)) continue;
    const r = await evalHost(root, h, options.signal);
    validation.push({ check: `nix eval ${h}`, ok: r.ok, detail: r.detail });
    if (!r.ok) return rollback(`host ${h} no longer evaluates: ${r.detail}`);
  }
  if (!canEval && hosts.length > 0) validation.push({ check: "nix eval", ok: true, detail: flake ? "nix is not installed; evaluation not checked" : "no flake.nix; evaluation not checked" });

  // One commit for the plan.
  let commit: string | undefined;
  if (files.length > 0) {
    const add = await git(gitRoot, ["add", "--", ...files.map(relToGit)], options.signal);
    if (!add.ok) return rollback(`git add failed: ${add.error}`);
    const fixed = plan.actions.filter((a) => a.kind === "edit").map((a) => `- ${a.fixes.title} (${a.fixes.ruleId ?? a.fixes.category ?? a.fixes.type} ${a.fixes.id})`);
    const message = `nix-warden: fix ${fixed.length} ${fixed.length === 1 ? "finding" : "findings"} (plan ${planId})\n\n${fixed.join("\n")}\n`;
    const identity = (await git(gitRoot, ["config", "user.email"])).ok ? [] : ["-c", "user.name=nix-warden", "-c", "user.email=nix-warden@localhost"];
    const c = await run("git", ["-C", gitRoot, ...identity, "commit", "-q", "-m", message, "--", ...files.map(relToGit)], { timeoutMs: 60_000 });
    if (!c.ok) return rollback(`git commit failed: ${c.error}`);
    commit = (await git(gitRoot, ["rev-parse", "HEAD"])).stdout.trim();
  }

  // System commands: only when asked separately; one at a time; stop at the first failure.
  const commands: Journal["commands"] = [];
  const undoCommands: Array<string[] | string> = [];
  let reason: string | undefined;
  if (options.runCommands) {
    // A guard is asked once per drift item, before its first step (as in remediation-script.sh).
    const needed = new Map<string, boolean>();
    for (const a of plan.actions.filter((x) => x.kind === "command" && x.command)) {
      if (a.guard) {
        const key = `${a.fixes.id}\0${a.guard.join("\0")}`;
        let still = needed.get(key);
        if (still === undefined) needed.set(key, (still = (await run(a.guard[0]!, a.guard.slice(1), { timeoutMs: 30_000, signal: options.signal })).ok));
        if (!still) {
          commands.push({ action: a.id, command: a.command!, exitCode: null, ok: true, skipped: true, output: `not needed any more: \`${a.guard.join(" ")}\` failed` });
          continue;
        }
      }
      if (options.confirmCommand && !(await options.confirmCommand(a.command!))) {
        reason = `stopped before \`${a.command!.join(" ")}\` (not confirmed)`;
        break;
      }
      const r = await run(a.command![0]!, a.command!.slice(1), { timeoutMs: 300_000, signal: options.signal });
      commands.push({ action: a.id, command: a.command!, exitCode: r.exitCode ?? null, ok: r.ok, output: (r.stdout + r.stderr).slice(-2000), ...(a.undo ? { undo: a.undo } : {}) });
      // Undone last-first, and only what ran.
      if (r.ok && a.undo) undoCommands.unshift(a.undo);
      if (!r.ok) {
        reason = `\`${a.command!.join(" ")}\` failed: ${r.error}; later commands did not run`;
        break;
      }
    }
  }

  const journalFiles = [];
  for (const f of files) {
    const dirty = options.allowDirty && previousHead ? !(await git(gitRoot, ["diff", "--quiet", previousHead, "--", relToGit(f)])).ok : false;
    journalFiles.push({
      file: f,
      beforeHash: plan.files[f]!,
      afterHash: sha256(newContents.get(f)!),
      ...(dirty || !previousHead ? { before: texts.get(f)! } : { beforeCommit: previousHead }),
    });
  }
  await saveJournal(root, {
    planId,
    appliedAt: (options.now ?? new Date()).toISOString(),
    root,
    gitRoot,
    previousBranch,
    previousHead,
    branch,
    commit,
    files: journalFiles,
    commands,
  });
  return { planId, status: "applied", reason, branch, commit, files, validation, commands, undoCommands };
}

export interface UndoResult {
  planId: string;
  status: "undone" | "refused";
  reason?: string;
  restored: string[];
  commit?: string;
  /** Commands that undo the system actions the plan ran (printed, not run). */
  undoCommands: Array<string[] | string>;
}

export async function undoPlan(root: string, planId: string, options: { signal?: AbortSignal; now?: Date } = {}): Promise<UndoResult> {
  const journal = await loadJournal(root, planId);
  if (!journal) return { planId, status: "refused", reason: `no journal for plan '${planId}': it was not applied here`, restored: [], undoCommands: [] };
  if (journal.undoneAt) return { planId, status: "refused", reason: `plan ${planId} was already undone at ${journal.undoneAt}`, restored: [], undoCommands: [] };
  const originals = new Map<string, string>();
  for (const f of journal.files) {
    const current = await readFile(join(root, f.file)).catch(() => undefined);
    if (!current || sha256(current) !== f.afterHash) {
      return { planId, status: "refused", reason: `${f.file} changed since the plan was applied; undo it by hand (git log shows ${journal.commit ?? "the commit"})`, restored: [], undoCommands: [] };
    }
    let before = f.before;
    if (before === undefined && f.beforeCommit) {
      const shown = await git(journal.gitRoot, ["show", `${f.beforeCommit}:${relative(journal.gitRoot, join(root, f.file))}`], options.signal);
      if (!shown.ok) return { planId, status: "refused", reason: `cannot read ${f.file} at ${f.beforeCommit}: ${shown.error}`, restored: [], undoCommands: [] };
      before = shown.stdout;
    }
    if (before === undefined || sha256(before) !== f.beforeHash) {
      return { planId, status: "refused", reason: `the original of ${f.file} is not recoverable`, restored: [], undoCommands: [] };
    }
    originals.set(f.file, before);
  }
  for (const [f, text] of originals) await writeKeepingMode(join(root, f), text);
  let commit: string | undefined;
  if (journal.commit && originals.size > 0) {
    const rel = [...originals.keys()].map((f) => relative(journal.gitRoot, join(root, f)));
    await git(journal.gitRoot, ["add", "--", ...rel]);
    const identity = (await git(journal.gitRoot, ["config", "user.email"])).ok ? [] : ["-c", "user.name=nix-warden", "-c", "user.email=nix-warden@localhost"];
    const c = await run("git", ["-C", journal.gitRoot, ...identity, "commit", "-q", "-m", `nix-warden: undo plan ${planId}\n\nReverts ${journal.commit}.\n`, "--", ...rel], { timeoutMs: 60_000 });
    if (c.ok) commit = (await git(journal.gitRoot, ["rev-parse", "HEAD"])).stdout.trim();
  }
  await saveJournal(root, { ...journal, undoneAt: (options.now ?? new Date()).toISOString() });
  const undoCommands = journal.commands.filter((c) => c.ok && c.undo).map((c) => c.undo!).reverse();
  return { planId, status: "undone", restored: [...originals.keys()], commit, undoCommands };
}
