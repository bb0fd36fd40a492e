// NixOS modules that hosts import from flake inputs (`inputs.srvos.nixosModules.server`): the scan
// cannot read them (they are not in the repository, and nothing is fetched), so what the widely
// used ones set for the few options that matter to security is written down here, from their
// source, with the version read. A host importing a module not in this table gets findings that
// say "depends on <module>" instead of assuming NixOS's default.
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";
import { PRIORITY } from "./priority.js";
import type { StaticValue } from "./values.js";

export interface ExternalSetting {
  path: string;
  value: StaticValue;
  priority: number;
}

export interface KnownModule {
  /** `srvos.nixosModules.server` (input name as usually spelled; `inputs.` is implied). */
  names: string[];
  /** Where the settings were read: repository, commit, files. */
  source: string;
  settings: ExternalSetting[];
}

const SRVOS_SOURCE = "github:nix-community/srvos@e49ccb0d84ed18444c7ba3243a63261001db4260";

// srvos nixos/common/{openssh,sudo,nix,networking}.nix: imported by its common, server and desktop
// modules. PasswordAuthentication = false is a plain definition (100), not mkDefault: a host's own
// plain `true` is an evaluation conflict, `lib.mkForce true` wins.
const SRVOS_COMMON: ExternalSetting[] = [
  { path: "services.openssh.settings.PasswordAuthentication", value: false, priority: PRIORITY.plain },
  { path: "services.openssh.settings.KbdInteractiveAuthentication", value: false, priority: PRIORITY.plain },
  { path: "services.openssh.settings.X11Forwarding", value: false, priority: PRIORITY.plain },
  { path: "security.sudo.execWheelOnly", value: true, priority: PRIORITY.plain },
  { path: "networking.firewall.allowPing", value: true, priority: PRIORITY.plain },
];

// srvos nixos/server/default.nix (imports ../common).
const SRVOS_SERVER: ExternalSetting[] = [
  ...SRVOS_COMMON,
  { path: "services.openssh.enable", value: true, priority: PRIORITY.plain },
  { path: "networking.firewall.enable", value: true, priority: PRIORITY.plain },
  { path: "security.sudo.wheelNeedsPassword", value: false, priority: PRIORITY.plain },
  { path: "users.mutableUsers", value: false, priority: PRIORITY.plain },
];

// NixOS-WSL modules/wsl-distro.nix (nixosModules.wsl, and .default, its alias), under `mkIf
// config.wsl.enable`: the default user (in wheel) has no password, so sudo must not ask for one.
const NIXOS_WSL_SOURCE = "github:nix-community/NixOS-WSL@eaeb18da90024448a60eb1ec7132eafa4003404e modules/wsl-distro.nix (applies when wsl.enable)";
const NIXOS_WSL: ExternalSetting[] = [{ path: "security.sudo.wheelNeedsPassword", value: false, priority: PRIORITY.mkDefault }];

// Modules whose purpose is unrelated to the options rules judge from a host's settings (sshd
// authentication, firewall, sudo, users): disk layout, persistence, secret decryption, the user
// environment, hardware quirks. Known so that importing them does not make a finding "depend on"
// them. Not re-read option by option: listed by what the projects are.
const NEUTRAL = "by purpose (disk layout, persistence, secret decryption, user environment, hardware quirks); not read option by option";

export const KNOWN_MODULES: KnownModule[] = [
  { names: ["srvos.nixosModules.server", "srvos.nixosModules.roles-server"], source: `${SRVOS_SOURCE} nixos/server/default.nix, nixos/common/*.nix`, settings: SRVOS_SERVER },
  { names: ["srvos.nixosModules.common", "srvos.nixosModules.desktop"], source: `${SRVOS_SOURCE} nixos/common/*.nix, nixos/desktop/default.nix`, settings: SRVOS_COMMON },
  { names: ["srvos.nixosModules.*"], source: `${SRVOS_SOURCE} nixos/mixins and nixos/hardware read for sshd, firewall, sudo and users settings (none); roles-* not read`, settings: [] },
  { names: ["nixos-hardware.nixosModules.*", "hardware.nixosModules.*"], source: NEUTRAL, settings: [] },
  { names: ["disko.nixosModules.*", "impermanence.nixosModules.*", "agenix.nixosModules.*", "ragenix.nixosModules.*", "sops-nix.nixosModules.*"], source: NEUTRAL, settings: [] },
  { names: ["nixos-wsl.nixosModules.wsl", "nixos-wsl.nixosModules.default"], source: NIXOS_WSL_SOURCE, settings: NIXOS_WSL },
  { names: ["nixos-wsl.nixosModules.*"], source: NEUTRAL, settings: [] },
  { names: ["home-manager.nixosModules.*", "stylix.nixosModules.*", "nix-index-database.nixosModules.*", "lanzaboote.nixosModules.*", "catppuccin.nixosModules.*"], source: NEUTRAL, settings: [] },
];

export interface ExternalImport {
  /** `srvos.nixosModules.server` (without a leading `inputs.`). */
  name: string;
  /** The import as written. */
  node: SyntaxNode;
  known?: KnownModule;
}

const EXTERNAL = /^(?:inputs\.)?([A-Za-z_][A-Za-z0-9_'-]*)\.nixosModules\.([A-Za-z_][A-Za-z0-9_'-]*|"[^"]+")$/;
// srvos's older spelling, `srvos.server` / `inputs.srvos.server`.
const SRVOS_OLD = /^(?:inputs\.)?srvos\.(server|desktop|common)$/;

function knownModule(input: string, module: string): KnownModule | undefined {
  const full = `${input}.nixosModules.${module}`;
  return (
    KNOWN_MODULES.find((k) => k.names.includes(full)) ??
    KNOWN_MODULES.find((k) => k.names.some((n) => n.endsWith(".*") && n.slice(0, -2) === `${input}.nixosModules`))
  );
}

/** `inputs.X.nixosModules.Y` (or `X.nixosModules.Y`) as an element of an import or module list. */
export function externalImportAt(node: SyntaxNode): ExternalImport | undefined {
  if (node.kind !== K.NODE_SELECT) return undefined;
  let up = node.parent;
  while (up && up.kind === K.NODE_PAREN) up = up.parent;
  if (up?.kind !== K.NODE_LIST) return undefined;
  const text = node.text.replace(/\s+/g, "");
  const old = SRVOS_OLD.exec(text);
  if (old) return { name: `srvos.nixosModules.${old[1]}`, node, known: knownModule("srvos", old[1]!) };
  const m = EXTERNAL.exec(text);
  if (!m || m[1] === "self") return undefined;
  const name = `${m[1]}.nixosModules.${m[2]}`;
  return { name, node, known: knownModule(m[1]!, m[2]!) };
}

/** The external modules imported anywhere under the given syntax trees. */
export function externalImportsIn(parts: readonly SyntaxNode[]): ExternalImport[] {
  const out: ExternalImport[] = [];
  for (const part of parts) {
    part.walk((n) => {
      if (n.kind !== K.NODE_SELECT) return;
      const imp = externalImportAt(n);
      if (imp) out.push(imp);
      return false;
    });
  }
  return out;
}
