// installphase-without-runhook: a derivation (stdenv.mkDerivation, buildPythonPackage,
// buildGoModule, buildRustPackage...) that overrides a phase with a script not running its
// `runHook pre<Phase>` / `runHook post<Phase>`. The script is read as shell, so a runHook in a
// comment does not count. No-op phases (`""`, `":"`, `"true"`) and phases built by functions (not
// readable statically) are left alone. The fix adds the missing runHook lines to an indented
// string.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { lineIndent } from "../../nix/edit.js";
import type { Rule, TextEdit } from "../types.js";
import { stringPieces, stringSource } from "./scripts.js";
import { parseShell } from "../../shell/parse.js";
import { applications, unparen } from "../shared/syntax.js";
import { argumentSet } from "./derivations.js";

const BUILDERS = /^(mkDerivation|buildPythonPackage|buildPythonApplication|buildGoModule|buildGoPackage|buildRustPackage|buildNpmPackage|buildDotnetModule|buildPerlPackage|buildDunePackage|buildRubyGem|mkYarnPackage|buildComposerProject|buildGradlePackage|buildMavenPackage)$/;

const PHASES: Record<string, string> = {
  unpackPhase: "Unpack",
  patchPhase: "Patch",
  configurePhase: "Configure",
  buildPhase: "Build",
  checkPhase: "Check",
  installPhase: "Install",
  fixupPhase: "Fixup",
  installCheckPhase: "InstallCheck",
  distPhase: "Dist",
};

/** Edits adding the missing runHook lines inside a multi-line indented string. */
function runHookEdits(file: string, text: string, str: SyntaxNode, missing: string[], hook: string): TextEdit[] | undefined {
  const open = str.childTokens()[0];
  const close = str.childTokens().at(-1);
  if (open?.kind !== K.TOKEN_IND_STRING_START || close?.kind !== K.TOKEN_IND_STRING_END) return undefined;
  // Content must start on the line after `''` and the closing `''` must be on its own line.
  if (!open.text.endsWith("\n") && text[open.end] !== "\n") return undefined;
  const contentStart = text[open.end] === "\n" ? open.end + 1 : open.end;
  let closeLine = close.start;
  while (closeLine > 0 && text[closeLine - 1] !== "\n") closeLine--;
  if (text.slice(closeLine, close.start).trim() !== "" || closeLine <= contentStart) return undefined;
  let first = contentStart;
  while (first < closeLine && text.slice(first, text.indexOf("\n", first)).trim() === "") first = text.indexOf("\n", first) + 1;
  const indent = lineIndent(text, first);
  const edits: TextEdit[] = [];
  if (missing.includes(`pre${hook}`)) edits.push({ file, start: first, end: first, text: `${indent}runHook pre${hook}\n` });
  if (missing.includes(`post${hook}`)) edits.push({ file, start: closeLine, end: closeLine, text: `${indent}runHook post${hook}\n` });
  return edits;
}

export const installphaseWithoutRunhook: Rule = {
  id: "installphase-without-runhook",
  name: "Overridden build phase without runHook",
  category: "anti-pattern",
  severity: "low",
  rationale:
    "A derivation that overrides a phase (installPhase, buildPhase, checkPhase...) replaces the standard one, including its `runHook preInstall` / `runHook postInstall` calls. Without them, hooks set by overrides (`postInstall` in an overlay), by setup hooks of inputs, and by the derivation itself silently never run: overlays and `overrideAttrs` stop working, and fixes applied that way (wrapping, removing files, patching) are skipped.",
  fix: "Start the phase with `runHook pre<Phase>` and end it with `runHook post<Phase>` (`runHook preInstall` ... `runHook postInstall`).",
  references: [
    { title: "Nixpkgs manual: stdenv phases", url: "https://nixos.org/manual/nixpkgs/stable/#sec-stdenv-phases" },
    { title: "Nixpkgs manual: Controlling phases", url: "https://nixos.org/manual/nixpkgs/stable/#ssec-controlling-phases" },
  ],
  compliance: {
    cis: ["n/a: concerns how a package is built, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ stdenv }:
stdenv.mkDerivation {
  pname = "backup-tool";
  version = "1.2.0";
  src = ./.;
  installPhase = ''
    mkdir -p $out/bin
    cp backup-tool $out/bin/
  '';
}
`],
    silent: [`{ stdenv }:
stdenv.mkDerivation {
  pname = "backup-tool";
  version = "1.2.0";
  src = ./.;
  installPhase = ''
    runHook preInstall
    mkdir -p $out/bin
    cp backup-tool $out/bin/
    runHook postInstall
  '';
}
`],
  },

  checkNix(ctx) {
    for (const app of applications(ctx.parsed.root)) {
      if (!app.name || !BUILDERS.test(app.name) || app.args.length !== 1) continue;
      const set = argumentSet(app.args[0]);
      if (!set) continue;
      for (const b of set.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        const phase = path?.text ?? "";
        const hook = PHASES[phase];
        if (!hook || !value) continue;
        const pieces = stringPieces(value);
        // Only phases written as string literals (joined with `+`) can be read.
        const inner = unparen(value);
        if (pieces.length === 0 || (inner?.kind !== K.NODE_STRING && !(inner?.kind === K.NODE_BIN_OP && pieces.length >= 2))) continue;
        const script = pieces.map((p) => stringSource(p).text).join("\n");
        if (/^\s*(:|true)?\s*$/.test(script)) continue;
        const ran = new Set<string>();
        for (const p of pieces) {
          for (const cmd of parseShell(stringSource(p))) {
            if (cmd.words[0]?.value === "runHook" && cmd.words[1]) ran.add(cmd.words[1].value);
          }
        }
        const missing = [`pre${hook}`, `post${hook}`].filter((h) => !ran.has(h));
        if (missing.length === 0) continue;
        const edits = inner?.kind === K.NODE_STRING ? runHookEdits(ctx.file, ctx.text, inner, missing, hook) : undefined;
        ctx.report({
          node: path!,
          key: `${app.name} ${phase}`,
          message: `${phase} of this ${app.name} call replaces the standard phase without \`${missing.map((m) => `runHook ${m}`).join("` and `")}\`: ${missing.join("/")} hooks (from overrides, overlays and setup hooks) never run.`,
          fix: {
            safety: edits?.length ? "review" : "manual",
            description: `Start the phase with \`runHook pre${hook}\` and end it with \`runHook post${hook}\`.`,
            ...(edits?.length ? { edits } : {}),
          },
        });
      }
    }
  },
};
