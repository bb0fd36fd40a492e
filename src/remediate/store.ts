// Where plans and journals live: in nix-warden's state directory, outside the repository
// (`<state>/repos/<key>/plans/<id>.json`, `.../journal/<id>.json`, see src/system/state.ts). Nothing
// is ever read from the repository's checkout: a plan or journal committed there is no plan.
//
// Each file carries an HMAC (key: localKey(), kept outside the repository) over its content and
// the repository's realpath: a file someone else wrote, or one copied from another repository,
// does not load.
import { createHmac, timingSafeEqual } from "node:crypto";
import { open, readFile, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { localKey, repoStateSubdir, writeJsonAtomic } from "../system/state.js";
import { canonicalJson, Plan, planIdOf } from "./plan.js";

const PLAN_ID = /^[0-9a-f]{12}$/;

export function validPlanId(id: string): boolean {
  return PLAN_ID.test(id);
}

export async function planDir(root: string): Promise<string> {
  return repoStateSubdir(root, "plans");
}

export async function journalDir(root: string): Promise<string> {
  return repoStateSubdir(root, "journal");
}

async function macOf(kind: "plan" | "journal", realRoot: string, body: unknown): Promise<string> {
  return createHmac("sha256", await localKey()).update(canonicalJson({ kind, root: realRoot, body })).digest("hex");
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === 32 && x.length === y.length && timingSafeEqual(x, y);
}

/** Make a rename durable: fsync the directory that holds the file. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function saveSigned(kind: "plan" | "journal", root: string, dir: string, id: string, body: object): Promise<string> {
  const realRoot = await realpath(root);
  const { mac: _old, ...content } = body as { mac?: string };
  const path = join(dir, `${id}.json`);
  await writeJsonAtomic(path, { ...content, mac: await macOf(kind, realRoot, JSON.parse(JSON.stringify(content))) });
  await syncDir(dir);
  return path;
}

async function loadSigned(kind: "plan" | "journal", root: string, dir: string, id: string): Promise<unknown> {
  if (!validPlanId(id)) return undefined;
  let raw: { mac?: unknown };
  try {
    raw = JSON.parse(await readFile(join(dir, `${id}.json`), "utf8")) as { mac?: unknown };
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== "object" || typeof raw.mac !== "string") return undefined;
  const { mac, ...content } = raw;
  return sameMac(mac as string, await macOf(kind, await realpath(root), content)) ? content : undefined;
}

export async function savePlan(root: string, plan: Plan): Promise<string> {
  return saveSigned("plan", root, await planDir(root), plan.id, plan);
}

/** A plan made here, for this repository, unaltered; else undefined. */
export async function loadPlan(root: string, id: string): Promise<Plan | undefined> {
  const content = await loadSigned("plan", root, await planDir(root), id);
  const parsed = Plan.safeParse(content);
  if (!parsed.success) return undefined;
  const plan = parsed.data;
  const realRoot = await realpath(root);
  if ((await realpath(plan.root).catch(() => plan.root)) !== realRoot) return undefined;
  // Apply executes exactly the plan that was shown: a stored plan that was altered is no plan.
  return plan.id === id && planIdOf(plan.actions, plan.files) === id ? plan : undefined;
}

export const JournalFile = z.object({
  /** Relative to the repository; confined again before every use. */
  file: z.string(),
  beforeHash: z.string(),
  afterHash: z.string(),
  /** The original bytes (base64), whatever git holds. */
  before: z.string(),
  mode: z.number().int(),
  /** The file's index entry before apply (`git ls-files -s`), null when it was not in the index. */
  index: z.object({ mode: z.string(), blob: z.string() }).nullable(),
});
export type JournalFile = z.infer<typeof JournalFile>;

export const JournalCommand = z.object({
  action: z.string(),
  command: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  ok: z.boolean(),
  output: z.string(),
  /** Not run: its guard said the step was no longer needed. */
  skipped: z.boolean().optional(),
});

/** Where an apply got to. Written ahead of each step, so a killed apply can be undone exactly:
 * intent (nothing touched yet, or the branch made), files-written, validated, committed; then
 * rolled-back or undone. */
export const JournalStatus = z.enum(["intent", "files-written", "validated", "committed", "rolled-back", "undone"]);
export type JournalStatus = z.infer<typeof JournalStatus>;

export const Journal = z.object({
  version: z.literal(2),
  planId: z.string(),
  appliedAt: z.string(),
  status: JournalStatus,
  previousBranch: z.string().optional(),
  previousHead: z.string().optional(),
  /** The branch the commit goes on: the new fix branch, or the previous branch. */
  branch: z.string().optional(),
  createdBranch: z.boolean(),
  /** The repository had uncommitted changes when apply started (an --allow-dirty run). */
  dirty: z.boolean(),
  commit: z.string().optional(),
  files: z.array(JournalFile),
  commands: z.array(JournalCommand),
  undoneAt: z.string().optional(),
});
export type Journal = z.infer<typeof Journal>;

export async function saveJournal(root: string, journal: Journal): Promise<string> {
  return saveSigned("journal", root, await journalDir(root), journal.planId, journal);
}

export async function journalPath(root: string, id: string): Promise<string> {
  return join(await journalDir(root), `${id}.json`);
}

/** The journal of a plan applied here; undefined when there is none or it is not ours. */
export async function loadJournal(root: string, id: string): Promise<Journal | undefined> {
  const parsed = Journal.safeParse(await loadSigned("journal", root, await journalDir(root), id));
  return parsed.success && parsed.data.planId === id ? parsed.data : undefined;
}

/** Journals of applies that did not finish (killed, or crashed): what `--recover` undoes. */
export async function unfinishedJournals(root: string): Promise<Journal[]> {
  const dir = await journalDir(root);
  const ids = (await readdir(dir)).filter((n) => /^[0-9a-f]{12}\.json$/.test(n)).map((n) => n.slice(0, 12));
  const out: Journal[] = [];
  for (const id of ids) {
    const j = await loadJournal(root, id);
    if (j && ["intent", "files-written", "validated"].includes(j.status)) out.push(j);
  }
  return out;
}
