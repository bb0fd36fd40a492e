// The rule registry: every rule nix-warden runs, in one list. Each rule lives in its own module
// (one rule or a small family per file) with its metadata beside its check.
import { ANTI_PATTERN_RULES } from "./anti-patterns/index.js";
import { serviceHardening } from "./service-hardening.js";
import type { Rule } from "./types.js";

export const ALL_RULES: Rule[] = [serviceHardening, ...ANTI_PATTERN_RULES];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
