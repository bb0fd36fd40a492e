// What kind of code a finding sits in, and what that changes. A repository is a configuration (it
// declares hosts) or a library (it declares none: nixpkgs' lib/, flake-parts, a module collection).
// A file is configuration, or test code: a NixOS VM test (`nixosTest { ... }`, found on the syntax
// tree by the scan), or a file in a test tree or fixture directory that no host includes. Test code
// exists to exercise constructs: a module-system test declares undocumented options and writes
// `mkIf c true` on purpose, so code-quality findings there are noise; security findings stay, at
// low severity, with a note that says which kind of test it is.

/** Where a finding's code runs, when it is not a host's configuration. */
export type TestContext = "vm-test" | "test-file";

/** Directories holding tests or their data, anywhere in the path. */
const TEST_DIRS = /(^|\/)(tests?|checks|fixtures?|__fixtures__|testdata|test-data|testcases)\//;
/** Test files by name: `test.nix`, `vm-test.nix`, `foo-test.nix`, `foo.test.nix`. */
const TEST_FILE = /(^|[-_./])(vm-)?tests?\.nix$/;

/** Is the path a test or fixture file (by where it lives and what it is called)? */
export function isTestPath(file: string): boolean {
  return TEST_DIRS.test(file) || TEST_FILE.test(file);
}

/** The note a finding's message gets when it is lowered because of its context. */
export function testNote(context: TestContext): string {
  return context === "vm-test" ? "inside a NixOS VM test, so reported as low" : "in a test file no host includes, so reported as low";
}

/** Rules about how Nix code is written, not about what a host runs: silent in test code. */
const CODE_QUALITY_CATEGORY = "anti-pattern";

/** Documentation lints: one finding per file naming what they found (one per declaration was 67
 * on one configuration), and none in a library or a library tree (`lib/`), whose options are
 * documented where the library is published, not judged here. */
const PER_FILE = new Set(["mkoption-without-description"]);
const LIBRARY_TREE = /(^|\/)lib\//;

/** What the policy reads of a raw finding (the scan's RawFinding; structural, so that this module
 * and findings.ts do not import each other). */
export interface ContextFinding {
  rule: { id: string; category: string };
  site: { file: string; test?: TestContext };
  report: { file?: string; optionPath?: string; node?: { text: string }; key?: string; message: string };
}

export interface RepositoryKind {
  /** No host is declared: the repository is a library of Nix code. */
  library: boolean;
}

/**
 * Applies the context policy to what rules reported: code-quality findings in test code are
 * dropped; documentation lints are merged into one per file naming what they found, and dropped in a
 * library or a library tree.
 */
export function applyContextPolicy<T extends ContextFinding>(raw: T[], repo: RepositoryKind): T[] {
  const kept = raw.filter(
    (r) =>
      !(r.site.test && r.rule.category === CODE_QUALITY_CATEGORY) &&
      !(PER_FILE.has(r.rule.id) && (repo.library || LIBRARY_TREE.test(r.report.file ?? r.site.file))),
  );
  const merged = new Map<string, T[]>();
  for (const r of kept) {
    if (!PER_FILE.has(r.rule.id)) continue;
    const key = `${r.rule.id}\0${r.report.file ?? r.site.file}`;
    const group = merged.get(key);
    if (group) group.push(r);
    else merged.set(key, [r]);
  }
  // The first of a group stands for it, in its place; raw findings are cached, so it is copied.
  const standIn = new Map<T, T>();
  const mergedAway = new Set<T>();
  for (const group of merged.values()) {
    const first = group[0]!;
    if (group.length < 2) continue;
    const names = group.map((r) => r.report.optionPath ?? r.report.node?.text ?? "?");
    const shown = names.length > 8 ? `${names.slice(0, 8).join(", ")} and ${names.length - 8} more` : names.join(", ");
    standIn.set(first, {
      ...first,
      report: {
        ...first.report,
        optionPath: undefined,
        key: "per-file",
        message: `${group.length} options in this file are declared without a description (${shown}): what they control and what their values mean are documented nowhere.`,
      },
    } as T);
    for (const r of group.slice(1)) mergedAway.add(r);
  }
  return kept.filter((r) => !mergedAway.has(r)).map((r) => standIn.get(r) ?? r);
}
