// nixpkgs-reinstantiated-in-module: a NixOS (or home-manager) module that makes its own package set
// beside the host's `pkgs`: `pkgs.extend (final: prev: ...)`, `pkgs.appendOverlays [...]`,
// `import <nixpkgs> { }`, or `import` of the very nixpkgs the host is built from (`nixpkgs`,
// `inputs.nixpkgs`, `pkgs.path`) with its own arguments. Each evaluates nixpkgs a second time and
// gives packages that ignore the host's `nixpkgs.config` and `nixpkgs.overlays` (and `<nixpkgs>`
// is whatever channel the evaluating machine has). Left alone: another channel on purpose
// (`inputs.nixpkgs-unstable`), setting the host's package set itself (`nixpkgs.pkgs = ...`,
// `_module.args.pkgs = ...`, flake-parts' `perSystem`), the flake itself and files that declare
// hosts, defaults of a function's arguments (`{ pkgs ? import <nixpkgs> { } }:`), calls inside a helper
// function (a library's `mkHost`), files no host includes that set no module attribute, and VM tests.
// A set made to cross-compile (`crossSystem`, `buildPlatform`, `hostPlatform`) is deliberate: info,
// nothing to change.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments } from "../../nix/options.js";
import type { NixFileContext, Rule } from "../types.js";
import { applications, dottedName, resolveVariable, shortText, unparen } from "../shared/syntax.js";
import { nixpkgsManual } from "../shared/references.js";

const MODULE_ARGS = new Set(["config", "pkgs", "lib", "options", "modulesPath"]);
/** Top-level attributes a NixOS or home-manager module sets. */
const MODULE_KEYS = new Set(["imports", "options", "config", "environment", "services", "programs", "boot", "networking", "users", "home", "nixpkgs", "systemd", "hardware", "security", "fonts", "xdg", "virtualisation", "nix", "system", "wayland", "gtk", "qt"]);

/** Does the file look like a module: `{ config, pkgs, ... }: <set>` (through let/with)? */
function isModuleFile(ctx: NixFileContext): boolean {
  const top = unparen(ctx.parsed.root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (top?.kind !== K.NODE_LAMBDA) return false;
  const param = top.childNodes()[0];
  if (param?.kind !== K.NODE_PATTERN) return false;
  const names = param.childNodes().filter((c) => c.kind === K.NODE_PAT_ENTRY).map((c) => c.childNodes()[0]?.text);
  if (!names.some((n) => n && MODULE_ARGS.has(n))) return false;
  let body = unparen(top.childNodes()[1]);
  for (let g = 0; body && g < 16 && (body.kind === K.NODE_LET_IN || body.kind === K.NODE_WITH); g++) body = unparen(body.childNodes().at(-1));
  if (body?.kind !== K.NODE_ATTR_SET) return false;
  // A host includes it, or it sets what modules set (a library `{ lib, inputs, ... }: { mkHost = ...; }`
  // has the same head and is no module).
  if (ctx.hosts.length > 0) return true;
  return body.childNodes().some((b) => b.kind === K.NODE_ATTRPATH_VALUE && MODULE_KEYS.has(b.childNodes()[0]?.childNodes()[0]?.text ?? ""));
}

/** Is the node inside a function other than the file's own head (a helper that builds hosts)? */
function insideNestedFunction(node: SyntaxNode, root: SyntaxNode): boolean {
  const top = unparen(root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  for (let p = node.parent; p; p = p.parent) if (p.kind === K.NODE_LAMBDA && p !== top) return true;
  return false;
}

/** Is the node the value of (or inside) a binding that sets the host's package set itself? */
function setsHostPackages(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    // `{ pkgs ? import <nixpkgs> { }, ... }:` is a default for callers that pass no pkgs (a
    // package set, a shell); a module always gets pkgs, so it never applies there.
    if (p.kind === K.NODE_PAT_ENTRY) return true;
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = p.childNodes()[0];
    if (!path) continue;
    const names = attrpathSegments(path).map((s) => (s.dynamic ? "*" : s.name));
    const dotted = names.join(".");
    if (dotted === "nixpkgs.pkgs" || dotted.endsWith("nixpkgs.pkgs") || names[0] === "_module" || names.includes("perSystem")) return true;
    // colmena's `meta.nixpkgs`: the package set the hive builds its nodes with, which colmena
    // requires (EdenEast-nyx modules/flake/hosts.nix, judged wrong with a harmful fix).
    if (dotted.endsWith("meta.nixpkgs") || dotted.endsWith("meta.nodeNixpkgs.*")) return true;
    if (dotted === "nixpkgs" && p.parent?.kind === K.NODE_ATTR_SET && p.parent.parent?.kind === K.NODE_ATTRPATH_VALUE) {
      const outer = attrpathSegments(p.parent.parent.childNodes()[0]!).map((s) => s.name);
      if (outer.at(-1) === "meta") return true;
    }
    if (dotted === "pkgs" && p.parent?.kind === K.NODE_ATTR_SET && p.parent.parent?.kind === K.NODE_ATTRPATH_VALUE) {
      const outer = attrpathSegments(p.parent.parent.childNodes()[0]!).map((s) => s.name).join(".");
      if (outer === "nixpkgs" || outer === "_module.args") return true;
    }
  }
  return false;
}

/** What `import X` re-instantiates, when it is the host's own nixpkgs (or a channel). */
function sameNixpkgs(target: SyntaxNode | undefined): string | undefined {
  const t = unparen(target);
  if (!t) return undefined;
  if (t.kind === K.NODE_SEARCH_PATH || t.firstToken(K.TOKEN_SPATH)) return t.text === "<nixpkgs>" ? "<nixpkgs>" : undefined;
  const name = dottedName(t);
  if (name === "nixpkgs" || name === "inputs.nixpkgs" || name === "self.inputs.nixpkgs" || name === "pkgs.path" || name === "pkgs.outPath") return name;
  if (t.kind === K.NODE_STRING && /^"\$\{(pkgs\.path|nixpkgs|inputs\.nixpkgs)\}"$/.test(t.text)) return t.text;
  return undefined;
}

/** The cross-compilation argument of `import nixpkgs { ... }`, if it has one. */
function crossArgument(arg: SyntaxNode | undefined): string | undefined {
  const set = unparen(arg);
  if (set?.kind !== K.NODE_ATTR_SET) return undefined;
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const name = b.childNodes()[0]?.childNodes()[0]?.text;
      if (name === "crossSystem" || name === "buildPlatform" || name === "hostPlatform") return `\`${name}\``;
    } else if (b.kind === K.NODE_INHERIT && b.childNodes().some((c) => c.kind === K.NODE_IDENT && c.text === "crossSystem")) return "`crossSystem`";
  }
  return undefined;
}

export const nixpkgsReinstantiatedInModule: Rule = {
  id: "nixpkgs-reinstantiated-in-module",
  name: "Module makes its own nixpkgs (`pkgs.extend`, `import nixpkgs { }`)",
  category: "anti-pattern",
  severity: "low",
  rationale:
    "A module that calls `pkgs.extend`, `pkgs.appendOverlays` or `import nixpkgs { ... }` evaluates the whole package set a second time (slower evaluation, more memory), and its packages are separate builds from the host's. `import nixpkgs { ... }` also ignores the host's `nixpkgs.config` (allowUnfree, permittedInsecurePackages) and `nixpkgs.overlays`: two versions of one package can end up on the system, and a security override in the overlays does not reach them (`pkgs.extend` keeps them, and is reported as maintenance). `import <nixpkgs>` also depends on the channel of whichever machine evaluates it, outside the flake lock.",
  fix: "Put the change in `nixpkgs.overlays` (or `nixpkgs.config`) and use the module's `pkgs`; for packages of another channel, take them from a flake input through an overlay (`unstable = import inputs.nixpkgs-unstable { inherit (final) system; config = final.config; }` once).",
  references: [
    { title: "NixOS manual: nixpkgs.overlays", url: "https://search.nixos.org/options?show=nixpkgs.overlays" },
    nixpkgsManual("Overlays", "chap-overlays"),
    { title: "nix.dev: Best practices, reproducible Nixpkgs configuration", url: "https://nix.dev/guides/best-practices#reproducible-nixpkgs-configuration" },
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is evaluated, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      "{ pkgs, ... }:\nlet\n  customPkgs = pkgs.extend (final: prev: {\n    htop = prev.htop.overrideAttrs (old: { pname = \"htop-custom\"; });\n  });\nin\n{\n  environment.systemPackages = [ customPkgs.htop ];\n}\n",
      "{ config, ... }:\nlet\n  pkgs = import <nixpkgs> { config.allowUnfree = true; };\nin\n{\n  environment.systemPackages = [ pkgs.vscode ];\n}\n",
      "{ inputs, pkgs, ... }:\nlet\n  unfree = import inputs.nixpkgs {\n    inherit (pkgs) system;\n    config.allowUnfree = true;\n  };\nin\n{\n  environment.systemPackages = [ unfree.steam ];\n}\n",
      // A deliberate cross-compiling set: reported as a note (info), with nothing to change.
      "{ config, lib, nixpkgs, ... }:\nlet\n  kernelPackages = import ./kernel.nix {\n    pkgs = import nixpkgs {\n      system = \"x86_64-linux\";\n      crossSystem = config.nixpkgs.localSystem;\n    };\n  };\nin\n{\n  nixpkgs.localSystem = lib.systems.examples.aarch64-multiplatform;\n  boot.kernelPackages = lib.mkForce kernelPackages;\n}\n",
    ],
    silent: [
      // Another channel on purpose.
      "{ inputs, pkgs, ... }:\nlet\n  unstable = import inputs.nixpkgs-unstable { inherit (pkgs) system; };\nin\n{\n  environment.systemPackages = [ unstable.helix ];\n}\n",
      // The host's package set itself.
      "{ inputs, ... }:\n{\n  nixpkgs.pkgs = import inputs.nixpkgs { system = \"x86_64-linux\"; config.allowUnfree = true; };\n}\n",
      // The overlay, as meant.
      "{ ... }:\n{\n  nixpkgs.overlays = [ (final: prev: { htop = prev.htop.overrideAttrs (old: { pname = \"htop-custom\"; }); }) ];\n}\n",
      // A flake's top level instantiates nixpkgs for its outputs.
      { "flake.nix": "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.11\";\n  outputs = { nixpkgs, ... }:\n    let pkgs = import nixpkgs { system = \"x86_64-linux\"; };\n    in { packages.x86_64-linux.default = pkgs.hello; };\n}\n" },
      // flake-parts: perSystem's pkgs.
      "{ inputs, ... }:\n{\n  perSystem = { system, ... }: {\n    _module.args.pkgs = import inputs.nixpkgs { inherit system; overlays = [ ]; };\n  };\n}\n",
      // A library that builds hosts is no module.
      "{ lib, inputs, ... }:\n{\n  mkHost = system: name: import inputs.nixpkgs { inherit system; };\n}\n",
      // A package file is no module.
      "{ pkgs ? import <nixpkgs> { } }:\npkgs.hello\n",
      // One kernel's module set extended, the documented way to patch a kernel module package.
      "{ pkgs, ... }:\n{\n  boot.kernelPackages = pkgs.linuxPackages.extend (self: super: {\n    zfs = super.zfs.overrideAttrs (old: { patches = (old.patches or [ ]) ++ [ ./zfs.patch ]; });\n  });\n}\n",
      // colmena's hive takes its package set in meta.nixpkgs (a flake-parts module, hosts in hive.nix).
      "{ inputs, self, lib, config, ... }:\nlet\n  colmena = {\n    meta = {\n      nixpkgs = import inputs.nixpkgs { system = \"x86_64-linux\"; overlays = [ self.overlays.default ]; };\n      specialArgs = { inherit self inputs; };\n    };\n  } // lib.mapAttrs (name: _: { imports = [ ./hosts/${name}/hive.nix ]; }) config.hosts;\nin\n{\n  flake.colmena = colmena;\n  boot.isContainer = false;\n}\n",
    ],
  },

  checkNix(ctx) {
    if (ctx.hostDeclarations.length > 0 || /(^|\/)flake\.nix$/.test(ctx.file) || !isModuleFile(ctx)) return;
    for (const a of applications(ctx.parsed.root)) {
      if (a.args.length < 1 || ctx.inTest(a.node) || setsHostPackages(a.node) || insideNestedFunction(a.node, ctx.parsed.root)) continue;
      let what: string | undefined;
      if ((a.name === "extend" || a.name === "appendOverlays") && a.fn.kind === K.NODE_SELECT) {
        const base = unparen(a.fn.childNodes()[0]);
        // The module's own `pkgs` argument (not a lib's `extend`, not `lib.extend`), extended as a
        // whole: `pkgs.linuxPackages.extend` extends one kernel's module set, the documented way to
        // override a kernel module package (cleverca22-nixos-configs zfs-patch.nix, judged wrong).
        const path = a.fn.childNodes()[1];
        const direct = path !== undefined && attrpathSegments(path).length === 1;
        if (direct && base?.kind === K.NODE_IDENT && base.text === "pkgs" && resolveVariable(base)?.kind === "formal") what = `pkgs.${a.name}`;
      } else if (a.name === "import" && a.fn.kind === K.NODE_IDENT && a.args.length >= 2) {
        const target = sameNixpkgs(a.args[0]);
        if (target) what = `import ${target}`;
      }
      if (!what) continue;
      // A set for cross-compiling (`crossSystem`, or a `localSystem`/`buildPlatform` set apart
      // from the host's): a second nixpkgs is the point, the module's pkgs cannot stand in
      // (delroth infra machines/smol/hardware.nix builds the aarch64 kernel from x86_64, judged
      // debatable with a harmful fix).
      const cross = what.startsWith("import") ? crossArgument(a.args[1]) : undefined;
      if (cross) {
        ctx.report({
          node: a.node,
          key: what,
          severity: "info",
          message: `\`${shortText(a.node, 60)}\` makes a second nixpkgs to cross-compile (it sets ${cross}): that is deliberate, and the module's own pkgs cannot replace it. A note only: this set does not see the host's nixpkgs.config and nixpkgs.overlays, so a package that needs them (unfree, an overlay's patch) must be given them here.`,
          fix: { safety: "manual", description: "Nothing to change for the cross-compilation itself. If packages from this set need the host's settings, pass them along (`config = config.nixpkgs.config; overlays = config.nixpkgs.overlays;`)." },
        });
        continue;
      }
      // `pkgs.extend` / `appendOverlays` keep the host's config and overlays (they add one on top):
      // the cost is a second evaluation of the package set, maintenance rather than a wrong set of
      // packages (lovesegfault's linux-builder, judged wrong when told otherwise).
      const extended = what.startsWith("pkgs.");
      ctx.report({
        node: a.node,
        key: what,
        ...(extended ? { severity: "info" as const } : {}),
        message: extended
          ? `\`${shortText(a.node, 60)}\` builds a second package set inside a module: it keeps the host's nixpkgs.config and overlays, but the whole set is evaluated again (slower evaluation, more memory), and packages taken from it are separate builds from the host's.`
          : `\`${shortText(a.node, 60)}\` makes a second nixpkgs inside a module: it is evaluated again and ignores the host's nixpkgs.config and nixpkgs.overlays` +
            (what.includes("<nixpkgs>") ? `, and <nixpkgs> is the channel of whichever machine evaluates it, outside the flake lock.` : "."),
        fix: { safety: "manual", description: extended ? "Where the change should apply to the host as a whole, put the overlay in `nixpkgs.overlays` and use the module's `pkgs`; where only this module needs it, keeping it here is a choice of evaluation cost." : "Move the change into `nixpkgs.overlays` / `nixpkgs.config` and use the module's `pkgs`." },
      });
    }
  },
};
