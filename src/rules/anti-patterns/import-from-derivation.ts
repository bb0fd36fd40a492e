// import-from-derivation: `import`, `readFile`, `readDir`, `importJSON`/`importTOML`,
// `fileContents` or `callPackage` of a derivation's output, so evaluation has to build it first.
// A derivation here is what the source shows to be one: a fetcher derivation (fetchFromGitHub,
// pkgs' fetchurl/fetchgit/fetchzip...), runCommand, a trivial builder (writeText...), mkDerivation,
// `pkgs.<package>`, followed through let bindings, `"${drv}/x.nix"` and `drv + "/x.nix"`.
// Never a derivation: local paths, `<nixpkgs>`, flake inputs and function arguments (`inputs.x`,
// `nixpkgs`, `self`, `modulesPath`), `pkgs.path`, and the evaluation-time fetchers
// (builtins.fetchTarball / fetchGit / fetchurl / fetchTree / path), which fetch without building.
//
// An import inside a named helper function (`compileSCSS = file: … readFile "${drv}/…"`) builds
// only when the helper is called: one that no file of the repository names is never evaluated, so
// nothing is reported there (hlissner/dotfiles lib/pkgs.nix, judged wrong). A helper that is a
// module (its argument set takes config, pkgs, lib or `...`) or lives in flake.nix (an output others
// may call) is called by what consumes it, and stays reported.
//
// Reachability: an import no host's evaluation reaches is said to be so (it stays info, the
// rule's severity): a helper called only from test trees (foo-dogsquared lib/data.nix importYAML,
// called from tests/lib/data alone), or a file the repository refers to only from test trees or
// under `mkIf config.X.enable` of an option it declares off (mkEnableOption) and never sets to
// anything but false (Infinisil/system new-modules/x/taffybar: `import ./taffybar {}` under `mkIf
// config.mine.taffybar.enable`, which only xmonad.nix sets, to false).
import { attrpathSegments } from "../../nix/options.js";
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { applications, calleeName, contains, dottedName, flattenApply, resolveVariable, shortText, unparen } from "../shared/syntax.js";
import { nixManual } from "../shared/references.js";
import { staticStringValue } from "../../nix/values.js";

const IMPORTERS = new Set(["import", "readFile", "readDir", "importJSON", "importTOML", "fileContents", "callPackage", "callPackages", "scopedImport"]);

const DERIVATION_FUNCTIONS = new Set([
  "fetchFromGitHub",
  "fetchFromGitLab",
  "fetchFromGitea",
  "fetchFromForgejo",
  "fetchFromCodeberg",
  "fetchFromSourcehut",
  "fetchFromBitbucket",
  "fetchFromRepoOrCz",
  "fetchFromSavannah",
  "fetchgit",
  "fetchzip",
  "fetchurl",
  "fetchpatch",
  "fetchpatch2",
  "fetchsvn",
  "fetchhg",
  "fetchCrate",
  "runCommand",
  "runCommandLocal",
  "runCommandNoCC",
  "runCommandCC",
  "runCommandWith",
  "writeText",
  "writeTextFile",
  "writeTextDir",
  "writeScript",
  "writeShellScript",
  "writeJSON",
  "mkDerivation",
  "derivation",
  "symlinkJoin",
  "linkFarm",
  "applyPatches",
  "srcOnly",
  // `(pkgs.formats.json { }).generate "name" value`
  "generate",
]);

// `pkgs.<name>` that are not derivations.
const PKGS_NON_DERIVATIONS = new Set(["path", "lib", "system", "config", "buildPlatform", "hostPlatform", "targetPlatform", "overlays", "formats", "callPackage", "writers", "pkgs"]);

/**
 * `applyPatches { src; patches = [ ]; }` with no patches and no prePatch/postPatch returns `src`
 * itself (nixpkgs' applyPatches), no derivation (librephoenix-nixos-config flake.nix: a patched
 * nixpkgs whose patch list is all comments, judged wrong). Returns the `src` expression (null when
 * it is not written) in that case, undefined when the call does patch something or cannot be read.
 */
function unpatchedSource(args: SyntaxNode[]): SyntaxNode | null | undefined {
  const set = unparen(args.at(-1));
  if (set?.kind !== K.NODE_ATTR_SET) return undefined;
  let src: SyntaxNode | null = null;
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_INHERIT) {
      if (b.childNodes().some((c) => /\b(patches|prePatch|postPatch)\b/.test(c.text))) return undefined;
      continue;
    }
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const name = path ? attrpathSegments(path).map((x) => x.name).join(".") : "";
    const v = unparen(value);
    if (name === "src") src = value ?? null;
    else if (name === "patches") {
      if (v?.kind !== K.NODE_LIST || v.childNodes().length > 0) return undefined;
    } else if (name === "prePatch" || name === "postPatch") {
      if (staticStringValue(v) !== "") return undefined;
    }
  }
  return src;
}

/** Why an expression is a derivation's output, or undefined when the source does not show it. */
export function derivationOrigin(node: SyntaxNode | undefined, depth = 0): string | undefined {
  const n = unparen(node);
  if (!n || depth > 12) return undefined;
  switch (n.kind) {
    case K.NODE_IDENT: {
      const b = resolveVariable(n);
      if (!b?.value) return undefined;
      const inner = derivationOrigin(b.value, depth + 1);
      return inner ? `${n.text} = ${inner}` : undefined;
    }
    case K.NODE_APPLY: {
      const { fn } = flattenApply(n);
      const dotted = dottedName(fn) ?? "";
      if (dotted.startsWith("builtins.")) return undefined;
      const name = calleeName(fn);
      if (name === "applyPatches") {
        const src = unpatchedSource(flattenApply(n).args);
        if (src !== undefined) return src ? derivationOrigin(src, depth + 1) : undefined;
      }
      if (name && DERIVATION_FUNCTIONS.has(name)) return `${shortText(fn, 50)} { … } (line ${n.line})`;
      return undefined;
    }
    case K.NODE_SELECT: {
      const dotted = dottedName(n);
      if (dotted) {
        const segs = dotted.split(".");
        if (segs[0] === "pkgs" && segs.length >= 2 && !PKGS_NON_DERIVATIONS.has(segs[1]!) && segs.at(-1) !== "meta" && segs.at(-1) !== "passthru") return dotted;
        return undefined;
      }
      // `(fetchFromGitHub { ... }).outPath`
      const base = n.childNodes()[0];
      return base && unparen(base)?.kind === K.NODE_APPLY ? derivationOrigin(base, depth + 1) : undefined;
    }
    case K.NODE_STRING: {
      // `"${drv}/file.nix"`: the string's context is the derivation's output.
      const first = n.children.find((c) => !c.isToken || (c.kind !== K.TOKEN_STRING_START && c.kind !== K.TOKEN_IND_STRING_START));
      if (!first || first.isToken || first.kind !== K.NODE_INTERPOL) return undefined;
      return derivationOrigin(first.firstChild(), depth + 1);
    }
    case K.NODE_BIN_OP: {
      if (n.childTokens()[0]?.kind !== K.TOKEN_PLUS) return undefined;
      return derivationOrigin(n.childNodes()[0], depth + 1);
    }
    default:
      return undefined;
  }
}

export const importFromDerivation: Rule = {
  id: "import-from-derivation",
  name: "Import from derivation (evaluation builds a derivation)",
  category: "anti-pattern",
  // Evaluation time and where evaluation may run, not an attack surface: a maintenance note (NixOS
  // admins judging samples of real findings: hlissner/dotfiles, oddlama/nix-config "should be info").
  severity: "info",
  rationale:
    "`import`, `readFile`, `readDir` or `callPackage` of a derivation's output (a `runCommand`, a `fetchFromGitHub`, `\"${pkgs.foo}/x.nix\"`) makes evaluation stop and build it first. Merely evaluating the configuration (`nix flake show`, `nix flake check`, an editor's language server, a reviewer's `nix eval`) then downloads and runs build steps; evaluation becomes slow and serial, fails where builds are not allowed (`allow-import-from-derivation = false`, Hydra, restricted evaluation) and for other systems, and what the configuration means depends on a build's output instead of the source.",
  fix: "Fetch Nix code with a flake input (or builtins.fetchTarball/fetchGit with a hash) instead of a fetcher derivation, commit generated Nix files instead of generating them at evaluation, and read a package's files at build time (in the derivation) instead of at evaluation.",
  references: [
    nixManual("Import From Derivation", "language/import-from-derivation"),
    nixManual("allow-import-from-derivation", "command-ref/conf-file#conf-allow-import-from-derivation"),
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is evaluated, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01", "PR.PS-06"],
  },
  examples: {
    fire: [
      `{ pkgs, ... }:
let
  upstream = pkgs.fetchFromGitHub {
    owner = "example";
    repo = "motd";
    rev = "v1.0";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
  settings = import "\${upstream}/settings.nix";
in
{
  users.motd = settings.motd;
}
`,
      // Said to be unreached: the only import is under mkIf of an option declared off and never
      // turned on (still reported, at info, for whoever turns it on).
      {
        "bar.nix": `{ config, lib, ... }:
{
  options.my.bar.enable = lib.mkEnableOption "the status bar";
  config = lib.mkIf config.my.bar.enable {
    systemd.user.services.bar.serviceConfig.ExecStart = "\${(import ./bar { }).bar}/bin/bar";
  };
}
`,
        "bar/default.nix": `let
  src = (import <nixpkgs> { }).fetchFromGitHub { owner = "example"; repo = "bar"; rev = "v1"; hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; };
in
{ pkgs ? import src { } }:
{ bar = pkgs.hello; }
`,
        "configuration.nix": `{ imports = [ ./bar.nix ]; my.bar.enable = false; }
`,
      },
      // A package's passthru source, read at evaluation: pkgs.<x> is a package here.
      `{ pkgs, ... }:
let
  hacks = pkgs.callPackage pkgs.python3Packages.mypkg.src { };
in
{ environment.systemPackages = [ hacks ]; }
`,
    ],
    silent: [
      // Bound but never read (the line using it is commented out): never evaluated.
      `{ pkgs, ... }:
let
  nixSrc = pkgs.fetchFromGitHub { owner = "nixos"; repo = "nix"; rev = "0000000000000000000000000000000000000000"; hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; };
  nixMaster = (import "\${nixSrc}").defaultPackage.x86_64-linux;
in
{
  # nix.package = nixMaster;
  nix.settings.auto-optimise-store = true;
}
`,
      // An overlay puts a flake input (a library's source) into pkgs: its files are not built.
      {
        "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.pyproject-nix.url = "github:pyproject-nix/pyproject.nix";
  outputs = inputs: {
    nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { nixpkgs.overlays = [ (_: _: { inherit (inputs) pyproject-nix; }) ]; } ./py.nix ];
    };
  };
}
`,
        "py.nix": `{ pkgs, ... }:
let
  hacks = pkgs.callPackage pkgs.pyproject-nix.build.hacks { };
in
{ environment.systemPackages = [ (hacks.nixpkgsPrebuilt { from = pkgs.python3Packages.numpy; }) ]; }
`,
      },
      `{ inputs, ... }:
let
  # A flake input is fetched by evaluation itself: no build step runs.
  settings = import "\${inputs.motd}/settings.nix";
in
{
  users.motd = settings.motd;
}
`, {
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = inputs@{ self, ... }:
    let
      system = "x86_64-linux";
      # No patches yet: applyPatches returns src itself, nothing is built.
      nixpkgs-patched = (import inputs.nixpkgs { inherit system; }).applyPatches {
        name = "nixpkgs-patched";
        src = inputs.nixpkgs;
        patches = [ ];
      };
      pkgs = import nixpkgs-patched { inherit system; };
    in
    { packages.\${system}.default = pkgs.hello; };
}
`,
    }],
  },

  checkRepository(files, sink) {
    let found = files.map((ctx) => ({ ctx, reports: importsFromDerivation(ctx) }));
    if (!found.some((f) => f.reports.length)) return;
    // `pkgs.<x>.<attr>` where an overlay sets pkgs.<x> to a flake input: source, not a package.
    if (found.some((f) => f.reports.some((r) => /^pkgs\.[^.]+\./.test(r.origin)))) {
      const fromInputs = namesFromInputs(files);
      if (fromInputs.size) found = found.map((f) => ({ ...f, reports: f.reports.filter((r) => !fromInputs.has(/^pkgs\.([^.]+)\./.exec(r.origin)?.[1] ?? "")) }));
    }
    // Helpers by name, each occurrence of the name (an identifier, not a comment or a string)
    // given to the helper of that name nearest to it (the longest common folder): a subproject's
    // own helper of the same name takes the subproject's calls.
    const helperFiles = new Map<string, Set<string>>();
    for (const { ctx, reports } of found) {
      if (ctx.file === "flake.nix") continue;
      for (const { app } of reports) {
        const h = uncalledCandidate(app);
        if (h) helperFiles.set(h.name, (helperFiles.get(h.name) ?? new Set()).add(ctx.file));
      }
    }
    const callers = new Map<string, string[]>();
    if (helperFiles.size) {
      for (const f of files) {
        if (![...helperFiles.keys()].some((name) => f.text.includes(name))) continue;
        for (const t of f.parsed.root.tokens()) {
          if (t.kind !== K.TOKEN_IDENT) continue;
          const homes = helperFiles.get(t.text);
          if (!homes) continue;
          // A re-export (`inherit (self.data) importYAML;`) is no call: calls name it anyway.
          if (t.parent?.parent?.kind === K.NODE_INHERIT) continue;
          // The helper's own name where it is bound is no call.
          const binding = t.parent?.parent?.kind === K.NODE_ATTRPATH ? t.parent.parent.parent : undefined;
          if (binding?.kind === K.NODE_ATTRPATH_VALUE && homes.has(f.file) && unparen(binding.childNodes()[1])?.kind === K.NODE_LAMBDA) continue;
          for (const home of nearest(f.file, homes)) {
            const key = `${home}\0${t.text}`;
            callers.set(key, [...(callers.get(key) ?? []), f.file]);
          }
        }
      }
    }
    const gates = new EnableGates(files);
    for (const { ctx, reports } of found) {
      for (const { report, app } of reports) {
        const helper = ctx.file === "flake.nix" ? undefined : uncalledCandidate(app);
        let unreached: string | undefined;
        if (helper) {
          const from = [...new Set(callers.get(`${ctx.file}\0${helper.name}`) ?? [])];
          if (!from.length) continue;
          if (from.every(isTestFile)) unreached = `\`${helper.name}\` is called only from tests (${listed(from)})`;
        }
        unreached ??= gates.unreachedFile(ctx.file);
        sink.report(ctx, unreached ? { ...report, message: `${report.message.replace("evaluating this configuration must first build it", "whatever evaluates it must first build it")} No host's evaluation reaches it, though: ${unreached}.` } : report);
      }
    }
  },
};

const TEST_FILE = /(?:^|\/)(?:tests?|checks?|fixtures?)\//;

/** `nix-shell`'s file: what a developer enters, not what a host evaluates. */
const DEV_SHELL = /(?:^|\/)(?:shell|devshell)\.nix$/;

function isTestFile(file: string): boolean {
  return TEST_FILE.test(file);
}

function listed(files: string[]): string {
  return files.slice(0, 3).join(", ") + (files.length > 3 ? `, and ${files.length - 3} more` : "");
}

/** The files among `homes` nearest to `file`: sharing the longest folder prefix with it. */
function nearest(file: string, homes: ReadonlySet<string>): string[] {
  const depth = (home: string): number => {
    const a = posix.dirname(file).split("/");
    const b = posix.dirname(home).split("/");
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i] && a[i] !== ".") i++;
    return i;
  };
  const all = [...homes];
  const best = Math.max(...all.map(depth));
  return all.filter((h) => depth(h) === best);
}

/**
 * Which files the repository refers to by a path literal only where no evaluation goes: from test
 * trees, or under `mkIf <x>.enable` of an option the repository declares off by default
 * (`mkEnableOption`) and never defines as anything but `false`.
 */
class EnableGates {
  private refs: Map<string, Array<{ file: string; node: SyntaxNode }>> | undefined;
  private enabled = new Map<string, boolean>();
  constructor(private readonly files: readonly NixFileContext[]) {}

  unreachedFile(file: string): string | undefined {
    const refs = this.references().get(file);
    if (!refs?.length) return undefined;
    const why: string[] = [];
    for (const r of refs) {
      if (isTestFile(r.file)) {
        why.push(`${r.file}:${r.node.line} is a test`);
        continue;
      }
      if (DEV_SHELL.test(r.file)) {
        why.push(`${r.file}:${r.node.line} is a development shell`);
        continue;
      }
      const off = this.offGate(r.node);
      if (!off) return undefined;
      why.push(`${r.file}:${r.node.line} imports it under \`mkIf\` of ${off}, which the repository declares off and never turns on`);
    }
    return why.slice(0, 3).join("; ");
  }

  /** Path literals of every file, resolved to the file they name (a folder to its default.nix). */
  private references(): Map<string, Array<{ file: string; node: SyntaxNode }>> {
    if (this.refs) return this.refs;
    const known = new Set(this.files.map((f) => f.file));
    const refs = new Map<string, Array<{ file: string; node: SyntaxNode }>>();
    for (const f of this.files) {
      for (const p of f.parsed.root.descendants(K.NODE_PATH)) {
        if (!/^\.{1,2}\/[^$]*$/.test(p.text)) continue;
        const target = posix.normalize(posix.join(posix.dirname(f.file), p.text));
        const file = known.has(target) ? target : known.has(`${target}/default.nix`) ? `${target}/default.nix` : undefined;
        if (!file || file === f.file) continue;
        refs.set(file, [...(refs.get(file) ?? []), { file: f.file, node: p }]);
      }
    }
    return (this.refs = refs);
  }

  /** The option (`a.b.enable`) of an enclosing `mkIf` that the repository never turns on. */
  private offGate(node: SyntaxNode): string | undefined {
    let child: SyntaxNode = node;
    for (let n = node.parent; n; child = n, n = n.parent) {
      if (n.kind !== K.NODE_APPLY || n.childNodes()[1] !== child) continue;
      const { fn, args } = flattenApply(n);
      if (calleeName(fn) !== "mkIf" || args.length !== 2) continue;
      const option = enableOption(args[0]!);
      if (option && !this.turnedOn(option)) return `\`${option}\``;
    }
    return undefined;
  }

  /** Is the option turned on somewhere, or not known to be off by default? */
  private turnedOn(option: string): boolean {
    let on = this.enabled.get(option);
    if (on === undefined) {
      let declaredOff = false;
      on = false;
      for (const f of this.files) {
        for (const d of f.index.declarations) {
          if (d.path !== option) continue;
          const v = unparen(d.inner);
          const maker = v?.kind === K.NODE_APPLY ? calleeName(flattenApply(v).fn) : undefined;
          if (maker === "mkEnableOption") declaredOff = true;
          else on = true;
        }
        for (const d of f.index.byPath.get(option) ?? []) {
          if (unparen(d.inner)?.text.trim() !== "false") on = true;
        }
      }
      if (!declaredOff) on = true;
      this.enabled.set(option, on);
    }
    return on;
  }
}

/** `config.a.b.enable`, or `cfg.enable` with `cfg = config.a.b` bound in a let: `a.b.enable`. */
function enableOption(cond: SyntaxNode): string | undefined {
  const c = unparen(cond);
  if (c?.kind !== K.NODE_SELECT) return undefined;
  const [base, path] = c.childNodes();
  if (base?.kind !== K.NODE_IDENT || !path) return undefined;
  const segs = attrpathSegments(path);
  if (segs.some((x) => x.dynamic) || segs.at(-1)?.name !== "enable") return undefined;
  let prefix: string[] | undefined;
  if (base.text === "config") prefix = [];
  else {
    const bound = unparen(resolveVariable(base)?.value);
    const d = bound?.kind === K.NODE_SELECT ? dottedName(bound) : undefined;
    if (d?.startsWith("config.")) prefix = d.split(".").slice(1);
  }
  if (!prefix) return undefined;
  const full = [...prefix, ...segs.map((x) => x.name)];
  return full.length > 1 ? full.join(".") : undefined;
}

/** The named helper function a node is inside, when the helper's name is the only way to call it:
 * a binding `name = arg: …` whose lambda is not a module (`{ config, pkgs, lib, ... }:`). */
function uncalledCandidate(node: SyntaxNode): { name: string; binding: SyntaxNode } | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.kind === K.NODE_LAMBDA && !namedLambda(p)) {
      if (isModuleLambda(p)) return undefined;
      continue;
    }
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = p.childNodes();
    const lambda = unparen(value);
    if (!path || lambda?.kind !== K.NODE_LAMBDA || !contains(value!, node)) continue;
    if (isModuleLambda(lambda)) return undefined;
    const last = attrpathSegments(path).at(-1);
    if (!last || last.dynamic) return undefined;
    return { name: last.name, binding: p };
  }
  return undefined;
}

function namedLambda(lambda: SyntaxNode): boolean {
  let p = lambda.parent;
  while (p?.kind === K.NODE_PAREN) p = p.parent;
  return p?.kind === K.NODE_ATTRPATH_VALUE;
}

/** `{ config, pkgs, lib, ... }:`: the module system calls it. */
function isModuleLambda(lambda: SyntaxNode): boolean {
  const param = lambda.childNodes()[0];
  if (param?.kind !== K.NODE_PATTERN) return false;
  return /\.\.\.|\b(?:config|pkgs|lib|modulesPath|options)\b/.test(param.text);
}

/** Each import from derivation of a file, as a report (the helper it is in is judged with the
 * whole repository). */
function importsFromDerivation(ctx: NixFileContext): Array<{ report: RuleReport; app: SyntaxNode; origin: string }> {
  const out: Array<{ report: RuleReport; app: SyntaxNode; origin: string }> = [];
  for (const app of applications(ctx.parsed.root)) {
    if (!app.name || !IMPORTERS.has(app.name) || app.args.length === 0) continue;
    // `import` is a builtin; `lib.importJSON`, `pkgs.callPackage`... are library functions.
    const dotted = dottedName(app.fn);
    if (app.name === "import" && dotted !== "import" && dotted !== "builtins.import") continue;
    const target = app.args[0]!;
    const origin = derivationOrigin(target);
    if (!origin) continue;
    // Bound to a let name nothing reads (a line that used it is commented out): Nix is lazy, so
    // the import is never evaluated (cleverca22-nixos-configs system76.nix `nixMaster`, judged
    // wrong).
    if (unreadLetBinding(app.node)) continue;
    out.push({
      app: app.node,
      origin,
      report: {
        node: app.node,
        key: `${app.name} ${shortText(target, 60)}`,
        message: `${app.name} of ${shortText(target, 60)}, the output of a derivation (${origin}): evaluating this configuration must first build it (import from derivation).`,
        fix: {
          safety: "manual",
          description: "Fetch Nix code with a flake input (or builtins.fetchTarball/fetchGit with a hash), commit generated files, or read the file at build time inside the derivation instead of at evaluation.",
        },
      },
    });
  }
  return out;
}

/** The import is (inside) the value of a `let` binding whose name nothing in the `let` reads. */
function unreadLetBinding(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.kind === K.NODE_LAMBDA) return false;
    if (p.kind !== K.NODE_ATTRPATH_VALUE || p.parent?.kind !== K.NODE_LET_IN) continue;
    const [path] = p.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length !== 1 || segs[0]!.dynamic) return false;
    const name = segs[0]!.name;
    for (const t of p.parent.tokens()) {
      if (t.kind !== K.TOKEN_IDENT || t.text !== name) continue;
      // The binding's own name is no read.
      if (path && t.start >= path.start && t.end <= path.end) continue;
      return false;
    }
    return true;
  }
  return false;
}

/** Names that overlays give `pkgs` straight from flake inputs (`inherit (flake.inputs) pyproject-nix;`,
 * `foo = inputs.foo;`): a flake input is source fetched by evaluation, its attributes (a library's
 * `build.hacks` file) no derivation (jpetrucciani-nix default.nix, `pkgs.pyproject-nix.build.hacks`,
 * judged wrong). */
function namesFromInputs(files: readonly NixFileContext[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (!f.text.includes("inputs")) continue;
    for (const inh of f.parsed.root.descendants(K.NODE_INHERIT)) {
      const from = inh.childNodes().find((c) => c.kind === K.NODE_INHERIT_FROM);
      if (!from || !/(?:^|\.)inputs\s*\)$/.test(from.text.replace(/^\(\s*/, "").trim())) continue;
      for (const c of inh.childNodes()) if (c !== from && c.kind !== K.NODE_INHERIT_FROM) out.add(c.text.replace(/^"|"$/g, ""));
    }
    for (const b of f.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      const d = value ? dottedName(unparen(value)) : undefined;
      const name = segs.length === 1 && !segs[0]!.dynamic ? segs[0]!.name : undefined;
      if (name && d && (d === `inputs.${name}` || d.endsWith(`.inputs.${name}`))) out.add(name);
    }
  }
  return out;
}
