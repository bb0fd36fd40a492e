// The NixOS side: what `systemd.services.<name>` becomes as a unit file. Mirrors nixpkgs'
// nixos/lib/systemd-lib.nix (toOption, attrsToSection, serviceToUnit), systemd-unit-options.nix
// (script -> ExecStart) and nixos/modules/security/systemd-confinement.nix (the settings
// `confinement.enable` adds with mkDefault). The scan hands us what it could evaluate statically;
// values it could not evaluate are `{ unknown: true }` and are left out (scored as unset) and listed.
import { EXPOSURE_SERVICE_KEYS, EXPOSURE_UNIT_KEYS } from "./context.js";
import { type UnitSettings, formatUnitSettings } from "./score.js";

export interface NixUnknown {
  unknown: true;
  /** The source text of the expression, for messages (e.g. "cfg.user"). */
  text?: string;
  /** A `User =` read from an option (`cfg.user`): set, not root, its name unknown. Scored as a
   * static non-root user. */
  nonRoot?: true;
}

export type NixValue = string | number | boolean | null | NixValue[] | NixUnknown;

export interface NixServiceDef {
  serviceConfig: Record<string, NixValue>;
  unitConfig?: Record<string, NixValue>;
  /** A `script` (non-empty) is defined, so NixOS sets ExecStart to its job script. */
  script?: boolean;
  /** `scriptArgs` when known. */
  scriptArgs?: string;
  description?: string;
  confinement?: { enable?: boolean | NixUnknown; mode?: string | NixUnknown };
}

export function isUnknown(v: unknown): v is NixUnknown {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as { unknown?: unknown }).unknown === true;
}

function containsUnknown(v: NixValue): boolean {
  if (isUnknown(v)) return true;
  return Array.isArray(v) && v.some(containsUnknown);
}

/**
 * builtins.toString as NixOS applies it to option values: null -> "", true -> "1", false -> "",
 * lists -> elements joined by single spaces, integers in decimal, floats with six decimals
 * (Nix prints 0.5 as "0.500000"; a JS number that is integral is taken for a Nix int).
 */
export function nixToString(v: NixValue): string {
  if (v === null) return "";
  if (v === true) return "1";
  if (v === false) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(6);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(nixToString).join(" ");
  throw new Error("an unknown value has no string form");
}

/** systemd-lib.nix toOption: true -> "true", false -> "false", anything else through toString. */
export function toOption(v: NixValue): string {
  if (v === true) return "true";
  if (v === false) return "false";
  return nixToString(v);
}

/**
 * systemd-lib.nix attrsToSection: attributes in Nix's (byte-wise sorted) order; a list value becomes
 * one `Key=` line per element (an empty list: no line at all), anything else one line; null becomes
 * an empty assignment `Key=` (NixOS does not drop nulls), which systemd reads as a reset.
 */
export function attrsToSection(attrs: Record<string, NixValue>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(attrs).sort(compareBytes)) {
    const value = attrs[name] as NixValue;
    const items = Array.isArray(value) ? value : [value];
    for (const x of items) out.push([name, toOption(x)]);
  }
  return out;
}

function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/** mkPathSafeName in systemd-lib.nix. */
export function mkPathSafeName(name: string): string {
  return name.replace(/[@:\\]/g, "-").replace(/[[\]]/g, "");
}

/** The unit file name NixOS gives `systemd.services.<name>`. */
export function serviceUnitName(name: string): string {
  return name.endsWith(".service") ? name : `${name}.service`;
}

/** Placeholder store path for a job script: its text never matters to the exposure score. */
function jobScriptPath(name: string, suffix: string): string {
  const scriptName = name.replace(/\\/g, "-").replace(/@/g, "_");
  return `/nix/store/00000000000000000000000000000000-unit-script-${scriptName}-${suffix}/bin/${scriptName}-${suffix}`;
}

const PLACEHOLDER_EXEC = "/run/current-system/sw/bin/true";
/** The account a `User = cfg.user` stands for in the rendered unit: some static non-root user. */
export const OPTION_USER_PLACEHOLDER = "service-user";

export interface ToUnitOptions {
  /**
   * When the definition has neither ExecStart nor a script (or the value is unknown), add a
   * placeholder ExecStart so systemd loads the unit: the command never affects the exposure score.
   * Default true.
   */
  placeholderExecStart?: boolean;
}

const EXPOSURE_KEYS = new Set([...EXPOSURE_SERVICE_KEYS, ...EXPOSURE_UNIT_KEYS]);

/**
 * What NixOS writes into `<name>.service`: the [Unit] and [Service] assignments, in order, plus the
 * list of exposure-relevant settings left out because the scan could not know their value.
 */
export function toUnitSettings(name: string, def: NixServiceDef, options: ToUnitOptions = {}): UnitSettings {
  const unknown: string[] = [];
  const serviceConfig: Record<string, NixValue> = { ...def.serviceConfig };
  const unitConfig: Record<string, NixValue> = { ...(def.unitConfig ?? {}) };

  // systemd-unit-options.nix: a script becomes ExecStart = "<job script> <scriptArgs>" (mkIf, so a
  // serviceConfig.ExecStart given with mkForce wins; a plain one would be an evaluation conflict).
  if (def.script && !("ExecStart" in serviceConfig)) serviceConfig.ExecStart = `${jobScriptPath(name, "start")} ${def.scriptArgs ?? ""}`;

  const confinement = def.confinement;
  if (confinement && isUnknown(confinement.enable)) unknown.push("confinement.enable");
  if (confinement && confinement.enable === true) {
    const mode = isUnknown(confinement.mode) || confinement.mode === undefined ? "full-apivfs" : confinement.mode;
    const wantsAPIVFS = mode === "full-apivfs";
    const safe = mkPathSafeName(name);
    const defaults: Record<string, NixValue> = {
      PrivateMounts: true,
      MountAPIVFS: wantsAPIVFS,
      PrivateDevices: wantsAPIVFS,
      PrivateTmp: wantsAPIVFS,
      PrivateUsers: wantsAPIVFS,
      ProtectControlGroups: wantsAPIVFS,
      ProtectKernelModules: wantsAPIVFS,
      ProtectKernelTunables: wantsAPIVFS,
    };
    // mkDefault: the service's own value wins.
    for (const [k, v] of Object.entries(defaults)) if (!(k in serviceConfig)) serviceConfig[k] = v;
    // Plain definitions: lists concatenate; RootDirectory is not mkDefault (a second, different
    // definition is an evaluation error in NixOS; we keep the service's).
    if (!("RootDirectory" in serviceConfig)) serviceConfig.RootDirectory = `/run/confinement/${safe}`;
    serviceConfig.ReadOnlyPaths = concatList(serviceConfig.ReadOnlyPaths, ["+/"]);
    serviceConfig.RuntimeDirectory = concatList(serviceConfig.RuntimeDirectory, [`confinement/${safe}`]);
    serviceConfig.InaccessiblePaths = concatList(serviceConfig.InaccessiblePaths, [`-+/run/confinement/${safe}`]);
  }

  const known = (attrs: Record<string, NixValue>): Record<string, NixValue> => {
    const out: Record<string, NixValue> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "User" && isUnknown(v) && v.nonRoot) {
        out[k] = OPTION_USER_PLACEHOLDER;
        continue;
      }
      if (containsUnknown(v)) {
        if (EXPOSURE_KEYS.has(k) && !k.startsWith("Exec")) unknown.push(k);
        // An unknown command still exists: keep the unit loadable with a placeholder path.
        if (k === "ExecStart" || k === "ExecStop") out[k] = Array.isArray(v) ? v.map(() => PLACEHOLDER_EXEC) : PLACEHOLDER_EXEC;
        continue;
      }
      out[k] = v;
    }
    return out;
  };
  const svc = known(serviceConfig);
  const unit = known(unitConfig);
  if (def.description && !("Description" in unit)) unit.Description = def.description;

  if ((options.placeholderExecStart ?? true) && !hasCommand(svc.ExecStart) && !hasCommand(svc.ExecStop)) svc.ExecStart = PLACEHOLDER_EXEC;

  return {
    name: serviceUnitName(name),
    unit: attrsToSection(unit),
    service: attrsToSection(svc),
    unknown: [...new Set(unknown)].sort(),
  };
}

function hasCommand(v: NixValue | undefined): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.some(hasCommand);
  return true;
}

function concatList(existing: NixValue | undefined, add: NixValue[]): NixValue {
  if (existing === undefined) return add;
  if (Array.isArray(existing)) return [...existing, ...add];
  // unitOption merge: mixing a list and a non-list is an evaluation error in NixOS; keep both.
  return [existing, ...add];
}

/** The `.service` file NixOS would generate for `systemd.services.<name>` (the parts that matter here). */
export function renderUnitFile(name: string, def: NixServiceDef, options: ToUnitOptions = {}): string {
  return formatUnitSettings(toUnitSettings(name, def, options));
}
