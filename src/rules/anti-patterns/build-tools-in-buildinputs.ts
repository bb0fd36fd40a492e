// build-tools-in-buildinputs: a derivation that lists programs run during the build (cmake,
// pkg-config, meson, makeWrapper, autoreconfHook...) in `buildInputs`, the libraries of the host
// platform, instead of `nativeBuildInputs`, the tools of the build platform. Without
// `strictDeps` stdenv lets it pass; with strictDeps (the default of several builders) or when
// cross-compiling, the tool is built for the wrong platform and its setup hook does not run.
// Only names that are build tools and nothing else are judged (gettext, glib, python3 are both).
// The fix moves them (the list must be a literal; a `with pkgs;` in front of it goes along).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { appendToList, lineIndent } from "../../nix/edit.js";
import { fixParses } from "../style/expression.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { applications, dottedName, unparen } from "../shared/syntax.js";
import { PACKAGE_BUILDERS, argumentSet, bindingsByName } from "./derivations.js";
import { nixpkgsManual } from "../shared/references.js";

const BUILD_TOOLS = new Set([
  "cmake", "pkg-config", "pkgconfig", "meson", "ninja", "makeWrapper", "makeBinaryWrapper", "autoreconfHook", "autoconf", "automake",
  "wrapGAppsHook", "wrapGAppsHook3", "wrapGAppsHook4", "wrapGAppsNoGuiHook", "wrapQtAppsHook", "installShellFiles", "copyDesktopItems",
  "autoPatchelfHook", "bison", "flex", "nasm", "yasm", "scons", "gperf", "help2man", "scdoc", "go-md2man", "intltool", "validatePkgConfig",
  "cargoSetupHook", "bindgenHook", "desktopToDarwinBundle", "removeReferencesTo", "qmake", "extra-cmake-modules", "asciidoctor", "installShellCompletions",
]);

const RUN_COMMAND = /^(runCommand|runCommandLocal|runCommandNoCC|runCommandCC|runCommandWith)$/;

/** The `with X;` prefixes of a value (their text) and the expression under them. */
function underWith(value: SyntaxNode): { prefix: string; expr: SyntaxNode } {
  let n = unparen(value)!;
  const parts: string[] = [];
  while (n.kind === K.NODE_WITH) {
    const [ns, body] = n.childNodes();
    if (!ns || !body) break;
    parts.push(`with ${ns.text};`);
    n = unparen(body)!;
  }
  return { prefix: parts.join(" "), expr: n };
}

function toolName(el: SyntaxNode): string | undefined {
  const name = dottedName(el);
  const last = name?.split(".").at(-1);
  return last && BUILD_TOOLS.has(last) ? name : undefined;
}

/** Delete a list element with the space before it (or its whole line when it is alone there). */
function removeElement(text: string, el: SyntaxNode, file: string): TextEdit {
  let start = el.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  let end = el.end;
  if (text[start - 1] === "\n") {
    // Alone on its line (nothing but a trailing space or comment-free end): drop the line.
    let e = end;
    while (e < text.length && (text[e] === " " || text[e] === "\t")) e++;
    if (text[e] === "\n") return { file, start: start - 1, end: e, text: "" };
    end = e;
  }
  return { file, start, end, text: "" };
}

/** Delete a binding, with its line when it is alone on it. */
function removeBinding(text: string, binding: SyntaxNode, file: string): TextEdit {
  let start = binding.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  let end = binding.end;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  if (text[start - 1] === "\n" && text[end] === "\n") return { file, start: start - 1, end, text: "" };
  return { file, start, end: binding.end, text: "" };
}

function fixFor(ctx: NixFileContext, set: SyntaxNode, value: SyntaxNode, list: SyntaxNode, prefix: string, tools: SyntaxNode[]): TextEdit[] | undefined {
  const native = bindingsByName(set).get("nativeBuildInputs");
  const binding = value.parent!;
  const all = tools.length === list.childNodes().length;
  // Every element is a tool and there is no nativeBuildInputs: the list just changes its name.
  if (all && !native) {
    const path = binding.childNodes()[0]!;
    return [{ file: ctx.file, start: path.start, end: path.end, text: "nativeBuildInputs" }];
  }
  const edits: TextEdit[] = all ? [removeBinding(ctx.text, binding, ctx.file)] : tools.map((t) => removeElement(ctx.text, t, ctx.file));
  const names = tools.map((t) => t.text);
  if (native) {
    // Appended to the existing list, when the names mean the same there (the same `with`).
    if (!native.value) return undefined;
    const w = underWith(native.value);
    if (w.prefix !== prefix || w.expr.kind !== K.NODE_LIST) return undefined;
    for (const n of names) edits.push(appendToList(ctx.file, ctx.text, w.expr, n));
    return edits;
  }
  // A new binding right after buildInputs, indented like it.
  // The binding node ends with its `;`.
  const semi = binding.end - 1;
  if (ctx.text[semi] !== ";") return undefined;
  const line = `nativeBuildInputs = ${prefix ? prefix + " " : ""}[ ${names.join(" ")} ];`;
  const multiline = ctx.text.slice(set.start, set.end).includes("\n");
  edits.push({ file: ctx.file, start: semi + 1, end: semi + 1, text: multiline ? `\n${lineIndent(ctx.text, binding.start)}${line}` : ` ${line}` });
  return edits;
}

export const buildToolsInBuildInputs: Rule = {
  id: "build-tools-in-buildinputs",
  name: "Build tools in `buildInputs` (strictDeps ignored)",
  category: "anti-pattern",
  // Build correctness, not security (judged info on every corpus where it fired: makeWrapper in a
  // symlinkJoin wrapper, pkg-config in an overrideAttrs): it lowers no host's score.
  severity: "info",
  rationale:
    "Maintenance, not security: `nativeBuildInputs` are programs that run during the build (built for the build platform, their setup hooks run); `buildInputs` are libraries for the platform the package runs on. Putting cmake, pkg-config, meson or makeWrapper in `buildInputs` only works because stdenv without `strictDeps` mixes the two: with `strictDeps = true` (the default of several builders) or when cross-compiling, the tool is built for the wrong platform, is missing from PATH, or its setup hook never runs, and it also ends up as a runtime dependency candidate of the package.",
  fix: "Move the build tools to `nativeBuildInputs` (and set `strictDeps = true;` so the next mix-up fails at once).",
  references: [
    nixpkgsManual("Specifying dependencies (nativeBuildInputs, buildInputs)", "ssec-stdenv-dependencies"),
    nixpkgsManual("strictDeps", "var-stdenv-strictDeps"),
  ],
  compliance: {
    cis: ["n/a: concerns how a package is written, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [
      "{ stdenv, cmake, pkg-config, zlib }:\nstdenv.mkDerivation {\n  pname = \"myapp\";\n  version = \"1.0.0\";\n  src = ./.;\n  buildInputs = [\n    cmake\n    pkg-config\n    zlib\n  ];\n}\n",
      "{ pkgs, ... }:\n{\n  environment.systemPackages = [\n    (pkgs.hello.overrideAttrs (old: {\n      buildInputs = (old.buildInputs or [ ]) ++ [ pkgs.makeWrapper ];\n      postInstall = \"wrapProgram $out/bin/hello --set GREETING hi\";\n    }))\n  ];\n}\n",
      "{ stdenv, pkgs }:\nstdenv.mkDerivation rec {\n  pname = \"tool\";\n  version = \"2\";\n  src = ./.;\n  nativeBuildInputs = with pkgs; [ meson ];\n  buildInputs = with pkgs; [ ninja openssl ];\n}\n",
      "{ pkgs, lib }:\n{\n  mkWrapper = package: postBuild:\n    pkgs.symlinkJoin {\n      name = \"${package.name}-wrapped\";\n      paths = [ package ];\n      inherit postBuild;\n      buildInputs = [ pkgs.makeWrapper ];\n    };\n}\n",
      "{ pkgs }:\npkgs.runCommand \"wrapped-hello\" { buildInputs = [ pkgs.makeWrapper ]; } ''\n  makeWrapper ${pkgs.hello}/bin/hello $out/bin/hello --set GREETING hi\n''\n",
      "{ stdenv, cmake, ninja }:\nstdenv.mkDerivation {\n  pname = \"a\";\n  version = \"1\";\n  src = ./.;\n  nativeBuildInputs = [\n    ninja\n  ];\n  buildInputs = [ cmake ];\n}\n",
      "{ python3Packages, qt5 }:\npython3Packages.buildPythonApplication { pname = \"gui\"; version = \"1\"; src = ./.; buildInputs = [ qt5.wrapQtAppsHook qt5.qtbase ]; }\n",
    ],
    silent: [
      "{ stdenv, cmake, pkg-config, zlib }:\nstdenv.mkDerivation {\n  pname = \"myapp\";\n  version = \"1.0.0\";\n  src = ./.;\n  strictDeps = true;\n  nativeBuildInputs = [ cmake pkg-config ];\n  buildInputs = [ zlib ];\n}\n",
      // A development shell: buildInputs there is what the shell offers.
      "{ pkgs }:\npkgs.mkShell {\n  buildInputs = [ pkgs.cmake pkgs.pkg-config ];\n}\n",
      // Tools that are also libraries are not judged.
      "{ stdenv, gettext, glib, python3 }:\nstdenv.mkDerivation { pname = \"x\"; version = \"1\"; src = ./.; buildInputs = [ gettext glib python3 ]; }\n",
      // A module option called buildInputs is not a derivation's.
      "{ pkgs, ... }:\n{\n  services.myci.buildInputs = [ pkgs.cmake ];\n}\n",
    ],
  },

  checkNix(ctx) {
    for (const a of applications(ctx.parsed.root)) {
      if (!a.name) continue;
      // Builders take one set; symlinkJoin too (its makeWrapper is the classic case);
      // runCommand takes a name, the set, then the script.
      const arg = PACKAGE_BUILDERS.test(a.name) || a.name === "overrideAttrs" || a.name === "symlinkJoin" ? a.args.at(-1) : RUN_COMMAND.test(a.name) && a.args.length === 3 ? a.args[1] : undefined;
      const set = argumentSet(arg);
      if (!set) continue;
      const bi = bindingsByName(set).get("buildInputs");
      if (!bi?.value) continue;
      const { prefix, expr } = underWith(bi.value);
      // The list literals of the value: itself, or the operands of a `++` chain.
      const lists: SyntaxNode[] = [];
      const collect = (n: SyntaxNode | undefined): void => {
        const u = unparen(n);
        if (u?.kind === K.NODE_LIST) lists.push(u);
        else if (u?.kind === K.NODE_BIN_OP && u.firstToken(K.TOKEN_CONCAT)) for (const c of u.childNodes()) collect(c);
      };
      collect(expr);
      const tools = lists.flatMap((l) => l.childNodes().filter((el) => toolName(el)));
      if (tools.length === 0) continue;
      const single = expr.kind === K.NODE_LIST && a.name !== "overrideAttrs";
      const edits = single ? fixFor(ctx, set, bi.value, expr, prefix, tools) : undefined;
      const names = tools.map((t) => `\`${t.text}\``).join(", ");
      ctx.report({
        node: bi.binding,
        key: `buildInputs ${tools.map((t) => t.text).join(" ")}`,
        message: `${names} ${tools.length > 1 ? "are build tools" : "is a build tool"} listed in \`buildInputs\`: ${tools.length > 1 ? "they run" : "it runs"} during the build and belong${tools.length > 1 ? "" : "s"} in \`nativeBuildInputs\` (this works only while strictDeps is off, and breaks cross-compilation).`,
        fix:
          edits && fixParses(ctx, edits)
            ? { safety: "review", description: `Move ${names} to \`nativeBuildInputs\`.`, edits }
            : { safety: "manual", description: `Move ${names} to \`nativeBuildInputs\`${a.name === "overrideAttrs" ? " (`nativeBuildInputs = (old.nativeBuildInputs or [ ]) ++ [ ... ];`)" : ""}.` },
      });
    }
  },
};
