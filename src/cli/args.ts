// Shared argument handling for the commands: node's parseArgs with our exit-code conventions
// (0 ok, 1 findings/drift at or above --fail-on, 2 usage error, 3 internal error).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SEVERITIES, type Severity } from "../report/severity.js";

export const EXIT_OK = 0;
export const EXIT_FAIL_ON = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * A command's arguments, with -h/--help added to its options. Undefined when help was asked for:
 * `help` has then been printed, and the command returns EXIT_OK.
 */
export function parseCommandOrHelp<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  help: string,
  options: T,
  allowPositionals = true,
) {
  const parsed = parseCommandArgs(argv, { ...options, ...HELP_OPTION }, allowPositionals);
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    return undefined;
  }
  return parsed;
}

export function parseSeverity(value: string | undefined, flag: string): Severity | undefined {
  if (value === undefined) return undefined;
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new UsageError(`${flag} must be one of ${SEVERITIES.join(", ")} (got '${value}')`);
}

export function parseChoice<C extends string>(value: string | undefined, flag: string, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as C;
  throw new UsageError(`${flag} must be one of ${choices.join(", ")} (got '${value}')`);
}
