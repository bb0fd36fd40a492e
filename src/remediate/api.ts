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

export interface RemediationApi {
  /** A plan for the selected items; changes nothing. The plan is kept until it expires. */
  planRemediation(request: PlanRequest): Promise<RemediationPlan>;
  /** A plan made earlier (undefined when unknown or expired). */
  getPlan(planId: string, options: { root: string }): Promise<RemediationPlan | undefined>;
  /** Apply exactly this plan, journaled; refuses when the plan no longer matches the files. */
  applyPlan(planId: string, options: ApplyOptions): Promise<ApplyResult>;
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
  undoPlan: () => Promise.reject(new RemediationUnavailableError()),
};
