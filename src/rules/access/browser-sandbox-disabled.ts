// browser-sandbox-disabled: a web browser or Electron application run without (part of) its own
// sandbox. The browser sandbox is what keeps a page, a video or a font that exploits the renderer
// or a decoder inside a process that can read nothing of the user's files; without it the same bug
// is code running as the user (their SSH keys, their session, their home).
// - Chromium, Chrome and Electron `--no-sandbox` (every renderer unsandboxed): medium. Read where
//   it is meant as a flag: a wrapper's `--add-flags`, a binding holding arguments (`commandLineArgs`,
//   `CHROME_ARGS`, `extraFlags`...), a desktop `Exec=` line or a command line naming the browser.
//   A shell variable set to it under a debug switch, a comment or option documentation is silent.
// - Firefox `MOZ_DISABLE_CONTENT_SANDBOX=1` and `security.sandbox.content.level = 0` (web pages
//   unsandboxed): medium; `MOZ_DISABLE_<RDD|GMP|SOCKET_PROCESS|UTILITY|GPU>_SANDBOX=1` (one helper
//   process: media decoding for RDD, what nvidia-vaapi-driver's instructions ask for): low.
// - `ELECTRON_DISABLE_SANDBOX=1`: medium, as `--no-sandbox`.
// Values 0/"0"/false are silent. Each is reported where it is written (a binding or the string).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { enclosingDefinition, inOptionDocumentation, rangeOf, stringSource, valueSite } from "../nix-strings.js";
import { isDead } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

const ENV = /^(MOZ_DISABLE_([A-Z_]+)_SANDBOX|ELECTRON_DISABLE_SANDBOX)$/;
const ENV_IN_TEXT = /(?<![\w-])(MOZ_DISABLE_([A-Z_]+)_SANDBOX|ELECTRON_DISABLE_SANDBOX)=["']?(1|true)(?![\w])/g;
const NO_SANDBOX = /(?<![\w-])--no-sandbox(?![\w-])/g;
/** Bindings whose value is a command line or a list of flags. */
const ARGS_KEY = /(?:args|argv|flags|opts|options|commandline|cmdline|execstart|exec)$/i;
/** A line that runs or wraps a Chromium-based program. */
const FLAG_LINE = /--(?:add|append|prefix)-flags?\b|^\s*Exec=|\b(?:chromium|chrome|google-chrome(?:-stable)?|electron\w*|brave|vivaldi|ungoogled-chromium|puppeteer|playwright)\b/i;

const truthy = (v: unknown) => v === 1 || v === "1" || v === true || v === "true";

function envFinding(name: string, which: string | undefined): { severity: Severity; title: string; message: string } {
  if (name === "ELECTRON_DISABLE_SANDBOX")
    return { severity: "medium", title: "Electron sandbox disabled", message: "ELECTRON_DISABLE_SANDBOX=1 runs every Electron renderer without Chromium's sandbox: content the application shows that exploits the renderer runs with the user's rights, over their files and sessions." };
  if (which === "CONTENT")
    return { severity: "medium", title: "Firefox content sandbox disabled", message: "MOZ_DISABLE_CONTENT_SANDBOX=1 runs Firefox's web content processes without their sandbox: a page that exploits the renderer runs with the user's rights, over their files and sessions." };
  const what = which === "RDD" ? "the media decoder process (RDD), which parses every audio and video file a page plays" : `the ${which!.toLowerCase().replaceAll("_", " ")} process`;
  return {
    severity: "low",
    title: "Firefox process sandbox disabled",
    message: `${name}=1 runs ${what} without Firefox's sandbox: a file crafted to exploit it, served by any web page, runs code with the user's rights instead of in a process that can read nothing. Often set for hardware video decoding (nvidia-vaapi-driver); it is the price of that choice.`,
  };
}

const ENV_FIX = "Remove the variable. For hardware video decoding on NVIDIA, check whether the current nvidia-vaapi-driver and Firefox still need MOZ_DISABLE_RDD_SANDBOX (keep it to the one profile that needs it, and never the content sandbox).";
const FLAG_FIX =
  "Drop --no-sandbox. On NixOS Chromium and Electron sandbox themselves with user namespaces (the default kernel allows them); an AppImage that fails without the flag usually runs from its nixpkgs package, or with security.chromiumSuidSandbox.enable = true.";

function checkNix(ctx: NixFileContext): void {
  const lines = ctx.parsed.source.lines;
  const dead = (node: SyntaxNode) => {
    const def = enclosingDefinition(ctx.index, node);
    return !!def && isDead(def);
  };
  // Bindings: `MOZ_DISABLE_RDD_SANDBOX = 1;`, `"security.sandbox.content.level" = 0;`.
  for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const [attrpath, value] = b.childNodes();
    if (attrpath?.kind !== K.NODE_ATTRPATH || !value) continue;
    const last = attrpathSegments(attrpath).at(-1);
    if (!last || last.dynamic) continue;
    const m = ENV.exec(last.name);
    const content = last.name === "security.sandbox.content.level";
    if (!m && !content) continue;
    // Read only for the names above: reading every binding's value (whole sets, at every level of
    // nesting) was 3.7% of a cold scan of olafkfreund/nixos_config.
    const v = staticValue(value);
    if (m && truthy(v) && !dead(value)) {
      const f = envFinding(m[1]!, m[2]);
      ctx.report({ node: value, key: last.name, severity: f.severity, title: f.title, message: f.message, fix: { safety: "review", description: ENV_FIX } });
    }
    if (content && (v === 0 || v === "0") && !dead(value)) {
      ctx.report({
        node: value,
        key: "security.sandbox.content.level",
        severity: "medium",
        title: "Firefox content sandbox disabled",
        message: "security.sandbox.content.level = 0 turns off the sandbox of Firefox's web content processes: a page that exploits the renderer runs with the user's rights, over their files and sessions.",
        fix: { safety: "review", description: "Remove the preference (Firefox's default level sandboxes web content)." },
      });
    }
  }
  // Strings: `--add-flags "--no-sandbox"`, `CHROME_ARGS = "--no-sandbox ..."`, `MOZ_DISABLE_RDD_SANDBOX=1 firefox`.
  for (const str of ctx.parsed.root.descendants(K.NODE_STRING)) {
    if (str.inside(K.NODE_ATTRPATH)) continue;
    const src = stringSource(str);
    if (!src || !/--no-sandbox|_SANDBOX=/.test(src.text) || inOptionDocumentation(str) || dead(str)) continue;
    const site = valueSite(str);
    const argsBinding = !!site?.key && ARGS_KEY.test(site.key);
    let offset = 0;
    for (const line of src.text.split("\n")) {
      const at = src.offset + offset;
      offset += line.length + 1;
      if (/^\s*#/.test(line)) continue;
      for (const m of line.matchAll(ENV_IN_TEXT)) {
        const f = envFinding(m[1]!, m[2]);
        ctx.report({ range: rangeOf(lines, at + m.index!, at + m.index! + m[0].length), key: m[1]!, severity: f.severity, title: f.title, message: f.message, fix: { safety: "review", description: ENV_FIX } });
      }
      if (!argsBinding && !FLAG_LINE.test(line)) continue;
      for (const m of line.matchAll(NO_SANDBOX)) {
        ctx.report({
          range: rangeOf(lines, at + m.index!, at + m.index! + m[0].length),
          key: "--no-sandbox",
          severity: "medium",
          title: "Chromium/Electron sandbox disabled (--no-sandbox)",
          message: `${site?.key ? `${site.key} passes` : "This command line passes"} --no-sandbox: every renderer of the Chromium or Electron program runs without its sandbox, so a page or document that exploits the renderer runs code with the rights of the account running it (a user's files, keys and sessions, or a service's data) instead of in a process that can read nothing.`,
          fix: { safety: "review", description: FLAG_FIX },
        });
      }
    }
  }
}

export const browserSandboxDisabled: Rule = {
  id: "browser-sandbox-disabled",
  examples: {
    fire: [
      hostExample(`{ environment.sessionVariables.MOZ_DISABLE_RDD_SANDBOX = "1"; }\n`),
      hostExample(`{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.chromium.override { commandLineArgs = [ "--ozone-platform=wayland" "--no-sandbox" ]; }) ];\n}\n`),
      hostExample(
        `{ pkgs, ... }: {\n  nixpkgs.overlays = [ (final: prev: { notes = prev.notes.overrideAttrs (o: { postFixup = ''\n    wrapProgram $out/bin/notes --add-flags "--no-sandbox --disable-gpu-sandbox"\n  ''; }); }) ];\n}\n`,
      ),
      hostExample(`{ programs.firefox.preferences."security.sandbox.content.level" = 0; }\n`),
      // In text: a shell profile exporting the variable (the content sandbox: medium).
      hostExample(`{ environment.etc."profile.local".text = ''\n    export MOZ_DISABLE_CONTENT_SANDBOX=1\n  ''; }\n`),
    ],
    silent: [
      hostExample(`{ environment.sessionVariables.MOZ_DISABLE_RDD_SANDBOX = "0"; environment.sessionVariables.MOZ_USE_XINPUT2 = "1"; }\n`),
      // A debug switch in a wrapper script, a comment, the Nix sandbox: not a browser's flag.
      hostExample(
        `{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.writeShellScriptBin "web" ''\n    # never pass --no-sandbox here\n    sandbox_arg=(--disable-setuid-sandbox)\n    if [ "\${"$"}{DEBUG_NO_SANDBOX:-0}" = 1 ]; then sandbox_arg=(--no-sandbox); fi\n    exec \${pkgs.chromium}/bin/chromium "\${"$"}{sandbox_arg[@]}" "$@"\n  '') ];\n  nix.settings.sandbox = true;\n}\n`,
      ),
      hostExample(`{ programs.firefox.preferences."security.sandbox.content.level" = 3; }\n`),
    ],
  },
  name: "Browser sandbox disabled",
  category: "access",
  severity: "medium",
  rationale:
    "Browsers and Electron applications parse untrusted content in sandboxed processes, so that a renderer or decoder exploit cannot reach the user's files. --no-sandbox, ELECTRON_DISABLE_SANDBOX and Firefox's MOZ_DISABLE_*_SANDBOX turn that off: the next exploit a page carries runs as the user.",
  fix: "Remove the flag or variable; on NixOS Chromium and Electron sandbox with user namespaces, and security.chromiumSuidSandbox exists for the rest.",
  references: [
    { title: "Chromium: Linux sandboxing", url: "https://chromium.googlesource.com/chromium/src/+/main/docs/linux/sandboxing.md" },
    { title: "Mozilla wiki: Security/Sandbox (MOZ_DISABLE_*_SANDBOX)", url: "https://wiki.mozilla.org/Security/Sandbox" },
    nixosOption("security.chromiumSuidSandbox.enable"),
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01"] },
  checkNix,
};
