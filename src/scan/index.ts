// security_scan: discover the repository's files, parse and index the Nix ones, attribute files to
// hosts, run every rule, and assemble the SecurityReport. Parse results and per-file rule results
// are cached by content, so a repeated scan in the same process only redoes what changed.
import { completeClassicHost } from "./host-complete.js";
import { createHash } from "node:crypto";
import { posix, resolve } from "node:path";
import { calleeName, flattenApply, type OptionDefinition, type OptionIndex } from "../nix/options.js";
import { flakeInputs, inputRepositories } from "../nix/flake-inputs.js";
import { LineIndex, SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import type { Finding, ReportError, SecurityReport } from "../report/schema.js";
import { atLeast, type Severity } from "../report/severity.js";
import { ALL_RULES } from "../rules/index.js";
import type { HostContext, NixFileContext, RepoFile, ResolvedValue, Rule, RuleReport, TextEdit, TextFileContext } from "../rules/types.js";
import { isUnknownValue, staticValue } from "../nix/values.js";
import { TOOL } from "../version.js";
import { loadProjectConfig } from "./config.js";
import type { StyleMode } from "./config-schema.js";
import { applyContextPolicy, isGeneratedFile, isTestPath, type TestContext } from "./classify.js";
import { lowered, ModuleUsage } from "./enabled.js";
import { Reach } from "./reach.js";
import { nixosOnly, Platforms } from "./platform.js";
import { nixMaidFiles } from "./home-manager.js";
import { platformBranch } from "../nix/platform-branch.js";
import { enclosingDefinition } from "../rules/nix-strings.js";
import { buildFindings, type RawFinding, type ReportSite } from "./findings.js";
import { globMatch } from "../text/glob.js";
import { withDeadline } from "../nix/deadline.js";
import { budgetError, clearParseCache, DEFAULT_FILE_BUDGET_MS, eventLoopBreather, loadRepository } from "./repo.js";
import { diskSource, type RepoSource } from "./source.js";
import { notScored, scoreRepositoryServices, serviceKey } from "./exposure.js";
import { summarize } from "./score.js";
import { nextCertificateChange } from "./certificates.js";
import { EXPIRY_WARNING_DAYS, parseCertificates } from "../secrets/certs.js";
import { applySuppressions } from "./suppress.js";
import { moduleArgsReader } from "./module-args.js";
import { READ_LOG, UNTRACKED, type ReadLog } from "../rules/shared/track.js";

export interface ScanOptions {
  /** The repository to scan. */
  root: string;
  /** Only these hosts' findings (and findings without a host). */
  hosts?: string[];
  /** Drop findings below this severity. */
  severityThreshold?: Severity;
  /** No external programs: the built-in exposure scorer instead of systemd-analyze. */
  quick?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { stage: string; done: number; total: number }) => void;
  /** Rules to run (default: all). */
  rules?: Rule[];
  /** "Today", for certificate expiry and exception expiry. */
  now?: Date;
  /** Time allowed for parsing one file, and again for running the rules on it, in milliseconds
   * (default 10 s). Past it the file gets an error entry ("took longer than …; skipped"). */
  fileBudgetMs?: number;
  /** Read the repository from here instead of the disk at `root` (a tree in memory, in tests). */
  source?: RepoSource;
  /** The style lints when `.nix-warden.yaml` leaves them unsaid (`--format statix-json` asks for
   * them: a caller that reads statix's output wants statix's lints). */
  style?: "on" | "all";
  /** The process scans once (the CLI): keep no rule results or report for a next scan in this
   * process. Within one scan no cache entry is ever read back (every key names its file, host or
   * rule), so the report is the same; what the caches held (3 MB on olafkfreund/nixos_config, and
   * a copy of the report made at the end) stays off the peak of the process's memory. */
  once?: boolean;
}

export interface ServiceInventoryEntry {
  name: string;
  file: string;
  line: number;
  host?: string[];
  exposure: number;
  verdict: string;
}

/** Calls whose module arguments are NixOS VM tests. */
const TEST_FUNCTIONS = new Set(["nixosTest", "runNixOSTest", "makeTest", "makeTestPython", "runTest", "runNixOSTestFor"]);

// Per-file rule results by content hash, hosts and rule set, with the other files the rules looked
// up (path -> content hash, "" when absent): a result is reused only while those are unchanged.
/** The prefix of a rule's dependency on a directory's listing (not a path: it holds NUL). */
const DIRECTORY_DEP = "\0dir\0";
const fileRuleCache = new Map<string, { findings: RawFinding[]; deps: Map<string, string> }>();
// The same for other files (scripts, YAML, keys): what the rules report there depends on the file,
// its hosts and the files it looks up, not on any syntax tree.
const otherRuleCache = new Map<string, { findings: RawFinding[]; deps: Map<string, string> }>();
// Host rules, per shape of the repository's hosts (each host's declaration, flake and files with
// their hosts, module class and gates) and rule: what the rule reported on each host, with what it
// read (rules/shared/track.ts): the files whose content it read and those it looked up, with their
// content hashes, and the questions it asked of every file. What they reported is kept without its
// site: the site (hosts at a node, test context) is worked out again from this scan's host graph.
interface HostRuleEntry {
  reports: Map<string, Array<{ rule: Rule; report: RuleReport }>>;
  read: Map<string, string>;
  lookedUp: Map<string, string>;
  questions: Map<string, (file: NixFileContext) => boolean>;
  /** Every host file's content hash when the result was last known to hold. */
  seen: Map<string, string>;
}
const hostRuleCache = new Map<string, Map<string, HostRuleEntry>>();
// Shapes of the hosts kept: an edit that adds a host or an import makes another shape.
const MAX_HOST_SHAPES = 4;
// Repository rules, per shape of the usable files (names, hosts, module class, gates, host
// declarations) and rule: everything they did, replayed.
type RepositoryEvent =
  | { kind: "report"; file: string; report: RuleReport }
  | { kind: "service"; entry: Parameters<Parameters<NonNullable<Rule["checkRepository"]>>[1]["addService"]>[0] };
// With the files a repository rule read (its views of the Nix files, rules/shared/track.ts, and
// the other files read through them, `builtins.readFile ./job.bash`) and their content hashes, and
// the questions it asked of every file: a changed script changes what the rule decides.
interface RepositoryRuleEntry {
  events: RepositoryEvent[];
  read: Map<string, string>;
  questions: Map<string, (file: NixFileContext) => boolean>;
  seen: Map<string, string>;
}
const repositoryRuleCache = new Map<string, Map<string, RepositoryRuleEntry>>();

/** The results kept per rule for one shape of the repository (hosts, or usable files); older
 * shapes are forgotten past a few. */
function resultsForShape<E>(cache: Map<string, Map<string, E>>, shape: string): Map<string, E> {
  let byRule = cache.get(shape);
  if (!byRule) {
    cache.set(shape, (byRule = new Map()));
    if (cache.size > MAX_HOST_SHAPES) cache.delete(cache.keys().next().value!);
  }
  return byRule;
}
// The caches hold every version of a file seen; a long-running server scanning many repositories
// forgets them all past this many entries rather than grow without bound.
const MAX_CACHE_ENTRIES = 50_000;

// Rule sets by a short number: the ids of every rule joined make a long key, built into the cache
// key of each of a thousand files on every scan.
const ruleSets = new Map<string, string>();
function ruleSetKey(rules: Rule[]): string {
  const ids = rules.map((r) => r.id).join(",");
  let key = ruleSets.get(ids);
  if (key === undefined) ruleSets.set(ids, (key = `rules#${ruleSets.size}`));
  return key;
}

/** Does a file hold a certificate? Its findings then depend on the time of the scan (expiry). */
const certificateFiles = new Map<string, boolean>();
function holdsCertificate(hash: string, text: string | undefined): boolean {
  let v = certificateFiles.get(hash);
  if (v === undefined) certificateFiles.set(hash, (v = text !== undefined && text.includes("-----BEGIN CERTIFICATE")));
  return v;
}

/** Did a tool write the file (isGeneratedFile, a regex over its first lines), by path and content. */
const generatedFiles = new Map<string, boolean>();
function generatedFile(file: string, hash: string, text: string): boolean {
  const key = `${hash}\0${file}`;
  let v = generatedFiles.get(key);
  if (v === undefined) generatedFiles.set(key, (v = isGeneratedFile(file, text)));
  return v;
}

/** The expiry dates (ms) of the certificates in a file holding some, by content hash. */
const certificateExpiries = new Map<string, number[]>();
function certificateDates(hash: string, text: string): number[] {
  let dates = certificateExpiries.get(hash);
  if (!dates) certificateExpiries.set(hash, (dates = parseCertificates(text).certificates.map((c) => Date.parse(c.notAfter))));
  return dates;
}

/** Is a node inside a VM test (`nixosTest { ... }`)? Asked for every reported node and by rules,
 * so answers are kept per node: walking all ancestors each time is quadratic in a deep tree. */
function testNodeOracle(): (node: SyntaxNode) => boolean {
  const known = new Map<SyntaxNode, boolean>();
  const isTestCall = (p: SyntaxNode): boolean => {
    if (p.kind !== K.NODE_APPLY) return false;
    // In `f a b c` every inner application has the same function as the outermost one, which is
    // an ancestor: only the outermost is looked at (flattening each would be quadratic).
    if (p.parent?.kind === K.NODE_APPLY && p.parent.firstChild() === p) return false;
    const { fn } = flattenApply(p);
    const name = calleeName(fn);
    if (name && TEST_FUNCTIONS.has(name)) return true;
    return /(^|\.)testers\.|nixosTests?\b/.test(fn.text);
  };
  // A test call names one of TEST_FUNCTIONS, `testers.` or `nixosTest(s)`, all written out in the
  // file's text: a file without any of them (most) has no node in a test, and its nodes are not
  // walked and remembered one by one (3.8% of a cold scan of olafkfreund/nixos_config).
  const mayHoldTests = new WeakMap<SyntaxNode["source"], boolean>();
  const TEST_WORDS = /nixosTest|runNixOSTest|makeTest|runTest|testers\./;
  return (node) => {
    let may = mayHoldTests.get(node.source);
    if (may === undefined) mayHoldTests.set(node.source, (may = TEST_WORDS.test(node.source.text)));
    if (!may) return false;
    const path: SyntaxNode[] = [];
    let answer = false;
    for (let p: SyntaxNode | null = node; p; p = p.parent) {
      const k = known.get(p);
      if (k !== undefined) {
        answer = k;
        break;
      }
      path.push(p);
    }
    // Fill in from the top down: a node is in a test when an ancestor is one or it is one.
    for (let i = path.length - 1; i >= 0; i--) {
      answer ||= isTestCall(path[i]!);
      known.set(path[i]!, answer);
    }
    return answer;
  };
}

/**
 * Which style lints run, and the sentence the report keeps about it. Unsaid ("auto"), none run: a
 * security scan reports what a host runs and the anti-patterns that change what it runs; how Nix is
 * written (statix's checks) is asked for with `style: on` in .nix-warden.yaml, `--style`, or the
 * tool's `style` argument. NixOS admins judging samples of real findings called these lints a
 * matter of taste, and they were 395 of 1,353 findings on 25 public configurations.
 */
export function styleLints(mode: StyleMode, nixosConfiguration: boolean): { run: "none" | "default" | "all"; said: string } {
  if (mode === "off") return { run: "none", said: "off (style: off in .nix-warden.yaml)" };
  if (mode === "all") return { run: "all", said: "all, with those statix leaves out of its default set (style: all)" };
  if (mode === "on") return { run: "default", said: "statix's default set without repeated-keys (style: all adds it and unquoted-splice; style: off turns them off)" };
  return {
    run: "none",
    said: nixosConfiguration
      ? "off: the security scan leaves how Nix is written aside (style: on in .nix-warden.yaml, or --style, runs statix's lints)"
      : "off: no NixOS host or configuration.nix here, so this is read as a Nix library (style: on in .nix-warden.yaml runs them)",
  };
}

export async function runScan(options: ScanOptions): Promise<SecurityReport> {
  return (await runScanWithFixes(options)).report;
}

/** The scan, plus the text edits behind each finding's fix (what `remediate` applies). */
export async function runScanWithFixes(options: ScanOptions): Promise<{ report: SecurityReport; edits: Map<string, TextEdit[]>; texts: Map<string, string> }> {
  const source = options.source ?? diskSource(resolve(options.root));
  const root = source.root;
  const signal = options.signal;
  const progress = options.onProgress ?? (() => {});
  const errors: ReportError[] = [];
  const now = options.now ?? new Date();
  const isTestNode = testNodeOracle();
  const breathe = eventLoopBreather();

  progress({ stage: "discover", done: 0, total: 1 });
  const repo = await loadRepository(root, { source, signal, fileBudgetMs: options.fileBudgetMs, onFile: (done, total) => progress({ stage: "read", done, total }) });
  errors.push(...repo.errors);
  const config = await loadProjectConfig(source);
  for (const e of config.errors) errors.push({ source: "config", file: ".nix-warden.yaml", message: e });
  const { texts, nixFiles, otherFiles, hashes, graph } = repo;
  const style = styleLints(config.style === "auto" && options.style ? options.style : config.style, graph.hosts.length > 0 || [...nixFiles.keys()].some((f) => posix.basename(f) === "configuration.nix"));
  // An explicit rule list (a test, one rule's examples) runs as given.
  const rules = options.rules ?? ALL_RULES.filter((r) => r.group !== "style" || style.run === "all" || (style.run === "default" && !r.optIn));
  const allHosts = graph.hosts.map((h) => h.name).sort();
  const wanted = options.hosts?.length ? new Set(options.hosts) : undefined;
  if (wanted) for (const h of wanted) if (!allHosts.includes(h)) errors.push({ source: "hosts", message: `no host named '${h}' in flake.nix (hosts: ${allHosts.join(", ") || "none"})` });

  /** Hosts of a node: in a file declaring hosts, the host whose declaration holds it; elsewhere,
   * the hosts that include the file. */
  const hostsAt = (file: string, node?: SyntaxNode, at?: { line: number; column: number }): string[] => graph.hostsAt(file, node, at);

  // Other files for rules that follow a reference (a `readFile ./x`, the repository's .sops.yaml).
  // A file's content hash ("" when absent); a file holding a certificate is never the same twice
  // (its findings depend on the time), so whatever read it is worked out again.
  const contentHash = (file: string): string => {
    if (file.startsWith(DIRECTORY_DEP)) return directoryHash(file.slice(DIRECTORY_DEP.length));
    const h = hashes.get(file);
    if (h === undefined) return "";
    return holdsCertificate(h, texts.get(file)) ? `${h}@${now.getTime()}` : h;
  };
  // The scanned files under a directory (a path literal naming one, `../secrets/home`), by a
  // binary search of the sorted list. A rule that listed one notes the directory (DIRECTORY_DEP and
  // its path), whose hash is that of its files' names and contents: one added, removed or changed
  // under it redoes the rule.
  const sortedFiles = [...repo.discovery.files].sort();
  const filesUnder = (dir: string): string[] => {
    const prefix = dir === "" || dir === "." ? "" : `${dir}/`;
    let lo = 0;
    let hi = sortedFiles.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedFiles[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < sortedFiles.length && sortedFiles[i]!.startsWith(prefix); i++) out.push(sortedFiles[i]!);
    return out;
  };
  const directoryHash = (dir: string): string => createHash("sha256").update(filesUnder(dir).map((f) => `${f}\0${contentHash(f)}`).join("\n")).digest("hex");
  const depsHold = (deps: Map<string, string>) => {
    for (const [f, h] of deps) if (contentHash(f) !== h) return false;
    return true;
  };
  if (fileRuleCache.size + otherRuleCache.size + hostRuleCache.size + repositoryRuleCache.size > MAX_CACHE_ENTRIES) clearRuleCaches();
  // The same files with the same contents, configuration, options and rules, on the same day: the
  // same report as the last scan of this source, without replaying every file's, host's and
  // repository rule's results (an agent's repeat scan of an unchanged repository).
  const ruleKey = ruleSetKey(rules);
  // A scan that keeps nothing neither makes nor looks up a report to keep (the key names every
  // file's content and is checked against a certificate in each).
  const memoKey = options.once
    ? ""
    : [
        JSON.stringify([options.hosts ?? null, options.severityThreshold ?? null, options.quick === true, options.fileBudgetMs ?? null, options.style ?? null, ruleKey, now.toISOString().slice(0, 10)]),
        JSON.stringify(config),
        JSON.stringify(repo.discovery.skipped),
        ...repo.discovery.files.map((f) => `${f}\0${hashes.get(f) ?? ""}`),
      ].join("\n");
  // A report holding certificates holds until what it says of one would change (its warning
  // period begins, its count of days moves on), as in the persistent cache.
  let validUntil = Infinity;
  if (!options.once) {
    for (const f of repo.discovery.files) {
      const h = hashes.get(f);
      if (h === undefined || !holdsCertificate(h, texts.get(f))) continue;
      for (const notAfter of certificateDates(h, texts.get(f)!)) validUntil = Math.min(validUntil, nextCertificateChange(notAfter, now.getTime(), EXPIRY_WARNING_DAYS));
    }
  }
  const memo = options.once ? undefined : reportMemo.get(source.cacheKey);
  if (memo?.key === memoKey && now.getTime() >= memo.madeAt && now.getTime() < memo.validUntil) {
    const { report, edits } = structuredClone({ report: memo.report, edits: memo.edits });
    return { report: { ...report, generatedAt: now.toISOString() }, edits, texts };
  }
  const normalizeRepoPath = (path: string): string | undefined => {
    const norm = posix.normalize(path.replace(/\\/g, "/")).replace(/^(\.\/)+/, "");
    if (norm === ".." || norm.startsWith("../") || posix.isAbsolute(norm)) return undefined;
    return norm;
  };
  // Set while a repository rule (and the scoring it needs) runs: the files it reads through a context.
  let repositoryReads: Map<string, string> | undefined;
  const repoFile = (path: string): RepoFile | undefined => {
    const norm = normalizeRepoPath(path);
    const content = norm === undefined ? undefined : repo.content(norm);
    return content ? { content, text: texts.get(norm!) } : undefined;
  };

  const raw: RawFinding[] = [];
  const siteFor = (file: string, node: SyntaxNode | undefined, at?: { line: number; column: number }): ReportSite => {
    const pf = nixFiles.get(file);
    const hosts = hostsAt(file, node, at);
    // A VM test is one wherever it is; a file of a test tree is test code unless a host includes it.
    const test: TestContext | undefined = !file.endsWith(".nix")
      ? undefined
      : node && isTestNode(node)
        ? "vm-test"
        : hosts.length === 0 && isTestPath(file)
          ? "test-file"
          : undefined;
    return { file, text: texts.get(file), lines: pf?.parsed.source.lines, hosts, ...(test ? { test } : {}) };
  };

  // Per-file Nix rules (cached by content, hosts, host declarations and rule set).
  // The nodes declaring hosts whose module lists were read, by file (flake.nix, flake-parts modules).
  const declarationsIn = new Map<string, SyntaxNode[]>();
  for (const h of graph.hosts) {
    if (h.source !== "flake") continue;
    const list = declarationsIn.get(h.file);
    if (!list) declarationsIn.set(h.file, [h.node]);
    else if (!list.includes(h.node)) list.push(h.node);
  }
  // Whose configuration each file belongs to: a user's home-manager configuration, nix-darwin's
  // (files only Macs use), or a NixOS host's. Rules about system settings read it (`moduleClass`).
  const homeManager = repo.homeManager();
  const platforms = new Platforms(
    [...nixFiles].filter(([, pf]) => !pf.parsed.error).map(([file, pf]) => ({ file, index: pf.index })),
    (f) => graph.hostsOf(f),
    graph.darwinModules,
  );
  const maid = nixMaidFiles(new Map([...nixFiles].map(([file, pf]) => [file, { root: pf.parsed.error ? undefined : pf.parsed.root, index: pf.index }])));
  const moduleClassOf = (file: string): NixFileContext["moduleClass"] =>
    homeManager.has(file) ? "home-manager" : maid.has(file) ? "nix-maid" : platforms.darwinOnly(file, graph.hostsOf(file)) ? "darwin" : undefined;
  const moduleArgsOf = moduleArgsReader(graph, nixFiles);
  const contexts: NixFileContext[] = [];
  let done = 0;
  // Files whose rules ran over the budget: their host-rule contexts are left out too.
  const overBudget = new Set<string>();
  for (const [file, pf] of nixFiles) {
    const pause = breathe();
    if (pause) await pause;
    signal?.throwIfAborted();
    const fileHosts = graph.hostsOf(file);
    const hostDeclarations = declarationsIn.get(file) ?? [];
    const moduleClass = moduleClassOf(file);
    const moduleArgs = graph.declarationFiles.has(file) ? undefined : moduleArgsOf(fileHosts);
    const collected: RawFinding[] = [];
    const deps = new Map<string, string>();
    const ctx: NixFileContext = {
      file,
      text: pf.text,
      parsed: pf.parsed,
      index: pf.index,
      hosts: fileHosts,
      ...(moduleClass ? { moduleClass } : {}),
      hostDeclarations,
      inTest: (node) => isTestNode(node) || (fileHosts.length === 0 && isTestPath(file)),
      now,
      repoFile: (path) => {
        const norm = normalizeRepoPath(path);
        if (norm !== undefined) deps.set(norm, contentHash(norm));
        if (norm !== undefined && repositoryReads) repositoryReads.set(norm, contentHash(norm));
        return repoFile(path);
      },
      repoFilesUnder: (dir) => {
        const norm = normalizeRepoPath(dir);
        if (norm === undefined) return [];
        const key = DIRECTORY_DEP + norm;
        deps.set(key, contentHash(key));
        if (repositoryReads) repositoryReads.set(key, contentHash(key));
        return filesUnder(norm);
      },
      ...(moduleArgs ? { moduleArgs } : {}),
      report: (r: RuleReport) => collected.push({ rule: current!, report: r, site: siteFor(r.file ?? file, r.node, r.range) }),
    };
    let current: Rule | undefined;
    contexts.push(ctx);
    // A scan that keeps nothing (the CLI's single scan) needs no key: the gates' part of it asks every
    // condition of the file on every host.
    const cacheKey = options.once ? "" : `${contentHash(file)}\0${file}\0${fileHosts.join(",")}\0${moduleClass ?? ""}\0${graph.gateKey?.(file) ?? ""}\0${hostDeclarations.map((n) => n.start).join(",")}\0${ruleKey}`;
    const cached = options.once ? undefined : fileRuleCache.get(cacheKey);
    if (cached && depsHold(cached.deps)) raw.push(...cached.findings);
    else {
      let complete = true;
      // A file Nix rejects only for its names (a variable it cannot resolve, as in a fragment meant
      // for `with` or `scopedImport`; an attribute defined twice) still has a whole tree: the style
      // lints, which read only syntax, run on it, as statix does.
      const unboundOnly = !!pf.parsed.error && pf.parsed.diagnostics.every((d) => d.kind === "undefined-variable" || d.kind === "semantic");
      if (!pf.parsed.error || unboundOnly) {
        withDeadline(options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS, () => {
          for (const rule of rules) {
            if (!rule.checkNix || (unboundOnly && rule.group !== "style")) continue;
            current = rule;
            try {
              rule.checkNix(ctx);
            } catch (e) {
              const over = budgetError(e);
              if (over !== undefined) {
                errors.push({ source: "rules", file, message: `${over} (at rule ${rule.id})` });
                complete = false;
                return;
              }
              errors.push({ source: `rule ${rule.id}`, file, message: `internal error: ${(e as Error).message}` });
            }
          }
        });
      }
      // A file that does not parse has no tree: it goes to the per-file checks of other files as
      // raw text, so the rules that can read it so (secrets) still run and a syntax error does not
      // hide a committed secret.
      if (pf.parsed.error) {
        const unparsed: TextFileContext = { file, unparsedNix: true, content: repo.content(file) ?? Buffer.from(pf.text), text: pf.text, hosts: fileHosts, now, repoFile: ctx.repoFile, report: ctx.report };
        for (const rule of rules) {
          if (!rule.checkFile) continue;
          current = rule;
          try {
            rule.checkFile(unparsed);
          } catch (e) {
            errors.push({ source: `rule ${rule.id}`, file, message: `internal error: ${(e as Error).message}` });
          }
        }
      }
      // An interrupted run's findings are partial: report none for the file, cache nothing.
      if (complete) {
        if (!options.once) fileRuleCache.set(cacheKey, { findings: collected, deps });
        raw.push(...collected);
      } else overBudget.add(file);
    }
    progress({ stage: "rules", done: ++done, total: nixFiles.size });
  }

  // Other files (scripts, secrets, certificates, YAML...).
  const readers = nixReaders(nixFiles, otherFiles, (file, node) => isTestNode(node) || (graph.hostsOf(file).length === 0 && isTestPath(file)));
  for (const [file, held] of otherFiles) {
    const pause = breathe();
    if (pause) await pause;
    signal?.throwIfAborted();
    const fileHosts = graph.hostsOf(file);
    const readBy = readers.get(file);
    const cacheKey = options.once ? "" : `${contentHash(file)}\0${file}\0${fileHosts.join(",")}\0${ruleKey}\0${readBy?.map((r) => `${r.file}:${r.line}:${r.option ?? ""}:${r.test ? 1 : 0}`).join(",") ?? ""}`;
    const cached = options.once ? undefined : otherRuleCache.get(cacheKey);
    if (cached && depsHold(cached.deps)) {
      raw.push(...cached.findings);
      continue;
    }
    // A binary file's bytes are read again here, and let go after its rules ran.
    const content = held ?? repo.content(file);
    if (!content) {
      errors.push({ source: "read", file, message: "cannot read: it changed or went away during the scan" });
      continue;
    }
    const text = texts.get(file);
    let lineIndex: LineIndex | undefined;
    // Built only when a rule reports on the file.
    const lines = () => (text === undefined ? undefined : (lineIndex ??= new LineIndex(text)));
    let current: Rule | undefined;
    const collected: RawFinding[] = [];
    const deps = new Map<string, string>();
    let complete = true;
    const ctx: TextFileContext = {
      file,
      content,
      text: texts.get(file),
      hosts: fileHosts,
      ...(readBy ? { readBy } : {}),
      now,
      repoFile: (path) => {
        const norm = normalizeRepoPath(path);
        if (norm !== undefined) deps.set(norm, contentHash(norm));
        return repoFile(path);
      },
      repoFilesUnder: (dir) => {
        const norm = normalizeRepoPath(dir);
        if (norm === undefined) return [];
        deps.set(DIRECTORY_DEP + norm, contentHash(DIRECTORY_DEP + norm));
        return filesUnder(norm);
      },
      report: (r: RuleReport) => collected.push({ rule: current!, report: r, site: { ...siteFor(file, undefined), lines: lines() } }),
    };
    withDeadline(options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS, () => {
      for (const rule of rules) {
        if (!rule.checkFile) continue;
        current = rule;
        try {
          rule.checkFile(ctx);
        } catch (e) {
          complete = false;
          const over = budgetError(e);
          if (over !== undefined) {
            errors.push({ source: "rules", file, message: `${over} (at rule ${rule.id})` });
            return;
          }
          errors.push({ source: `rule ${rule.id}`, file, message: `internal error: ${(e as Error).message}` });
        }
      }
    });
    raw.push(...collected);
    // A run that failed is not kept: its error entry has to be reported again next time.
    if (complete && !options.once) otherRuleCache.set(cacheKey, { findings: collected, deps });
  }

  // A question's test on a changed file: one that fails may be answered (the rule runs again and
  // reports its own error).
  const mayAnswer = (test: (file: NixFileContext) => boolean, c: NixFileContext): boolean => {
    try {
      return test(c);
    } catch {
      return true;
    }
  };
  // A rule's views of the files (rules/shared/track.ts): each read of a file's content is noted
  // in `reads`, each question asked of every file in `questions`. A rule gets views of its own (a
  // cache it keeps per file or per host then never answers another rule, whose reads it would hide).
  const viewsNoting = (reads: Set<string>, questions: Map<string, (file: NixFileContext) => boolean>): ((c: NixFileContext) => NixFileContext) => {
    const log: ReadLog = { read: (f) => reads.add(f), ask: (key, test) => questions.set(key, test) };
    const views = new Map<NixFileContext, NixFileContext>();
    const handler: ProxyHandler<NixFileContext> = {
      get(t, p) {
        if (p === UNTRACKED) return t;
        if (p === READ_LOG) return log;
        if (p === "file" || p === "hosts" || p === "moduleClass") return t[p];
        reads.add(t.file);
        if (p === "repoFile") {
          return (path: string) => {
            const norm = normalizeRepoPath(path);
            if (norm !== undefined) reads.add(norm);
            return t.repoFile(path);
          };
        }
        if (p === "repoFilesUnder") {
          return (dir: string) => {
            const norm = normalizeRepoPath(dir);
            if (norm !== undefined) reads.add(DIRECTORY_DEP + norm);
            return t.repoFilesUnder?.(dir) ?? [];
          };
        }
        return Reflect.get(t, p);
      },
    };
    return (c) => {
      let v = views.get(c);
      if (!v) views.set(c, (v = new Proxy(c, handler)));
      return v;
    };
  };
  // The files whose content changed since a rule's result was last known to hold, among `current`.
  const changedSinceMemo = new Map<Map<string, string>, string[]>();
  const changedSince = (seen: Map<string, string>, current: Map<string, string>): string[] => {
    let changed = changedSinceMemo.get(seen);
    if (!changed) {
      changed = [];
      for (const [f, hash] of current) if (seen.get(f) !== hash) changed.push(f);
      changedSinceMemo.set(seen, changed);
    }
    return changed;
  };

  // Host rules.
  const usable = contexts.filter((c) => !c.parsed.error && !overBudget.has(c.file));
  const usableByFile = new Map(usable.map((c) => [c.file, c]));
  // What a host rule saw when it looked up another file: its content and hosts, or nothing.
  const lookedUp = (file: string): string => {
    const found = usableByFile.get(file);
    return found ? `${contentHash(file)}\0${found.hosts.join(",")}` : "";
  };
  // Host rules judge a host's whole configuration. A host guessed from a directory layout (clan's
  // machines/, snowfall's systems/, hosts/<name>/) is judged on what was found of it, marked
  // partial: rules about defaults and missing settings skip it, since a module not found may set them.
  // The flake a host belongs to: the nearest flake.nix at or above the file declaring it. Its
  // inputs tell which repository each `inputs.X` is (external modules are recognised by it).
  const inputsByFlake = new Map<string, ReadonlyMap<string, string | null>>();
  const flakeOf = (file: string): NixFileContext | undefined => {
    const parts = file.split("/").slice(0, -1);
    for (let n = parts.length; n >= 0; n--) {
      const found = usableByFile.get([...parts.slice(0, n), "flake.nix"].join("/"));
      if (found) return found;
    }
    return undefined;
  };
  const inputRepositoriesOf = (flake: NixFileContext): ReadonlyMap<string, string | null> => {
    let found = inputsByFlake.get(flake.file);
    if (!found) inputsByFlake.set(flake.file, (found = inputRepositories(flakeInputs(flake.parsed.root))));
    return found;
  };
  // Each host's files and what the rules are told of it besides their content: the shape of the
  // host (its files with their hosts, module class, gates), its declaration and its flake, whose
  // content counts whole.
  const hostsInfo = graph.hosts.map((h) => {
    const files = usable.filter((c) => h.files.has(c.file));
    const flake = flakeOf(h.file);
    // A classic host whose files are not all known, or one whose modules name an output the scan
    // could not read (hosts.ts), is partial: rules about missing settings skip it.
    const partial = (h.source === "directory" && !completeClassicHost(h.file, files, flake !== undefined)) || h.partial === true;
    // Only a scan that keeps its results needs the shape.
    const shape = options.once
      ? ""
      : [
          h.name,
          flake ? `${flake.file}\0${contentHash(flake.file)}` : "",
          h.source,
          h.file,
          contentHash(h.file),
          h.node.start,
          h.node.end,
          partial ? "partial" : "",
          // applies() reads the gates of the host's files, which other hosts' files decide.
          ...files.map((c) => `${c.file}\0${c.hosts.join(",")}\0${c.moduleClass ?? ""}\0${graph.declarationFiles.has(c.file) ? 1 : 0}\0${graph.gateKey?.(c.file) ?? ""}`),
        ].join("\n");
    return { h, files, flake, partial, shape };
  });
  const hostRules = rules.filter((r) => r.checkHost);
  const hostsShape = options.once ? "" : `${ruleKey}\n\n${hostsInfo.map((i) => i.shape).join("\n\n")}`;
  // The content of every file of every host, as this scan sees it.
  const hostFiles = new Map<string, string>();
  if (!options.once) for (const { files } of hostsInfo) for (const c of files) if (!hostFiles.has(c.file)) hostFiles.set(c.file, contentHash(c.file));
  const byRule = options.once ? undefined : resultsForShape(hostRuleCache, hostsShape);
  // A rule's result holds while every file it read is unchanged, and no file that changed may
  // answer one of the questions it asked of every file (rules/shared/track.ts).
  const readsHold = (entry: HostRuleEntry | RepositoryRuleEntry, current: Map<string, string>): boolean => {
    for (const [f, hash] of entry.read) if (contentHash(f) !== hash) return false;
    for (const f of changedSince(entry.seen, current)) {
      const c = usableByFile.get(f);
      if (!c) return false;
      for (const test of entry.questions.values()) if (mayAnswer(test, c)) return false;
    }
    return true;
  };
  // A host rule's, also while every file it looked up is as it was.
  const holds = (entry: HostRuleEntry): boolean => {
    for (const [f, v] of entry.lookedUp) if (lookedUp(f) !== v) return false;
    return readsHold(entry, hostFiles);
  };

  const valid = new Set<Rule>();
  if (byRule) {
    for (const rule of hostRules) {
      const entry = byRule.get(rule.id);
      if (!entry) continue;
      if (holds(entry)) {
        entry.seen = hostFiles;
        valid.add(rule);
      } else byRule.delete(rule.id);
    }
  }
  // The rules that run again: each with its own views of the files (a cache a rule keeps per file
  // or per host then never answers another rule, whose reads it would hide) and its read log.
  const runs = new Map<Rule, { entry: HostRuleEntry; reads: Set<string>; view: (c: NixFileContext) => NixFileContext; complete: boolean }>();
  const runOf = (rule: Rule) => {
    let run = runs.get(rule);
    if (run) return run;
    const entry: HostRuleEntry = { reports: new Map(), read: new Map(), lookedUp: new Map(), questions: new Map(), seen: hostFiles };
    const reads = new Set<string>();
    runs.set(rule, (run = { entry, reads, view: options.once ? (c) => c : viewsNoting(reads, entry.questions), complete: true }));
    return run;
  };
  // Every host rule asks for the same few options across all of a host's files: each answer is
  // worked out once per host (and handed to each rule in its own views of the files).
  const inHostOf = (h: (typeof graph.hosts)[number]) => (c: NixFileContext, d: OptionDefinition) =>
    !c.inTest(d.binding) && (!graph.declarationFiles.has(c.file) || (c.file === h.file && d.binding.start >= h.node.start && d.binding.end <= h.node.end));
  const outsideTests = (file: NixFileContext, path: string, defs: OptionDefinition[]): OptionDefinition[] => {
    const key = `${file.hosts.length === 0 ? 1 : 0}${file.file}\0${path}`;
    let byPath = outsideTestsCache.get(file.index);
    if (!byPath) outsideTestsCache.set(file.index, (byPath = new Map()));
    let kept = byPath.get(key);
    if (!kept) byPath.set(key, (kept = defs.filter((def) => !file.inTest(def.binding))));
    return kept;
  };
  type Answer = Array<{ file: NixFileContext; def: OptionDefinition; resolved?: ResolvedValue }>;
  // The usable files defining each option path, in their order: host rules ask a few hundred paths
  // of each host, and looking each up in every file of the host was most of their answers' time.
  let definers: Map<string, NixFileContext[]> | undefined;
  const definersOf = (path: string): readonly NixFileContext[] => {
    if (!definers) {
      definers = new Map();
      for (const c of usable) {
        for (const p of c.index.byPath.keys()) {
          const list = definers.get(p);
          if (list) list.push(c);
          else definers.set(p, [c]);
        }
      }
    }
    return definers.get(path) ?? [];
  };
  for (const { h, files, flake, partial } of hostsInfo) {
    // A definition whose expression reads the repository's own options gets the host's value of
    // it (hosts.ts valueOf), where it can be told: not on a host whose files are not all known.
    const withValue = (file: NixFileContext, def: OptionDefinition): Answer[number] => {
      if (partial || !def.inner || !isUnknownValue(staticValue(def.inner))) return { file, def };
      const resolved = graph.valueOf?.(h.name, file.file, def.inner);
      return resolved ? { file, def, resolved } : { file, def };
    };
    const siteOf = (r: RuleReport & { file: string }) => ({ ...siteFor(r.file, r.node), hosts: [h.name] });
    // Settings behind `mkIf cfg.enable` of a module this host imports but does not turn on (while
    // others do) are not this host's (hosts.ts hostsAt).
    const gatedOff = (r: RuleReport & { file: string }) => !graph.declarationFiles.has(r.file) && graph.hostsOf(r.file).includes(h.name) && !hostsAt(r.file, r.node, r.range).includes(h.name);
    const inHost = inHostOf(h);
    const definitionsAsked = new Map<string, Answer>();
    const definitionsOf = (path: string): Answer => {
      let found = definitionsAsked.get(path);
      if (!found) {
        found = [];
        // The files defining the path, in the order of the host's files (a subsequence of usable).
        for (const file of definersOf(path)) {
          if (!h.files.has(file.file)) continue;
          const defs = file.index.byPath.get(path)!;
          // Outside the files declaring hosts, which definitions count depends on the tree alone
          // (not in a VM test; the file's test path when no host has it): kept with the index.
          const kept = graph.declarationFiles.has(file.file) ? defs.filter((def) => inHost(file, def)) : outsideTests(file, path, defs);
          for (const def of kept) found.push(withValue(file, def));
        }
        definitionsAsked.set(path, found);
      }
      return found;
    };
    const matchingAsked = new Map<string, Answer>();
    const matchingOf = (pattern: string): Answer => {
      let found = matchingAsked.get(pattern);
      if (!found) {
        found = [];
        for (const file of files) {
          const defs = definitionsMatching(file.index, pattern);
          if (!defs.length) continue;
          const kept = graph.declarationFiles.has(file.file) ? defs.filter((def) => inHost(file, def)) : outsideTests(file, `*${pattern}`, defs);
          for (const def of kept) found.push(withValue(file, def));
        }
        matchingAsked.set(pattern, found);
      }
      return found;
    };
    for (const rule of hostRules) {
      if (valid.has(rule)) {
        for (const { rule: r, report } of byRule!.get(rule.id)!.reports.get(h.name) ?? []) {
          if (!gatedOff(report as RuleReport & { file: string })) raw.push({ rule: r, report, site: siteOf(report as RuleReport & { file: string }) });
        }
        continue;
      }
      const run = runOf(rule);
      const { entry, view } = run;
      const reports: Array<{ rule: Rule; report: RuleReport }> = [];
      entry.reports.set(h.name, reports);
      // The questions of every file the scan answers: a file that defines nothing at the path (the
      // pattern) has no part in the answer (files that do are read).
      const mine = new Map<string, Answer>();
      const answered = (key: string, test: (c: NixFileContext) => boolean, answer: () => Answer) => {
        let found = mine.get(key);
        if (!found) {
          entry.questions.set(key, test);
          found = answer();
          for (const { file } of found) run.reads.add(file.file);
          // Without views (a scan that keeps nothing), the host's answer itself, as it is shared.
          mine.set(key, (found = options.once ? found : found.map((d) => ({ ...d, file: view(d.file) }))));
        }
        return found.slice();
      };
      const hctx: HostContext = {
        host: h.name,
        ...(partial ? { partial: true } : {}),
        declaration: { file: h.file, node: h.node },
        files: files.map(view),
        ...(flake ? { inputRepositories: inputRepositoriesOf(flake) } : {}),
        applies: (file, node) => graph.declarationFiles.has(file) || !graph.hostsOf(file).includes(h.name) || hostsAt(file, node).includes(h.name),
        gateOff: (file, node) => (graph.declarationFiles.has(file) ? undefined : graph.gateOff?.(file, node)),
        definitions: (path) => answered(`definitions\0${path}`, (c) => c.index.byPath.has(path), () => definitionsOf(path)),
        matching: (pattern) => answered(`matching\0${pattern}`, (c) => definitionsMatching(c.index, pattern).length > 0, () => matchingOf(pattern)),
        lookup: (file) => {
          entry.lookedUp.set(file, lookedUp(file));
          const found = usableByFile.get(file);
          return found && view(found);
        },
        now,
        report: (r) => {
          reports.push({ rule, report: r });
          if (!gatedOff(r)) raw.push({ rule, report: r, site: siteOf(r) });
        },
      };
      try {
        rule.checkHost!(hctx);
      } catch (e) {
        run.complete = false;
        errors.push({ source: `rule ${rule.id}`, message: `internal error on host ${h.name}: ${(e as Error).message}` });
      }
    }
  }
  if (byRule) {
    for (const [rule, run] of runs) {
      if (!run.complete) continue;
      for (const f of run.reads) run.entry.read.set(f, contentHash(f));
      byRule.set(rule.id, run.entry);
    }
  }

  // Rules over the whole repository, all files at once; what they need from outside (exposure
  // scores from systemd-analyze) the scan computes for them first: the rules themselves never wait.
  const inventory: { services: ServiceInventoryEntry[] } = { services: [] };
  // The shape of the usable files (names, hosts, module class, gates, host declarations) and their
  // contents: a repository rule's result is kept per shape, and reused while the files it read are
  // unchanged and no changed file passes a question it asked of every file (as host rules above).
  const usableShape = options.once ? "" : `${options.quick ? "quick" : "systemd"}\0${ruleKey}\n${usable.map((c) => `${c.file}\0${c.hosts.join(",")}\0${c.moduleClass ?? ""}\0${graph.gateKey?.(c.file) ?? ""}\0${c.hostDeclarations.map((n) => n.start).join(",")}`).join("\n")}`;
  const usableHashes = new Map(options.once ? [] : usable.map((c) => [c.file, contentHash(c.file)]));
  const repoByRule = options.once ? undefined : resultsForShape(repositoryRuleCache, usableShape);
  for (const rule of rules) {
    if (!rule.checkRepository) continue;
    progress({ stage: rule.id, done: 0, total: 1 });
    const replay = (event: RepositoryEvent) => {
      if (event.kind === "report") {
        const site = siteFor(event.report.file ?? event.file, event.report.node);
        const also = event.report.alsoHosts;
        raw.push({ rule, report: event.report, site: also?.length ? { ...site, hosts: [...new Set([...site.hosts, ...also])].sort() } : site });
      }
      else {
        const e = event.entry;
        const host = hostsAt(e.file, e.node);
        inventory.services.push({ name: e.name, file: e.file, line: e.line, exposure: e.exposure, verdict: e.verdict, ...(host.length ? { host } : {}) });
      }
    };
    const cached = repoByRule?.get(rule.id);
    if (cached && readsHold(cached, usableHashes)) {
      cached.seen = usableHashes;
      cached.events.forEach(replay);
      continue;
    }
    repoByRule?.delete(rule.id);
    const entry: RepositoryRuleEntry = { events: [], read: new Map(), questions: new Map(), seen: usableHashes };
    let failed = false;
    const record = (event: RepositoryEvent) => {
      entry.events.push(event);
      replay(event);
    };
    // Files read through a file's repoFile (by the scoring, or by a rule), and through the views.
    const reads = new Map<string, string>();
    const viewReads = new Set<string>();
    const view = options.once ? (c: NixFileContext) => c : viewsNoting(viewReads, entry.questions);
    repositoryReads = reads;
    try {
      // The scores are worked out from every file's services: a rule that needs them read them all.
      if (rule.needs?.exposures) for (const c of usable) viewReads.add(c.file);
      const scores = rule.needs?.exposures ? await scoreRepositoryServices(usable, { preferSystemd: !options.quick, signal }) : undefined;
      rule.checkRepository(usable.map(view), {
        exposures: (services) => services.map((s) => scores?.get(serviceKey(s)) ?? notScored(s.name)),
        report: (ctx, r) => record({ kind: "report", file: ctx.file, report: r }),
        addService: (e) => record({ kind: "service", entry: e }),
        // Errors (systemd-analyze failing, say) may not happen next time: not kept.
        error: (message, file) => {
          failed = true;
          errors.push({ source: `rule ${rule.id}`, file, message });
        },
      });
      if (!failed && repoByRule) {
        for (const [f, hash] of reads) entry.read.set(f, hash);
        for (const f of viewReads) if (!entry.read.has(f)) entry.read.set(f, contentHash(f));
        repoByRule.set(rule.id, entry);
      }
    } catch (e) {
      if (signal?.aborted) throw e;
      errors.push({ source: `rule ${rule.id}`, message: `internal error: ${(e as Error).message}` });
    } finally {
      repositoryReads = undefined;
    }
  }

  const textOf = (file: string) => texts.get(file);
  // Findings behind an enable nothing sets: one severity lower, saying so; in dead code: apart.
  const usage = new ModuleUsage({ hasHosts: graph.hosts.length > 0, declarationFiles: graph.declarationFiles, files: usable, darwinModules: graph.darwinModules, passedOver: graph.passedOver, partialHosts: graph.hosts.some((h) => h.partial === true) });
  // Files only nix-darwin configurations use (`platforms`, above): rules about NixOS options do not apply there.
  // Dead code (no host imports the file, no file names it): its findings are listed apart.
  const unusedFiles = new Set<string>();
  const usesMatter = new Set<string>();
  const gatedOff = new Map<RawFinding, string>();
  // So is a darwin-only branch of a module NixOS hosts share (`lib.optionalAttrs isDarwin { … }`).
  const darwinBranch = (r: RawFinding) => r.report.node !== undefined && platformBranch(r.report.node) === "darwin";
  // Files no host includes that only tests or examples use (reach.ts): test code or examples, as a
  // test tree's files are.
  const reach = new Reach(usable.map((c) => ({ file: c.file, text: c.text, root: c.parsed.root, hosts: c.hosts })), isTestNode, isTestPath);
  const used = raw.filter((r) => !(nixosOnly(r.rule, r.report.optionPath) && (platforms.darwinOnly(r.report.file ?? r.site.file, r.site.hosts) || darwinBranch(r)))).map((r0) => {
    const file = r0.report.file ?? r0.site.file;
    const reached = !r0.site.test && r0.site.hosts.length === 0 && file.endsWith(".nix") ? reach.of(file) : undefined;
    const r = reached ? { ...r0, site: { ...r0.site, test: reached } } : r0;
    // A darwin module is used by a Mac, which is not among the (NixOS) hosts.
    if (platforms.darwinOnly(file, r.site.hosts)) return r;
    // Hosts import the module, but its settings here are behind a gate none of them turns on.
    const off = r.site.hosts.length === 0 && usage.dependsOnUse(r.rule, file) ? graph.deadGate?.(file, r.report.node, r.report.range) : undefined;
    if (off) {
      gatedOff.set(r, off);
      return r;
    }
    if (usage.unused(r.rule, file, r.site.hosts)) {
      unusedFiles.add(file);
      usesMatter.add(r.rule.id);
      return r;
    }
    // A committed secret in dead code: in git, in no machine's store, environment or command line
    // (cleverca22-nixos-configs caller-id.nix and syncplay.nix, Lassulus-superconfig
    // weron/client.nix, imported by no host: rated high, judged low).
    if (r.rule.literalOutlivesUse && usage.unusedFile(file, r.site.hosts)) {
      const severity = r.report.severity ?? r.rule.severity;
      if (severity === "info" || severity === "low") return r;
      return { ...r, report: { ...r.report, severity: "low" as const, message: `${r.report.message} (No host imports ${file} and no file of the repository names it: the secret is in the repository's history, but no machine's store, environment or command line has it; reported as low. Rotate it if the repository is public.)` } };
    }
    const why = usage.reason(r.rule, file, r.report.node ?? r.report.range, r.site.hosts);
    if (!why) return r;
    // A unit behind a switch no host turns on is built on no machine: apart, as dead code is
    // (wochap-nix-config's keyboard-grab units behind canDisableGlegionKbd, false on its one host;
    // arianvp-nixos-stuff's tailscale-funnel behind a funnel.enable nothing sets: judged none).
    if (r.rule.absentWhenGatedOff) {
      gatedOff.set(r, why);
      return r;
    }
    return { ...r, report: { ...r.report, ...lowered(r.report.severity ?? r.rule.severity, r.report.message, why) } };
  });
  const generated = new Set([...nixFiles].filter(([f, pf]) => generatedFile(f, pf.hash, texts.get(f) ?? "")).map(([f]) => f));
  const built = buildFindings(applyContextPolicy(used.filter((r) => !gatedOff.has(r)), { library: graph.hosts.length === 0, generated }), textOf);
  // Settings behind a gate no host turns on: listed apart, as dead code is, saying which gate.
  const offFindings = new Map<string, Finding & { suppressedBy: { kind: "unused"; reason: string; file: string } }>();
  for (const r of used) {
    const why = gatedOff.get(r);
    if (!why) continue;
    for (const f of buildFindings(applyContextPolicy([r], { library: false, generated }), textOf).findings) {
      if (!offFindings.has(f.id)) offFindings.set(f.id, { ...f, suppressedBy: { kind: "unused", reason: `no host runs this part of ${f.file}: ${why}`, file: f.file } });
    }
  }
  const dead = (f: Finding) => unusedFiles.has(f.file) && usesMatter.has(f.ruleId) && !f.host?.length;
  let findings = built.findings.filter((f) => !dead(f));
  const sup = applySuppressions(findings, config.exceptions, textOf, now.toISOString().slice(0, 10));
  findings = sup.findings;
  errors.push(...sup.errors);
  let suppressed = [
    ...sup.suppressed,
    ...built.findings.filter(dead).map((f) => ({ ...f, suppressedBy: { kind: "unused" as const, reason: `no host imports ${f.file} and no file of the repository refers to it: dead code, true of no machine`, file: f.file } })),
    ...offFindings.values(),
  ];
  if (wanted) {
    const keep = (f: Finding) => !f.host?.length || f.host.some((h) => wanted.has(h));
    findings = findings.filter(keep);
    suppressed = suppressed.filter(keep);
  }
  if (options.severityThreshold) {
    const t = options.severityThreshold;
    findings = findings.filter((f) => atLeast(f.severity, t));
  }
  findings.sort(compareFindings);
  const hosts = wanted ? allHosts.filter((h) => wanted.has(h)) : allHosts;
  const report: SecurityReport = {
    tool: TOOL,
    generatedAt: now.toISOString(),
    root,
    hosts,
    summary: summarize(findings, hosts),
    findings,
    suppressed,
    inventory: { services: inventory.services.sort((a, b) => b.exposure - a.exposure || a.name.localeCompare(b.name)), styleLints: style.said },
    errors,
  };
  // Kept when the report holds only what the same inputs give again: no file that could not be
  // read, no budget run out, no rule or program that failed.
  if (!errors.some(transientError) && !options.once) {
    reportMemo.delete(source.cacheKey);
    reportMemo.set(source.cacheKey, { key: memoKey, madeAt: now.getTime(), validUntil, ...structuredClone({ report, edits: built.edits }) });
    if (reportMemo.size > MAX_REPORT_MEMOS) reportMemo.delete(reportMemo.keys().next().value!);
  }
  return { report, edits: built.edits, texts };
}

// The last report of each source (root), with the key of everything it was made from (see
// runScanWithFixes); the least recently scanned forgotten past a few repositories.
const reportMemo = new Map<string, { key: string; madeAt: number; validUntil: number; report: SecurityReport; edits: Map<string, TextEdit[]> }>();
const MAX_REPORT_MEMOS = 8;

/** Errors the same inputs may not give again (a read that failed, a budget run out, a rule or a
 * program that failed): a report holding one is not kept. */
function transientError(e: ReportError): boolean {
  return e.source === "read" || e.source === "rules" || e.source.startsWith("rule ") || (e.source === "parse" && !e.message.startsWith("does not parse"));
}

// A file's definitions of one option outside VM tests, per option index (kept with the parse).
const outsideTestsCache = new WeakMap<OptionIndex, Map<string, OptionDefinition[]>>();

// A file's definitions matching a pattern, per option index (kept with the parse across scans): host
// rules ask the same patterns of every file of every host.
const matchingCache = new WeakMap<OptionIndex, Map<string, OptionDefinition[]>>();
function definitionsMatching(index: OptionIndex, pattern: string): OptionDefinition[] {
  let byPattern = matchingCache.get(index);
  if (!byPattern) matchingCache.set(index, (byPattern = new Map()));
  let found = byPattern.get(pattern);
  if (!found) {
    // The pattern split once, not once per definition (split was 8 MB of a cold scan's garbage on
    // olafkfreund/nixos_config).
    const matches = optionPathMatcher(pattern);
    byPattern.set(pattern, (found = index.definitions.filter(matches)));
  }
  return found;
}

/**
 * An option path pattern against a definition, segment by segment, so that `*` matches a whole
 * segment even when it holds dots (`virtualHosts."files.example.org"`). `**` patterns fall back to
 * matching the dotted text.
 */
export function optionPathMatches(pattern: string, def: Pick<OptionDefinition, "path" | "segments">): boolean {
  return optionPathMatcher(pattern)(def);
}

/** optionPathMatches for one pattern, split once. */
function optionPathMatcher(pattern: string): (def: Pick<OptionDefinition, "path" | "segments">) => boolean {
  if (pattern.includes("**")) return (def) => globMatch(pattern, def.path, ".");
  const parts = pattern.split(".");
  const wild = parts.map((p) => /[*?]/.test(p));
  return (def) => {
    if (parts.length !== def.segments.length) return false;
    return parts.every((p, i) => {
      const name = def.segments[i]!.name;
      return p === "*" || p === name || (wild[i]! && globMatch(p, name, "/"));
    });
  };
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function compareFindings(a: Finding, b: Finding): number {
  return RANK[a.severity] - RANK[b.severity] || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}

/** Forget cached parses and rule results (tests, long-running servers after big changes). */
export function clearScanCache(): void {
  clearParseCache();
  clearRuleCaches();
}

function clearRuleCaches(): void {
  reportMemo.clear();
  fileRuleCache.clear();
  otherRuleCache.clear();
  hostRuleCache.clear();
  repositoryRuleCache.clear();
  certificateFiles.clear();
  certificateExpiries.clear();
  generatedFiles.clear();
}

/**
 * The Nix files that name each non-Nix file of the scan with a path literal (`lib.importJSON
 * ./data/data.json`, `fromJSON (readFile ./hosts.json)`, `./scripts/x.sh`), with the line and the
 * function reading it when there is one. A file named so is used by the code even when no host's
 * module list includes it (linyinfeng's lib/data/data.json, read by lib/default.nix).
 */
function nixReaders(
  nixFiles: ReadonlyMap<string, { parsed: { root: SyntaxNode; error?: unknown }; index: OptionIndex }>,
  otherFiles: ReadonlyMap<string, unknown>,
  testAt: (file: string, node: SyntaxNode) => boolean,
): Map<string, Array<{ file: string; line: number; how?: string; option?: string; test?: boolean }>> {
  const out = new Map<string, Array<{ file: string; line: number; how?: string; option?: string; test?: boolean }>>();
  if (otherFiles.size === 0) return out;
  for (const [file, pf] of nixFiles) {
    for (const { target, line, how, option, node } of relativePaths(file, pf.parsed.root, pf.index)) {
      if (!otherFiles.has(target)) continue;
      const list = out.get(target);
      const test = testAt(file, node);
      const entry = { file, line, ...(how ? { how } : {}), ...(option ? { option } : {}), ...(test ? { test } : {}) };
      if (list) list.push(entry);
      else out.set(target, [entry]);
    }
  }
  return out;
}

// The relative path literals of a file's tree, per tree and path (a repeat scan walks no tree again).
const relativePathsCache = new WeakMap<SyntaxNode, { file: string; paths: Array<{ target: string; line: number; how?: string; option?: string; node: SyntaxNode }> }>();

/** A file's path literals (`./x`, `../x`, no interpolation), resolved against its directory, with
 * the line and the function each is handed to. */
function relativePaths(file: string, root: SyntaxNode, index: OptionIndex): Array<{ target: string; line: number; how?: string; option?: string; node: SyntaxNode }> {
  const known = relativePathsCache.get(root);
  if (known?.file === file) return known.paths;
  const dir = posix.dirname(file);
  const paths: Array<{ target: string; line: number; how?: string; option?: string; node: SyntaxNode }> = [];
  root.walk((n) => {
    if (n.kind !== K.NODE_PATH) return undefined;
    const t = n.text;
    if (!/^\.\.?\//.test(t) || t.includes("${")) return false;
    const target = posix.normalize(posix.join(dir === "." ? "" : dir, t));
    // The function it is handed to: `importJSON ./x`, `readFile ./x` (inside `fromJSON (...)`).
    let how: string | undefined;
    const apply = n.parent?.kind === K.NODE_APPLY ? n.parent : undefined;
    const fn = apply?.childNodes()[0];
    if (fn && fn !== n) how = /([A-Za-z_][\w'-]*)\s*$/.exec(fn.text)?.[1];
    // The option it is the value of (`services.zrepl.settings.jobs…ca = ./ca.crt;`).
    const option = how ? undefined : enclosingDefinition(index, n)?.path;
    paths.push({ target, line: n.line, ...(how ? { how } : {}), ...(option ? { option } : {}), node: n });
    return false;
  });
  relativePathsCache.set(root, { file, paths });
  return paths;
}
