// Automatic remediation of drift: what `nix-warden run --drift --auto-remediate` (the NixOS
// module's `services.nix-warden.autoRemediate`) does after the check. Only drift items whose revert
// nix-warden classifies `auto` (an imperative package, a stray running unit), only their system
// commands, never an edit of a file: it goes through the ordinary plan, journal and undo, so
// `nix-warden remediate <repo> --undo <plan-id>` lists how to reverse what ran.
import { realpath } from "node:fs/promises";
import type { DriftItem, DriftReport } from "../report/schema.js";
import { applyPlan } from "./apply.js";
import { planRemediation } from "./index.js";

export interface AutoRemediateOptions {
  /** The configuration repository (a local git checkout): plans and journals are kept for it. */
  repoRoot: string;
  report: DriftReport;
  /** Where the drift was read from. The revert commands act on the running system, so they run
   * only when this is `/`. */
  machineRoot?: string;
  signal?: AbortSignal;
  now?: Date;
}

export interface AutoRemediation {
  /** Drift items chosen (their revert is `auto`). */
  chosen: string[];
  /** The plan made for them (absent when nothing was chosen). */
  planId?: string;
  /** The plan's commands ran (journaled); false when it was only planned. */
  applied: boolean;
  ran: number;
  /** Steps skipped because their guard showed the drift was gone already. */
  skippedSteps: number;
  failed: number;
  /** One line for people: what happened, or why nothing ran. */
  note: string;
}

/** The revert of an item, when nix-warden rates it safe to run unattended. */
function safeRevert(item: DriftItem) {
  const r = item.remediation.find((o) => o.strategy === "revert");
  return r && r.safety === "auto" && (r.commands?.length ?? 0) > 0 ? r : undefined;
}

export function safeRevertIds(report: DriftReport): string[] {
  return report.items.filter((i) => safeRevert(i)).map((i) => i.id);
}

/** The revert commands act on the running system; a drift read from another root (an image, a
 * mounted disk, a test fixture) must not make them run here. Tests that supply every program
 * through PATH set NIX_WARDEN_TEST_RUN_COMMANDS_WITH_ROOT=1. */
async function commandsActOnRoot(machineRoot: string | undefined): Promise<boolean> {
  const root = await realpath(machineRoot ?? "/").catch(() => machineRoot ?? "/");
  return root === "/" || process.env.NIX_WARDEN_TEST_RUN_COMMANDS_WITH_ROOT === "1";
}

export async function autoRemediateDrift(options: AutoRemediateOptions): Promise<AutoRemediation> {
  const ids = safeRevertIds(options.report);
  const none = { chosen: ids, applied: false, ran: 0, skippedSteps: 0, failed: 0 };
  if (ids.length === 0) return { ...none, note: "no drift with a safe revert" };
  const { plan } = await planRemediation({ root: options.repoRoot, driftReport: options.report, ids, safeOnly: true, driftStrategy: "revert", signal: options.signal, now: options.now });
  // Checked again on the plan itself: never an edit, never a command that is not `auto`, never an
  // item that was not chosen.
  const chosen = new Set(ids);
  const unsafe = plan.actions.filter((a) => a.kind === "edit" || (a.kind === "command" && (a.safety !== "auto" || !chosen.has(a.fixes.id))));
  if (unsafe.length) return { ...none, planId: plan.id, note: `plan ${plan.id} holds ${unsafe.length} action(s) that are not safe command reverts; nothing ran` };
  const commands = plan.actions.filter((a) => a.kind === "command").length;
  if (commands === 0) return { ...none, planId: plan.id, note: "the safe reverts had no command to run" };
  if (!(await commandsActOnRoot(options.machineRoot))) {
    return { ...none, planId: plan.id, note: `planned ${commands} command(s) as plan ${plan.id}, not run: the drift was read from ${options.machineRoot}, and the commands act on the running system` };
  }
  // No file is edited, so there is nothing for the evaluation check to verify.
  const r = await applyPlan(options.repoRoot, plan.id, { runCommands: true, skipEval: true, signal: options.signal, now: options.now });
  const ran = r.commands.filter((c) => !c.skipped).length;
  const skippedSteps = r.commands.filter((c) => c.skipped).length;
  const failed = r.commands.filter((c) => !c.ok).length;
  if (r.status !== "applied") return { ...none, planId: plan.id, note: `plan ${plan.id} was not applied: ${r.status}${r.reason ? `: ${r.reason}` : ""}` };
  const note = `plan ${plan.id}: ${ran} command(s) ran${skippedSteps ? `, ${skippedSteps} not needed any more` : ""}${failed ? `, ${failed} failed (${r.reason ?? "see the journal"})` : ""}; undo: nix-warden remediate ${options.repoRoot} --undo ${plan.id}`;
  return { chosen: ids, planId: plan.id, applied: true, ran, skippedSteps, failed, note };
}
