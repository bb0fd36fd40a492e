// Remediation plans (in the manner of `terraform plan`): the actions that fix chosen findings and
// drift items, each classified auto / review / manual, with the exact file edits (as diffs) and
// system commands (argument arrays). A plan's id is a hash of its actions and of the files it
// touches, so applying it later can refuse when anything changed in between.
import { createHash } from "node:crypto";
import { z } from "zod";
import { FixSafety } from "../report/schema.js";
import type { TextEdit } from "../text/edit.js";
import { applyEdits, unifiedDiff } from "../text/diff.js";

export const PlanEdit = z.object({ file: z.string(), start: z.number().int(), end: z.number().int(), text: z.string() });

export const PlanAction = z.object({
  id: z.string(),
  kind: z.enum(["edit", "command", "manual"]),
  safety: FixSafety,
  /** What it fixes. */
  fixes: z.object({
    type: z.enum(["finding", "drift"]),
    id: z.string(),
    title: z.string(),
    ruleId: z.string().optional(),
    category: z.string().optional(),
    severity: z.string().optional(),
    host: z.array(z.string()).optional(),
  }),
  description: z.string(),
  edits: z.array(PlanEdit).optional(),
  /** This action's own diff (for display). */
  diff: z.string().optional(),
  /** A system command, as an argument array. */
  command: z.array(z.string()).optional(),
  /** How to undo the command (an argument array, or words when it cannot be a command). */
  undo: z.union([z.array(z.string()), z.string()]).optional(),
  /** A command that succeeds while the step is still needed (the drift item's guard, shared by
   * the steps of one item): when it fails at apply time, the steps are skipped, not run. */
  guard: z.array(z.string()).optional(),
  /** The host the command is meant for (commands run on the machine nix-warden runs on). */
  host: z.string().optional(),
});
export type PlanAction = z.infer<typeof PlanAction>;

export const Plan = z.object({
  id: z.string(),
  createdAt: z.string(),
  root: z.string(),
  actions: z.array(PlanAction),
  /** sha256 of the bytes of every file the edits touch, as they were when planned. */
  files: z.record(z.string(), z.string()),
  /** All edits as one unified diff. */
  diff: z.string(),
  /** Requested items that got no action, and why. */
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
});
export type Plan = z.infer<typeof Plan>;

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface PlanInput {
  root: string;
  actions: Omit<PlanAction, "id" | "diff">[];
  skipped: Array<{ id: string; reason: string }>;
  /** Current contents of the files the edits touch. */
  texts: Map<string, string>;
  /** sha256 of each file's bytes, when they are not the UTF-8 of its text (a Latin-1 comment). */
  hashes?: Map<string, string>;
  now?: Date;
}

/** Assemble a plan: resolve conflicting edits (an action whose edits overlap an earlier one's is
 * skipped), compute diffs, hash files, derive the id. */
export function assemblePlan(input: PlanInput): Plan {
  const accepted: Omit<PlanAction, "id" | "diff">[] = [];
  const skipped = [...input.skipped];
  const taken = new Map<string, Array<[number, number]>>();
  // Edits overlap when their ranges intersect (an insertion strictly inside a replaced range counts).
  const overlaps = (e: TextEdit) => (taken.get(e.file) ?? []).some(([s, t]) => e.start < t && e.end > s);
  // The same edit wanted by two fixes (one `age.secrets.x.file` declaration for two reads of x) is made once.
  const made = new Set<string>();
  const key = (e: TextEdit) => JSON.stringify([e.file, e.start, e.end, e.text]);
  for (let a of input.actions) {
    if (a.edits?.some((e) => made.has(key(e)))) a = { ...a, edits: a.edits.filter((e) => !made.has(key(e))) };
    if (a.edits?.length) {
      if (a.edits.some((e) => !input.texts.has(e.file))) {
        skipped.push({ id: a.fixes.id, reason: "the file to edit could not be read" });
        continue;
      }
      if (a.edits.some(overlaps)) {
        skipped.push({ id: a.fixes.id, reason: "its edit overlaps an earlier fix in this plan; plan it again after applying this one" });
        continue;
      }
      for (const e of a.edits) {
        made.add(key(e));
        const list = taken.get(e.file) ?? [];
        list.push([e.start, e.end]);
        taken.set(e.file, list);
      }
    }
    accepted.push(a);
  }
  const actions: PlanAction[] = accepted.map((a, i) => {
    const action: PlanAction = { ...a, id: `a${i + 1}` };
    if (a.edits?.length) action.diff = diffOf(a.edits, input.texts);
    return action;
  });
  const allEdits = actions.flatMap((a) => a.edits ?? []);
  const files: Record<string, string> = {};
  for (const e of allEdits) files[e.file] ??= input.hashes?.get(e.file) ?? sha256(input.texts.get(e.file)!);
  const diff = diffOf(allEdits, input.texts);
  return { id: planIdOf(actions, files), createdAt: (input.now ?? new Date()).toISOString(), root: input.root, actions, files, diff, skipped };
}

/** A plan's id: the hash of its actions and of the files they touch (so a stored plan that was
 * altered no longer matches its id, and a plan made against other file contents gets another). */
export function planIdOf(actions: readonly PlanAction[], files: Record<string, string>): string {
  return sha256(canonicalJson({ actions, files })).slice(0, 12);
}

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function diffOf(edits: readonly TextEdit[], texts: Map<string, string>): string {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  let out = "";
  for (const [file, list] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const text = texts.get(file)!;
    out += unifiedDiff(file, text, applyEdits(text, list));
  }
  return out;
}

/** The new content of every file a plan edits. */
export function plannedContents(plan: Plan, texts: Map<string, string>): Map<string, string> {
  const byFile = new Map<string, TextEdit[]>();
  for (const a of plan.actions) for (const e of a.edits ?? []) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const out = new Map<string, string>();
  for (const [file, list] of byFile) out.set(file, applyEdits(texts.get(file)!, list));
  return out;
}
