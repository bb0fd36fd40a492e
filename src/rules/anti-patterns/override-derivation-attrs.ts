// override-derivation-attrs: `pkg.override { ... }` given attributes of the derivation (phases and
// their hooks, dependency lists, build flags, meta, pname, src with version) instead of the
// arguments of the package's function. `override` re-calls the function that made the package
// with other arguments; a function that does not take `postPatch` either fails ("called with
// unexpected argument") or, when it takes `...`, ignores it silently. `overrideAttrs` changes the
// attributes given to mkDerivation, which is what was meant. `patches`, `src` or `version` alone are
// left alone: some packages take them as arguments (dwm, st and dmenu take `patches`; kernels
// `argsOverride`); neither are the hashes a builder takes with the source description it fetches
// (`rev`, `owner`, `hash`: terraform-providers' makeOverridable mkProvider takes `vendorHash`). The fix renames `override` to `overrideAttrs` when every attribute given is a
// derivation attribute (overrideAttrs takes a set or a function of the old attributes).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments } from "../../nix/options.js";
import { fixParses } from "../style/expression.js";
import type { Rule, TextEdit } from "../types.js";
import { applications, unparen } from "../shared/syntax.js";
import { argumentSet } from "./derivations.js";
import { nixpkgsManual } from "../shared/references.js";

/** Attributes only a derivation has: no package function takes them as arguments. */
const DERIVATION_ONLY =
  /^((pre|post)(Unpack|Patch|Configure|Build|Check|Install|Fixup|InstallCheck|Dist)|(unpack|patch|configure|build|check|install|fixup|installCheck|dist)Phase|buildInputs|nativeBuildInputs|propagatedBuildInputs|propagatedNativeBuildInputs|depsBuildBuild|checkInputs|nativeCheckInputs|nativeInstallCheckInputs|(configure|cmake|meson|make|ninja|install|build|check)Flags(Array)?|NIX_CFLAGS_COMPILE|NIX_LDFLAGS|meta|pname|doCheck|doInstallCheck|dont[A-Z]\w*|separateDebugInfo|strictDeps|sourceRoot|setSourceRoot|outputs|env|vendorHash|cargoHash|npmDepsHash|cargoSha256|vendorSha256)$/;

/** Attributes that are a derivation's when given with another one of the kind (a package that takes
 * `src` rarely takes `version` too). */
const DERIVATION_TOGETHER = new Set(["src", "version", "patches", "name"]);

/** Arguments of a builder that fetches the source itself (no derivation attribute). */
const SOURCE_ARGS = new Set(["rev", "owner", "repo", "hash", "sha256", "tag"]);
/** What such a builder takes as arguments beside its source (mkProvider's `vendorHash`). */
const BUILDER_ARGS = /^(vendorHash|cargoHash|npmDepsHash|cargoSha256|vendorSha256|pname)$/;

export const overrideDerivationAttrs: Rule = {
  id: "override-derivation-attrs",
  name: "`override` given derivation attributes (`overrideAttrs` meant)",
  category: "anti-pattern",
  // A package built other than meant (or an evaluation error), not a weakness of the host
  // (lucasew-nixcfg's libretro `.override { src; patches; }`, judged maintenance only): info.
  severity: "info",
  rationale:
    "Maintenance, not security: `pkg.override { ... }` calls the function that made the package again with other arguments (`stdenv`, `withX = true`, a dependency). Phases, hooks (`postPatch`), dependency lists, flags, `src` and `version` are not arguments of that function but attributes of the derivation: a function without `...` rejects them (\"called with unexpected argument\"), and one with `...` silently ignores them, so the package is built unchanged. `overrideAttrs` is the function that changes derivation attributes.",
  fix: "Use `pkg.overrideAttrs (old: { ... })` for derivation attributes (`patches = (old.patches or [ ]) ++ [ ./fix.patch ];`); keep `override` for the package function's arguments, and chain the two when both change.",
  references: [
    nixpkgsManual("overrideAttrs", "sec-pkg-overrideAttrs"),
    nixpkgsManual("override", "sec-pkg-override"),
  ],
  compliance: {
    cis: ["n/a: concerns how a package is customised in Nix code, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [
      "{ pkgs, ... }:\n{\n  environment.systemPackages = [\n    (pkgs.htop.override {\n      postPatch = ''\n        substituteInPlace Makefile --replace-fail -O2 -O3\n      '';\n    })\n  ];\n}\n",
      "{ pkgs, ... }:\nlet\n  myTmux = pkgs.tmux.override {\n    version = \"3.5\";\n    src = pkgs.fetchurl {\n      url = \"https://github.com/tmux/tmux/releases/download/3.5/tmux-3.5.tar.gz\";\n      hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n    };\n  };\nin\n{\n  environment.systemPackages = [ myTmux ];\n}\n",
      "final: prev: {\n  mpv = prev.mpv.override (old: {\n    buildInputs = old.buildInputs ++ [ final.libsixel ];\n  });\n}\n",
      // buildGoModule's vendorHash is no argument of an ordinary package's function.
      "final: prev: {\n  lazygit = prev.lazygit.override { vendorHash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; };\n}\n",
    ],
    silent: [
      // Arguments of the package function.
      "{ pkgs, ... }:\n{\n  environment.systemPackages = [ (pkgs.mpv.override { scripts = [ pkgs.mpvScripts.mpris ]; }) (pkgs.discord.override { withOpenASAR = true; }) ];\n}\n",
      // dwm takes `patches` as an argument.
      "{ pkgs, ... }:\n{\n  services.xserver.windowManager.dwm.package = pkgs.dwm.override { patches = [ ./dwm-gaps.patch ]; };\n}\n",
      // terraform-providers entries are `lib.makeOverridable mkProvider`: vendorHash is its argument.
      "final: prev: {\n  terraform-providers = prev.terraform-providers // {\n    \"1password_onepassword\" = prev.terraform-providers.\"1password_onepassword\".override (old: {\n      rev = \"v2.2.1\";\n      hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n      vendorHash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n    });\n  };\n}\n",
      // Another builder of the kind, taking its source description and vendorHash.
      "{ pkgs, ... }:\nlet\n  myTool = pkgs.myGoTools.example.override { owner = \"me\"; rev = \"v1.2\"; hash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; vendorHash = null; };\nin { environment.systemPackages = [ myTool ]; }\n",
      // overrideAttrs, as meant.
      "{ pkgs, ... }:\n{\n  environment.systemPackages = [ (pkgs.htop.overrideAttrs (old: { postPatch = \"true\"; })) ];\n}\n",
      // A kernel's argsOverride carries version and src into the builder.
      "{ pkgs, ... }:\n{\n  boot.kernelPackages = pkgs.linuxPackagesFor (pkgs.linux_6_6.override { argsOverride = { version = \"6.6.1\"; modDirVersion = \"6.6.1\"; }; });\n}\n",
    ],
  },

  checkNix(ctx) {
    for (const a of applications(ctx.parsed.root)) {
      if (a.name !== "override" || a.fn.kind !== K.NODE_SELECT || a.args.length !== 1) continue;
      const set = argumentSet(a.args[0]);
      if (!set) continue;
      const keys: string[] = [];
      for (const b of set.childNodes()) {
        if (b.kind === K.NODE_ATTRPATH_VALUE) {
          const seg = attrpathSegments(b.childNodes()[0]!)[0];
          keys.push(seg && !seg.dynamic ? seg.name : "\0");
        } else if (b.kind === K.NODE_INHERIT) for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) keys.push(id.text);
      }
      // A builder that fetches its own source from a description (`rev`, `owner`, `hash`: terraform's
      // mkProvider, wrapped in makeOverridable) takes the dependency hashes and version as
      // arguments too: `.override { rev = …; vendorHash = …; }` is right there.
      const builderArgs = keys.some((k) => SOURCE_ARGS.has(k)) || /\bterraform-providers\b/.test(a.fn.text);
      const strong = keys.filter((k) => DERIVATION_ONLY.test(k) && !(builderArgs && BUILDER_ARGS.test(k)));
      const together = builderArgs ? [] : keys.filter((k) => DERIVATION_TOGETHER.has(k));
      const derivational = strong.length > 0 || together.length >= 2 ? [...strong, ...together] : [];
      if (derivational.length === 0) continue;
      const all = keys.every((k) => DERIVATION_ONLY.test(k) || DERIVATION_TOGETHER.has(k));
      const nameNode = lastSegment(a.fn);
      const edits: TextEdit[] = all && nameNode ? [{ file: ctx.file, start: nameNode.start, end: nameNode.end, text: "overrideAttrs" }] : [];
      const shown = derivational.map((k) => `\`${k}\``).join(", ");
      ctx.report({
        node: a.node,
        key: `override ${derivational.join(" ")}`,
        message: `\`override\` is given ${shown}, which ${derivational.length > 1 ? "are attributes" : "is an attribute"} of the derivation, not ${derivational.length > 1 ? "arguments" : "an argument"} of the package's function: the call fails with "unexpected argument", or the package is built unchanged. \`overrideAttrs\` is meant.`,
        fix:
          edits.length && fixParses(ctx, edits)
            ? { safety: "review", description: "Call `overrideAttrs` instead of `override` (with a function, `old` is then the old attributes: check what it reads).", edits }
            : { safety: "manual", description: `Move ${shown} into \`.overrideAttrs (old: { ... })\`, keeping the function's arguments in \`override\`.` },
      });
    }
  },
};

/** The node of the last attribute name of a select (`override` in `pkgs.htop.override`). */
function lastSegment(select: SyntaxNode): SyntaxNode | undefined {
  const path = unparen(select)?.childNodes()[1];
  const last = path?.childNodes().at(-1);
  return last?.kind === K.NODE_IDENT && last.text === "override" ? last : undefined;
}
