// Rendering a plan's outputs: remediation-patches/NNN-*.patch (one per file action) and
// remediation-script.sh (its system commands, each quoted safely and commented with what it fixes).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Plan } from "./plan.js";

/** Quote one argument for POSIX sh: bare when it is plainly safe, else single-quoted. */
export function shellQuote(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/** A comment line that cannot end the comment or smuggle a command (no newlines). */
function comment(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, " ")}`;
}

export function renderPlanScript(plan: Plan): string {
  const lines = [
    "#!/usr/bin/env bash",
    `# nix-warden remediation plan ${plan.id} (${plan.createdAt}): system commands.`,
    "# Review before running. File edits are in remediation-patches/ (or: nix-warden remediate --apply).",
    "set -euo pipefail",
    "",
  ];
  const commands = plan.actions.filter((a) => a.kind === "command" && a.command);
  if (commands.length === 0) lines.push("# (no system commands in this plan)");
  for (const a of commands) {
    lines.push(comment(`${a.id}: ${a.description}`));
    lines.push(comment(`fixes ${a.fixes.type} ${a.fixes.id}: ${a.fixes.title}`));
    if (a.undo) lines.push(comment(`undo: ${Array.isArray(a.undo) ? shellCommand(a.undo) : a.undo}`));
    lines.push(shellCommand(a.command!));
    lines.push("");
  }
  return lines.join("\n");
}

export async function writePlanOutputs(plan: Plan, dir: string): Promise<{ patches: string[]; script: string }> {
  const patchDir = join(dir, "remediation-patches");
  await mkdir(patchDir, { recursive: true });
  const patches: string[] = [];
  let n = 0;
  for (const a of plan.actions) {
    if (!a.diff) continue;
    const name = `${String(++n).padStart(3, "0")}-${(a.fixes.ruleId ?? a.fixes.category ?? "fix").replace(/[^a-z0-9-]/gi, "-").toLowerCase()}-${a.fixes.id.slice(0, 8)}.patch`;
    await writeFile(join(patchDir, name), a.diff);
    patches.push(name);
  }
  const script = join(dir, "remediation-script.sh");
  await writeFile(script, renderPlanScript(plan), { mode: 0o755 });
  return { patches, script };
}
