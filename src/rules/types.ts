// What a rule is (in the manner of statix lints and ESLint rules): one module exporting metadata
// (with examples) beside checks of three kinds: per file (`checkNix`, `checkFile`), per host
// (`checkHost`), per repository (`checkRepository`). Checks are synchronous and pure: what a rule
// needs from outside (other files, exposure scores) the scan computes and hands in. Rules never
// print and never build Findings themselves: they report a node, a message and optionally a fix as
// text edits; the scan turns that into a Finding with location, hosts, fingerprint, redacted
// evidence, patch, and applies test-context and suppression policy.
import type { OptionDefinition, OptionIndex } from "../nix/options.js";
import type { ParsedNix } from "../nix/index.js";
import type { SyntaxNode } from "../nix/syntax.js";
import type { ModuleArg } from "../nix/static-eval.js";
import type { FindingCategory, FixSafety, Severity } from "../report/schema.js";
import type { NixServiceDef } from "../exposure/unit.js";
import type { SourcedOutcome } from "../exposure/analyze.js";
import type { TextEdit } from "../text/edit.js";

export type { TextEdit };

export interface Reference {
  title: string;
  url?: string;
}

export interface RuleMeta {
  /** Stable kebab-case id, used in suppressions: `# nix-warden: ignore ssh-permit-root-login`. */
  id: string;
  /** Short human name. */
  name: string;
  category: FindingCategory;
  /** Default severity (a report may lower or raise it). */
  severity: Severity;
  /** Why it matters, in a sentence or two. */
  rationale: string;
  /** What to do about it, generically. */
  fix: string;
  references: Reference[];
  /** The CIS Linux benchmark sections and NIST CSF 2.0 categories the rule serves. */
  compliance: { cis: string[]; nist: string[] };
  /** Configurations it must report and look-alikes it must leave alone; the tests run each one
   * through the rule (test/rules/examples.test.ts). */
  examples?: RuleExamples;
  /** A group the user can switch off as a whole in `.nix-warden.yaml` (`style: false` turns off
   * the style lints, statix's checks of how Nix is written). */
  group?: RuleGroup;
  /** A style lint that runs only with `style: all` (statix leaves it out of its default set). */
  optIn?: boolean;
  /** What the scan computes before the rule's checks run, for rules that need it (a rule never runs
   * a program): `exposures`, the systemd exposure score of every service the repository defines
   * (`servicesIn` of rules/shared/services.ts), read through `RepositorySink.exposures`. */
  needs?: { exposures?: boolean };
  /** Its findings are about a thing that exists only when the code runs (a systemd unit): behind
   * an enable switch no host turns on, that thing is not built on any machine, so the scan lists
   * the finding apart (suppressed, "unused") instead of one severity lower. */
  absentWhenGatedOff?: boolean;
  /** Its findings are about a secret written into the repository and, once a host is built, into
   * the store, a unit's environment or a command line: in a Nix file no host imports and no file
   * names (dead code) only the copy in the repository's history is left, so the scan reports the
   * finding as low (with a note) instead of at the rule's severity. */
  literalOutlivesUse?: boolean;
}

export type RuleGroup = "style";

/** One example: the text of `example.nix`, or a whole repository (relative path to contents). */
export type RuleExample = string | Readonly<Record<string, string>>;

export interface RuleExamples {
  /** Each makes the rule report at least once. */
  fire: RuleExample[];
  /** Each looks like a problem but is not one: the rule stays silent. */
  silent: RuleExample[];
}

export interface RuleFix {
  safety: FixSafety;
  description: string;
  /** Edits that make the fix; the scan turns them into a unified diff. */
  edits?: TextEdit[];
}

export interface RuleReport {
  /** Where: a node of the file being checked (its range is the finding's range). */
  node?: SyntaxNode;
  /** An explicit range (1-based lines and columns): for non-Nix files, or a part of the node (a
   * secret inside a long string). It wins over the node's range; the node still decides the
   * hosts and whether the finding is inside a VM test. */
  range?: { line: number; column: number; endLine: number; endColumn: number };
  /** The file, when it is not the one being checked (host-level rules). */
  file?: string;
  message: string;
  /** A one-line title; defaults to the rule's name. */
  title?: string;
  severity?: Severity;
  optionPath?: string;
  /** What the user sees as proof. Defaults to the source line(s) of the range. Secret values in
   * it are redacted by the scan, whatever the rule passes. */
  evidence?: string;
  /** A secret value the rule recognised that the scan's detectors may not (`mysql -pVALUE`): no
   * patch that shows it, in any finding, is put into the report. */
  secret?: string;
  /** Stable part of the fingerprint when there is no option path (e.g. the matched detector). */
  key?: string;
  /** A list inside the message that differs from host to host (the services a host runs): the
   * message holds `render(items)` once. Reports of one problem at one place for several hosts are
   * then one finding, whose message holds the union of the items. */
  detail?: { items: string[]; render: (items: string[]) => string };
  fix?: RuleFix;
  /** Hosts the finding also belongs to besides those of its node (a whole-repository rule: a
   * block copied into several hosts' files belongs to every host holding a copy). */
  alsoHosts?: string[];
  /** Report only if every one of these hosts reports the same finding (a per-host judgement of a
   * change to a file they share: the change is safe only where it is safe for each of them). */
  everyHost?: string[];
}

/** Another file of the scanned repository, as the scan read it. */
export interface RepoFile {
  content: Buffer;
  /** The content as UTF-8 text, unless binary. */
  text: string | undefined;
}

/**
 * Looks up another file of the scanned repository by its path relative to the root (`/`-separated,
 * normalised; `..` that leaves the root gives undefined). Only files the scan discovered (tracked
 * or not ignored, not too large) are found. For Nix files, the scan records what a rule looked up,
 * so cached results are redone when one of those files changes.
 */
export type RepoFileLookup = (path: string) => RepoFile | undefined;

/**
 * The files of the scanned repository under a directory (its path relative to the root, without
 * a trailing `/`), sorted, relative to the root: what a path literal naming a directory
 * (`../secrets/home`) copies into the store. Empty when the scan has no file there (no such
 * directory, or all of it ignored). The scan redoes a result that listed a directory when a file
 * under it is added, removed or changed.
 */
export type RepoFilesUnder = (dir: string) => readonly string[];

/** One Nix file, parsed and indexed, as rules see it. */
export interface NixFileContext {
  /** Relative to the scanned root, `/`-separated. */
  file: string;
  text: string;
  parsed: ParsedNix;
  index: OptionIndex;
  /** The hosts (nixosConfigurations) whose configuration includes this file. */
  hosts: string[];
  /** Whose configuration the file's settings belong to, as the scan reads the repository (absent:
   * a NixOS host's, or not known):
   * - "home-manager": a module of a user's home-manager configuration (imported from
   *   `home-manager.users.<user>` or `sharedModules`, `homeConfigurations`, a home tree, or using
   *   home-manager-only options): its `nix.settings` write the user's ~/.config/nix/nix.conf;
   * - "darwin": only nix-darwin systems use it (every host that includes it is a Mac, or no host
   *   does and it is a darwin module by its options or its path);
   * - "nix-maid": a nix-maid module (`users.users.<user>.maid`, `maid.sharedModules`): evaluated per
   *   user, its `systemd.services` are the user's systemd user units. */
  moduleClass?: "home-manager" | "darwin" | "nix-maid";
  /** The nodes that declare hosts in this file (flake.nix or a flake-parts module), as the scan's
   * host graph has them; empty in other files. */
  hostDeclarations: readonly SyntaxNode[];
  /** Is this node inside a NixOS VM test (nixosTest, runNixOSTest, testers.*)? */
  inTest(node: SyntaxNode): boolean;
  /** "Today" for date checks (certificate expiry), fixed per scan. */
  now: Date;
  /** Other files of the repository (a path this file reads with `builtins.readFile`). */
  repoFile: RepoFileLookup;
  /** The repository's files under a directory this file names (absent in contexts made without it). */
  repoFilesUnder?: RepoFilesUnder;
  /** Module arguments every host using this file gives it with one same expression
   * (`specialArgs = { LT = import ./helpers { ... }; }`, `_module.args.LT = ...`): the value
   * expression and its file, for reading helper sets statically. Absent when none is known. */
  moduleArgs?: ReadonlyMap<string, ModuleArg>;
  report(r: RuleReport): void;
}

/** One non-Nix file (script, secret, certificate, YAML...), or a .nix file that does not parse. */
export interface TextFileContext {
  file: string;
  /** A .nix file that does not parse, given as raw text: a rule checks what it can without a syntax
   * tree (secrets), so a syntax error does not hide it; a rule with nothing to say returns. */
  unparsedNix?: boolean;
  content: Buffer;
  /** The content as UTF-8 text, unless binary. */
  text: string | undefined;
  hosts: string[];
  /** The Nix files naming this file with a path literal (`lib.importJSON ./data.json`), with the
   * line and the function it is handed to, or the option it is the value of (`option`, for a
   * path given straight to an option: `tls.ca = ./ca.crt;`); absent when none does. */
  readBy?: ReadonlyArray<{
    file: string;
    line: number;
    how?: string;
    option?: string;
    /** The path is test code: inside a NixOS VM test (nixosTest, runNixOSTest, testers.*), or in
     * a file of a test tree (`tests/`, `checks/`) that no host includes. */
    test?: boolean;
  }>;
  now: Date;
  /** Other files of the repository (the `.sops.yaml` whose rules say where secrets live). */
  repoFile: RepoFileLookup;
  /** The repository's files under a directory (the test tree a key lies in). */
  repoFilesUnder?: RepoFilesUnder;
  report(r: RuleReport): void;
}

/** A host's configuration: every file its modules come from, for rules that need the whole host
 * (defaults that apply unless some file changes them, options that must be set somewhere). */
/** A host's value of an expression the source alone does not decide (HostContext.definitions). */
export interface ResolvedValue {
  value: string | number | boolean | null;
  /** Where it comes from: `sys.security.sshd.enable = true, the default its declaration in
   * modules/base/security.nix:9 gives, which no file of host titan sets`. */
  why: string;
}

export interface HostContext {
  host: string;
  /** The host was guessed from a directory layout (clan, snowfall, hosts/<name>/): its module list
   * is what could be found, so a setting missing here may be set elsewhere and NixOS defaults may
   * not be what applies. Rules about absent settings skip such a host. */
  partial?: boolean;
  /** Where the host is declared (the flake's `nixosConfigurations.<host>`), if known. */
  declaration?: { file: string; node: SyntaxNode };
  files: NixFileContext[];
  /** Every definition of an option path (exact match) in the host's files, outside VM tests.
   * `resolved`: the host's value of a definition whose expression reads the repository's own
   * options (`services.openssh.enable = cfg.sshd.enable;` with the option declared `default =
   * true` and set by no file of the host), where the scan can tell it; `why` says whence. */
  definitions(path: string): Array<{ file: NixFileContext; def: OptionDefinition; resolved?: ResolvedValue }>;
  /** Definitions whose path matches a pattern (`*` matches one segment). */
  matching(pattern: string): Array<{ file: NixFileContext; def: OptionDefinition; resolved?: ResolvedValue }>;
  /** Does a node of one of the host's files act on this host? False for settings behind `mkIf
   * cfg.enable` of a module the host imports without turning that option on (scan/host-gates.ts),
   * while other hosts do. Absent: every node does. */
  applies?(file: string, node: SyntaxNode): boolean;
  /** The option (`my.feature`) whose `enable` a node's settings are gated on (`mkIf cfg.enable`)
   * that no host importing the module turns on where the scan can read it: then the settings act
   * on no host, this one included, although applies() keeps them (scan/hosts.ts gateOff). */
  gateOff?(file: string, node: SyntaxNode): string | undefined;
  /** Any parsed Nix file of the scan by its relative path, also outside the host's files (a module
   * the host graph could not attribute statically, e.g. `./home/${config.networking.hostName}.nix`). */
  lookup?(file: string): NixFileContext | undefined;
  /** The inputs of the flake declaring the host, by name: the repository each points at, `null`
   * for one declared somewhere that is no recognisable repository (nix/flake-inputs.ts). Absent
   * (or a name missing): the modules of `inputs.X` are recognised by X's conventional name. */
  inputRepositories?: ReadonlyMap<string, string | null>;
  now: Date;
  report(r: RuleReport & { file: string }): void;
}

/** What a whole-repository check reports into, and what the scan computed for it beforehand. */
export interface RepositorySink {
  /** The systemd exposure scores of services, in the order asked, for a rule whose metadata says
   * `needs: { exposures: true }`: the scan scored every service the repository defines before the
   * rule ran (systemd-analyze when installed and not in quick mode, else the built-in scorer). A
   * service it did not score gets an outcome that is not ok. */
  exposures(services: ReadonlyArray<{ name: string; def: NixServiceDef }>): SourcedOutcome[];
  report(ctx: NixFileContext, r: RuleReport): void;
  /** A service for the report's inventory. */
  addService(entry: { name: string; file: string; line: number; node: SyntaxNode; exposure: number; verdict: string }): void;
  error(message: string, file?: string): void;
}

export interface Rule extends RuleMeta {
  /** Per file: each Nix file that parses. */
  checkNix?(ctx: NixFileContext): void;
  /** Per file: each other file, and each .nix file that does not parse (`ctx.unparsedNix`). */
  checkFile?(ctx: TextFileContext): void;
  /** Per host: every file its configuration is made of. */
  checkHost?(ctx: HostContext): void;
  /** Per repository: all parsed Nix files at once (what the scan computed for the rule, like
   * exposure scores, is in the sink). */
  checkRepository?(files: NixFileContext[], sink: RepositorySink): void;
}
