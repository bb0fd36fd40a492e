// What remediate shows of a plan: a bounded list of actions, each diff cut and with every secret
// redacted (context lines of a diff are source too: a Stripe key next to the line a fix changes).
// The whole plan, also redacted, is the resource nix-warden://plans/{id}; applying goes by plan id,
// so nothing an agent reads needs the secret.
import { z } from "zod";
import { RemediationAction, type RemediationPlan } from "../remediate/api.js";
import { redactDiffSecrets } from "../scan/findings.js";
import { clip, fitPage, oneLine, PageInfo } from "./answer.js";

export const PLAN_TEMPLATE = "nix-warden://plans/{planId}";
export function planUri(id: string): string {
  return `nix-warden://plans/${encodeURIComponent(id)}`;
}

export const PLAN_ACTIONS_DEFAULT = 20;
const ACTION_DIFF_MAX = 2000;

export const PlanView = z.object({
  id: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  root: z.string(),
  host: z.string().optional(),
  /** Actions in the plan; `actions` lists the first ones. */
  totalActions: z.number().int(),
  actions: z.array(RemediationAction.extend({ diffTruncated: z.boolean().optional() })),
  page: PageInfo,
  commands: z.array(z.array(z.string())),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
  skippedTotal: z.number().int(),
  /** The whole plan (every action, the complete diff, secrets redacted). */
  uri: z.string(),
});
export type PlanView = z.infer<typeof PlanView>;

/** The plan with every diff redacted (the plan resource). */
export function redactPlan(plan: RemediationPlan): RemediationPlan {
  return { ...plan, diff: redactDiffSecrets(plan.diff), actions: plan.actions.map((a) => (a.diff ? { ...a, diff: redactDiffSecrets(a.diff) } : a)) };
}

/** At most `limit` actions (fewer when the page would grow too large), diffs cut and redacted. */
export function planView(plan: RemediationPlan, limit = PLAN_ACTIONS_DEFAULT, budget?: number): PlanView {
  const build = (actions: readonly RemediationPlan["actions"][number][]): PlanView => ({
    id: plan.id,
    createdAt: plan.createdAt,
    ...(plan.expiresAt ? { expiresAt: plan.expiresAt } : {}),
    root: plan.root,
    ...(plan.host ? { host: plan.host } : {}),
    totalActions: plan.actions.length,
    actions: actions.map((a) => {
      if (!a.diff) return { ...a, description: clip(a.description, 500) };
      const diff = redactDiffSecrets(a.diff);
      return { ...a, description: clip(a.description, 500), diff: clip(diff, ACTION_DIFF_MAX), ...(diff.length > ACTION_DIFF_MAX ? { diffTruncated: true } : {}) };
    }),
    page: { offset: 0, count: actions.length, total: plan.actions.length },
    commands: plan.commands.slice(0, 20).map((c) => c.map((x) => clip(x, 300))),
    skipped: plan.skipped.slice(0, 20).map((s) => ({ id: s.id, reason: oneLine(s.reason, 200) })),
    skippedTotal: plan.skipped.length,
    uri: planUri(plan.id),
  });
  return fitPage(plan.actions, 0, limit, build, budget).page;
}
