// remediation-script.sh: the safe reversions only (remediation strategy "revert", safety "auto"),
// each command commented with the item it fixes, each step guarded so running the script twice
// is harmless. Everything else (adopting changes, security-sensitive reversions) stays in the
// report for a person to decide.
import type { DriftReportX } from "../model.js";
import { shellCommand, shellComment } from "./shell.js";

export function renderScript(report: DriftReportX): string {
  const lines: string[] = [
    "#!/usr/bin/env bash",
    `# nix-warden drift remediation for host ${shellComment(report.host)}`,
    `# Generated ${report.generatedAt} by ${report.tool.name} ${report.tool.version} from ${shellComment(report.declaredFrom)}`,
    `# against ${shellComment(report.actualFrom)}.`,
    "#",
    "# Only reversions classified safe are here. Review before running; run as root on the machine itself.",
    "# Each step checks first whether it is still needed, so running the script again changes nothing.",
    "set -euo pipefail",
    "",
  ];
  let steps = 0;
  for (const item of report.items) {
    for (const r of item.remediation) {
      if (r.strategy !== "revert" || r.safety !== "auto" || !r.commands?.length) continue;
      steps++;
      lines.push(`# [${item.severity}] ${shellComment(item.category)}: ${shellComment(item.subject)} (${item.id})`);
      lines.push(`# ${shellComment(r.description)}`);
      const body = r.commands.map((c) => shellCommand(c));
      if (r.guard) {
        lines.push(`if ${shellCommand(r.guard)} >/dev/null 2>&1; then`);
        for (const b of body) lines.push(`  ${b}`);
        lines.push(`else`);
        lines.push(`  echo ${shellCommand([`already done: ${shellComment(item.subject)}`])}`);
        lines.push("fi");
      } else {
        for (const b of body) lines.push(b);
      }
      lines.push("");
    }
  }
  if (steps === 0) lines.push("echo 'nothing to revert automatically'", "");
  else lines.push(`echo ${shellCommand([`${steps} safe reversion step(s) checked`])}`, "");
  return lines.join("\n");
}
