// NixOS modules that hosts import from flake inputs (`inputs.srvos.nixosModules.server`): the scan
// cannot read them (they are not in the repository, and nothing is fetched), so what the widely
// used ones set for the few options that matter to security is written down here, from their
// source, with the version read. A host importing a module not in this table gets findings that
// say "depends on <module>" instead of assuming NixOS's default. A module is recognised by the
// repository its flake input points at (flake-inputs.ts: `hm.url = "github:nix-community/home-manager"`
// makes `hm.nixosModules.default` home-manager's), and only by its conventional input name when the
// input's location is not known (not declared in flake.nix, or through the flake registry).
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
  /** The repositories the modules come from (`nix-community/home-manager`, lower case; see
   * FlakeInput.repo): an input pointing there is this project whatever its name. */
  repos: string[];
  /** Where the settings were read: repository, commit, files. */
  source: string;
  settings: ExternalSetting[];
}

// srvos moved from numtide to nix-community (GitHub redirects the old name; flakes still use it).
const SRVOS = ["nix-community/srvos", "numtide/srvos"];
const NIXOS_WSL_REPO = "nix-community/nixos-wsl";
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

// One file of srvos's common folder, imported alone (`inputs.srvos.nixosModules.common +
// "/openssh.nix"`): only its own settings.
const SRVOS_COMMON_FILES: Record<string, ExternalSetting[]> = {
  "openssh.nix": SRVOS_COMMON.filter((x) => x.path.startsWith("services.openssh.")),
  "networking.nix": SRVOS_COMMON.filter((x) => x.path === "networking.firewall.allowPing"),
};

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
// Desktop, editor, package-set and binary-cache projects. Listed by purpose, not read option by
// option. Some set nix settings (nyx and niri-flake add their binary cache to nix.settings.substituters):
// "neutral" here means only the options judged through hostValue (sshd authentication and
// enablement, sudo, users), which none of them touch by purpose.
const NEUTRAL_DESKTOP =
  "by purpose (compositors, editors, desktop and application settings, extra package sets and their binary caches, nix-ld, the VS Code server fix-up); not read option by option; not neutral for nix settings (some add substituters)";

export const KNOWN_MODULES: KnownModule[] = [
  { names: ["srvos.nixosModules.server", "srvos.nixosModules.roles-server"], repos: SRVOS, source: `${SRVOS_SOURCE} nixos/server/default.nix, nixos/common/*.nix`, settings: SRVOS_SERVER },
  { names: ["srvos.nixosModules.common", "srvos.nixosModules.desktop"], repos: SRVOS, source: `${SRVOS_SOURCE} nixos/common/*.nix, nixos/desktop/default.nix`, settings: SRVOS_COMMON },
  ...Object.entries(SRVOS_COMMON_FILES).map(([file, settings]) => ({ names: [`srvos.nixosModules.common/${file}`], repos: SRVOS, source: `${SRVOS_SOURCE} nixos/common/${file}`, settings })),
  { names: ["srvos.nixosModules.*"], repos: SRVOS, source: `${SRVOS_SOURCE} nixos/mixins and nixos/hardware read for sshd, firewall, sudo and users settings (none); roles-* not read`, settings: [] },
  { names: ["nixos-hardware.nixosModules.*", "hardware.nixosModules.*"], repos: ["nixos/nixos-hardware"], source: NEUTRAL, settings: [] },
  {
    names: ["disko.nixosModules.*", "impermanence.nixosModules.*", "agenix.nixosModules.*", "ragenix.nixosModules.*", "sops-nix.nixosModules.*"],
    repos: ["nix-community/disko", "nix-community/impermanence", "ryantm/agenix", "yaxitech/ragenix", "mic92/sops-nix"],
    source: NEUTRAL,
    settings: [],
  },
  { names: ["nixos-wsl.nixosModules.wsl", "nixos-wsl.nixosModules.default"], repos: [NIXOS_WSL_REPO], source: NIXOS_WSL_SOURCE, settings: NIXOS_WSL },
  { names: ["nixos-wsl.nixosModules.*"], repos: [NIXOS_WSL_REPO], source: NEUTRAL, settings: [] },
  {
    names: ["home-manager.nixosModules.*", "stylix.nixosModules.*", "nix-index-database.nixosModules.*", "lanzaboote.nixosModules.*", "catppuccin.nixosModules.*"],
    repos: ["nix-community/home-manager", "rycee/home-manager", "danth/stylix", "nix-community/stylix", "nix-community/nix-index-database", "mic92/nix-index-database", "nix-community/lanzaboote", "catppuccin/nix"],
    source: NEUTRAL,
    settings: [],
  },
  {
    names: [
      "hyprland.nixosModules.*",
      "chaotic.nixosModules.*",
      "nix-flatpak.nixosModules.*",
      "niri.nixosModules.*",
      "nixvim.nixosModules.*",
      "plasma-manager.nixosModules.*",
      "spicetify-nix.nixosModules.*",
      "nix-ld.nixosModules.*",
      "vscode-server.nixosModules.*",
      "nur.nixosModules.*",
    ],
    repos: [
      "hyprwm/hyprland",
      "chaotic-cx/nyx",
      "gmodena/nix-flatpak",
      "sodiboo/niri-flake",
      "nix-community/nixvim",
      "nix-community/plasma-manager",
      "pjones/plasma-manager",
      "gerg-l/spicetify-nix",
      "the-argus/spicetify-nix",
      "mic92/nix-ld",
      "nix-community/nix-ld",
      "nix-community/nixos-vscode-server",
      "msteen/nixos-vscode-server",
      "nix-community/nur",
    ],
    source: NEUTRAL_DESKTOP,
    settings: [],
  },
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

/** Input name -> repository, as the scan read it from flake.nix (flake-inputs.ts
 * inputRepositories): a repository, or `null` for an input declared somewhere that is no
 * recognisable repository. A name not in the map is matched by its conventional spelling. */
export type InputRepositories = ReadonlyMap<string, string | null>;

const moduleOf = (name: string) => name.slice(name.indexOf(".nixosModules.") + ".nixosModules.".length);

function knownModule(input: string, module: string, repos?: InputRepositories): KnownModule | undefined {
  if (repos?.has(input)) {
    // The input's location decides: an input named `home-manager` that points at another
    // repository is not home-manager, and `hm` pointing at home-manager is.
    const repo = repos.get(input);
    if (!repo) return undefined;
    const here = KNOWN_MODULES.filter((k) => k.repos.includes(repo));
    return here.find((k) => k.names.some((n) => moduleOf(n) === module)) ?? here.find((k) => k.names.some((n) => moduleOf(n) === "*"));
  }
  const full = `${input}.nixosModules.${module}`;
  return (
    KNOWN_MODULES.find((k) => k.names.includes(full)) ??
    KNOWN_MODULES.find((k) => k.names.some((n) => n.endsWith(".*") && n.slice(0, -2) === `${input}.nixosModules`))
  );
}

/** `inputs.X.nixosModules.Y` (or `X.nixosModules.Y`) as an element of an import or module list. */
export function externalImportAt(node: SyntaxNode, repos?: InputRepositories): ExternalImport | undefined {
  if (node.kind !== K.NODE_SELECT) return undefined;
  let up = node.parent;
  while (up && up.kind === K.NODE_PAREN) up = up.parent;
  // `inputs.srvos.nixosModules.common + "/openssh.nix"`: a file of an input's module folder.
  const file = up?.kind === K.NODE_BIN_OP && up.firstToken(K.TOKEN_PLUS) && up.childNodes()[0] && inner(up.childNodes()[0]!) === node ? fileJoined(up) : undefined;
  if (file !== undefined) {
    up = up!.parent;
    while (up && up.kind === K.NODE_PAREN) up = up.parent;
  }
  if (up?.kind !== K.NODE_LIST) return undefined;
  const text = node.text.replace(/\s+/g, "");
  if (file !== undefined) {
    const m = EXTERNAL.exec(text);
    if (!m || m[1] === "self") return undefined;
    const name = `${m[1]}.nixosModules.${m[2]}/${file}`;
    return { name, node, known: knownModule(m[1]!, `${m[2]}/${file}`, repos) };
  }
  const old = SRVOS_OLD.exec(text);
  if (old) return { name: `srvos.nixosModules.${old[1]}`, node, known: knownModule("srvos", old[1]!, repos) };
  const m = EXTERNAL.exec(text);
  if (!m || m[1] === "self") return undefined;
  const name = `${m[1]}.nixosModules.${m[2]}`;
  return { name, node, known: knownModule(m[1]!, m[2]!, repos) };
}

function inner(n: SyntaxNode): SyntaxNode {
  let at = n;
  while (at.kind === K.NODE_PAREN && at.childNodes()[0]) at = at.childNodes()[0]!;
  return at;
}

/** The file a `+ "/x.nix"` appends (without its leading slash), when the string is literal. */
function fileJoined(plus: SyntaxNode): string | undefined {
  const right = plus.childNodes()[1] ? inner(plus.childNodes()[1]!) : undefined;
  if (right?.kind !== K.NODE_STRING || right.firstChild(K.NODE_INTERPOL)) return undefined;
  const m = /^"\/([\w./-]+)"$/.exec(right.text);
  return m && !m[1]!.includes("..") ? m[1] : undefined;
}

/** The external modules imported anywhere under the given syntax trees. */
export function externalImportsIn(parts: readonly SyntaxNode[], repos?: InputRepositories): ExternalImport[] {
  const out: ExternalImport[] = [];
  for (const part of parts) {
    part.walk((n) => {
      if (n.kind !== K.NODE_SELECT) return;
      const imp = externalImportAt(n, repos);
      if (imp) out.push(imp);
      return false;
    });
  }
  return out;
}
