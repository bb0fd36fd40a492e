// Modules no host uses. In a repository that declares hosts, a finding in a module that no host
// imports, or inside `mkIf cfg.enable` where nothing in the repository sets that option, describes
// code that runs nowhere today: it is reported one severity lower, saying so, rather than at the
// severity of a problem on a running machine. Secrets written into the repository are not lowered
// (they are leaked by the commit, whoever imports the file).
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { calleeName, flattenApply, unparen, type OptionIndex } from "../nix/options.js";
import { staticValue } from "../nix/values.js";
import type { Severity } from "../report/severity.js";
import type { NixFileContext } from "../rules/types.js";
import { isTestPath } from "./classify.js";
import { escapeRegExp } from "../text/regexp.js";

const LISTS_DIRECTORY = /\b(?:readDir|scanPaths|listFilesRecursive|umport|importDir|import-tree|haumea|rakeLeaves|listModules|mapModules\w*)\b/;

/** A declared default that may be on: `true`, or another expression (`default = config.my.enable;`,
 * on where that is), not a literal false. */
const ON_BY_DEFAULT = /\bdefault\s*=\s*(?!(?:lib\.)?(?:mkDefault\s+)?false\s*;)[^;\s]/;

const LOWER: Record<Severity, Severity> = { critical: "high", high: "medium", medium: "low", low: "low", info: "info" };

/** Rules whose problem exists only once a host runs the code (not code-quality lints, not secrets
 * already in the repository's history). */
function dependsOnUse(rule: { id: string; category: string }): boolean {
  if (rule.category === "anti-pattern") return false;
  if (rule.category === "secrets") return rule.id === "world-readable-secret" || rule.id === "secret-in-nix-store";
  return true;
}

export interface UsageFacts {
  /** Hosts were found in the repository (flake declarations or a host layout). */
  hasHosts: boolean;
  /** Files that declare hosts (their findings belong to hosts by position). */
  declarationFiles: ReadonlySet<string>;
  /** Every parsed Nix file of the repository. */
  files: readonly NixFileContext[];
  /** Modules a nix-darwin system uses (no NixOS host does): not unused. */
  darwinModules?: ReadonlySet<string>;
  /** Folders a host listing's filter leaves out (hosts.ts passedOver): listing their parent does
   * not name them. */
  passedOver?: ReadonlySet<string>;
  /** Some host's files are not all known (hosts.ts `partial`: a module path or output the scan could
   * not read): an interpolated path (`../hosts/${hostname}`) may then name a folder no host has. */
  partialHosts?: boolean;
}

/** The option path a condition such as `cfg.enable` or `config.services.x.enable && y` tests,
 * resolving `cfg` through a binding `cfg = config.<path>;` of the same file. */
function enableOptionOf(cond: SyntaxNode, file: NixFileContext): string | undefined {
  let n = unparen(cond);
  // `a.enable && b`: false when `a.enable` is.
  while (n?.kind === K.NODE_BIN_OP && n.childTokens().some((t) => t.text === "&&")) n = unparen(n.childNodes()[0]);
  if (n?.kind !== K.NODE_SELECT) return undefined;
  const text = n.text.replace(/\s+/g, "");
  const m = /^([A-Za-z_][\w'-]*)((?:\.[A-Za-z_][\w'-]*)*)\.([A-Za-z_][\w'-]*)$/.exec(text);
  if (!m) return undefined;
  // `cfg.enable`, or another switch the file declares with mkEnableOption (`cfg.canDisableGlegionKbd`,
  // wochap-nix-config modules/nixos/desktop/wm-addons/udev-rules).
  const leaf = m[3]!;
  if (leaf !== "enable" && !new RegExp(`(?<![\\w'-])${escapeRegExp(leaf)}\\s*=\\s*(?:lib\\.)?mkEnableOption\\b`).test(file.text)) return undefined;
  if (m[1] === "config") return m[2] ? `${m[2].slice(1)}.${leaf}` : undefined;
  // `cfg = config.services.foo;` (a let binding or a `with`-less alias anywhere in the file).
  let base: string | undefined;
  file.parsed.root.walk((b) => {
    if (base !== undefined) return false;
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
    const [path, value] = b.childNodes();
    if (path?.text.trim() !== m[1]) return undefined;
    const v = unparen(value)?.text.replace(/\s+/g, "");
    const c = v ? /^config((?:\.[A-Za-z_][\w'-]*)+)$/.exec(v) : null;
    base = c ? c[1]!.slice(1) : "";
    return false;
  });
  return base ? `${base}${m[2]}.${leaf}` : undefined;
}

/** The `mkIf <cond>` (or `optionalAttrs`, `if`) whose body holds the node: its condition. */
function guardOf(node: SyntaxNode): SyntaxNode | undefined {
  for (let child: SyntaxNode = node, p = node.parent; p; child = p, p = p.parent) {
    // A finding at the name of `systemd.services.x = lib.mkIf cfg.enable { ... };` (arianvp-nixos-stuff
    // modules/tailscale.nix): the binding's whole value is guarded.
    if (p.kind === K.NODE_ATTRPATH_VALUE && p.childNodes()[0] === child) {
      const value = unparen(p.childNodes()[1]);
      if (value?.kind === K.NODE_APPLY) {
        const { fn, args } = flattenApply(value);
        const name = calleeName(fn);
        if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) return args[0];
      }
    }
    if (p.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(p);
      const name = calleeName(fn);
      if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2 && args[1]!.start <= child.start && child.end <= args[1]!.end) return args[0];
    }
  }
  return undefined;
}

// The option paths a file sets to something other than a literal false: they depend on its option
// index alone, which is kept while the file is unchanged.
const definedCache = new WeakMap<object, string[]>();
function definedPaths(f: NixFileContext): string[] {
  let paths = definedCache.get(f.index);
  if (!paths) definedCache.set(f.index, (paths = f.index.definitions.filter((d) => staticValue(d.inner) !== false).map((d) => d.path)));
  return paths;
}

/** A relative or absolute path a file writes: its last part (`.nix` dropped) and the path as written. */
interface WrittenPath {
  end: string;
  path: string;
}

/** The file's text with its comments blanked: a commented-out import (`# ./happy-server.nix` in
 * JRMurr-NixOsConfig hosts/thicc-server/default.nix) names nothing a host uses. */
const uncommented = new WeakMap<object, string>();
function withoutComments(f: NixFileContext): string {
  let t = uncommented.get(f.parsed.root);
  if (t === undefined) uncommented.set(f.parsed.root, (t = blankComments(f)));
  return t;
}

function blankComments(f: NixFileContext): string {
  const spans: SyntaxNode["children"] = [];
  f.parsed.root.walk((n) => {
    for (const c of n.children) if (c.isToken && c.kind === K.TOKEN_COMMENT) spans.push(c);
  });
  if (spans.length === 0) return f.text;
  spans.sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const c of spans) {
    if (c.start < at) continue;
    out += f.text.slice(at, c.start) + f.text.slice(c.start, c.end).replace(/[^\n]/g, " ");
    at = c.end;
  }
  return out + f.text.slice(at);
}

// Every relative or absolute path a file writes (outside comments); kept per tree.
const pathEndsCache = new WeakMap<object, WrittenPath[]>();
function pathEndsOf(f: NixFileContext): WrittenPath[] {
  let ends = pathEndsCache.get(f.parsed.root);
  if (!ends) pathEndsCache.set(f.parsed.root, (ends = [...withoutComments(f).matchAll(/(?:^|[^\w.-])((?:\.{1,2}\/|\/)(?:[\w.@-]+\/)*([\w.@-]+))/g)].map((m) => ({ end: m[2]!.replace(/\.nix$/, ""), path: m[1]! }))));
  return ends;
}

/** Relative paths with one interpolated segment (`../hosts/${hostname}`, `./machines/${name}.nix`,
 * `./hosts/${host}/configuration.nix`): the folder before it and what is written after. */
interface InterpolatedPath {
  dir: string;
  after: string;
}
const interpolatedCache = new WeakMap<object, InterpolatedPath[]>();
function interpolatedPathsOf(f: NixFileContext): InterpolatedPath[] {
  let found = interpolatedCache.get(f.parsed.root);
  if (!found) {
    found = [];
    const from = f.file.includes("/") ? f.file.slice(0, f.file.lastIndexOf("/")) : "";
    for (const m of withoutComments(f).matchAll(/(?:^|[^\w.$}-])(\.{1,2}\/(?:[\w.@-]+\/)*)\$\{\s*[\w'.-]+\s*\}(\.nix|(?:\/[\w.@-]+)*)(?![\w$])/g)) {
      const dir = posix.normalize(posix.join(from, m[1]!)).replace(/\/+$/, "");
      if (dir.startsWith("..")) continue;
      found.push({ dir: dir === "." ? "" : dir, after: m[2]! });
    }
    interpolatedCache.set(f.parsed.root, found);
  }
  return found;
}

/** May `file` be what an interpolated path names: one entry of its folder, then what follows? */
function interpolatedNames(p: InterpolatedPath, file: string): boolean {
  const rel = p.dir === "" ? file : file.startsWith(`${p.dir}/`) ? file.slice(p.dir.length + 1) : undefined;
  if (rel === undefined) return false;
  const slash = rel.indexOf("/");
  const rest = slash < 0 ? "" : rel.slice(slash);
  if (p.after === ".nix") return rest === "" && rel.endsWith(".nix");
  if (p.after === "") return rest === "" ? rel.endsWith(".nix") : rest === "/default.nix";
  return rest === p.after || (!p.after.endsWith(".nix") && rest === `${p.after}/default.nix`);
}

/** Can a path written in `from` name `file`? A relative path (`./modules/caddy.nix`) names the one
 * file it resolves to from `from`'s directory; any other (`/bin/caddy` after `${pkgs.caddy}`,
 * `${self}/modules/caddy.nix`) only a file whose path ends with the same parts, or whose path the
 * written one ends with (`/etc/nixos/modules/caddy.nix`). */
export function mayName(written: string, from: string, file: string): boolean {
  const target = file.endsWith("/default.nix") ? file.slice(0, -"/default.nix".length) : file.replace(/\.nix$/, "");
  const strip = (p: string) => p.replace(/\/default\.nix$/, "").replace(/\.nix$/, "").replace(/\/+$/, "");
  if (written.startsWith("./") || written.startsWith("../")) {
    const dir = from.includes("/") ? from.slice(0, from.lastIndexOf("/")) : "";
    return strip(posix.normalize(posix.join(dir, written))) === target;
  }
  const a = strip(written).split("/").filter((x) => x !== "" && x !== ".");
  // `${src}/default.nix` written bare: no folder, so it names no file of the repository.
  if (a.length === 0) return false;
  const b = target.split("/");
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.every((seg, i) => seg === long[long.length - short.length + i]);
}

const listsCache = new WeakMap<object, boolean>();
function listsDirectory(f: NixFileContext): boolean {
  let lists = listsCache.get(f.parsed.root);
  if (lists === undefined) listsCache.set(f.parsed.root, (lists = LISTS_DIRECTORY.test(f.text)));
  return lists;
}

/** Does a listing file write the directory `./<rel>` itself (`readDir ./modules`, `./modules + "/x"`,
 * `./modules/${name}`), not only a file below it? arianvp-nixos-stuff flake.nix lists `./modules`
 * for its tests and imports `./modules/monitoring.nix`: the file's path named every file under
 * hosts/ and modules/ (modules/old/*, hosts/ryzen) as listed. */
function namesDirectory(text: string, rel: string): boolean {
  return new RegExp(`\\./${escapeRegExp(rel)}(?![\\w.@-]|/[\\w.@-])`).test(text);
}

/** The suffixes a file's one directory listing keeps (`lib.hasSuffix "_test.nix" name`), when every
 * suffix it tests is narrower than `.nix`, and the ones it leaves out (import-tree's `filterNot
 * (lib.hasSuffix ".pkg.nix")`: a test under `filterNot` drops what it matches). `keep` is undefined
 * when the listing keeps any `.nix` file; undefined as a whole when the file lists more than once
 * or filters nothing by suffix. */
interface SuffixFilter {
  keep?: string[];
  drop: string[];
}
const suffixCache = new WeakMap<object, SuffixFilter | null>();
function listingSuffixes(f: NixFileContext): SuffixFilter | undefined {
  let known = suffixCache.get(f.parsed.root);
  if (known === undefined) {
    const listings = f.text.match(new RegExp(LISTS_DIRECTORY.source, "g")) ?? [];
    const dropped = [...f.text.matchAll(/\bfilterNot\s*\(\s*(?:[\w.]+\.)?hasSuffix\s+"([^"$\\]*)"/g)].map((m) => m[1]!);
    const tested = [...f.text.matchAll(/\bhasSuffix\s+"([^"$\\]*)"/g)].map((m) => m[1]!);
    // The tests left once each dropped suffix is taken out are the ones that keep files.
    const kept = [...tested];
    for (const d of dropped) kept.splice(kept.indexOf(d), 1);
    const narrow = (xs: string[]) => xs.length > 0 && xs.every((x) => /^.+\.nix$/.test(x) && x !== ".nix");
    known = listings.length !== 1 || (!narrow(kept) && dropped.length === 0) ? null : { ...(narrow(kept) ? { keep: kept } : {}), drop: dropped };
    suffixCache.set(f.parsed.root, known);
  }
  return known ?? undefined;
}

/** May the directory listing of `f` take `file` (no suffix filter leaves it out)? */
function listingTakes(f: NixFileContext, file: string): boolean {
  const filter = listingSuffixes(f);
  if (!filter) return true;
  if (filter.drop.some((x) => file.endsWith(x))) return false;
  return !filter.keep || filter.keep.some((x) => file.endsWith(x));
}

/** `${self}/dir`, `${inputs.self}/dir`, `self + "/dir"`, `self + /dir`: a path from the flake's root. */
function selfRooted(dir: string): RegExp {
  return new RegExp(`self\\}?\\s*(?:\\+\\s*"?)?/${escapeRegExp(dir)}(?![\\w.-])`);
}

export class ModuleUsage {
  private defined?: Set<string>;
  /** Answers of mentioned() and enabledSomewhere(): each reads every file's text, and a file with
   * many findings asks the same question many times. */
  private readonly mentions = new Map<string, boolean>();
  private readonly enabled = new Map<string, boolean>();
  private ends?: Map<string, Map<string, Set<string>>>;
  /** The files that list a directory (readDir, scanPaths...). */
  private listing?: NixFileContext[];
  /** The directories (below the root) of files that write `./.`. */
  private ownDirs?: Map<string, string[]>;

  /** Every relative or absolute path written in a file, by its last part (`.nix` dropped): which
   * files write it, and how. One pass over the texts instead of one per question. */
  private pathEnds(): Map<string, Map<string, Set<string>>> {
    if (this.ends) return this.ends;
    const ends = new Map<string, Map<string, Set<string>>>();
    for (const f of this.facts.files) {
      for (const { end, path } of pathEndsOf(f)) {
        let files = ends.get(end);
        if (!files) ends.set(end, (files = new Map()));
        let paths = files.get(f.file);
        if (!paths) files.set(f.file, (paths = new Set()));
        paths.add(path);
      }
    }
    return (this.ends = ends);
  }
  private readonly byFile: Map<string, NixFileContext>;
  constructor(private readonly facts: UsageFacts) {
    this.byFile = new Map(facts.files.map((f) => [f.file, f]));
  }

  /** Is the option set (to anything but a literal false) anywhere, or mentioned as `<name>.enable`
   * in another file (a path the index cannot read statically), or on by default? */
  private enabledSomewhere(path: string, declaringFile: string): boolean {
    const key = `${path}\0${declaringFile}`;
    let known = this.enabled.get(key);
    if (known === undefined) this.enabled.set(key, (known = this.findEnabled(path, declaringFile)));
    return known;
  }

  private findEnabled(path: string, declaringFile: string): boolean {
    if (!this.defined) {
      this.defined = new Set();
      for (const f of this.facts.files) for (const path of definedPaths(f)) this.defined.add(path);
    }
    if (this.defined.has(path)) return true;
    const segs = path.split(".");
    const owner = segs.at(-2);
    let mention: RegExp | undefined;
    for (const f of this.facts.files) {
      // What a file says of an option depends on its text alone: kept with its index, so that a
      // scan after one file changed reads only that file again.
      let known = enableMentions.get(f.index);
      if (!known) enableMentions.set(f.index, (known = new Map()));
      const key = `${owner ?? ""}\0${path}`;
      let says = known.get(key);
      if (says === undefined) {
        // `<owner> = enabled;`: the snowfall-lib set `{ enable = true; }` (host-gates.ts isEnabledSet).
        // A switch other than `enable` (`canDisableGlegionKbd = true;` in a host): its own name set to
        // anything but a literal false.
        const leaf = segs.at(-1)!;
        // (Commented-out lines say nothing: cleverca22-nixos-configs' `#arcstats = true;` in
        // router.nix kept arcstats' unit "enabled" though every host sets it false. Nor does
        // `<owner>.enable = false` or `<owner> = { enable = false; ... }`, which turn it off:
        // jpetrucciani-nix's `infinity.enable = false;` and luna's stationeers set.)
        if (leaf !== "enable") mention ??= new RegExp(`(?<![\\w'-])${escapeRegExp(leaf)}\\s*=(?!\\s*(?:lib\\.)?(?:mkDefault\\s+|mkForce\\s+)?false\\s*;)`);
        // Not a unit of the same name (`systemd.services.kube-scheduler = {` in an old copy of the
        // module, arianvp-nixos-stuff modules/old/kubernetes.nix) nor the option's declaration.
        mention ??= owner ? new RegExp(`(?<![\\w'-])(?<!\\bsystemd\\.(?:user\\.)?(?:services|timers|sockets|paths|targets|mounts|slices)\\.)(?<!\\boptions\\.[\\w'.-]*)${escapeRegExp(owner)}\\s*(?:\\.\\s*enable(?!\\s*=\\s*${OFF})|=\\s*\\{(?![^{}]*\\benable\\s*=\\s*${OFF})|=\\s*(?:[\\w'-]+\\.)*enabled\\s*;)`) : undefined;
        says = { names: !!mention?.test(withoutComments(f)), onByDefault: f.index.declarations.some((d) => d.path === path && ON_BY_DEFAULT.test(d.value?.text ?? "")) };
        known.set(key, says);
      }
      if (f.file !== declaringFile && says.names) return true;
      if (says.onByDefault) return true;
    }
    return false;
  }

  /** Does another file refer to this one by path (`./users/joe.nix`, `./modules/nats`), or list
   * its directory (`readDir`, `scanPaths ./.`)? Then a host may well use it through a way the host
   * attribution does not follow (clan inventories, module registries): not called unused. */
  private mentioned(file: string): boolean {
    let known = this.mentions.get(file);
    if (known === undefined) {
      // Until answered, a file counts as unnamed: files naming only each other are dead together.
      this.mentions.set(file, false);
      this.mentions.set(file, (known = this.findMention(file)));
    }
    return known;
  }

  private findMention(file: string): boolean {
    const parts = file.split("/");
    const base = parts.at(-1) === "default.nix" ? parts.at(-2) : parts.at(-1)?.replace(/\.nix$/, "");
    if (!base) return false;
    let dirs = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
    // Below a folder the host listing filters out, the listings of its ancestors do not name it.
    const passed = dirs.findIndex((d) => this.facts.passedOver?.has(d));
    if (passed >= 0) dirs = dirs.slice(passed + 1);
    // `./users/joe.nix`, `../modules/nats`: a path in another file whose last part is the name.
    // The naming file must be live itself: modules/installer/default.nix importing live-system.nix
    // keeps it alive only if something uses the installer.
    // A path that resolves to another file (`./modules/caddy.nix` of another machine's folder) or
    // whose other parts differ (`${pkgs.reaction}/bin/reaction`) does not name this one.
    // A default.nix is named by its folder (`./modules/nats`) or in full (`./devShell/default.nix`,
    // yomaq-nix-config flake.nix), whose last part is `default`.
    for (const end of parts.at(-1) === "default.nix" ? [base, "default"] : [base]) {
      for (const [f, paths] of this.pathEnds().get(end) ?? []) if (f !== file && [...paths].some((p) => mayName(p, f, file)) && this.live(f)) return true;
    }
    // `modules = [ ../hosts/${hostname} ]` in a builder whose hosts' names the scan could not read
    // (a partial host): every folder entry the path may name can be a host's (carpenike-nix-config
    // lib/mkSystem.nix, called through a wrapper: each host's own folder was called dead code).
    if (this.facts.partialHosts) {
      for (const f of this.facts.files) if (f.file !== file && interpolatedPathsOf(f).some((p) => interpolatedNames(p, file)) && this.live(f.file)) return true;
    }
    // `rimport { path = [ ./. ]; }`, `myLib.importAll ./.`: a file outside the root handing its own
    // directory to a function (the repository's own importer, whatever its name) may list it.
    // (Not `file = ./. + "/${name}"`: an agenix or sops secret's encrypted file, built from the
    // folder's path, names a secret, not a module to import.)
    if (!this.ownDirs) {
      this.ownDirs = new Map();
      for (const f of this.facts.files) {
        if (!f.file.includes("/") || !/(?<![\w./])(?<!\bfile\s*=\s*)\.\/\.(?![\w./])/.test(f.text)) continue;
        const dir = f.file.slice(0, f.file.lastIndexOf("/"));
        this.ownDirs.set(dir, [...(this.ownDirs.get(dir) ?? []), f.file]);
      }
    }
    // (Another file: one reading files beside itself, `fileContents (./. + "/${user}/hash.txt")`,
    // lists nothing that would use it.)
    for (const a of dirs) if ((this.ownDirs.get(a) ?? []).some((f) => f !== file)) return true;
    this.listing ??= this.facts.files.filter(listsDirectory);
    for (const f of this.listing) {
      if (f.file === file) continue;
      // `readDir ./modules` in flake.nix, `scanPaths ./.` beside it: a listing of an ancestor.
      const dir = f.file.split("/").slice(0, -1).join("/");
      for (const a of dirs) {
        if (dir !== "" && a !== dir && !a.startsWith(`${dir}/`)) continue;
        const rel = dir === "" ? a : a.slice(dir.length + 1);
        if (rel === "" ? /\.\/\.(?![\w.])|\.\/(?=[\s;)\]])/.test(f.text) : namesDirectory(f.text, rel)) {
          if (listingTakes(f, file)) return true;
        }
      }
      // `readDir "${inputs.self}/modules/nixos"`, `self + "/modules"`: a listing rooted at the flake.
      for (const a of dirs) if (selfRooted(a).test(f.text) && listingTakes(f, file)) return true;
    }
    return false;
  }

  /** Can `file` be in use: a host includes it, it declares hosts or sits at the root (an entry
   * point), it is a test or a Mac's module, or a live file names it. */
  private live(file: string): boolean {
    const ctx = this.byFile.get(file);
    if (!ctx || ctx.hosts.length > 0 || !file.includes("/") || this.facts.declarationFiles.has(file) || isTestPath(file) || this.facts.darwinModules?.has(file)) return true;
    return this.mentioned(file);
  }

  /** Is `file` dead code: hosts were found, none imports it, and no file of the repository names
   * it (by path or by listing its directory)? A finding there is true of no machine, today or on
   * the next deploy, so the scan lists it apart (suppressed, kind "unused") instead of as a finding. */
  unused(rule: { id: string; category: string }, file: string, hosts: readonly string[]): boolean {
    if (!this.applies(rule, file) || hosts.length > 0) return false;
    return !isTestPath(file) && !this.facts.darwinModules?.has(file) && !this.mentioned(file);
  }

  /** Is `file` a Nix module no host imports and no file of the repository names (dead code), in a
   * repository with hosts, whatever the rule? For rules whose findings are a literal committed to
   * the repository (RuleMeta.literalOutlivesUse): the literal stays in git, but no machine has it. */
  unusedFile(file: string, hosts: readonly string[]): boolean {
    if (!this.facts.hasHosts || hosts.length > 0 || !file.endsWith(".nix") || this.facts.declarationFiles.has(file) || file === "flake.nix") return false;
    return !isTestPath(file) && !this.facts.darwinModules?.has(file) && !this.mentioned(file);
  }

  /** Does whether a host runs `file` matter to the rule's findings there (a Nix module of a
   * repository with hosts; not code-quality lints or secrets already committed)? */
  dependsOnUse(rule: { id: string; category: string }, file: string): boolean {
    return this.applies(rule, file);
  }

  private applies(rule: { id: string; category: string }, file: string): boolean {
    return this.facts.hasHosts && dependsOnUse(rule) && file.endsWith(".nix") && !this.facts.declarationFiles.has(file) && file !== "flake.nix";
  }

  /** Why no host runs the code at `node` of `file` although the file is used (it is behind an
   * enable option nothing sets), or undefined when a host may. */
  reason(rule: { id: string; category: string; absentWhenGatedOff?: boolean }, file: string, at: SyntaxNode | { line: number; column: number } | undefined, hosts: readonly string[]): string | undefined {
    // A unit behind an enable nothing in the repository sets exists on no machine, whether or not
    // the module's hosts could be named (drupol-infra's rnsh, whose only `services.rnsh` is
    // commented out): for the rules whose findings are then absent, hosts are not needed.
    if (!this.applies(rule, file) || (hosts.length === 0 && !rule.absentWhenGatedOff)) return undefined;
    const ctx = this.byFile.get(file);
    const node = at && ctx ? ("kind" in at ? at : ctx.parsed.root.nodeAt(ctx.parsed.root.source.lines.lineStart(at.line) + at.column - 1)) : undefined;
    const cond = node ? guardOf(node) : undefined;
    const path = cond && ctx ? enableOptionOf(cond, ctx) : undefined;
    if (!path || this.enabledSomewhere(path, file)) return undefined;
    return `it is behind ${path} and nothing in the repository sets that`;
  }
}

/** A literal false, as a switch is turned off (`false;`, `lib.mkForce false;`). */
const OFF = String.raw`(?:lib\.)?(?:mkDefault\s+|mkForce\s+|mkOverride\s+\d+\s+)?false\s*;`;

// Per file (by its option index): does its text name `<owner>.enable` or `<owner> = {`, and does it
// declare the option on by default (findEnabled).
const enableMentions = new WeakMap<OptionIndex, Map<string, { names: boolean; onByDefault: boolean }>>();

/** The severity and message of a finding in a module no host uses. */
export function lowered(severity: Severity, message: string, reason: string): { severity: Severity; message: string } {
  return { severity: LOWER[severity], message: `${message} (no host enables this module: ${reason}; reported one severity lower)` };
}
