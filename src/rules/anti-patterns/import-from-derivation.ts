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
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { applications, calleeName, contains, dottedName, flattenApply, resolveVariable, shortText, unparen } from "../shared/syntax.js";
import { escapeRegExp } from "../../text/regexp.js";
import { nixManual } from "../shared/references.js";

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
    fire: [`{ pkgs, ... }:
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
`],
    silent: [`{ inputs, ... }:
let
  # A flake input is fetched by evaluation itself: no build step runs.
  settings = import "\${inputs.motd}/settings.nix";
in
{
  users.motd = settings.motd;
}
`],
  },

  checkRepository(files, sink) {
    const found = files.map((ctx) => ({ ctx, reports: importsFromDerivation(ctx) }));
    if (!found.some((f) => f.reports.length)) return;
    const used = new Map<string, boolean>();
    const calledSomewhere = (helper: { name: string; binding: SyntaxNode; file: string }): boolean => {
      let u = used.get(helper.name);
      if (u === undefined) {
        const word = new RegExp(`(?<![\\w'-])${escapeRegExp(helper.name)}(?![\\w'-])`, "g");
        // Every occurrence but the helper's own name in its binding.
        u = files.some((f) => {
          for (const m of f.text.matchAll(word)) {
            const key = helper.binding.childNodes()[0]!;
            if (f.file === helper.file && m.index >= key.start && m.index < key.end) continue;
            return true;
          }
          return false;
        });
        used.set(helper.name, u);
      }
      return u;
    };
    for (const { ctx, reports } of found) {
      for (const { report, app } of reports) {
        const helper = ctx.file === "flake.nix" ? undefined : uncalledCandidate(app);
        if (helper && !calledSomewhere({ ...helper, file: ctx.file })) continue;
        sink.report(ctx, report);
      }
    }
  },
};

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
function importsFromDerivation(ctx: NixFileContext): Array<{ report: RuleReport; app: SyntaxNode }> {
  const out: Array<{ report: RuleReport; app: SyntaxNode }> = [];
  for (const app of applications(ctx.parsed.root)) {
    if (!app.name || !IMPORTERS.has(app.name) || app.args.length === 0) continue;
    // `import` is a builtin; `lib.importJSON`, `pkgs.callPackage`... are library functions.
    const dotted = dottedName(app.fn);
    if (app.name === "import" && dotted !== "import" && dotted !== "builtins.import") continue;
    const target = app.args[0]!;
    const origin = derivationOrigin(target);
    if (!origin) continue;
    out.push({
      app: app.node,
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
