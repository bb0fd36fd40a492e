// Applying a stored plan, and undoing it. Everything that can refuse does so before the first
// write. The journal is written ahead: before anything in the repository changes, it holds the
// intent, the original bytes of every file to edit, their index entries, and the branch and commit
// apply started from; its status moves on (files-written, validated, committed) only after each
// step. So a killed apply can always be put back exactly (`undoPlan` or `recoverApplies`), and a
// failed validation uses the same restore.
import { lstat, open, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { parseNix } from "../nix/index.js";
import { hasCommand, run } from "../system/run.js";
import { applyEditsToBytes } from "./bytes.js";
import { confinedPath, UnsafePathError } from "./paths.js";
import { type Plan, sha256 } from "./plan.js";
import { type Journal, type JournalFile, journalPath, loadJournal, loadPlan, planDir, saveJournal, unfinishedJournals, validPlanId } from "./store.js";
import type { TextEdit } from "../rules/types.js";

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

/** For tests only: stop at a named step of apply and wait to be killed there, so a test can kill
 * the real process at every step and check that undo/recover puts the repository back. */
async function pauseForTest(step: string): Promise<void> {
  if (process.env.NIX_WARDEN_TEST_PAUSE_AT !== step) return;
  process.stderr.write(`nix-warden: test pause at ${step}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}

/** The temporary file a write goes through (fixed per plan, so a recovery finds a leftover one). */
const tmpOf = (abs: string, planId: string) => join(dirname(abs), `.${basename(abs)}.nix-warden-${planId}.tmp`);

/** Write bytes atomically (temp file, fsync, rename) with the given mode. */
async function writeBytes(abs: string, data: Uint8Array, mode: number, planId: string): Promise<void> {
  const tmp = tmpOf(abs, planId);
  await rm(tmp, { force: true });
  const fh = await open(tmp, "wx", mode & 0o7777);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode & 0o7777);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, abs);
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

/** How to undo the commands that ran, last first: the inverse nix-warden computed when it made the
 * plan (src/remediate/undo.ts), taken from the plan (ours, MAC-checked) for the action that ran,
 * never from the journal. */
function undoCommandsOf(plan: Plan | undefined, journal: Journal): Array<string[] | string> {
  const out: Array<string[] | string> = [];
  for (const c of journal.commands) {
    if (!c.ok || c.skipped) continue;
    const action = plan?.actions.find((a) => a.id === c.action);
    if (action?.undo && JSON.stringify(action.command) === JSON.stringify(c.command)) out.unshift(action.undo);
  }
  return out;
}

async function indexEntry(gitRoot: string, rel: string): Promise<JournalFile["index"]> {
  const r = await git(gitRoot, ["ls-files", "-s", "--", rel]);
  const m = /^(\d+) ([0-9a-f]+) 0\t/.exec(r.stdout);
  return m ? { mode: m[1]!, blob: m[2]! } : null;
}

export async function applyPlan(root: string, planId: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (!validPlanId(planId)) return refuse(planId, `'${planId}' is not a plan id (12 hex digits from a dry run)`);
  const plan = await loadPlan(root, planId);
  if (!plan) return refuse(planId, `no plan with id '${planId}' made for this repository in ${await planDir(root)} (make one with a dry run first)`);
  const files = Object.keys(plan.files).sort();
  const realRoot = await realpath(root);

  const unfinished = await unfinishedJournals(root);
  if (unfinished.length)
    return refuse(planId, `an earlier apply (plan ${unfinished.map((j) => j.planId).join(", ")}) was interrupted; put the repository back first with: nix-warden remediate ${root} --recover`, files);

  // Applied before and nothing changed since: nothing to do.
  const previous = await loadJournal(root, planId);
  if (previous?.status === "committed") {
    const hashOf = async (file: string) => sha256(await readFile(await confinedPath(realRoot, file)).catch(() => Buffer.from("")));
    const now = await Promise.all(previous.files.map((f) => hashOf(f.file).catch(() => "")));
    if (previous.files.every((f, i) => now[i] === f.afterHash)) {
      return { planId, status: "already-applied", reason: "this plan was applied already; the files still hold its result", files, branch: previous.branch, commit: previous.commit, validation: [], commands: [], undoCommands: [] };
    }
  }

  // Only regular files inside the repository, reached through no symbolic link.
  const abs = new Map<string, string>();
  for (const f of files) {
    try {
      abs.set(f, await confinedPath(realRoot, f));
    } catch (e) {
      if (e instanceof UnsafePathError) return refuse(planId, e.message, files);
      throw e;
    }
  }

  const top = await git(realRoot, ["rev-parse", "--show-toplevel"], options.signal);
  if (!top.ok) return refuse(planId, `${root} is not a git repository: nix-warden only edits files it can commit and revert`, files);
  const gitRoot = top.stdout.trim();
  const relToGit = (f: string) => relative(gitRoot, abs.get(f)!);

  // Stale plan: a touched file changed since planning (compared byte for byte).
  const originals = new Map<string, { bytes: Buffer; mode: number }>();
  for (const f of files) {
    try {
      const bytes = await readFile(abs.get(f)!);
      if (sha256(bytes) !== plan.files[f]) return refuse(planId, `${f} changed since the plan was made; make a new plan`, files);
      originals.set(f, { bytes, mode: (await stat(abs.get(f)!)).mode });
    } catch (e) {
      return refuse(planId, `cannot read ${f}: ${(e as Error).message}`, files);
    }
  }
  if (files.length > 0 && !options.allowDirty) {
    const status = await git(gitRoot, ["status", "--porcelain", "--", ...files.map(relToGit)], options.signal);
    const dirty = status.stdout.split("\n").filter(Boolean);
    if (dirty.length) return refuse(planId, `uncommitted changes in the files to edit (${dirty.map((l) => l.slice(3)).join(", ")}); commit them first or allow it explicitly`, files);
  }

  // The new bytes: edits go into the original bytes (a Latin-1 comment stays Latin-1).
  const editsByFile = new Map<string, TextEdit[]>();
  for (const a of plan.actions) for (const e of a.edits ?? []) editsByFile.set(e.file, [...(editsByFile.get(e.file) ?? []), e]);
  const newContents = new Map<string, Buffer>();
  for (const f of files) {
    try {
      newContents.set(f, applyEditsToBytes(originals.get(f)!.bytes, editsByFile.get(f) ?? []));
    } catch (e) {
      return refuse(planId, `cannot edit ${f}: ${(e as Error).message}`, files);
    }
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

  const head = await git(gitRoot, ["rev-parse", "--verify", "--quiet", "HEAD"], options.signal);
  if (!head.ok) return refuse(planId, `${root} has no commit yet: nix-warden commits its edits on top of one (commit the configuration first)`, files);
  const previousHead = head.stdout.trim();
  const branchNow = await git(gitRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"], options.signal);
  const previousBranch = branchNow.ok ? branchNow.stdout.trim() : undefined;
  const treeDirty = (await git(gitRoot, ["status", "--porcelain"], options.signal)).stdout.trim() !== "";
  const createBranch = !options.currentBranch && files.length > 0;
  let branch = previousBranch;
  if (createBranch) {
    const date = (options.now ?? new Date()).toISOString().slice(0, 10);
    branch = `nix-warden/fix-${date}`;
    if ((await git(gitRoot, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`])).ok) branch = `${branch}-${planId}`;
    if ((await git(gitRoot, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`])).ok) return refuse(planId, `branch ${branch} exists already`, files);
  }

  const journalFiles: JournalFile[] = [];
  for (const f of files) {
    const o = originals.get(f)!;
    journalFiles.push({ file: f, beforeHash: sha256(o.bytes), afterHash: sha256(newContents.get(f)!), before: o.bytes.toString("base64"), mode: o.mode & 0o7777, index: await indexEntry(gitRoot, relToGit(f)) });
  }
  const journal: Journal = {
    version: 2,
    planId,
    appliedAt: (options.now ?? new Date()).toISOString(),
    status: "intent",
    previousBranch,
    previousHead,
    branch,
    createdBranch: createBranch,
    dirty: treeDirty,
    files: journalFiles,
    commands: [],
  };
  // Written (and fsynced) before anything in the repository changes.
  await saveJournal(root, journal);
  await pauseForTest("intent");

  const rollback = async (reason: string, extra: ValidationStep[] = []): Promise<ApplyResult> => {
    const r = await restore(root, journal, options.signal);
    if (r.status === "undone") await saveJournal(root, { ...journal, status: "rolled-back" });
    const why = r.status === "undone" ? reason : `${reason}; putting the repository back failed too: ${r.reason} (run nix-warden remediate ${root} --recover)`;
    return { planId, status: "rolled-back", reason: why, files, validation: [...validation, ...extra], commands: [], undoCommands: [] };
  };

  if (createBranch) {
    const co = await git(gitRoot, ["checkout", "-q", "-b", branch!], options.signal);
    if (!co.ok) return rollback(`cannot create branch ${branch}: ${co.error}`);
  }
  await pauseForTest("branch");

  try {
    for (const [i, f] of files.entries()) {
      // Confined again right before the write: nothing may have become a link since.
      await writeBytes(await confinedPath(realRoot, f), newContents.get(f)!, originals.get(f)!.mode, planId);
      if (i === 0) await pauseForTest("file");
    }
  } catch (e) {
    return rollback(`writing failed: ${(e as Error).message}`);
  }
  journal.status = "files-written";
  await saveJournal(root, journal);
  await pauseForTest("files-written");

  // Every touched Nix file must still parse, with Nix itself when it is installed.
  const nixInstantiate = await hasCommand("nix-instantiate");
  for (const f of files.filter((x) => x.endsWith(".nix"))) {
    if (nixInstantiate) {
      const r = await run("nix-instantiate", ["--parse", abs.get(f)!], { timeoutMs: 60_000, signal: options.signal });
      validation.push({ check: `nix-instantiate --parse ${f}`, ok: r.ok, detail: r.ok ? "parses" : (r.error ?? "failed") });
      if (!r.ok) return rollback(`${f} no longer parses: ${r.error}`);
    } else {
      const p = parseNix(newContents.get(f)!.toString("utf8"), { path: abs.get(f)! });
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
  journal.status = "validated";
  await saveJournal(root, journal);
  await pauseForTest("validated");

  // One commit for the plan.
  if (files.length > 0) {
    const add = await git(gitRoot, ["add", "--", ...files.map(relToGit)], options.signal);
    if (!add.ok) return rollback(`git add failed: ${add.error}`);
    const fixed = plan.actions.filter((a) => a.kind === "edit").map((a) => `- ${a.fixes.title} (${a.fixes.ruleId ?? a.fixes.category ?? a.fixes.type} ${a.fixes.id})`);
    const message = `nix-warden: fix ${fixed.length} ${fixed.length === 1 ? "finding" : "findings"} (plan ${planId})\n\n${fixed.join("\n")}\n`;
    const identity = (await git(gitRoot, ["config", "user.email"])).ok ? [] : ["-c", "user.name=nix-warden", "-c", "user.email=nix-warden@localhost"];
    const c = await run("git", ["-C", gitRoot, ...identity, "commit", "-q", "-m", message, "--", ...files.map(relToGit)], { timeoutMs: 60_000 });
    if (!c.ok) return rollback(`git commit failed: ${c.error}`);
    journal.commit = (await git(gitRoot, ["rev-parse", "HEAD"])).stdout.trim();
  }
  await pauseForTest("commit");
  journal.status = "committed";
  await saveJournal(root, journal);

  // System commands: only when asked separately; one at a time; stop at the first failure.
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
          journal.commands.push({ action: a.id, command: a.command!, exitCode: null, ok: true, skipped: true, output: `not needed any more: \`${a.guard.join(" ")}\` failed` });
          continue;
        }
      }
      if (options.confirmCommand && !(await options.confirmCommand(a.command!))) {
        reason = `stopped before \`${a.command!.join(" ")}\` (not confirmed)`;
        break;
      }
      const r = await run(a.command![0]!, a.command!.slice(1), { timeoutMs: 300_000, signal: options.signal });
      journal.commands.push({ action: a.id, command: a.command!, exitCode: r.exitCode ?? null, ok: r.ok, output: (r.stdout + r.stderr).slice(-2000) });
      await saveJournal(root, journal);
      if (!r.ok) {
        reason = `\`${a.command!.join(" ")}\` failed: ${r.error}; later commands did not run`;
        break;
      }
    }
    await saveJournal(root, journal);
  }
  return { planId, status: "applied", reason, branch, commit: journal.commit, files, validation, commands: journal.commands, undoCommands: undoCommandsOf(plan, journal) };
}

export interface UndoResult {
  planId: string;
  /** failed: the restore started but the result does not verify (the reason says what differs). */
  status: "undone" | "refused" | "failed";
  reason?: string;
  restored: string[];
  /** Where HEAD is again, and the fix branch that was deleted. */
  branch?: string;
  deletedBranch?: string;
  /** Commands that undo the system actions the plan ran (printed, not run). */
  undoCommands: Array<string[] | string>;
}

/** What undoing a plan would write: the journal's files and branches, for a confirmation. */
export interface UndoPreview {
  planId: string;
  status: Journal["status"];
  files: string[];
  branch?: string;
  previousBranch?: string;
  createdBranch: boolean;
}

export async function previewUndo(root: string, planId: string): Promise<UndoPreview | undefined> {
  const j = await loadJournal(root, planId);
  return j && { planId, status: j.status, files: j.files.map((f) => f.file), branch: j.branch, previousBranch: j.previousBranch, createdBranch: j.createdBranch };
}

/** Put the repository back exactly as it was before the journal's apply: HEAD on the branch and
 * commit it started from, each file's original bytes, mode and index entry (uncommitted changes of
 * an --allow-dirty run included), the fix branch deleted. Works from any step an apply was killed
 * at; each step is idempotent, so an interrupted restore can run again. */
async function restore(root: string, journal: Journal, signal?: AbortSignal): Promise<UndoResult> {
  const planId = journal.planId;
  const no = (reason: string): UndoResult => ({ planId, status: "refused", reason, restored: [], undoCommands: [] });
  const realRoot = await realpath(root);
  const top = await git(realRoot, ["rev-parse", "--show-toplevel"], signal);
  if (!top.ok) return no(`${root} is not a git repository any more`);
  const gitRoot = top.stdout.trim();

  // Every path is confined to the repository again, and every file holds our result or its original.
  const targets: Array<{ f: JournalFile; abs: string; before: Buffer }> = [];
  for (const f of journal.files) {
    let abs: string;
    try {
      abs = await confinedPath(realRoot, f.file);
    } catch (e) {
      if (e instanceof UnsafePathError) return no(e.message);
      throw e;
    }
    const before = Buffer.from(f.before, "base64");
    if (sha256(before) !== f.beforeHash) return no(`the original of ${f.file} is not recoverable`);
    const current = await readFile(abs).catch(() => undefined);
    const h = current && sha256(current);
    if (h !== f.afterHash && h !== f.beforeHash) return no(`${f.file} changed since the plan was applied; undo it by hand (git log shows ${journal.commit ?? "the commit"})`);
    targets.push({ f, abs, before });
  }

  // A plan without file edits left git alone: there is nothing of git's to put back.
  if (journal.files.length === 0) return { planId, status: "undone", restored: [], undoCommands: [] };

  const ref = async (name: string) => {
    const r = await git(gitRoot, ["rev-parse", "--verify", "--quiet", name], signal);
    return r.ok ? r.stdout.trim() : undefined;
  };
  const headBranch = (await git(gitRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"], signal)).stdout.trim() || undefined;
  // The plan's commit, also when apply was killed between `git commit` and the journal update.
  let commit = journal.commit;
  const tip = journal.branch ? await ref(`refs/heads/${journal.branch}`) : await ref("HEAD");
  if (!commit && tip && tip !== journal.previousHead) {
    const parent = await ref(`${tip}^`);
    const subject = (await git(gitRoot, ["log", "-1", "--format=%s", tip], signal)).stdout;
    if (parent === journal.previousHead && subject.includes(`(plan ${planId})`)) commit = tip;
  }
  if (tip !== undefined && tip !== journal.previousHead && tip !== commit)
    return no(`${journal.branch ?? "HEAD"} has commits made after the plan's; revert ${commit ?? "its commit"} by hand (git revert)`);

  if (journal.createdBranch) {
    if (journal.previousBranch && (await ref(`refs/heads/${journal.previousBranch}`)) !== journal.previousHead)
      return no(`${journal.previousBranch} moved since the plan was applied; nix-warden does not switch to it blindly`);
    if (tip !== undefined && headBranch === journal.branch) {
      // Move HEAD back without touching the working tree: the two commits differ only in the plan's files.
      const back = journal.previousBranch
        ? await git(gitRoot, ["symbolic-ref", "HEAD", `refs/heads/${journal.previousBranch}`], signal)
        : await git(gitRoot, ["update-ref", "--no-deref", "HEAD", journal.previousHead!], signal);
      if (!back.ok) return no(`cannot move HEAD back: ${back.error}`);
    } else if (headBranch !== journal.previousBranch || (await ref("HEAD")) !== journal.previousHead) {
      return no(`HEAD is on ${headBranch ?? "a detached commit"}, neither the fix branch ${journal.branch} nor ${journal.previousBranch ?? journal.previousHead}; check out ${journal.branch} and undo again`);
    }
  } else if (commit && tip === commit) {
    if (headBranch !== journal.branch) return no(`HEAD is not on ${journal.branch ?? "the branch the plan was applied on"}`);
    const reset = journal.branch
      ? await git(gitRoot, ["update-ref", `refs/heads/${journal.branch}`, journal.previousHead!, commit], signal)
      : await git(gitRoot, ["update-ref", "--no-deref", "HEAD", journal.previousHead!, commit], signal);
    if (!reset.ok) return no(`cannot move ${journal.branch ?? "HEAD"} back: ${reset.error}`);
  }

  // The index entries and the bytes of each file, as they were.
  for (const { f, abs, before } of targets) {
    const rel = relative(gitRoot, abs);
    const idx = f.index
      ? await git(gitRoot, ["update-index", "--add", "--cacheinfo", `${f.index.mode},${f.index.blob},${rel}`], signal)
      : await git(gitRoot, ["update-index", "--force-remove", "--", rel], signal);
    if (!idx.ok) return { ...no(`cannot restore the index entry of ${f.file}: ${idx.error}`), status: "failed" };
    const current = await readFile(abs).catch(() => undefined);
    if (!current || !current.equals(before) || ((await stat(abs)).mode & 0o7777) !== f.mode) await writeBytes(abs, before, f.mode, planId);
    const tmp = tmpOf(abs, planId);
    if ((await lstat(tmp).catch(() => undefined))?.isFile()) await rm(tmp, { force: true });
  }
  let deletedBranch: string | undefined;
  if (journal.createdBranch && journal.branch && (await ref(`refs/heads/${journal.branch}`))) {
    const d = await git(gitRoot, ["branch", "-q", "-D", journal.branch], signal);
    if (d.ok) deletedBranch = journal.branch;
  }

  // Verify: the bytes and HEAD are what they were.
  const differs: string[] = [];
  for (const { f, abs } of targets) if (sha256(await readFile(abs)) !== f.beforeHash) differs.push(f.file);
  if ((await ref("HEAD")) !== journal.previousHead) differs.push(`HEAD (expected ${journal.previousHead})`);
  const nowBranch = (await git(gitRoot, ["symbolic-ref", "--quiet", "--short", "HEAD"], signal)).stdout.trim() || undefined;
  if (nowBranch !== journal.previousBranch) differs.push(`the branch (expected ${journal.previousBranch ?? "a detached HEAD"})`);
  const restored = targets.map((t) => t.f.file);
  if (differs.length) return { planId, status: "failed", reason: `after restoring, these still differ: ${differs.join(", ")}`, restored, deletedBranch, undoCommands: [] };
  return { planId, status: "undone", restored, branch: journal.previousBranch ?? journal.previousHead, deletedBranch, undoCommands: [] };
}

export async function undoPlan(root: string, planId: string, options: { signal?: AbortSignal; now?: Date } = {}): Promise<UndoResult> {
  const none = (reason: string): UndoResult => ({ planId, status: "refused", reason, restored: [], undoCommands: [] });
  if (!validPlanId(planId)) return none(`'${planId}' is not a plan id (12 hex digits)`);
  const journal = await loadJournal(root, planId);
  if (!journal) return none(`no journal for plan '${planId}' in ${await journalPath(root, planId)}: it was not applied here`);
  if (journal.status === "undone" || journal.status === "rolled-back") return none(`plan ${planId} was already ${journal.status === "undone" ? `undone at ${journal.undoneAt}` : "rolled back"}`);
  const r = await restore(root, journal, options.signal);
  if (r.status !== "undone") return r;
  await saveJournal(root, { ...journal, status: "undone", undoneAt: (options.now ?? new Date()).toISOString() });
  return { ...r, undoCommands: undoCommandsOf(await loadPlan(root, planId).catch(() => undefined), journal) };
}

/** Undo every apply in this repository that was killed before it finished. */
export async function recoverApplies(root: string, options: { signal?: AbortSignal; now?: Date } = {}): Promise<UndoResult[]> {
  const out: UndoResult[] = [];
  for (const j of await unfinishedJournals(root)) out.push(await undoPlan(root, j.planId, options));
  return out;
}
