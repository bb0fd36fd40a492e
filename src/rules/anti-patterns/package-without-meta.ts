// package-without-meta: a package definition (a derivation built by mkDerivation, buildGoModule,
// buildRustPackage, buildPythonApplication... in a package file) without `meta`, or with a literal
// `meta` that has no `description` or no `license`. A package file is a file that is one package
// (the callPackage shape `{ lib, stdenv, ... }: stdenv.mkDerivation { ... }`), or any file under a
// `pkgs/`, `packages/` or `overlays/` directory. Derivations written inline in a NixOS module (a
// one-off script or wrapper) are not package definitions and are left alone, as are derivations in
// VM tests; so are a file that is one derivation named only by `name` (an image, a web site), and
// a derivation built as another's `src`. One finding per derivation, at its builder call.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule } from "../types.js";
import { applications, calleeName, flattenApply, unparen } from "../shared/syntax.js";
import { PACKAGE_BUILDERS, argumentSet, bindingsByName } from "./derivations.js";
import { nixpkgsManual } from "../shared/references.js";

const PACKAGE_DIRS = /(^|\/)(pkgs|packages|overlays|overlay)\//;

/** The expression a file evaluates to, through its function head, `let`, `with` and `assert`. */
function fileBody(root: SyntaxNode): SyntaxNode | undefined {
  let n = unparen(root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  for (let guard = 0; n && guard < 32; guard++) {
    if (n.kind === K.NODE_LAMBDA || n.kind === K.NODE_WITH || n.kind === K.NODE_ASSERT || n.kind === K.NODE_LET_IN) n = unparen(n.childNodes().at(-1));
    else break;
  }
  return n;
}

/** The set a `meta` value is, through `with lib;`. */
function metaSet(value: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = unparen(value);
  while (n?.kind === K.NODE_WITH) n = unparen(n.childNodes().at(-1));
  return n?.kind === K.NODE_ATTR_SET ? n : undefined;
}

/** Is this builder call inside another builder's argument (`src = stdenv.mkDerivation { ... }`, an
 * intermediate derivation)? */
function insideOtherBuilder(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_APPLY) continue;
    const { fn } = flattenApply(p);
    const name = calleeName(fn);
    if (name && PACKAGE_BUILDERS.test(name)) return true;
  }
  return false;
}

export const packageWithoutMeta: Rule = {
  id: "package-without-meta",
  name: "Package definition without `meta` (description, license)",
  category: "anti-pattern",
  // Package documentation (description, license, mainProgram) is how a package is written: a style
  // lint, asked for with the others. Judged on 24 public configurations: 7 sampled, none right
  // (private packages, a font without mainProgram, a licence on the repository's own docs site).
  group: "style",
  severity: "info",
  rationale:
    "Maintenance, not security: `meta` is what tools and people know a package by: `description` shows in search and `nix-env -qa`, `license` decides whether it may be built with `allowUnfree = false` and whether it may be redistributed (a binary cache), `mainProgram` makes `nix run` and `lib.getExe` work. A package without it is opaque to every check that reads it, including licence policy.",
  fix: "Add `meta = { description = \"...\"; homepage = \"...\"; license = lib.licenses.<id>; mainProgram = \"...\"; };` (with `maintainers` and `platforms` for a package shared beyond this repository).",
  references: [
    nixpkgsManual("Meta-attributes", "chap-meta"),
    nixpkgsManual("Licenses", "sec-meta-license"),
  ],
  compliance: {
    cis: ["n/a: package documentation in the Nix source, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["ID.AM-02", "PR.PS-06"],
  },
  examples: {
    fire: [
      { "pkgs/myapp/default.nix": "{ lib, stdenv, fetchurl }:\nstdenv.mkDerivation (finalAttrs: {\n  pname = \"myapp\";\n  version = \"1.0.0\";\n  src = fetchurl {\n    url = \"https://example.org/myapp-${finalAttrs.version}.tar.gz\";\n    hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n  };\n})\n" },
      { "nix/tool.nix": "{ lib, buildGoModule }:\nbuildGoModule {\n  pname = \"tool\";\n  version = \"0.3.0\";\n  src = ./.;\n  vendorHash = null;\n  meta = with lib; {\n    homepage = \"https://example.org/tool\";\n  };\n}\n" },
      { "overlays/default.nix": "final: prev: {\n  greeter = final.stdenv.mkDerivation {\n    pname = \"greeter\";\n    version = \"1\";\n    src = ./greeter;\n    installPhase = \"runHook preInstall; install -Dm755 greet $out/bin/greet; runHook postInstall\";\n  };\n}\n" },
    ],
    silent: [
      { "pkgs/myapp/default.nix": "{ lib, stdenv }:\nstdenv.mkDerivation {\n  pname = \"myapp\";\n  version = \"1.0.0\";\n  src = ./.;\n  meta = {\n    description = \"My application\";\n    license = lib.licenses.mit;\n  };\n}\n" },
      // meta from elsewhere cannot be judged here.
      { "pkgs/xilinx/shell.nix": "with import <nixpkgs> { };\nstdenv.mkDerivation {\n  name = \"env\";\n  buildInputs = linux.moduleBuildDependencies;\n}\n" },
      { "pkgs/other.nix": "{ lib, stdenv, hello }:\nstdenv.mkDerivation {\n  pname = \"other\";\n  version = \"1\";\n  src = ./.;\n  inherit (hello) meta;\n}\n" },
      // A derivation written inline in a NixOS module is no package definition.
      { "modules/motd.nix": "{ pkgs, ... }:\nlet\n  motd = pkgs.stdenv.mkDerivation { name = \"motd\"; src = ./motd; installPhase = \"cp -r . $out\"; };\nin\n{\n  environment.etc.motd.source = \"${motd}/motd\";\n}\n" },
      // A build product (an image), not a package.
      { "netboot/image.nix": "{ pkgs }:\npkgs.stdenv.mkDerivation {\n  name = \"netboot\";\n  dontUnpack = true;\n  installPhase = \"mkdir $out\";\n}\n" },
      // A development shell is no package.
      { "pkgs/shell.nix": "{ pkgs }:\npkgs.mkShell { packages = [ pkgs.go ]; }\n" },
    ],
  },

  checkNix(ctx) {
    // A file that imports nixpkgs itself (`with import <nixpkgs> { };`) is a nix-shell environment
    // or a script, not a package nixpkgs' callPackage would build.
    if (/\bimport\s*<nixpkgs>/.test(ctx.text)) return;
    const underPackageDir = PACKAGE_DIRS.test(ctx.file);
    const body = fileBody(ctx.parsed.root);
    for (const a of applications(ctx.parsed.root)) {
      if (!a.name || !PACKAGE_BUILDERS.test(a.name)) continue;
      if (!underPackageDir && a.node !== body) continue;
      if (ctx.inTest(a.node)) continue;
      const set = argumentSet(a.args.at(-1));
      if (!set || insideOtherBuilder(a.node)) continue;
      const bindings = bindingsByName(set);
      // A file that is one derivation named only by `name` (an image, a web site, a document) is
      // a build product, not a package; under a package directory anything built counts.
      if (!underPackageDir && !bindings.has("pname")) continue;
      const meta = bindings.get("meta");
      let missing: string[];
      if (!meta) missing = ["meta"];
      else {
        // `meta.description = ...;` paths, or a literal set; anything else (inherit, a variable,
        // `old.meta // { }`) is not judged.
        const paths = set.childNodes().filter((b) => b.kind === K.NODE_ATTRPATH_VALUE && /^meta\s*\./.test(b.childNodes()[0]?.text ?? ""));
        const lit = metaSet(meta.value);
        const names = new Set<string>();
        if (paths.length) for (const p of paths) names.add(p.childNodes()[0]!.text.replace(/^meta\s*\.\s*/, "").split(".")[0]!);
        else if (lit) for (const k of bindingsByName(lit).keys()) names.add(k);
        else continue;
        missing = ["description", "license"].filter((k) => !names.has(k));
      }
      if (missing.length === 0) continue;
      const what = a.name;
      ctx.report({
        node: a.fn,
        key: `meta ${missing.join(" ")}`,
        // The title says what is missing: a `meta` that exists but lacks a field is not "without meta".
        title: missing[0] === "meta" ? "Package definition without `meta`" : `Package \`meta\` without ${missing.map((m) => `\`${m}\``).join(" or ")}`,
        message:
          missing[0] === "meta"
            ? `This package (${what}) has no \`meta\`: no description, licence or main program for search, licence policy (allowUnfree) or \`nix run\`.`
            : `This package's \`meta\` has no ${missing.map((m) => `\`${m}\``).join(" or ")}.`,
        fix: { safety: "manual", description: `Add ${missing[0] === "meta" ? "`meta = { description = \"...\"; license = lib.licenses.<id>; mainProgram = \"...\"; };`" : missing.map((m) => `\`meta.${m}\``).join(" and ")}.` },
      });
    }
  },
};
