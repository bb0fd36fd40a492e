// What kind of code a finding sits in, and what that changes. A repository is a configuration (it
// declares hosts) or a library (it declares none: nixpkgs' lib/, flake-parts, a module collection).
// A file is configuration, or test code: a NixOS VM test (`nixosTest { ... }`, found on the syntax
// tree by the scan), or a file in a test tree or fixture directory that no host includes. Test code
// exists to exercise constructs: a module-system test declares undocumented options and writes
// `mkIf c true` on purpose, so code-quality findings there are noise; security findings stay, at
// low severity, with a note that says which kind of test it is.

/** Where a finding's code runs, when it is not a host's configuration. */
export type TestContext = "vm-test" | "test-file" | "example";

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
  return context === "vm-test"
    ? "inside a NixOS VM test, so reported as low"
    : context === "example"
      ? "in an example configuration no host includes (under examples/, or used only by such files), so reported as low"
      : "in a test file no host includes, so reported as low";
}

/** Rules about how Nix code is written, not about what a host runs: silent in test code. */
const CODE_QUALITY_CATEGORY = "anti-pattern";
/** Hardening advice for a test's own units: the machine is thrown away when the test ends. */
// console-autologin-root: a VM test logs its machines in on the console to drive them (bobvanderlinden-nixos-config tests/greetd-autologin-keyring.nix).
const SILENT_IN_TESTS = new Set(["systemd-service-exposure", "console-autologin-root"]);

/** Documentation lints: one finding per file naming what they found (one per declaration was 67
 * on one configuration), and none in a library or a library tree (`lib/`), whose options are
 * documented where the library is published, not judged here. */
const PER_FILE = new Set(["mkoption-without-description"]);
/** Bare URL literals: one finding per file listing them, with every quoting edit (a flake's inputs
 * written the old way gave 29 findings for one habit). */
function bareUrl(r: ContextFinding): boolean {
  // A URL with credentials (shown redacted, "…") keeps its own finding: its patch is withheld.
  return r.rule.id === "unquoted-url" && !(r.report.key ?? "").startsWith("shell-expansion:") && !(r.report.key ?? "").includes("…");
}
const LIBRARY_TREE = /(^|\/)lib\//;

/** What the policy reads of a raw finding (the scan's RawFinding; structural, so that this module
 * and findings.ts do not import each other). */
export interface ContextFinding {
  rule: { id: string; category: string };
  site: { file: string; test?: TestContext };
  report: { file?: string; optionPath?: string; node?: { text: string }; key?: string; message: string; severity?: string; title?: string; fix?: { description: string; edits?: unknown[] } };
}

/** Passwords a test sets for itself (a VM test's users, a service's admin password in a test
 * machine): they exist only inside throwaway VMs, so each is not a secret; one info finding per
 * file says they are there, in case one is reused on a real machine. Tokens a detector
 * recognises by their shape (a GitHub token, an AWS key) stay: those are real wherever they are. */
const TEST_PASSWORD_RULES = new Set(["user-plaintext-password", "plaintext-password-option", "committed-password-hash"]);
function testPassword(r: ContextFinding): boolean {
  // An example's password is lowered, not merged: someone may copy the example as it is.
  if (!r.site.test || r.site.test === "example") return false;
  return TEST_PASSWORD_RULES.has(r.rule.id) || (r.rule.id === "hardcoded-secret" && /^(?:plaintext-password|generic-secret):/.test(r.report.key ?? ""));
}

/** The name a finding's value is set under: its option, or the key a secret detector read. */
function nameOf(r: ContextFinding): string {
  const detected = /^[\w-]+:([^:]*):/.exec(r.report.key ?? "")?.[1];
  return r.report.optionPath ?? (detected || "in a string");
}

export interface RepositoryKind {
  /** No host is declared: the repository is a library of Nix code. */
  library: boolean;
  /** Files a tool wrote (see isGeneratedFile): how their code is written is the tool's business. */
  generated?: ReadonlySet<string>;
}

/** Files tools write and rewrite by path: npins' and niv's fetchers. */
const GENERATED_PATH = /(^|\/)npins\/default\.nix$/;
const NIV_SOURCES = /(^|\/)sources\.nix$/;
/** A header comment saying a tool wrote the file ("Do not modify this file! It was generated by
 * 'nixos-generate-config'", "This file has been generated by node2nix. Do not edit!", "Generated
 * by npins. Do not modify"). Only the first lines count: a comment further down is about the code
 * next to it (a key "generated by clan vars"). */
const GENERATED_HEADER = /^\s*(#|\/\*|\*)\s*.*(\b(this file|it) (has been|was|is) (automatically |auto-?)?generated\b|\bgenerated by \S+.*\b(do not (modify|edit)|will be overwritten)|\bdo not (modify|edit) this file\b.*\bgenerated\b)/i;

/**
 * Was the file written by a tool that will write it again (nixos-generate-config, npins, niv,
 * node2nix, cachix)? Code-quality findings there ask the user to edit what the tool overwrites.
 */
export function isGeneratedFile(file: string, text: string): boolean {
  if (GENERATED_PATH.test(file)) return true;
  const head = text.slice(0, 2000).split("\n").slice(0, 12);
  if (NIV_SOURCES.test(file) && head.some((l) => /\bniv\b/i.test(l))) return true;
  return head.some((l) => GENERATED_HEADER.test(l));
}

/** `a, b, c and 2 more`. */
function listed(names: readonly string[], max: number): string {
  return names.length > max ? `${names.slice(0, max).join(", ")} and ${names.length - max} more` : names.join(", ");
}

/** Findings of one rule in one file that become one: which, from how many on, and what the one says. */
interface PerFileMerger {
  matches(r: ContextFinding): boolean;
  minimum: number;
  report(group: readonly ContextFinding[]): Partial<ContextFinding["report"]>;
}

const PER_FILE_MERGERS: readonly PerFileMerger[] = [
  {
    // One at least: a single test password is still said to be a test's.
    matches: testPassword,
    minimum: 1,
    report(group) {
      const first = group[0]!;
      const count = group.length === 1 ? "A password" : `${group.length} passwords`;
      return {
        optionPath: group.length === 1 ? first.report.optionPath : undefined,
        key: group.length === 1 ? first.report.key : "per-file",
        // A note, with no "revoke and rotate": the machines are throwaways (bobvanderlinden-nixos-config
        // tests/greetd-autologin-keyring.nix, judged wrong at low with a useless fix).
        severity: "info",
        title: "passwords set by a test",
        message: `${count} set in plaintext by this test (${listed([...new Set(group.map(nameOf))], 8)}). ${first.site.test === "vm-test" ? "A NixOS VM test's" : "A test's"} credentials live only in its throwaway machines, so they are not secrets; make sure none of them is also used on a real machine.`,
        fix: { safety: "manual", description: "Nothing to rotate: a test's password guards nothing outside the test. Only make sure no real machine uses the same password." },
      };
    },
  },
  {
    matches: bareUrl,
    minimum: 2,
    report(group) {
      const fix = group[0]!.report.fix;
      return {
        key: "per-file",
        message: `${group.length} unquoted URL literals in this file (${listed(group.map((r) => r.report.key ?? "?"), 5)}): deprecated, rejected with the no-url-literals feature; write each as a string.`,
        fix: fix && { ...fix, description: "Quote the URLs (the values are the same strings).", edits: group.flatMap((r) => r.report.fix?.edits ?? []) },
      };
    },
  },
  {
    matches: (r) => PER_FILE.has(r.rule.id),
    minimum: 2,
    report: (group) => ({
      optionPath: undefined,
      key: "per-file",
      message: `${group.length} options in this file are declared without a description (${listed(group.map((r) => r.report.optionPath ?? r.report.node?.text ?? "?"), 8)}): what they control and what their values mean are documented nowhere.`,
    }),
  },
];

/**
 * Applies the context policy to what rules reported: code-quality findings in test code and in
 * files a tool generated are dropped; documentation lints are merged into one per file naming what they found, and dropped in a
 * library or a library tree.
 */
export function applyContextPolicy<T extends ContextFinding>(raw: T[], repo: RepositoryKind): T[] {
  const kept = raw.filter(
    (r) =>
      // Examples are code to copy: how they are written still matters.
      !(((r.site.test && r.site.test !== "example") || repo.generated?.has(r.site.file)) && r.rule.category === CODE_QUALITY_CATEGORY) &&
      !(r.site.test && r.site.test !== "example" && SILENT_IN_TESTS.has(r.rule.id)) &&
      !(PER_FILE.has(r.rule.id) && (repo.library || LIBRARY_TREE.test(r.report.file ?? r.site.file))),
  );
  const merged = new Map<string, { merger: PerFileMerger; group: T[] }>();
  for (const r of kept) {
    const merger = PER_FILE_MERGERS.find((m) => m.matches(r));
    if (!merger) continue;
    const key = `${r.rule.id}\0${r.report.file ?? r.site.file}`;
    const entry = merged.get(key);
    if (entry) entry.group.push(r);
    else merged.set(key, { merger, group: [r] });
  }
  // The first of a group stands for it, in its place; raw findings are cached, so it is copied.
  const standIn = new Map<T, T>();
  const mergedAway = new Set<T>();
  for (const { merger, group } of merged.values()) {
    if (group.length < merger.minimum) continue;
    const first = group[0]!;
    standIn.set(first, { ...first, report: { ...first.report, ...merger.report(group) } });
    for (const r of group.slice(1)) mergedAway.add(r);
  }
  return kept.filter((r) => !mergedAway.has(r)).map((r) => standIn.get(r) ?? r);
}
