// remediate: plan, confirm, apply, verify, undo.
//
// planRemediation scans (or reads a report for the ids to fix), builds a plan from the findings'
// fixes and the drift items' remediation options, stores it, and returns it. applyPlan applies
// exactly that plan, or refuses: unknown or stale plan, not a git repository, uncommitted changes in
// the files it touches. After editing, every touched file must still parse with Nix, and the
// affected hosts must still evaluate when they evaluated before; otherwise everything is rolled back.
// One commit per plan; a journal makes it undoable. System commands run only when asked separately.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DriftReport, Finding, SecurityReport } from "../report/schema.js";
import { runScanWithFixes } from "../scan/index.js";
import type { TextEdit } from "../text/edit.js";
import { assemblePlan, sha256, type Plan, type PlanAction } from "./plan.js";
import { selectFindings, type Selection } from "./select.js";
import { savePlan } from "./store.js";
import { driftActions } from "./drift.js";

export { applyPlan, previewUndo, recoverApplies, undoPlan, type ApplyOptions, type ApplyResult, type UndoPreview, type UndoResult } from "./apply.js";
export type { Plan, PlanAction } from "./plan.js";

export interface PlanOptions extends Selection {
  /** The repository (default: the current directory). */
  root: string;
  /** A SecurityReport (or DriftReport) JSON file to take the chosen ids from. */
  fromReport?: string;
  /** A DriftReport whose items may be chosen (by id or filters). */
  driftReport?: DriftReport;
  /** For drift items: put the machine back (revert, default) or write the change into the config (adopt). */
  driftStrategy?: "revert" | "adopt";
  hosts?: string[];
  signal?: AbortSignal;
  /** Use systemd-analyze in the scan (default false: the plan does not need it). */
  preferSystemd?: boolean;
  now?: Date;
}

export interface PlanResult {
  plan: Plan;
  /** The fresh scan the plan is based on. */
  report: SecurityReport;
  /** Where the plan was stored. */
  path: string;
}

function findingAction(f: Finding, edits: TextEdit[] | undefined): Omit<PlanAction, "id" | "diff"> | undefined {
  if (!f.fix) return undefined;
  const fixes = { type: "finding" as const, id: f.id, title: f.title, ruleId: f.ruleId, category: f.category, severity: f.severity, ...(f.host ? { host: f.host } : {}) };
  const where = `${f.file}:${f.line}`;
  if (edits?.length) return { kind: "edit", safety: f.fix.safety, fixes, description: `${f.fix.description} (${where})`, edits };
  return { kind: "manual", safety: "manual", fixes, description: `${f.fix.description} (${where})` };
}

export async function planRemediation(options: PlanOptions): Promise<PlanResult> {
  const root = resolve(options.root);
  let ids = options.ids;
  let drift = options.driftReport;
  if (options.fromReport) {
    const data = JSON.parse(await readFile(options.fromReport, "utf8")) as { findings?: Finding[]; items?: DriftReport["items"] };
    if (data.items && !data.findings) drift = data as DriftReport;
    // Without explicit ids, a report means "the findings in that report".
    else if (!ids?.length && data.findings) ids = data.findings.map((f) => f.id);
  }
  const { report, edits, texts } = await runScanWithFixes({ root, hosts: options.hosts, quick: !options.preferSystemd, signal: options.signal, now: options.now });
  const driftIds = new Set(drift?.items.map((i) => i.id) ?? []);
  const findingIds = ids?.filter((id) => !driftIds.has(id));
  const sel = { ...options, ids: findingIds?.length ? findingIds : ids?.length ? [] : undefined };
  const { chosen, missing } = selectFindings(report.findings, sel);
  const skipped = missing.map((id) => ({ id, reason: "no such finding in a fresh scan (already fixed, or the file changed)" }));
  const actions: Omit<PlanAction, "id" | "diff">[] = [];
  for (const f of chosen) {
    const a = findingAction(f, edits.get(f.id));
    if (a) actions.push(a);
    else skipped.push({ id: f.id, reason: "no fix is known for this finding" });
  }
  if (drift) {
    const wanted = ids?.length ? new Set(ids.filter((id) => driftIds.has(id))) : undefined;
    const d = await driftActions(root, drift, { ...options, wanted, texts, signal: options.signal });
    actions.push(...d.actions);
    skipped.push(...d.skipped);
    for (const [file, text] of d.texts) texts.set(file, text);
  }
  const fileTexts = new Map<string, string>();
  for (const a of actions) {
    for (const e of a.edits ?? []) {
      if (fileTexts.has(e.file)) continue;
      const t = texts.get(e.file) ?? (await readFile(join(root, e.file), "utf8").catch(() => undefined));
      if (t !== undefined) fileTexts.set(e.file, t);
    }
  }
  // Plans are bound to the files' bytes: apply edits the bytes, so a comment in another encoding
  // survives. Bytes that no longer decode to the scanned text keep the text's hash: apply then
  // refuses the plan as stale.
  const hashes = new Map<string, string>();
  for (const [file, text] of fileTexts) {
    const bytes = await readFile(join(root, file)).catch(() => undefined);
    if (bytes && bytes.toString("utf8") === text) hashes.set(file, sha256(bytes));
  }
  const plan = assemblePlan({ root, actions, skipped, texts: fileTexts, hashes, now: options.now });
  const path = await savePlan(root, plan);
  return { plan, report, path };
}
