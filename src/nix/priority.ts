// Which definition of an option wins, as the NixOS module system decides it (lib/modules.nix,
// mergeDefinitions/filterOverrides): every definition carries a priority number, lower wins, and
// only the definitions of the best number are merged. For a single-valued option (a bool, a string)
// two of them with different values are an evaluation error ("The option ... has conflicting
// definition values"), which the result reports as a conflict rather than guessing a winner.
import type { OptionDefinition } from "./options.js";
import { calleeName, flattenApply, unparen } from "./options.js";
import { SyntaxKind as K } from "./syntax.js";
import { isUnknownValue, staticValue, type StaticValue } from "./values.js";

/** lib.modules: mkOptionDefault = mkOverride 1500, mkDefault = 1000, a plain definition 100,
 * mkImageMediaOverride = 60, mkForce = 50, mkVMOverride = 10. */
export const PRIORITY = {
  optionDefault: 1500,
  mkDefault: 1000,
  plain: 100,
  mkImageMediaOverride: 60,
  mkForce: 50,
  mkVMOverride: 10,
} as const;

/** A priority number for display: `mkDefault (1000)`. */
export function priorityName(n: number): string {
  switch (n) {
    case PRIORITY.optionDefault:
      return "mkOptionDefault (1500)";
    case PRIORITY.mkDefault:
      return "mkDefault (1000)";
    case PRIORITY.plain:
      return "a plain definition (100)";
    case PRIORITY.mkForce:
      return "mkForce (50)";
    default:
      return `mkOverride ${n}`;
  }
}

/** The module system's priority number of a definition (lower wins). */
export function priorityNumber(def: OptionDefinition): number {
  const p = def.priority;
  if (!p) return PRIORITY.plain;
  if (p === "mkForce") return PRIORITY.mkForce;
  if (p === "mkVMOverride") return PRIORITY.mkVMOverride;
  if (p === "mkDefault") return PRIORITY.mkDefault;
  if (p === "mkOptionDefault") return PRIORITY.optionDefault;
  if (p === "mkImageMediaOverride") return PRIORITY.mkImageMediaOverride;
  // mkOverride N: the number is the first argument of the wrapper call.
  let n = unparen(def.value);
  for (let guard = 0; n && n.kind === K.NODE_APPLY && guard < 16; guard++) {
    const { fn, args } = flattenApply(n);
    if (calleeName(fn) === "mkOverride" && args[0]) {
      const v = staticValue(args[0]);
      return typeof v === "number" ? v : PRIORITY.plain;
    }
    n = unparen(args[args.length - 1]);
  }
  return PRIORITY.plain;
}

/** One definition as the winner computation sees it; `origin` is the caller's (a definition in a
 * file of the repository, or a setting of a known external module). */
export interface Candidate<T> {
  priority: number;
  value: StaticValue;
  origin: T;
}

export type Winner<T> =
  | { kind: "unset" }
  | { kind: "known"; value: StaticValue; priority: number; at: T; all: T[] }
  /** The best definition's value cannot be read statically. */
  | { kind: "unknown"; priority: number; at: T }
  /** Two definitions of the best priority with different values: NixOS refuses to evaluate. */
  | { kind: "conflict"; priority: number; at: T; values: StaticValue[]; all: T[] };

/**
 * The definition that wins for a single-valued option, from every definition that applies (the
 * caller leaves out dead ones, e.g. under `mkIf false`). Conditional definitions count: they
 * usually apply, and the finding names the condition.
 */
export function winningDefinition<T>(candidates: readonly Candidate<T>[]): Winner<T> {
  if (candidates.length === 0) return { kind: "unset" };
  const best = Math.min(...candidates.map((c) => c.priority));
  const top = candidates.filter((c) => c.priority === best);
  const unknown = top.find((c) => isUnknownValue(c.value));
  if (unknown) return { kind: "unknown", priority: best, at: unknown.origin };
  const distinct: StaticValue[] = [];
  for (const c of top) if (!distinct.some((v) => JSON.stringify(v) === JSON.stringify(c.value))) distinct.push(c.value);
  if (distinct.length > 1) return { kind: "conflict", priority: best, at: top[0]!.origin, values: distinct, all: top.map((c) => c.origin) };
  return { kind: "known", value: distinct[0]!, priority: best, at: top[0]!.origin, all: top.map((c) => c.origin) };
}
