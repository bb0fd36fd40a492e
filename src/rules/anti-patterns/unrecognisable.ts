// Patterns of the anti-pattern catalogue's source document that no rule reports, each with the
// reason it cannot be recognised in code without drowning real findings in noise. The catalogue
// (what `explain_rule` and the MCP catalogue resource show) lists them beside the rules so that a
// reader knows they were considered, not forgotten.

export interface UnrecognisablePattern {
  /** Stable kebab-case id, as a rule's would be. */
  id: string;
  name: string;
  /** Why no rule reports it. */
  reason: string;
  /** What to look for by hand instead. */
  review: string;
}

export const UNRECOGNISABLE_PATTERNS: readonly UnrecognisablePattern[] = [
  {
    id: "module-without-assertions",
    name: "Module without assertions for invalid option combinations",
    reason:
      "Whether two options of a module can be set to values that do not work together (ssl.enable without certFile, a database host left empty) is a question of what the options mean, which the code does not say: most modules that declare several options (enable, package, port, settings) have no invalid combination at all, and a nullable option is often checked with `mkIf (x != null)` or a type (`types.nonEmptyStr`, `types.port`) instead of an assertion. A rule counting options without `assertions` would report nearly every module that declares options, right or wrong alike.",
    review:
      "For each option that only makes sense with another (a file with a flag, a host with an enable), check that a wrong combination fails at evaluation: `assertions = [ { assertion = cfg.ssl.enable -> cfg.ssl.certFile != null; message = \"...\"; } ]`, or a type that rules the bad value out.",
  },
];
