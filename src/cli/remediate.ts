// `nix-warden remediate [PATH]`: plan fixes (dry run, the default), apply a plan by id, or undo one.
import { createInterface } from "node:readline/promises";
import { resolve, join } from "node:path";
import { readFile } from "node:fs/promises";
import { applyPlan, planRemediation, recoverApplies, undoPlan, type ApplyResult, type Plan, type UndoResult } from "../remediate/index.js";
import { shellCommand, writePlanOutputs } from "../remediate/script.js";
import { planDir } from "../remediate/store.js";
import { ensureOwnDirectory } from "../system/state.js";
import { escapeControls } from "../text/safe-text.js";
import { DriftReport, FINDING_CATEGORIES, DRIFT_CATEGORIES } from "../report/schema.js";
import { redactDiffSecrets } from "../scan/findings.js";
import { EXIT_OK, EXIT_USAGE, UsageError, parseChoice, parseCommandOrHelp, parseSeverity } from "./args.js";

export const summary = "plan fixes for findings and drift, apply a plan after confirmation, or undo it";

const HELP = `usage: nix-warden remediate [PATH] [options]

  PATH                    the repository (default: the current directory)
Planning (a dry run; nothing changes):
  --from-report FILE      fix the findings of this SecurityReport JSON (or the items of a DriftReport)
  --drift-report FILE     also consider the items of this DriftReport
  --ids a,b               only these finding / drift item ids
  --severity SEV          only at or above SEV
  --category C            only this category
  --safe-only             only fixes classified auto
  --strategy revert|adopt for drift: put the machine back (default) or write the change into the config
  --output-dir DIR        write remediation-patches/*.patch and remediation-script.sh there
                          (default: beside the plan, in nix-warden's state directory)
Applying:
  --apply PLAN_ID         apply exactly that plan (asks for confirmation unless --yes)
  --yes                   confirm without asking
  --run-commands          also run the plan's system commands, one at a time (confirmed separately)
  --allow-dirty           apply even if the files to edit have uncommitted changes
  --current-branch        commit on the current branch instead of nix-warden/fix-<date>
  --undo PLAN_ID          put the repository back as it was before the plan was applied (branch,
                          file bytes, uncommitted changes); prints how to undo its commands
  --recover               undo every apply in this repository that was interrupted (killed)
  --format text|json`;

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(argv, HELP, {
    "from-report": { type: "string" },
    "drift-report": { type: "string" },
    ids: { type: "string" },
    severity: { type: "string" },
    category: { type: "string" },
    "safe-only": { type: "boolean" },
    strategy: { type: "string" },
    "output-dir": { type: "string" },
    apply: { type: "string" },
    yes: { type: "boolean", short: "y" },
    "run-commands": { type: "boolean" },
    "allow-dirty": { type: "boolean" },
    "current-branch": { type: "boolean" },
    undo: { type: "string" },
    recover: { type: "boolean" },
    format: { type: "string" },
  });
  if (!args) return EXIT_OK;
  const { values, positionals } = args;
  const format = parseChoice(values.format, "--format", ["text", "json"] as const, "text");
  const root = resolve(positionals[0] ?? ".");
  // `--apply ''` is a mistake (an empty variable), not a request for a new plan.
  for (const flag of ["apply", "undo"] as const) {
    if (values[flag] !== undefined && !/^[0-9a-f]{12}$/.test(values[flag])) throw new UsageError(`--${flag} needs a plan id (12 hex digits from a dry run), not '${values[flag]}'`);
  }
  if ([values.apply, values.undo, values.recover].filter((v) => v !== undefined).length > 1) throw new UsageError("--apply, --undo and --recover cannot be used together");
  if (values.category && ![...FINDING_CATEGORIES, ...DRIFT_CATEGORIES].includes(values.category as never)) {
    throw new UsageError(`--category must be one of ${[...FINDING_CATEGORIES, ...DRIFT_CATEGORIES].join(", ")}`);
  }

  if (values.undo !== undefined) {
    const r = await undoPlan(root, values.undo);
    print(format, r, renderUndo(r));
    return r.status === "undone" ? EXIT_OK : 1;
  }

  if (values.recover) {
    const rs = await recoverApplies(root);
    print(format, rs, rs.length ? rs.map(renderUndo).join("") : "Nothing to recover: no interrupted apply in this repository.\n");
    return rs.every((r) => r.status === "undone") ? EXIT_OK : 1;
  }

  if (values.apply !== undefined) {
    const interactive = process.stdin.isTTY === true;
    if (!values.yes) {
      if (!interactive) {
        console.error("nix-warden: applying needs confirmation: pass --yes (nothing was changed)");
        return EXIT_USAGE;
      }
      if (!(await ask(`Apply plan ${values.apply} in ${root}? [y/N] `))) {
        console.error("Not applied.");
        return 1;
      }
    }
    const r = await applyPlan(root, values.apply, {
      allowDirty: values["allow-dirty"],
      currentBranch: values["current-branch"],
      runCommands: values["run-commands"],
      confirmCommand: values.yes ? undefined : (cmd) => ask(`Run \`${shellCommand(cmd)}\`? [y/N] `),
    });
    print(format, r, renderApply(r));
    return r.status === "applied" || r.status === "already-applied" ? (r.reason ? 1 : EXIT_OK) : 1;
  }

  let driftReport: DriftReport | undefined;
  if (values["drift-report"]) driftReport = DriftReport.parse(JSON.parse(await readFile(values["drift-report"], "utf8")));
  const { plan, path } = await planRemediation({
    root,
    fromReport: values["from-report"],
    driftReport,
    ids: values.ids?.split(",").map((s) => s.trim()).filter(Boolean),
    severity: parseSeverity(values.severity, "--severity"),
    category: values.category,
    safeOnly: values["safe-only"],
    driftStrategy: parseChoice(values.strategy, "--strategy", ["revert", "adopt"] as const, "revert"),
  });
  // Never into the repository by default: a committed symlink there could carry the write elsewhere.
  const outDir = values["output-dir"] ? resolve(values["output-dir"]) : await ensureOwnDirectory(join(await planDir(root), plan.id));
  await writePlanOutputs(plan, outDir);
  print(format, plan, renderPlan(plan, root, path, outDir));
  return EXIT_OK;
}

function print(format: "text" | "json", value: unknown, text: string): void {
  process.stdout.write(format === "json" ? JSON.stringify(value, null, 2) + "\n" : text);
}

export function renderPlan(plan: Plan, root: string, path: string, outDir: string): string {
  // Titles, descriptions and ids may quote file names from the repository: each is shown on one
  // line with control characters (newline, CR, ESC) as escapes; the diff keeps its lines.
  const one = (s: string) => escapeControls(s);
  const out: string[] = [`nix-warden remediation plan ${plan.id} for ${one(root)}`, ""];
  if (plan.actions.length === 0) out.push("Nothing to do: no selected finding or drift item has a fix.", "");
  for (const a of plan.actions) {
    out.push(`${a.id} [${a.safety}] ${a.kind}: ${one(a.fixes.title)}`);
    out.push(`    fixes ${a.fixes.type} ${one(a.fixes.id)}${a.fixes.host?.length ? ` on ${one(a.fixes.host.join(", "))}` : ""}`);
    out.push(`    ${one(a.description)}`);
    if (a.command) out.push(`    command: ${shellCommand(a.command)}`);
    if (a.undo) out.push(`    undo: ${Array.isArray(a.undo) ? shellCommand(a.undo) : one(a.undo)}`);
    out.push("");
  }
  // Context lines may sit next to a secret: shown redacted (the patch files keep the real text).
  if (plan.diff) out.push("Edits:", "", escapeControls(redactDiffSecrets(plan.diff), "\n\t"));
  for (const s of plan.skipped) out.push(`skipped ${one(s.id)}: ${one(s.reason)}`);
  out.push("", `Plan stored in ${one(path)}; patches and remediation-script.sh in ${one(outDir)}.`);
  if (plan.actions.some((a) => a.kind !== "manual")) {
    out.push(`Apply it with: nix-warden remediate ${shellCommand([root])} --apply ${plan.id}${plan.actions.some((a) => a.kind === "command") ? " [--run-commands]" : ""}`);
  }
  return out.join("\n") + "\n";
}

function renderApply(r: ApplyResult): string {
  const out = [`plan ${r.planId}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`];
  if (r.branch) out.push(`branch: ${r.branch}`);
  if (r.commit) out.push(`commit: ${r.commit}`);
  for (const v of r.validation) out.push(`${v.ok ? "ok  " : "FAIL"} ${v.check}: ${v.detail}`);
  for (const c of r.commands) out.push(c.skipped ? `skip ${shellCommand(c.command)} (${c.output})` : `${c.ok ? "ran " : "FAIL"} ${shellCommand(c.command)} (exit ${c.exitCode})`);
  if (r.status === "applied") out.push(`Undo with: nix-warden remediate --undo ${r.planId}`);
  return out.map((l) => escapeControls(l)).join("\n") + "\n";
}

function renderUndo(r: UndoResult): string {
  const out = [`plan ${r.planId}: ${r.status}${r.reason ? ` (${r.reason})` : ""}`];
  for (const f of r.restored) out.push(`restored ${f}`);
  if (r.status === "undone" && r.branch) out.push(`HEAD: back on ${r.branch}`);
  if (r.deletedBranch) out.push(`deleted branch ${r.deletedBranch}`);
  for (const u of r.undoCommands) out.push(`to undo a system action, run: ${Array.isArray(u) ? shellCommand(u) : u}`);
  return out.map((l) => escapeControls(l)).join("\n") + "\n";
}
