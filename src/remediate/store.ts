// Where plans and journals live: `.nix-warden/plans/<id>.json` and `.nix-warden/journal/<id>.json`
// in the repository (the directory gets a .gitignore so none of it is committed). Files are written
// atomically (temp file + rename) and readable only by their owner.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { Plan, planIdOf } from "./plan.js";

export const STATE_DIR = ".nix-warden";

export async function ensureStateDir(root: string): Promise<string> {
  const dir = join(root, STATE_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, ".gitignore"), "# nix-warden's local state: plans, journals, reports\n*\n", { flag: "w" });
  return dir;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, path);
}

export async function savePlan(root: string, plan: Plan): Promise<string> {
  const dir = join(await ensureStateDir(root), "plans");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${plan.id}.json`);
  await writeJsonAtomic(path, plan);
  return path;
}

const PLAN_ID = /^[0-9a-f]{12}$/;

export function validPlanId(id: string): boolean {
  return PLAN_ID.test(id);
}

export async function loadPlan(root: string, id: string): Promise<Plan | undefined> {
  if (!validPlanId(id)) return undefined;
  try {
    const plan = Plan.parse(JSON.parse(await readFile(join(root, STATE_DIR, "plans", `${id}.json`), "utf8")));
    // Apply executes exactly the plan that was shown: a stored plan that was altered is no plan.
    return plan.id === id && planIdOf(plan.actions, plan.files) === id ? plan : undefined;
  } catch {
    return undefined;
  }
}

export const JournalFile = z.object({
  file: z.string(),
  beforeHash: z.string(),
  afterHash: z.string(),
  /** The original content when git cannot give it back (the file had uncommitted changes). */
  before: z.string().optional(),
  /** Else the commit holding the original. */
  beforeCommit: z.string().optional(),
});

export const JournalCommand = z.object({
  action: z.string(),
  command: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  ok: z.boolean(),
  output: z.string(),
  undo: z.union([z.array(z.string()), z.string()]).optional(),
  /** Not run: its guard said the step was no longer needed. */
  skipped: z.boolean().optional(),
});

export const Journal = z.object({
  planId: z.string(),
  appliedAt: z.string(),
  root: z.string(),
  gitRoot: z.string(),
  previousBranch: z.string().optional(),
  previousHead: z.string().optional(),
  branch: z.string().optional(),
  commit: z.string().optional(),
  files: z.array(JournalFile),
  commands: z.array(JournalCommand),
  undoneAt: z.string().optional(),
});
export type Journal = z.infer<typeof Journal>;

export async function saveJournal(root: string, journal: Journal): Promise<string> {
  const dir = join(await ensureStateDir(root), "journal");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${journal.planId}.json`);
  await writeJsonAtomic(path, journal);
  return path;
}

export async function loadJournal(root: string, id: string): Promise<Journal | undefined> {
  if (!validPlanId(id)) return undefined;
  try {
    return Journal.parse(JSON.parse(await readFile(join(root, STATE_DIR, "journal", `${id}.json`), "utf8")));
  } catch {
    return undefined;
  }
}
