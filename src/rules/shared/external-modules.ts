// Modules a configuration imports from outside the repository: a nixpkgs profile
// (`(modulesPath + "/profiles/...")`, `"${modulesPath}/installer/..."`, `<nixpkgs/nixos/modules/...>`),
// nixos-hardware, srvos, disko, a flake input's module (`inputs.foo.nixosModules.bar`). Their
// definitions are not read, but they set options at normal priority that a configuration can only
// change with `mkForce`: a forced value whose option such a module may set is the tool doing its
// job (mkforce-habit, mkforce-over-own-definition). What each may set is told by its kind: a
// profile anything; srvos the common machine settings (not users, sudo or nix); nixos-hardware the hardware, kernel, services and power settings (not the boot loader); disko
// the file systems and boot devices; nixpkgs' hardware modules hardware and boot settings; another
// input's module options named after it.
import type { OptionDefinition, OptionIndex } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "./syntax.js";

export interface ExternalModule {
  /** How the import is written (whitespace collapsed). */
  text: string;
  /** Does it (possibly) set this option? */
  sets(path: Pick<OptionDefinition, "segments">): boolean;
  /** A nixpkgs profile (installer, virtualisation...): sets much at normal priority, wherever in the
   * host it is imported. */
  profile?: boolean;
}

/** nixpkgs modules that only set defaults (mkDefault) or add to lists: nothing to force over. */
const HARMLESS_PROFILES = /(installer\/scan\/not-detected|profiles\/qemu-guest)\.nix/;
const WORDS_TO_SKIP = new Set(["default", "nixos", "nixosmodules", "nixosmodule", "modules", "module", "inputs", "self", "nix", "flake", "common"]);

const SRVOS = ["boot", "networking", "services", "systemd", "documentation", "environment", "programs", "fonts", "xdg", "hardware", "console", "time", "i18n", "zramSwap"];

/** The kernel side of `boot` (what hardware modules set), not the boot loader the host chooses. */
function kernelBoot(p: Pick<OptionDefinition, "segments">): boolean {
  return p.segments[0]?.name === "boot" && /^(kernel|initrd|blacklistedKernelModules|extraModulePackages)/.test(p.segments[1]?.name ?? "");
}

function under(namespaces: readonly string[]): (p: Pick<OptionDefinition, "segments">) => boolean {
  return (p) => namespaces.includes(p.segments[0]?.name ?? "");
}

/** What an `imports` element names, if it is a module from outside the repository. */
export function externalModule(node: SyntaxNode): ExternalModule | undefined {
  // A file of the repository (`./disko.nix`) is read, not guessed at.
  if (unparen(node)?.kind === K.NODE_PATH) return undefined;
  const text = node.text.replace(/\s+/g, " ").trim();
  if (/modulesPath|<nixpkgs\/nixos|nixpkgs\/nixos\/modules\//.test(text)) {
    if (HARMLESS_PROFILES.test(text)) return undefined;
    // nixpkgs' hardware modules (`hardware/cpu/intel-npu.nix`) set hardware and boot settings.
    if (/\/hardware\//.test(text)) return { text, sets: (p) => under(["hardware"])(p) || kernelBoot(p) };
    return { text, sets: () => true, profile: true };
  }
  if (/nixos-hardware/.test(text)) return { text, sets: (p) => under(["hardware", "services", "powerManagement"])(p) || kernelBoot(p) };
  // srvos' modules set the machine's common settings, not its users and sudo rules (sudo.nix only
  // adds execWheelOnly and a line of extraConfig).
  if (/\bsrvos\b/.test(text)) return { text, sets: under(SRVOS) };
  if (/\bdisko\b/.test(text)) return { text, sets: under(["disko", "fileSystems", "swapDevices", "boot"]) };
  // `inputs.foo.nixosModules.bar`, `foo.nixosModules.default`, `"${inputs.foo}/module.nix"`: options
  // named after the input or the module (services.foo, programs.bar, foo.*).
  if (/\binputs\.|\.nixosModules?\b|\.darwinModules?\b/.test(text) && !/^(inputs\.)?self\b|\$\{self\}/.test(text)) {
    const words = new Set(
      text
        .replace(/^[("$]+|[)"]+$/g, "")
        .split(/[^A-Za-z0-9]+/)
        .map((w) => w.toLowerCase())
        .filter((w) => w.length > 2 && !WORDS_TO_SKIP.has(w)),
    );
    if (!words.size) return undefined;
    return { text, sets: (p) => p.segments.some((s) => s.name.toLowerCase().split(/[^a-z0-9]+/).some((w) => words.has(w))) };
  }
  return undefined;
}

/** The external modules a module file imports. */
export function externalImports(index: OptionIndex): ExternalModule[] {
  const out: ExternalModule[] = [];
  for (const i of index.imports) {
    const m = externalModule(i);
    if (m) out.push(m);
  }
  return out;
}
