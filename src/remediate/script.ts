// Rendering a plan's outputs: remediation-patches/NNN-*.patch (one per file action) and
// remediation-script.sh (its system commands, each quoted safely and commented with what it fixes).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { escapeControls, shellWord } from "../text/safe-text.js";
import type { Plan } from "./plan.js";

/** Quote one argument for bash: bare when plainly safe, else single-quoted, and as `$'…'` with
 * `\xHH` escapes when it holds control characters (no raw newline or ESC in the script). */
export function shellQuote(arg: string): string {
  return shellWord(arg);
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/** A comment line that cannot end the comment or smuggle a command: line breaks become spaces,
 * other control characters (ESC) are shown as escapes. */
function comment(text: string): string {
  return `# ${escapeControls(text.replace(/[\r\n]+/g, " "))}`;
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
