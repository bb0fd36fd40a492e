// missing-nix-gc: a host none of whose files sets up garbage collection of the Nix store. Counted
// as garbage collection: nix.gc.automatic (any definition not literally false, conditional ones
// included), programs.nh.clean.enable, nix.settings.min-free (Nix then collects when space runs
// low, also via nix.extraOptions), a service module named like *nix-gc (fast-nix-gc) or angrr, and
// srvos's common/server/desktop profiles (they set min-free) or its nix-remote-builder role; a
// microvm.nix guest mounting its host's /nix/store without a writable overlay has no store to collect.
// Hosts with modules that cannot be followed statically (imports computed by functions, files
// that are not in the repository) are left alone. Reported once per host, at its declaration in
// flake.nix; the fix adds nix.gc to the host's own
// module when there is one (hosts/<name>/..., <name>.nix). A live installer image (nixpkgs'
// installation-cd/iso-image/netboot modules, or isoImage.* set) keeps no generations: not reported.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticBool, staticValue } from "../../nix/values.js";
import { setOption } from "../../nix/edit.js";
import type { HostContext, NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { hostDefinitions, hostMatching, hostOpacity } from "./host.js";
import { dottedName } from "../shared/syntax.js";
import { nixosManual } from "../shared/references.js";
import { fileAnswers, untracked } from "../shared/track.js";

const SRVOS_GC = /(^|\.)srvos\.nixosModules\.(common|server|desktop|roles-nix-remote-builder)$/;
const GC_SERVICE = /^(.*-)?nix-gc$|^angrr$/;

// nixpkgs' installer and live-image modules: an ISO, a netboot image or an SD installer boots a
// read-only squashfs store with a tmpfs on top and keeps no generations, so there is nothing to collect.
const LIVE_IMAGE = /\/installer\/(?:cd-dvd|netboot|sd-card)\/|installation-(?:cd|device)[\w-]*\.nix|iso-image\.nix|netboot[\w-]*\.nix/;

/** Why the host is a live installer image, or undefined. */
function liveImage(h: HostContext): string | undefined {
  const declared = h.declaration?.node.text;
  if (declared && LIVE_IMAGE.test(declared)) return `it is built from nixpkgs' installer modules (${LIVE_IMAGE.exec(declared)![0]}, in ${h.declaration!.file})`;
  for (const f of h.files) {
    if (!fileAnswers(f, "liveImage", (c) => LIVE_IMAGE.test(c.text))) continue;
    const m = LIVE_IMAGE.exec(f.text);
    if (m && f.index.imports.some((i) => LIVE_IMAGE.test(i.text))) return `it imports nixpkgs' installer modules (${m[0]}, in ${f.file})`;
  }
  const iso = hostMatching(h, "isoImage.*")[0];
  return iso ? `it is a live ISO image (isoImage.* set in ${iso.file.file}:${iso.def.line})` : undefined;
}

/** How the host collects garbage, or undefined. */
function gcMechanism(h: HostContext): string | undefined {
  const notFalse = (path: string) => hostDefinitions(h, path).find((x) => staticBool(x.def.inner) !== false);
  for (const path of ["nix.gc.automatic", "programs.nh.clean.enable", "nh.clean.enable"]) {
    const d = notFalse(path);
    if (d) return `${path} in ${d.file.file}:${d.def.line}`;
  }
  // `nix.enable = false`: the configuration does not manage Nix (Determinate Nix on a Mac, a
  // container): nix.gc cannot be set here at all.
  const unmanaged = hostDefinitions(h, "nix.enable").find((x) => staticBool(x.def.inner) === false);
  if (unmanaged) return `nix.enable = false in ${unmanaged.file.file}:${unmanaged.def.line}`;
  // A microvm.nix guest that mounts its host's /nix/store (read-only, no writable overlay) has no
  // store of its own to collect: its closures and generations live on the host.
  const hostStore = hostDefinitions(h, "microvm.shares").find((x) => /\bsource\s*=\s*"\/nix\/store"\s*;/.test(x.def.inner?.text ?? ""));
  if (hostStore && hostDefinitions(h, "microvm.writableStoreOverlay").length === 0) return `the host's /nix/store shared read-only into this microvm.nix guest (microvm.shares in ${hostStore.file.file}:${hostStore.def.line}): the host collects it`;
  const minFree = hostDefinitions(h, "nix.settings.min-free")[0] ?? hostDefinitions(h, 'nix.settings."min-free"')[0];
  if (minFree) return `nix.settings.min-free in ${minFree.file.file}:${minFree.def.line}`;
  for (const x of hostDefinitions(h, "nix.extraOptions")) {
    const v = staticValue(x.def.inner);
    const text = typeof v === "string" ? v : (x.def.inner?.text ?? "");
    if (/\bmin-free\b/.test(text)) return `min-free in nix.extraOptions (${x.file.file}:${x.def.line})`;
  }
  for (const x of hostMatching(h, "services.*.enable")) {
    if (GC_SERVICE.test(x.def.segments[1]!.name) && staticBool(x.def.inner) !== false) return `${x.def.path} in ${x.file.file}:${x.def.line}`;
  }
  for (const f of h.files) {
    if (!fileAnswers(f, "srvosProfile", (c) => srvosProfile(c) !== undefined)) continue;
    const found = srvosProfile(untracked(f));
    if (found) return `${dottedName(found)} in ${f.file}:${found.line}`;
  }
  return undefined;
}

// Per scan (file contexts are made afresh by every scan): a file's reference to a srvos profile.
const srvosCache = new WeakMap<NixFileContext, SyntaxNode | null>();

function srvosProfile(f: NixFileContext): SyntaxNode | undefined {
  const cached = srvosCache.get(f);
  if (cached !== undefined) return cached ?? undefined;
  // `inputs.srvos.nixosModules.common + "/openssh.nix"`: one file of the profile's folder, not the
  // profile (its nix.nix, which sets min-free, is not imported).
  const found = f.parsed.root.descendants(K.NODE_SELECT).find((n) => SRVOS_GC.test(dottedName(n) ?? "") && !joinedToPath(n));
  srvosCache.set(f, found ?? null);
  return found;
}

/** A node that is the left side of `+` (a path inside it): `srvos.nixosModules.common + "/x.nix"`. */
function joinedToPath(n: SyntaxNode): boolean {
  let at = n;
  while (at.parent?.kind === K.NODE_PAREN) at = at.parent;
  const up = at.parent;
  return up?.kind === K.NODE_BIN_OP && up.firstToken(K.TOKEN_PLUS) !== undefined && up.childNodes()[0] === at;
}

// Top-level option names of NixOS and of the external modules hosts commonly import (home-manager,
// sops-nix, agenix, disko, impermanence, NixOS-WSL, microvm.nix, lanzaboote, stylix, colmena...).
const KNOWN_TOP = new Set([
  "appstream", "assertions", "boot", "console", "containers", "documentation", "environment", "fileSystems", "fonts", "gtk", "hardware", "i18n",
  "image", "isoImage", "sdImage", "netboot", "installer", "krb5", "lib", "location", "meta", "networking", "nix", "nixpkgs", "oci", "power", "powerManagement",
  "programs", "qt", "security", "services", "sound", "specialisation", "swapDevices", "system", "systemd", "time", "users", "virtualisation", "warnings",
  "xdg", "zramSwap", "ec2", "jobs", "xserver", "_module", "imports", "options", "config", "key", "_file", "disabledModules", "home-manager", "home", "sops",
  "age", "disko", "wsl", "microvm", "stylix", "catppuccin", "deployment", "facter", "mailserver", "nixos", "clan", "srvos", "jovian", "chaotic", "preservation",
  "vscode-server", "nixarr", "snowfallorg", "determinate", "vault-secrets", "proxmox", "proxmoxLXC", "amazonImage", "virtualization", "formatConfigs",
  "flake", "perSystem", "nix-index-database", "wayland", "xsession", "homebrew", "launchd", "dconf", "accounts", "editorconfig", "manual", "news",
  "targets", "nixGL", "pam", "submoduleSupport", "lanzaboote",
]);

/**
 * A switch the host turns on (`= true`) in one of its NixOS modules, under a namespace that is
 * neither NixOS's nor a common external module's nor a flake input's the host imports, and that
 * none of the host's files declares (`foosteros.profiles.gc = true`, declared in the
 * repository's config/ modules that a builder function adds): the host has modules the scan did
 * not see, and one of them may collect garbage (lilyinstarlight-foosteros bina and lia, whose
 * config/gc.nix turns nix.gc on behind that switch: judged wrong twice). Returns the setting.
 */
function undeclaredSetting(h: HostContext): string | undefined {
  const declared = new Set<string>();
  for (const f of h.files) for (const d of f.index.declarations) declared.add(d.segments[0]?.name ?? "");
  for (const f of h.files) {
    // Home-manager, nix-darwin and nix-maid modules have option trees of their own.
    if (f.file === h.declaration?.file || !f.index.isModule || f.moduleClass) continue;
    // Only a NixOS module of the host (one setting some NixOS option), not an overlay or a data
    // file that the index also reads as attribute paths.
    if (!f.index.definitions.some((d) => KNOWN_TOP.has(d.segments[0]?.name ?? ""))) continue;
    for (const d of f.index.definitions) {
      const top = d.segments[0];
      if (!top || top.dynamic || KNOWN_TOP.has(top.name) || declared.has(top.name)) continue;
      // A switch turned on (`foosteros.profiles.gc = true`): the unseen module it belongs to acts.
      // Not one of a flake input's modules the host imports (`inputs.hjem.nixosModules.default`
      // declares hjem.*): that module is seen as what it is, and sets no garbage collection.
      if (d.isLeaf && staticBool(d.inner) === true && !fromInput(h, top.name)) return `${d.path} in ${f.file}:${d.line}`;
    }
  }
  return undefined;
}

/** Does a file of the host import a module of a flake input named like the namespace? */
function fromInput(h: HostContext, name: string): boolean {
  const re = new RegExp(`(?:\\binputs\\.|[\\s(\\[])${name.replace(/[^\w-]/g, "")}\\.(?:nixosModules?|modules)\\b`);
  return h.files.some((f) => re.test(f.text));
}

/** The host's own module: a file under a directory named after the host, or `<host>.nix`. */
export function hostModuleFile(h: HostContext): NixFileContext | undefined {
  // By name first: only the files named so are read.
  const own = h.files.filter((f) => {
    if (f.file === h.declaration?.file) return false;
    const parts = f.file.split("/");
    return (parts.slice(0, -1).includes(h.host) || posix.basename(f.file) === `${h.host}.nix`) && f.index.isModule;
  });
  const rank = (f: NixFileContext) => (/\/(default|configuration)\.nix$/.test(f.file) ? 0 : 1) + f.file.split("/").length / 100;
  return own.sort((a, b) => rank(a) - rank(b))[0];
}

export const missingNixGc: Rule = {
  id: "missing-nix-gc",
  name: "No automatic garbage collection of the Nix store",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: Every rebuild adds a system generation, and nothing is deleted unless something collects garbage: the store grows until the disk is full (then builds, logs and services fail), and every old generation keeps its packages, including superseded vulnerable ones, on disk and bootable. NixOS does not collect garbage by default (`nix.gc.automatic` is false).",
  fix: "Enable `nix.gc.automatic` with a retention (`options = \"--delete-older-than 30d\"`), or `programs.nh.clean.enable`, or at least `nix.settings.min-free` so Nix collects garbage when the disk runs low.",
  references: [
    nixosManual("Cleaning the Nix Store", "sec-nix-gc"),
    { title: "NixOS options: nix.gc.automatic", url: "https://search.nixos.org/options?query=nix.gc.automatic" },
  ],
  compliance: {
    cis: ["n/a: the CIS Linux benchmark has no control on package-store or old-generation retention"],
    nist: ["PR.PS-02", "PR.IR-04"],
  },
  examples: {
    fire: [
      hostExample(`{ ... }:
{
  networking.hostName = "nas";
  nix.settings.auto-optimise-store = true;
}
`, "example.nix"),
      // A microvm guest with a writable store overlay builds and keeps paths of its own.
      hostExample(`{ ... }:
{
  microvm.shares = [ { tag = "ro-store"; source = "/nix/store"; mountPoint = "/nix/.ro-store"; } ];
  microvm.writableStoreOverlay = "/nix/.rw-store";
}
`, "example.nix"),
      // One file of srvos's common folder (its openssh settings), not the common profile whose
      // nix.nix sets min-free.
      hostExample(`{ inputs, ... }:
{
  imports = [ (inputs.srvos.nixosModules.common + "/openssh.nix") ];
  networking.hostName = "nas";
}
`, "example.nix"),
      // Every file the host names is in the repository, and none collects garbage.
      {
        "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.pi = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./hosts/pi/configuration.nix ./common.nix ]; };
  };
}
`,
        "hosts/pi/configuration.nix": `{ ... }:\n{\n  networking.hostName = "pi";\n}\n`,
        "common.nix": `{ ... }:\n{\n  services.openssh.enable = true;\n}\n`,
      },
      // The host's own namespace, declared in one of its files: everything is seen.
      {
        "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.pi = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./hosts/pi/configuration.nix ./profiles.nix ]; };
  };
}
`,
        "hosts/pi/configuration.nix": `{ ... }:\n{\n  networking.hostName = "pi";\n  mysite.profiles.desktop = true;\n}\n`,
        "profiles.nix": `{ lib, ... }:\n{\n  options.mysite.profiles.desktop = lib.mkEnableOption "desktop";\n}\n`,
      },
    ],
    silent: [
      // The host turns on a profile switch of the repository's own namespace, declared by modules
      // that a builder function adds and the scan does not see: one of them may collect garbage.
      {
        "flake.nix": `{
  outputs = { self, nixpkgs, ... }: {
    lib.mySystem = args: nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.config ] ++ args.modules; };
    nixosConfigurations.pi = self.lib.mySystem { modules = [ ./hosts/pi/configuration.nix ]; };
  };
}
`,
        "hosts/pi/configuration.nix": `{ ... }:\n{\n  networking.hostName = "pi";\n  mysite.profiles.gc = true;\n}\n`,
      },
      // The host's configuration file is not in the repository (git-ignored, never committed):
      // nothing can be said about what it sets. The host beside it collects garbage.
      {
        "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/web/configuration.nix ]; };
    nixosConfigurations.pi = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./hosts/pi/configuration.nix ./common.nix ]; };
  };
}
`,
        "hosts/web/configuration.nix": `{ ... }:\n{\n  imports = [ ../../common.nix ];\n  networking.hostName = "web";\n}\n`,
        "common.nix": `{ ... }:\n{\n  nix.gc.automatic = true;\n}\n`,
      },
      hostExample(`{ ... }:
{
  networking.hostName = "nas";
  nix.gc = {
    automatic = true;
    dates = "weekly";
    options = "--delete-older-than 30d";
  };
}
`, "example.nix"),
      // A microvm.nix guest reading its host's store: nothing of its own to collect.
      hostExample(`{ ... }:
{
  microvm = {
    hypervisor = "qemu";
    shares = [
      { tag = "ro-store"; source = "/nix/store"; mountPoint = "/nix/.ro-store"; }
      { tag = "home"; source = "home"; mountPoint = "/home"; }
    ];
  };
}
`, "example.nix"),
    ],
  },

  checkHost(h) {
    // Only a host whose every module can be seen can be said to lack something.
    if (!h.declaration || h.partial || hostOpacity(h)) return;
    if (gcMechanism(h) || liveImage(h)) return;
    if (undeclaredSetting(h)) return;
    const disabled = hostDefinitions(h, "nix.gc.automatic")[0];
    const own = hostModuleFile(h);
    // Switched off by a definition of its own: a second definition `= true` beside it would not
    // evaluate (two values of one priority), and the off may be deliberate: no patch, say where.
    const edit = own && !disabled ? setOption(own.file, own.text, own.parsed.root, own.index, ["nix", "gc"], `{ automatic = true; dates = "weekly"; options = "--delete-older-than 30d"; }`) : undefined;
    const anchor = h.declaration.node.childNodes()[0] ?? h.declaration.node;
    h.report({
      file: h.declaration.file,
      node: anchor,
      key: `host ${h.host}`,
      optionPath: "nix.gc.automatic",
      message:
        `Host ${h.host} never collects garbage in its Nix store` +
        (disabled ? ` (nix.gc.automatic is false in ${disabled.file.file}:${disabled.def.line})` : " (nix.gc.automatic defaults to false)") +
        ": every generation and its packages stay on disk until it is full, and old, possibly vulnerable, generations stay bootable.",
      fix: {
        safety: edit ? "review" : "manual",
        description: disabled
          ? `nix.gc.automatic is switched off at ${disabled.file.file}:${disabled.def.line}: if that is deliberate, set nix.settings.min-free so Nix collects garbage only when the disk runs low; otherwise enable it there, with a retention (options = "--delete-older-than 30d").`
          : `Enable nix.gc.automatic with a retention${own ? ` in ${own.file}` : " in the host's configuration"} (or programs.nh.clean, or nix.settings.min-free).`,
        ...(edit ? { edits: [edit] } : {}),
      },
    });
  },
};
