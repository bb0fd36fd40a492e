// Plan actions for drift items: revert the machine (the item's commands, as argument arrays) or
// adopt the change into the configuration (file edits where the item says what to write and
// where). Which items: explicit ids, or the same filters as findings.
import { atLeast, type DriftReport, type DriftItem } from "../report/schema.js";
import type { PlanAction } from "./plan.js";
import type { Selection } from "./select.js";

export interface DriftPlanOptions extends Selection {
  wanted?: Set<string>;
  driftStrategy?: "revert" | "adopt";
  texts: Map<string, string>;
}

function chosenItems(report: DriftReport, opts: DriftPlanOptions): DriftItem[] {
  return report.items.filter(
    (i) =>
      (!opts.wanted || opts.wanted.has(i.id)) &&
      (opts.wanted || ((!opts.severity || atLeast(i.severity, opts.severity)) && (!opts.category || i.category === opts.category))),
  );
}

export async function driftActions(
  _root: string,
  report: DriftReport,
  opts: DriftPlanOptions,
): Promise<{ actions: Omit<PlanAction, "id" | "diff">[]; skipped: Array<{ id: string; reason: string }>; texts: Map<string, string> }> {
  const actions: Omit<PlanAction, "id" | "diff">[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  const strategy = opts.driftStrategy ?? "revert";
  for (const item of chosenItems(report, opts)) {
    const option = item.remediation.find((r) => r.strategy === strategy) ?? item.remediation.find((r) => r.strategy !== "accept");
    if (!option) {
      skipped.push({ id: item.id, reason: "no remediation known for this drift" });
      continue;
    }
    if (opts.safeOnly && option.safety !== "auto") {
      skipped.push({ id: item.id, reason: `its ${option.strategy} is classified ${option.safety}, not auto` });
      continue;
    }
    const fixes = { type: "drift" as const, id: item.id, title: `${item.category}: ${item.subject}`, category: item.category, severity: item.severity, host: [report.host] };
    if (option.commands?.length) {
      option.commands.forEach((command, n) =>
        actions.push({
          kind: "command",
          safety: option.safety,
          fixes,
          description: option.commands!.length > 1 ? `${option.description} (step ${n + 1} of ${option.commands!.length})` : option.description,
          command,
          host: report.host,
        }),
      );
    } else {
      actions.push({ kind: "manual", safety: "manual", fixes, description: option.description });
    }
  }
  return { actions, skipped, texts: opts.texts };
}
