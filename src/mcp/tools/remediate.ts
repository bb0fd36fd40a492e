// The remediate tool: plans fixes for findings and drift items (a dry run, the default), and applies
// or undoes a plan only after the user confirms: through MCP elicitation when the client supports
// it (the agent cannot answer for the user), otherwise with an explicit `confirm: true` beside the
// plan id of an earlier dry run. The planning and applying is the remediation core's (src/remediate/
// api.ts); this module is the contract and the confirmation.
import { z } from "zod";
import { ApplyResult, RemediationUnavailableError, UndoResult, type RemediationPlan as Plan, type UndoPreview } from "../../remediate/api.js";
import { Severity, type DriftReport, type SecurityReport } from "../../report/schema.js";
import { securityHostKey } from "../report-store.js";
import { answer, clip } from "../answer.js";
import { checkHostNames, errorResult, toolError, type Extra, type ServerContext } from "../context.js";
import { planView, PlanView } from "../plan-answer.js";

export const REMEDIATE_DESCRIPTION = `Fix security findings and drift items of a NixOS configuration, safely: plan first, apply only with the user's confirmation, undo when needed. DESTRUCTIVE when applying (edits .nix files, may run commands).

1. Dry run (default): select items from the latest security_scan / check_drift reports by ids, severity, category, safeOnly (only fixes marked auto), kind (security or drift) and host. Returns a plan: an id, the actions, one unified diff of the file edits, the commands. Nothing changes. Show the diff and commands to the user.
2. Apply: call again with apply=<plan id>. The server asks the user to confirm (MCP elicitation); clients without elicitation must pass confirm=true, and only after the user explicitly agreed to that plan. A plan applies exactly as shown or not at all.
3. Undo: undo=<plan id> reverts an applied plan (same confirmation).

Run security_scan or check_drift first: remediate works on their stored reports. Never set confirm=true on your own.`;

export const RemediateInput = {
  ids: z.array(z.string().max(200)).max(500).optional().describe("Finding or drift item ids to fix (from the reports). Default: every item the filters select."),
  kind: z.enum(["security", "drift"]).optional().describe("Only findings (security) or only drift items. Default: both latest reports."),
  host: z.string().max(63).optional().describe("The host whose latest reports to use. Default: the latest whole-repository scan and the latest drift report."),
  severity: Severity.optional().describe("Only items at or above this severity."),
  category: z.string().max(64).optional().describe("Only this category (e.g. access, firewall, secrets, package, service)."),
  safeOnly: z.boolean().optional().describe("Only fixes whose safety is auto (no review needed)."),
  path: z.string().max(4096).optional().describe("The repository the fixes apply to. Default: the first allowed root."),
  apply: z.string().max(200).optional().describe("Apply this plan (its id from a dry run). Requires the user's confirmation."),
  undo: z.string().max(200).optional().describe("Undo this applied plan. Requires the user's confirmation."),
  confirm: z.boolean().optional().describe("Only for clients without elicitation, and only after the user explicitly approved this exact plan."),
};

export const RemediateOutput = z.object({
  status: z.enum(["planned", "applied", "undone", "declined"]),
  message: z.string(),
  /** The plan, bounded: the first actions with their diffs cut, secrets redacted; plan.uri is all of it. */
  plan: PlanView.optional(),
  result: ApplyResult.optional(),
  undo: UndoResult.optional(),
});
export type RemediateOutput = z.infer<typeof RemediateOutput>;

/** The user's answer to one elicited yes/no question. */
async function elicitYes(ctx: ServerContext, extra: Extra, message: string, title: string, description: string): Promise<"yes" | "no"> {
  const result = await ctx.server.server.elicitInput(
    {
      mode: "form",
      message,
      requestedSchema: { type: "object", properties: { confirm: { type: "boolean", title, description } }, required: ["confirm"] },
    },
    { relatedRequestId: extra.requestId, signal: extra.signal },
  );
  return result.action === "accept" && result.content?.confirm === true ? "yes" : "no";
}

/** Confirmation of an apply: the plan's actions, which are what apply writes and runs. */
function applyQuestion(plan: Plan): string {
  return (
    `nix-warden wants to apply remediation plan ${plan.id} in ${plan.root}:\n` +
    plan.actions
      .slice(0, 20)
      .map((a) => `- ${a.type === "edit" ? `edit ${a.file}` : `run ${JSON.stringify(a.command)}`}: ${a.description} (${a.safety})`)
      .join("\n") +
    (plan.actions.length > 20 ? `\n... and ${plan.actions.length - 20} more` : "") +
    "\n\nApply these changes?"
  );
}

/** Confirmation of an undo: the journal's files and branches, which are what undo writes. */
function undoQuestion(preview: UndoPreview, root: string): string {
  const files = preview.files.slice(0, 40).map((f) => `- restore ${f} to its bytes before the plan`);
  if (preview.files.length > 40) files.push(`... and ${preview.files.length - 40} more`);
  const head = preview.branch ? [`- switch back to ${preview.previousBranch ?? "the commit apply started from"} and delete branch ${preview.branch}`] : [];
  return (
    `nix-warden wants to undo remediation plan ${preview.planId} in ${root}${preview.interrupted ? " (its apply was interrupted)" : ""}:\n` +
    [...files, ...head].join("\n") +
    "\n\nRevert these changes?"
  );
}

/** The answer: the structured output, the same as JSON text (bounded: plan actions are cut). */
function structured(out: Omit<RemediateOutput, "plan"> & { plan?: Plan }, limit?: number) {
  const result: RemediateOutput = { ...out, plan: out.plan ? planView(out.plan, limit) : undefined };
  if (!result.plan) delete result.plan;
  return answer(result, out.plan ? [{ uri: result.plan!.uri, name: `remediation plan ${out.plan.id}`, mimeType: "application/json", description: "The whole plan: every action and the complete diff (secrets redacted)" }] : []);
}

function planMessage(plan: Plan): string {
  const shown = Math.min(plan.actions.length, 20);
  return clip(
    `Plan ${plan.id} for ${plan.root}${plan.host ? ` (host ${plan.host})` : ""}: ${plan.actions.length} action(s), ${plan.skipped.length} item(s) skipped${plan.actions.length > shown ? `; the answer lists some actions, the plan resource all of them` : ""}. ` +
      `Nothing has changed. To apply: show the actions and diffs to the user; once they agree, call remediate with apply="${plan.id}".`,
    1000,
  );
}

export function registerRemediateTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "remediate",
    {
      title: "Plan, apply or undo fixes (asks the user before changing anything)",
      description: REMEDIATE_DESCRIPTION,
      inputSchema: RemediateInput,
      outputSchema: RemediateOutput,
      annotations: { title: "Remediate findings and drift", readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      // Clients that honour it always ask the user before running this tool.
      _meta: { "anthropic/requiresUserInteraction": true },
    },
    async (args, extra) => {
      try {
        await ctx.rootsReady();
        if (args.apply !== undefined && args.undo !== undefined) return toolError("remediate: give either apply or undo, not both.");
        if (args.confirm !== undefined && args.apply === undefined && args.undo === undefined)
          return toolError("remediate: confirm only goes with apply=<plan id> or undo=<plan id>; a dry run needs no confirmation.");
        const bad = checkHostNames(args.host ? [args.host] : undefined);
        if (bad) return toolError(`remediate: ${bad}`);
        const root = await ctx.roots.resolve(args.path, { directory: true, label: "path" });
        const planId = args.apply ?? args.undo;

        if (planId !== undefined) {
          const action = args.apply !== undefined ? "apply" : "undo";
          const canElicit = Boolean(ctx.server.server.getClientCapabilities()?.elicitation?.form);
          // Without elicitation the agent must say the user agreed; checked before anything runs.
          if (!canElicit && args.confirm !== true)
            return toolError(
              `remediate: ${action === "apply" ? "applying" : "undoing"} plan ${planId} changes files or the system and needs the user's confirmation. ` +
                `This client cannot ask the user through the server (no MCP elicitation), so: show the user the plan, and only after they explicitly agree, call remediate again with ${action}="${planId}" and confirm=true.`,
            );
          const plan = await ctx.remediation.getPlan(planId, { root });
          const preview = action === "undo" ? await ctx.remediation.previewUndo(planId, { root }) : undefined;
          if (action === "apply" && !plan) return toolError(`remediate: no plan with id ${planId} (unknown or expired). Run remediate without apply to make a new plan.`);
          if (action === "undo" && !preview) return toolError(`remediate: plan ${planId} was not applied in ${root} (or was undone already): nothing to undo.`);
          if (canElicit) {
            const question = action === "apply" ? applyQuestion(plan!) : undoQuestion(preview!, root);
            const answer = await elicitYes(ctx, extra, question, action === "apply" ? "Apply the plan" : "Undo the plan", `Plan ${planId}`);
            if (answer === "no") {
              ctx.log("notice", `remediate: the user declined to ${action} plan ${planId}`);
              return structured({ status: "declined", message: `The user declined; plan ${planId} was not ${action === "apply" ? "applied" : "undone"}. Nothing changed.`, ...(plan ? { plan } : {}) });
            }
          }
          ctx.log("notice", `remediate: ${action} plan ${planId} in ${root} (confirmed by the user)`);
          if (action === "apply") {
            const result = await ctx.remediation.applyPlan(planId, { root, signal: extra.signal });
            const text = `${result.ok ? "Applied" : "Could not fully apply"} plan ${planId}: ${result.outcomes.filter((o) => o.ok).length}/${result.outcomes.length} action(s) succeeded. Undo with remediate undo="${planId}".`;
            return structured({ status: "applied", message: text, plan: plan!, result });
          }
          const undo = await ctx.remediation.undoPlan(planId, { root, signal: extra.signal });
          const text = `${undo.ok ? "Undid" : "Could not fully undo"} plan ${planId}: ${undo.outcomes.filter((o) => o.ok).length}/${undo.outcomes.length} action(s) reverted.`;
          return structured({ status: "undone", message: text, ...(plan ? { plan } : {}), undo });
        }

        // Dry run: draw on the latest stored reports.
        let security: SecurityReport | undefined;
        let drift: DriftReport | undefined;
        if (args.kind !== "drift") security = (await ctx.store.get("security", args.host ? securityHostKey([args.host]) : "all", "latest"))?.report as SecurityReport | undefined;
        if (args.kind !== "security") {
          if (args.host) drift = (await ctx.store.get("drift", args.host, "latest"))?.report as DriftReport | undefined;
          else {
            const latest = (await ctx.store.list({ kind: "drift" }))[0];
            if (latest) drift = (await ctx.store.get("drift", latest.host, latest.id))?.report as DriftReport | undefined;
          }
        }
        if (!security && !drift)
          return toolError(`remediate: no ${args.kind ?? "security or drift"} report${args.host ? ` for host ${args.host}` : ""} to remediate yet. Run security_scan or check_drift first.`);
        const plan = await ctx.remediation.planRemediation({
          root,
          host: args.host,
          security,
          drift,
          ids: args.ids,
          severity: args.severity,
          category: args.category,
          safeOnly: args.safeOnly,
          signal: extra.signal,
        });
        return structured({ status: "planned", message: planMessage(plan), plan });
      } catch (e) {
        if (extra.signal.aborted) throw e;
        if (e instanceof RemediationUnavailableError) return toolError(`remediate: ${e.message}`);
        return errorResult("remediate", e);
      }
    },
  );
}
