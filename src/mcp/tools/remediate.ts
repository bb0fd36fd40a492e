// The remediate tool: plans fixes for findings and drift items (a dry run, the default), and applies
// or undoes a plan only after the user confirms: through MCP elicitation when the client supports
// it (the agent cannot answer for the user), otherwise with an explicit `confirm: true` beside the
// plan id of an earlier dry run. The planning and applying is the remediation core's (src/remediate/
// api.ts); this module is the contract and the confirmation.
import { z } from "zod";
import { ApplyResult, RemediationPlan, RemediationUnavailableError, UndoResult, type RemediationPlan as Plan } from "../../remediate/api.js";
import { Severity, type DriftReport, type SecurityReport } from "../../report/schema.js";
import { securityHostKey } from "../report-store.js";
import { checkHostNames, errorResult, toolError, type Extra, type ServerContext } from "../context.js";

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
  plan: RemediationPlan.optional(),
  result: ApplyResult.optional(),
  undo: UndoResult.optional(),
});
export type RemediateOutput = z.infer<typeof RemediateOutput>;

/** Confirmation of an apply or undo: elicited from the user, or the explicit flag. */
async function confirmWithUser(ctx: ServerContext, extra: Extra, action: "apply" | "undo", plan: Plan): Promise<"yes" | "no"> {
  const message =
    `nix-warden wants to ${action === "apply" ? "apply" : "undo"} remediation plan ${plan.id} in ${plan.root}:\n` +
    plan.actions
      .slice(0, 20)
      .map((a) => `- ${a.type === "edit" ? `edit ${a.file}` : `run ${JSON.stringify(a.command)}`}: ${a.description} (${a.safety})`)
      .join("\n") +
    (plan.actions.length > 20 ? `\n... and ${plan.actions.length - 20} more` : "") +
    `\n\n${action === "apply" ? "Apply these changes" : "Revert these changes"}?`;
  const result = await ctx.server.server.elicitInput(
    {
      mode: "form",
      message,
      requestedSchema: {
        type: "object",
        properties: {
          confirm: { type: "boolean", title: action === "apply" ? "Apply the plan" : "Undo the plan", description: `Plan ${plan.id}` },
        },
        required: ["confirm"],
      },
    },
    { relatedRequestId: extra.requestId, signal: extra.signal },
  );
  return result.action === "accept" && result.content?.confirm === true ? "yes" : "no";
}

function structured(out: RemediateOutput, text: string) {
  return { content: [{ type: "text" as const, text }], structuredContent: out };
}

function planText(plan: Plan): string {
  const lines = [`Plan ${plan.id} for ${plan.root}${plan.host ? ` (host ${plan.host})` : ""}: ${plan.actions.length} action(s), ${plan.skipped.length} item(s) skipped.`];
  for (const a of plan.actions.slice(0, 30)) lines.push(`- [${a.safety}] ${a.type === "edit" ? `edit ${a.file}` : `run ${a.command?.join(" ")}`}: ${a.description}`);
  for (const s of plan.skipped.slice(0, 10)) lines.push(`- skipped ${s.id}: ${s.reason}`);
  if (plan.diff) lines.push("", "```diff", plan.diff.length > 20_000 ? plan.diff.slice(0, 20_000) + "\n... (the structured plan holds the whole diff)" : plan.diff, "```");
  lines.push("", `Nothing has changed. To apply: show this to the user; once they agree, call remediate with apply="${plan.id}".`);
  return lines.join("\n");
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
          if (!plan) return toolError(`remediate: no plan with id ${planId} (unknown or expired). Run remediate without apply to make a new plan.`);
          if (canElicit) {
            const answer = await confirmWithUser(ctx, extra, action, plan);
            if (answer === "no") {
              ctx.log("notice", `remediate: the user declined to ${action} plan ${planId}`);
              return structured({ status: "declined", message: `The user declined; plan ${planId} was not ${action === "apply" ? "applied" : "undone"}. Nothing changed.`, plan }, `The user declined: nothing changed (plan ${planId}).`);
            }
          }
          ctx.log("notice", `remediate: ${action} plan ${planId} in ${root} (confirmed by the user)`);
          if (action === "apply") {
            const result = await ctx.remediation.applyPlan(planId, { root, signal: extra.signal });
            const text = `${result.ok ? "Applied" : "Could not fully apply"} plan ${planId}: ${result.outcomes.filter((o) => o.ok).length}/${result.outcomes.length} action(s) succeeded. Undo with remediate undo="${planId}".`;
            return structured({ status: "applied", message: text, plan, result }, text);
          }
          const undo = await ctx.remediation.undoPlan(planId, { root, signal: extra.signal });
          const text = `${undo.ok ? "Undid" : "Could not fully undo"} plan ${planId}: ${undo.outcomes.filter((o) => o.ok).length}/${undo.outcomes.length} action(s) reverted.`;
          return structured({ status: "undone", message: text, plan, undo }, text);
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
        return structured({ status: "planned", message: `Plan ${plan.id}: ${plan.actions.length} action(s); nothing changed yet.`, plan }, planText(plan));
      } catch (e) {
        if (extra.signal.aborted) throw e;
        if (e instanceof RemediationUnavailableError) return toolError(`remediate: ${e.message}`);
        return errorResult("remediate", e);
      }
    },
  );
}
