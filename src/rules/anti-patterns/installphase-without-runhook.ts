// installphase-without-runhook: a derivation (stdenv.mkDerivation, buildPythonPackage,
// buildGoModule, buildRustPackage...) that overrides a phase with a script not running its
// `runHook pre<Phase>` / `runHook post<Phase>`. One finding per derivation, naming every such
// phase. Info (maintenance: only hooks someone might add later are lost) unless the derivation's
// own pre/post hook of that phase (a `postInstall` beside an installPhase without `runHook
// postInstall`: dead code) or the builder or a hook among its inputs does setup work in that phase's hooks (buildRustPackage's patchPhase skips
// cargoSetupPostPatchHook's Cargo.lock check): then low, saying what is skipped. The script is read as shell, so a runHook in a
// comment does not count. No-op phases (`""`, `":"`, `"true"`) and phases built by functions (not
// readable statically) are left alone. The fix adds the missing runHook lines to an indented
// string.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { lineIndent } from "../../nix/edit.js";
import type { Rule, TextEdit } from "../types.js";
import { stringPieces, stringSource } from "./scripts.js";
import { parseShell } from "../../shell/parse.js";
import { applications, unparen } from "../shared/syntax.js";
import { argumentSet, bindingsByName } from "./derivations.js";
import { nixpkgsManual } from "../shared/references.js";

/**
 * Can anything hook into this derivation's phases? Hooks come from overrides (`overrideAttrs`, an
 * overlay's `postInstall`) and from setup hooks of its inputs. Nobody can reach a derivation
 * written inline as a list element or as another derivation's `src` (a helper built in passing),
 * a fixed-output derivation (its output is pinned by hash: a hook changing it breaks the build), a
 * derivation that lists the phases it runs, or a check that only aggregates other builds. Judged on public configurations: these were the
 * findings NixOS admins called convention only, while packages under pkgs/ and overlays were right.
 */
function hookable(app: SyntaxNode, set: SyntaxNode): boolean {
  const own = bindingsByName(set);
  if (own.has("outputHash") || own.has("outputHashAlgo") || own.has("outputHashMode")) return false;
  // `phases = [ "installPhase" ]`: a one-off build step (what runCommand is for) that names the
  // only phases it runs (Lillecarl kubenix/stage1/local-path-provisioner.nix's Helm chart copy).
  if (own.has("phases")) return false;
  let n: SyntaxNode | undefined = app;
  while (n?.parent?.kind === K.NODE_PAREN) n = n.parent;
  const parent = n?.parent;
  if (parent?.kind === K.NODE_LIST) return false;
  if (parent?.kind === K.NODE_ATTRPATH_VALUE) {
    const path = parent.childNodes()[0]?.text ?? "";
    if (/^(src|checks(\.|$))/.test(path)) return false;
  }
  return true;
}

/** Is this call what its file evaluates to (through function heads, lets, withs and asserts), or
 * a package of the set the file evaluates to (`{ a = mkDerivation ...; }`, an overlay's result)? */
function isFileResult(node: SyntaxNode): boolean {
  let child = node;
  let inSet = false;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.kind === K.NODE_ROOT) return true;
    if (p.kind === K.NODE_PAREN) continue;
    // One name (`hello = ...`): a package; a dotted path (`environment.etc.x.source`) is an option.
    if (!inSet && p.kind === K.NODE_ATTRPATH_VALUE && p.childNodes()[1] === child && p.childNodes()[0]?.childNodes().length === 1 && p.parent?.kind === K.NODE_ATTR_SET) {
      inSet = true;
      p = p.parent;
      continue;
    }
    if ((p.kind === K.NODE_LAMBDA || p.kind === K.NODE_LET_IN || p.kind === K.NODE_WITH || p.kind === K.NODE_ASSERT) && p.childNodes().at(-1) === child) continue;
    return false;
  }
  return false;
}

/** A phase that only creates the output (`mkdir -p $out`, `touch $out`): nothing to hook around. */
const CREATES_OUTPUT_ONLY = /^\s*(mkdir -p "?\$out"?|touch "?\$out"?)\s*;?\s*$/;

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
  severity: "info",
  rationale:
    "Maintenance, and a build-correctness problem only where a builder's setup hooks work in the phase (reported low there, info elsewhere). A derivation that overrides a phase (installPhase, buildPhase, checkPhase...) replaces the standard one, including its `runHook preInstall` / `runHook postInstall` calls. Without them, hooks set by overrides (`postInstall` in an overlay), by setup hooks of inputs, and by the derivation itself silently never run: overlays and `overrideAttrs` stop working, and fixes applied that way (wrapping, removing files, patching) are skipped.",
  fix: "Start the phase with `runHook pre<Phase>` and end it with `runHook post<Phase>` (`runHook preInstall` ... `runHook postInstall`).",
  references: [
    nixpkgsManual("stdenv phases", "sec-stdenv-phases"),
    nixpkgsManual("Controlling phases", "ssec-controlling-phases"),
    nixpkgsManual("Rust, cargoSetupHook", "hooks"),
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
`,
      // patchPhase of buildRustPackage without runHook postPatch: cargoSetupPostPatchHook, the
      // check that Cargo.lock matches the vendored dependencies, never runs (reported low).
      `{ rustPlatform }:
rustPlatform.buildRustPackage {
  pname = "sensor-exporter";
  version = "0.3.1";
  src = ./.;
  cargoHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  patchPhase = ''
    substituteInPlace src/main.rs --replace-fail /usr/bin/ip ip
  '';
}
`,
      // Its own postInstall never runs (reported low): the shell completions are never installed.
      `{ stdenv, installShellFiles }:
stdenv.mkDerivation {
  pname = "kubectl-plugin";
  version = "1.0.0";
  src = ./.;
  nativeBuildInputs = [ installShellFiles ];
  installPhase = ''
    install -Dm755 kubectl-plugin $out/bin/kubectl-plugin
  '';
  postInstall = ''
    installShellCompletion --cmd kubectl-plugin --bash <($out/bin/kubectl-plugin completion bash)
  '';
}
`,
      // copyDesktopItems runs in postInstall: even a one-command installPhase loses the .desktop files.
      `{ stdenv, copyDesktopItems, makeDesktopItem }:
stdenv.mkDerivation {
  pname = "mkwin";
  version = "0.1";
  src = ./.;
  nativeBuildInputs = [ copyDesktopItems ];
  desktopItems = [ (makeDesktopItem { name = "mkwin"; exec = "mkwin"; desktopName = "mkwin"; }) ];
  installPhase = ''
    install -Dm755 mkwin $out/bin/mkwin
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
`,
      // Written in passing inside a module, with no hook work lost: convention only.
      `{ pkgs, ... }:
let
  theme = pkgs.stdenv.mkDerivation {
    name = "waybar-theme";
    src = ./theme;
    installPhase = ''
      mkdir -p $out/share
      cp -r . $out/share/theme
    '';
  };
in
{
  environment.systemPackages = [ theme ];
}
`,
      // A helper derivation inline in a list: nothing can override it or hook into it.
      `{ pkgs, ... }:
{
  environment.systemPackages = [
    (pkgs.stdenv.mkDerivation {
      name = "terratofu";
      phases = "installPhase";
      installPhase = ''
        mkdir -p $out/bin
        ln -s \${pkgs.opentofu}/bin/tofu $out/bin/terraform
      '';
    })
  ];
}
`,
      // A fixed-output derivation used as another package's src: pinned by its hash.
      `{ stdenv, go, caddy }:
caddy.overrideAttrs (old: {
  src = stdenv.mkDerivation {
    name = "caddy-src";
    nativeBuildInputs = [ go ];
    buildPhase = ''
      go mod vendor
    '';
    installPhase = ''
      cp -r . $out
    '';
    outputHash = "sha256-k4Lu9QKShVEhVuvGEPv3KspcsmjQmPUo0jWHhXOlofQ=";
    outputHashMode = "recursive";
  };
})
`,
      // A check that only aggregates other builds: its phase creates an empty output.
      `{ pkgs, packages }:
{
  all = pkgs.stdenv.mkDerivation {
    name = "all-packages";
    buildInputs = builtins.attrValues packages;
    dontUnpack = true;
    installPhase = "mkdir -p $out";
  };
}
`],
  },

  checkNix(ctx) {
    for (const app of applications(ctx.parsed.root)) {
      if (!app.name || !BUILDERS.test(app.name) || app.args.length !== 1) continue;
      const set = argumentSet(app.args[0]);
      if (!set || !hookable(app.node, set)) continue;
      // Every phase of this derivation that skips its hooks: one finding for the derivation.
      const skipped: Array<{ path: SyntaxNode; phase: string; missing: string[]; edits?: TextEdit[] }> = [];
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
        if (/^\s*(:|true)?\s*$/.test(script) || CREATES_OUTPUT_ONLY.test(script)) continue;
        const ran = new Set<string>();
        for (const p of pieces) {
          for (const cmd of parseShell(stringSource(p))) {
            if (cmd.words[0]?.value === "runHook" && cmd.words[1]) ran.add(cmd.words[1].value);
          }
        }
        const missing = [`pre${hook}`, `post${hook}`].filter((h) => !ran.has(h));
        if (missing.length === 0) continue;
        const edits = inner?.kind === K.NODE_STRING ? runHookEdits(ctx.file, ctx.text, inner, missing, hook) : undefined;
        skipped.push({ path: path!, phase, missing, ...(edits?.length ? { edits } : {}) });
      }
      if (skipped.length === 0) continue;
      const setupWork = builderHookWork(app.name, set, skipped, ctx.text);
      // With no hook work lost today, only a package file (the derivation is what the file
      // returns, as callPackage reads it) is where others hook in later; a derivation written in
      // passing inside a module or an overlay was judged convention only on fresh repositories.
      if (setupWork.length === 0 && !isFileResult(app.node)) continue;
      const phases = skipped.map((s) => `${s.phase} (\`${s.missing.map((m) => `runHook ${m}`).join("`, `")}\`)`);
      const what = `${phases.length === 1 ? phases[0] : `${phases.slice(0, -1).join(", ")} and ${phases.at(-1)}`} of this ${app.name} call ${skipped.length === 1 ? "replaces the standard phase" : "replace the standard phases"} without running ${skipped.length === 1 ? "its" : "their"} hooks`;
      const message = setupWork.length
        ? `${what}: ${setupWork.join("; ")}. Hooks added by overrides and overlays are skipped too.`
        : `${what}, so pre/post hooks added later by an override or an overlay would not run. Maintenance, not security: nothing in this derivation or its builder hooks into ${skipped.length === 1 ? "that phase" : "those phases"} today.`;
      const allEdits = skipped.flatMap((s) => s.edits ?? []);
      const complete = skipped.every((s) => s.edits);
      ctx.report({
        node: skipped[0]!.path,
        key: `${app.name} ${skipped[0]!.phase}`,
        severity: setupWork.length ? "low" : "info",
        message,
        fix: {
          safety: complete ? "review" : "manual",
          description: skipped.map((s) => `${s.phase}: start it with \`runHook pre${PHASES[s.phase]!}\` and end it with \`runHook post${PHASES[s.phase]!}\``).join("; ") + ".",
          ...(complete && allEdits.length ? { edits: allEdits } : {}),
        },
      });
    }
  },
};

/** Setup-hook work a builder (or a hook among the derivation's inputs) does in the hooks of a phase:
 * skipping `runHook post<Phase>` there skips that work, a build-correctness problem and not only
 * a lost extension point. From nixpkgs' setup hooks (cargo-setup-hook.sh: postUnpackHooks and
 * postPatchHooks; npm-config-hook.sh: postPatchHooks; mk-python-derivation.nix: postFixup runs
 * wrapPythonPrograms; auto-patchelf-hook: postFixupHooks; yarn and pnpm config hooks:
 * postConfigureHooks). */
const HOOK_WORK: Array<{ applies: (builder: string, inputs: string) => boolean; phase: string; hook: string; work: string }> = [
  { applies: (b, i) => b === "buildRustPackage" || /\bcargoSetupHook\b/.test(i), phase: "unpackPhase", hook: "postUnpack", work: "cargoSetupPostUnpackHook (which sets up the vendored Cargo dependencies) never runs" },
  { applies: (b, i) => b === "buildRustPackage" || /\bcargoSetupHook\b/.test(i), phase: "patchPhase", hook: "postPatch", work: "cargoSetupPostPatchHook (which checks that Cargo.lock matches the vendored dependencies) never runs" },
  { applies: (b, i) => b === "buildNpmPackage" || /\bnpmConfigHook\b/.test(i), phase: "patchPhase", hook: "postPatch", work: "npmConfigHook (which installs node_modules from the fetched npm cache) never runs" },
  { applies: (b) => b === "buildPythonPackage" || b === "buildPythonApplication", phase: "fixupPhase", hook: "postFixup", work: "the builder's postFixup (wrapPythonPrograms, which gives the scripts their Python path) never runs" },
  // copyDesktopItems registers itself in postInstallHooks (lilyinstarlight-foosteros, judged: the
  // one real use of the rule was described as "nothing hooks into that phase today").
  { applies: (_b, i) => /\bcopyDesktopItems\b/.test(i), phase: "installPhase", hook: "postInstall", work: "copyDesktopItems (which installs the desktopItems' .desktop files) never runs" },
  { applies: (_b, i) => /\bautoPatchelfHook\b/.test(i), phase: "fixupPhase", hook: "postFixup", work: "autoPatchelfHook never patches the binaries' interpreter and RPATH" },
  { applies: (_b, i) => /\b(yarnConfigHook|pnpm\.configHook)\b/.test(i), phase: "configurePhase", hook: "postConfigure", work: "the yarn/pnpm config hook never installs the fetched dependencies" },
];

function builderHookWork(builder: string, set: SyntaxNode, skipped: ReadonlyArray<{ phase: string; missing: string[] }>, text = ""): string[] {
  const own = bindingsByName(set);
  const inputs = ["nativeBuildInputs", "buildInputs", "propagatedBuildInputs"].map((n) => own.get(n)?.value?.text ?? "").join(" ");
  const out: string[] = [];
  // The derivation's own hook of a phase it overrides without running it: that code is dead
  // (jpetrucciani-nix pkgs/k8s/kubeshark.nix: postInstall installs shell completions next to an
  // installPhase without `runHook postInstall`; judged "should be low", the completions never
  // install). A hook that is not a literal (`postInstall = lib.optionalString ...`) counts too.
  for (const s of skipped) {
    for (const hook of s.missing) {
      const b = own.get(hook);
      if (!b) continue;
      const line = text ? text.slice(0, b.binding.start).split("\n").length : 0;
      out.push(`in ${s.phase}, the derivation's own ${hook}${line ? ` (line ${line})` : ""} never runs`);
    }
  }
  for (const w of HOOK_WORK) {
    const s = skipped.find((x) => x.phase === w.phase);
    if (s && s.missing.includes(w.hook) && w.applies(builder, inputs)) out.push(`in ${w.phase}, ${w.work}`);
  }
  return out;
}
