// Building drift items: stable ids, the three kinds of remediation, and Nix text that is safe to
// paste (strings escaped, attribute names quoted when needed). A revert never deletes a file: it
// moves it into a root-only backup directory, so that the removal can be undone.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { DriftCategory, Severity } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import { nixAttr } from "../declared/flake-ref.js";
import type { DriftItemX, DriftRemediationX } from "../model.js";

export interface CompareContext {
  host: string;
  /** The flake reference to rebuild from, e.g. "/home/alice/nixos". */
  flakeRef?: string;
}

export interface ItemInput {
  category: DriftCategory;
  subject: string;
  severity: Severity;
  declared: unknown;
  actual: unknown;
  evidence: string;
  /** Distinguishes items with the same subject (e.g. the profile a package is in). */
  key?: string;
  cause?: DriftItemX["cause"];
  remediation: DriftRemediationX[];
}

export function driftId(category: string, subject: string, key = ""): string {
  const h = createHash("sha256").update(`${category}\0${subject}\0${key}`).digest("hex").slice(0, 12);
  return `drift-${category}-${h}`;
}

/** Where removed files are kept, one directory per drift item (outside every systemd search path). */
export const BACKUP_DIR = "/var/lib/nix-warden/removed";

/** The path a removed file is kept at: the backup directory for the item, plus its full path. */
export function backupPathFor(path: string, itemId: string, backupDir = BACKUP_DIR): string {
  return posix.join(backupDir, itemId.replace(/[^A-Za-z0-9_.-]/g, "_"), path.replace(/^\/+/, ""));
}

/**
 * `rm -f -- PATH` as a move into the backup directory (created root-only); other commands as they
 * are. Only a single absolute file is moved: `rm -r` and the like are left alone.
 */
export function reversibleCommands(command: string[], itemId: string, backupDir = BACKUP_DIR): string[][] {
  if (command[0] !== "rm") return [command];
  const paths: string[] = [];
  let operands = false;
  for (const a of command.slice(1)) {
    if (!operands && a === "--") operands = true;
    else if (!operands && a === "-f") continue;
    else if (!operands && a.startsWith("-")) return [command];
    else paths.push(a);
  }
  if (paths.length !== 1 || !paths[0]!.startsWith("/")) return [command];
  const backup = backupPathFor(paths[0]!, itemId, backupDir);
  return [
    ["install", "-d", "-m", "0700", "--", posix.dirname(backup)],
    ["mv", "-f", "--", paths[0]!, backup],
  ];
}

export function item(i: ItemInput): DriftItemX {
  const id = driftId(i.category, i.subject, i.key);
  const remediation = i.remediation.map((r) => (r.commands ? { ...r, commands: r.commands.flatMap((c) => reversibleCommands(c, id)) } : r));
  const out: DriftItemX = {
    id,
    category: i.category,
    subject: i.subject,
    severity: i.severity,
    declared: i.declared ?? null,
    actual: i.actual ?? null,
    evidence: i.evidence,
    remediation: [...remediation, acceptOption(i.category, i.subject)],
  };
  if (i.cause) out.cause = i.cause;
  return out;
}

export function revert(safety: DriftRemediationX["safety"], description: string, commands?: string[][], guard?: string[]): DriftRemediationX {
  const r: DriftRemediationX = { strategy: "revert", safety, description };
  if (commands?.length) r.commands = commands;
  if (guard) r.guard = guard;
  return r;
}

export function adopt(optionPath: string, nix: string, description: string): DriftRemediationX {
  return { strategy: "adopt", safety: "review", description, optionPath, nix };
}

/** Adopting the value the machine has now: `<optionPath> = <value>;` declared. */
export function adoptValue(optionPath: string, value: string, description: string): DriftRemediationX {
  return adopt(optionPath, `${optionPath} = ${value};`, description);
}

function acceptOption(category: string, subject: string): DriftRemediationX {
  return {
    strategy: "accept",
    safety: "manual",
    description: `If this is intended and should stay imperative, record an exception in .nix-warden.yaml:\n${acceptYaml(category, subject)}`,
  };
}

export function acceptYaml(category: string, subject: string): string {
  return ["drift:", "  ignore:", `    - category: ${category}`, `      subject: ${JSON.stringify(subject)}`, `      reason: "<why this is intended>"`].join("\n");
}

/** A Nix string literal. */
export function nixString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

/**
 * A path relative to the Nix file that declares it: a plain path literal (`./etc/hosts`) when every
 * segment is made of the characters Nix allows there, else the directory plus an escaped string
 * (`(./. + "/etc/a;touch pwned")`), so that no file name can end the literal and add Nix code.
 */
export function nixRelativePath(rel: string): string {
  if (/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(rel) && !rel.split("/").includes("..")) return `./${rel}`;
  return `(./. + ${nixString(`/${rel}`)})`;
}

/** A Nix list of strings. */
export function nixStrings(xs: string[]): string {
  return xs.length ? `[ ${xs.map(nixString).join(" ")} ]` : "[ ]";
}

/** An option path with each name quoted as needed: ["users","users","my.user"] -> users.users."my.user" */
export function optionPath(...parts: string[]): string {
  return parts.map(nixAttr).join(".");
}

/** How to rebuild the host from its flake (the revert for whole-system drift). */
export function rebuildCommand(ctx: CompareContext): string[] {
  return ["nixos-rebuild", "switch", "--flake", `${ctx.flakeRef ?? "."}#${ctx.host}`];
}

/**
 * The last operand of a command whose undo is read back by position (`usermod -s SHELL NAME`,
 * `gpasswd -a USER GROUP`): as is, or after `--` when it starts with `-`, so that a name such as
 * `--help` or `-rf` is never taken for an option.
 */
export function operand(name: string): string[] {
  return name.startsWith("-") ? ["--", name] : [name];
}

/** A guard that runs a pipeline through sh with its values as positional parameters (never interpolated). */
export function shGuard(script: string, ...args: string[]): string[] {
  return ["sh", "-c", script, "sh", ...args];
}

export type { DeclaredState };
