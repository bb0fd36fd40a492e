// The remediation core's interface, as the `remediate` MCP tool (and later the CLI) calls it. The
// core itself is a later piece of work; until it exists, `unavailableRemediation` answers every call
// with RemediationUnavailableError, and the tool reports that plainly instead of inventing a plan.
//
// The model is terraform's plan / apply: planRemediation() turns findings and drift items into a
// plan with an id (edits as unified diffs, commands as argument arrays), changing nothing;
// applyPlan(id) executes exactly that plan or refuses (the files changed since it was made, the
// plan expired); every applied plan is journaled, and undoPlan(id) reverts it. The tool asks the
// user before applyPlan and undoPlan, never the core.
import { z } from "zod";
import { FixSafety, Severity, type DriftReport, type SecurityReport } from "../report/schema.js";

export const RemediationSource = z.object({
  /** A security finding or a drift item. */
  kind: z.enum(["finding", "drift"]),
  /** The finding's or drift item's id (stable fingerprint). */
  id: z.string(),
  /** The rule (findings) or the drift category. */
  ruleId: z.string().optional(),
  category: z.string(),
  severity: Severity,
  title: z.string(),
});
export type RemediationSource = z.infer<typeof RemediationSource>;

export const RemediationAction = z.object({
  /** Unique within the plan. */
  id: z.string(),
  source: RemediationSource,
  /** `edit`: a change to a file of the repository; `command`: a program run on the machine. */
  type: z.enum(["edit", "command"]),
  safety: FixSafety,
  description: z.string(),
  /** edit: the file, relative to the plan's root. */
  file: z.string().optional(),
  /** edit: a unified diff, `git apply`-able from the root. */
  diff: z.string().optional(),
  /** command: an argument array, never a shell string. */
  command: z.array(z.string()).optional(),
  /** Whether undoPlan can revert it (edits always; commands when the core knows the inverse). */
  reversible: z.boolean(),
});
export type RemediationAction = z.infer<typeof RemediationAction>;

export const RemediationPlan = z.object({
  /** Identifies exactly this plan: applyPlan(id) applies these actions or refuses. */
  id: z.string(),
  createdAt: z.string(),
  /** Plans are not applied after this time (the files may have moved on). */
  expiresAt: z.string().optional(),
  /** The repository the edits apply to (absolute). */
  root: z.string(),
  host: z.string().optional(),
  actions: z.array(RemediationAction),
  /** All edits as one unified diff (what a reviewer reads). */
  diff: z.string(),
  /** All commands, in the order they would run. */
  commands: z.array(z.array(z.string())),
  /** Selected findings or drift items that got no action, and why (no fix known, manual only...). */
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
});
export type RemediationPlan = z.infer<typeof RemediationPlan>;

export const ActionOutcome = z.object({
  actionId: z.string(),
  ok: z.boolean(),
  message: z.string(),
});

export const ApplyResult = z.object({
  planId: z.string(),
  /** Where the undo information is kept. */
  journal: z.string(),
  outcomes: z.array(ActionOutcome),
  /** True when every action succeeded; a failed action stops the rest and rolls back the edits. */
  ok: z.boolean(),
});
export type ApplyResult = z.infer<typeof ApplyResult>;

export const UndoResult = z.object({
  planId: z.string(),
  outcomes: z.array(ActionOutcome),
  ok: z.boolean(),
});
export type UndoResult = z.infer<typeof UndoResult>;

/** What to remediate: reports to draw from, and filters. No filter means every fixable item. */
export interface PlanRequest {
  /** The repository (absolute, inside the allowed roots). */
  root: string;
  host?: string;
  /** The reports the ids refer to (the latest stored ones, unless the caller chose). */
  security?: SecurityReport;
  drift?: DriftReport;
  /** Finding or drift item ids. */
  ids?: string[];
  /** Only items at or above this severity. */
  severity?: Severity;
  /** Only this finding category or drift category. */
  category?: string;
  /** Only fixes whose safety is `auto`. */
  safeOnly?: boolean;
  signal?: AbortSignal;
}

export interface ApplyOptions {
  root: string;
  signal?: AbortSignal;
  /** Progress of a long apply (e.g. a nixos-rebuild). */
  onProgress?: (progress: { done: number; total: number; message?: string }) => void;
}

/** What undoing an applied plan would write, from its journal (not from the plan): the files that
 * get their original bytes back, and the branch HEAD returns to. */
export interface UndoPreview {
  planId: string;
  files: string[];
  /** The fix branch that is deleted, when apply made one. */
  branch?: string;
  previousBranch?: string;
  /** The apply did not finish (killed): undo puts back whatever it had done. */
  interrupted: boolean;
}

export interface RemediationApi {
  /** A plan for the selected items; changes nothing. The plan is kept until it expires. */
  planRemediation(request: PlanRequest): Promise<RemediationPlan>;
  /** A plan made earlier (undefined when unknown or expired). */
  getPlan(planId: string, options: { root: string }): Promise<RemediationPlan | undefined>;
  /** Apply exactly this plan, journaled; refuses when the plan no longer matches the files. */
  applyPlan(planId: string, options: ApplyOptions): Promise<ApplyResult>;
  /** What undoPlan would write (undefined when the plan was not applied here). */
  previewUndo(planId: string, options: { root: string }): Promise<UndoPreview | undefined>;
  /** Revert an applied plan from its journal. */
  undoPlan(planId: string, options: ApplyOptions): Promise<UndoResult>;
}

export class RemediationUnavailableError extends Error {
  constructor() {
    super(
      "remediation is not available yet in this version of nix-warden: no plan can be made or applied. " +
        "Each finding's `fix` (with its patch) and each drift item's `remediation` list what to change; apply them by hand after review.",
    );
    this.name = "RemediationUnavailableError";
  }
}

/** The stand-in until the remediation core exists: every call fails with RemediationUnavailableError. */
export const unavailableRemediation: RemediationApi = {
  planRemediation: () => Promise.reject(new RemediationUnavailableError()),
  getPlan: () => Promise.reject(new RemediationUnavailableError()),
  applyPlan: () => Promise.reject(new RemediationUnavailableError()),
  previewUndo: () => Promise.reject(new RemediationUnavailableError()),
  undoPlan: () => Promise.reject(new RemediationUnavailableError()),
};

/** The MCP contract's view of a stored plan. Manual actions (nothing to run or edit) appear as
 * skipped with their instructions. */
export function toRemediationPlan(plan: import("./plan.js").Plan, host?: string): RemediationPlan {
  const actions: RemediationAction[] = [];
  const skipped = [...plan.skipped];
  for (const a of plan.actions) {
    if (a.kind === "manual") {
      skipped.push({ id: a.fixes.id, reason: `manual: ${a.description}` });
      continue;
    }
    const severity = Severity.safeParse(a.fixes.severity);
    actions.push({
      id: a.id,
      source: {
        kind: a.fixes.type,
        id: a.fixes.id,
        ...(a.fixes.ruleId ? { ruleId: a.fixes.ruleId } : {}),
        category: a.fixes.category ?? a.fixes.type,
        severity: severity.success ? severity.data : "low",
        title: a.fixes.title,
      },
      type: a.kind,
      safety: a.safety,
      description: a.description,
      ...(a.edits?.length ? { file: a.edits[0]!.file } : {}),
      ...(a.diff ? { diff: a.diff } : {}),
      ...(a.command ? { command: a.command } : {}),
      reversible: a.kind === "edit" || Array.isArray(a.undo),
    });
  }
  return {
    id: plan.id,
    createdAt: plan.createdAt,
    root: plan.root,
    ...(host ? { host } : {}),
    actions,
    diff: plan.diff,
    commands: plan.actions.filter((a) => a.kind === "command" && a.command).map((a) => a.command!),
    skipped,
  };
}

/** The remediation core (src/remediate/index.ts) behind the MCP contract. Through MCP, applying
 * edits the files; a plan's system commands are listed for the user but not run (they need the
 * CLI's separate `--run-commands` confirmation). */
export const coreRemediation: RemediationApi = {
  async planRemediation(req) {
    const { planRemediation } = await import("./index.js");
    const { plan } = await planRemediation({
      root: req.root,
      ids: req.ids,
      severity: req.severity,
      category: req.category,
      safeOnly: req.safeOnly,
      driftReport: req.drift,
      hosts: req.host && !req.drift ? [req.host] : undefined,
      signal: req.signal,
    });
    return toRemediationPlan(plan, req.host);
  },
  async getPlan(planId, { root }) {
    const { loadPlan } = await import("./store.js");
    const plan = await loadPlan(root, planId);
    return plan ? toRemediationPlan(plan) : undefined;
  },
  async applyPlan(planId, { root, signal }) {
    const { applyPlan } = await import("./apply.js");
    const { journalPath, loadPlan } = await import("./store.js");
    const plan = await loadPlan(root, planId);
    const r = await applyPlan(root, planId, { signal });
    const ok = r.status === "applied" || r.status === "already-applied";
    const outcomes = (plan?.actions ?? [])
      .filter((a) => a.kind !== "manual")
      .map((a) => ({
        actionId: a.id,
        ok: ok && a.kind === "edit",
        message:
          a.kind === "command"
            ? `not run through MCP: run \`nix-warden remediate ${root} --apply ${planId} --run-commands\` to run the plan's commands`
            : ok
              ? `${r.status === "already-applied" ? "already applied" : "applied"}${r.commit ? ` (commit ${r.commit.slice(0, 12)} on ${r.branch})` : ""}`
              : (r.reason ?? r.status),
      }));
    if (!ok) outcomes.unshift({ actionId: "plan", ok: false, message: `${r.status}: ${r.reason ?? ""}`.trim() });
    for (const v of r.validation) outcomes.push({ actionId: "validation", ok: v.ok, message: `${v.check}: ${v.detail}` });
    return { planId, journal: await journalPath(root, planId), outcomes, ok };
  },
  async previewUndo(planId, { root }) {
    const { previewUndo } = await import("./apply.js");
    const p = await previewUndo(root, planId);
    if (!p || p.status === "undone" || p.status === "rolled-back") return undefined;
    return { planId, files: p.files, ...(p.createdBranch && p.branch ? { branch: p.branch } : {}), ...(p.previousBranch ? { previousBranch: p.previousBranch } : {}), interrupted: p.status !== "committed" };
  },
  async undoPlan(planId, { root, signal }) {
    const { undoPlan } = await import("./apply.js");
    const r = await undoPlan(root, planId, { signal });
    const outcomes = r.status === "undone" ? r.restored.map((f) => ({ actionId: f, ok: true, message: `restored ${f}` })) : [{ actionId: "plan", ok: false, message: r.reason ?? "refused" }];
    if (r.deletedBranch) outcomes.push({ actionId: "branch", ok: true, message: `back on ${r.branch}; deleted ${r.deletedBranch}` });
    for (const u of r.undoCommands) outcomes.push({ actionId: "command", ok: true, message: `to undo a system action, run: ${Array.isArray(u) ? u.join(" ") : u}` });
    return { planId, outcomes, ok: r.status === "undone" };
  },
};
