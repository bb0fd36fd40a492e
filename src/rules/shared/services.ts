// The systemd services a repository defines, read from its Nix files: each service's unit settings
// (what `systemd-analyze security` scores), where it is defined, whether it runs as root, and its
// attack surface. The service-hardening rule reports on them; the scan reads the same list first to
// score the services (systemd-analyze) before the rule runs, since rules never run programs.
import type { NixServiceDef, NixValue } from "../../exposure/unit.js";
import { serviceSurface, type SurfaceVerdict } from "../../exposure/surface.js";
import { calleeName, flattenApply, unparen, type OptionDefinition } from "../../nix/options.js";
import { StaticEvaluator, isAttrs, isEvalUnknown, type EvalValue } from "../../nix/static-eval.js";
import { staticValue, isUnknownValue, type StaticValue } from "../../nix/values.js";
import { setOf } from "../../nix/edit.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext } from "../types.js";

export interface FoundService {
  ctx: NixFileContext;
  name: string;
  def: NixServiceDef;
  /** The first definition of `systemd.services.<name>...` in the file: where the finding points. */
  anchor: OptionDefinition;
  /** The definition of `systemd.services.<name>.serviceConfig` holding a set, if any. */
  serviceConfigDef?: OptionDefinition;
  /** The definition of `systemd.services.<name>` holding a set, if any. */
  serviceDef?: OptionDefinition;
  runsAsRoot: boolean;
  /** Parts merged into serviceConfig that could not be read (`helpers.hardened`): the score is
   * then an upper bound, not the unit's value. */
  partial: string[];
  surface: SurfaceVerdict;
}

function toNixValue(v: StaticValue): NixValue {
  if (isUnknownValue(v)) return { unknown: true, text: v.text };
  if (Array.isArray(v)) return v.map(toNixValue);
  if (v !== null && typeof v === "object") return { unknown: true, text: "{ ... }" };
  return v;
}

function evalToNix(v: EvalValue): NixValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(evalToNix);
  return { unknown: true, text: v.kind === "unknown" ? v.text : "{ ... }" };
}

type Loader = (file: string) => NixFileContext | undefined;

// The option index of an unchanged file is kept between scans: its services are read once (again
// when a file its services' values were read from changed).
const servicesCache = new WeakMap<object, { found: Omit<FoundService, "ctx">[]; deps: Map<string, object | undefined> }>();

/** The services a file defines (not those it only adjusts: an upstream module's unit with a few
 * serviceConfig overrides is that module's service, and its hardening is upstream's). */
export function servicesIn(ctx: NixFileContext, load: Loader = () => undefined): FoundService[] {
  let entry = servicesCache.get(ctx.index);
  if (!entry || [...entry.deps].some(([f, idx]) => load(f)?.index !== idx)) {
    const deps = new Map<string, object | undefined>();
    const tracked: Loader = (f) => {
      const c = load(f);
      deps.set(f, c?.index);
      return c;
    };
    servicesCache.set(ctx.index, (entry = { found: readServices(ctx, tracked), deps }));
  }
  return entry.found.map((s) => ({ ...s, ctx }));
}

/** A value the option index could not walk into completely (`a // b` with `a` unread, a function
 * call, an import): the static evaluator reads what it can of it. */
function needsEvaluation(value: SyntaxNode | undefined): boolean {
  const n = unparen(value);
  if (!n || n.kind === K.NODE_ATTR_SET) return false;
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) return needsEvaluation(args[1]);
    if (name && /^mk(Force|Default|Override|OptionDefault)$/.test(name)) return needsEvaluation(args[args.length - 1]);
  }
  return true;
}

function readServices(ctx: NixFileContext, load: Loader): Omit<FoundService, "ctx">[] {
  const byName = new Map<string, OptionDefinition[]>();
  const sockets = new Set<string>();
  const timers = new Set<string>();
  let opensFirewall = false;
  for (const d of ctx.index.definitions) {
    const s = d.segments;
    if (/^networking\.firewall\.(allowedTCPPorts|allowedUDPPorts|allowedTCPPortRanges)$/.test(d.path) || (/\.openFirewall$/.test(d.path) && staticValue(d.inner) !== false)) opensFirewall = true;
    if (s.length < 3 || s[0]!.name !== "systemd" || s[0]!.dynamic || s[1]!.dynamic || s[2]!.dynamic) continue;
    if (s[1]!.name === "sockets") sockets.add(s[2]!.name);
    if (s[1]!.name === "timers") timers.add(s[2]!.name);
    if (s[1]!.name !== "services") continue;
    const name = s[2]!.name;
    const list = byName.get(name);
    if (list) list.push(d);
    else byName.set(name, [d]);
  }
  const evaluator = new StaticEvaluator({ load: (f) => load(f)?.parsed.root });
  const out: Omit<FoundService, "ctx">[] = [];
  for (const [name, defs] of byName) {
    const serviceConfig: Record<string, NixValue> = {};
    const def: NixServiceDef = { serviceConfig };
    let definesService = false;
    let serviceConfigDef: OptionDefinition | undefined;
    let serviceDef: OptionDefinition | undefined;
    const partial: string[] = [];
    const command: string[] = [];
    let scheduled = false;
    let script: string | undefined;
    // Keys read from values the index could not walk (filled in where the index has none).
    const evaluated: Record<string, NixValue> = {};
    const readEvaluated = (v: EvalValue, at: SyntaxNode | undefined) => {
      if (!isAttrs(v)) {
        partial.push(isEvalUnknown(v) ? v.text : (at?.text ?? "").slice(0, 60));
        return;
      }
      partial.push(...v.partial);
      for (const [k, x] of v.attrs) evaluated[k] = evalToNix(x);
    };
    for (const d of defs) {
      const rest = d.segments.slice(3).map((x) => x.name);
      if (rest.length === 0) {
        if (setOf(d.value)) serviceDef ??= d;
        else if (d.value && needsEvaluation(d.value)) {
          const v = evaluator.evalAt(d.value, ctx.file);
          if (isAttrs(v)) {
            const sc = v.attrs.get("serviceConfig");
            if (sc !== undefined) readEvaluated(sc, d.value);
            partial.push(...v.partial);
            if (v.attrs.has("script")) definesService = true;
            if (v.attrs.has("script")) def.script = true;
            if (v.attrs.has("startAt")) scheduled = true;
          } else partial.push(d.value.text.slice(0, 60));
          command.push(d.value.text);
        }
        continue;
      }
      const head = rest[0]!;
      if (head === "serviceConfig") {
        if (rest.length === 1) {
          if (setOf(d.value)) serviceConfigDef ??= d;
          else serviceConfigDef ??= d;
          if (d.value && needsEvaluation(d.value)) readEvaluated(evaluator.evalAt(d.value, ctx.file), d.value);
          continue;
        }
        if (rest.length === 2 && d.isLeaf) {
          const value = toNixValue(staticValue(d.value));
          serviceConfig[rest[1]!] = value;
          // `ExecStart = [ "" "..." ]` resets another definition's command: this adjusts a unit
          // defined elsewhere (an upstream module's), it does not define one.
          const resets = Array.isArray(value) && value[0] === "";
          if (rest[1] === "ExecStart" && !resets) definesService = true;
          if (rest[1] === "ExecStart") command.push(d.value?.text ?? "");
        }
      } else if (head === "script" && rest.length === 1) {
        def.script = true;
        definesService = true;
        command.push(d.value?.text ?? "");
        const v = staticValue(d.inner);
        if (typeof v === "string") script = v;
      } else if (head === "startAt" && rest.length === 1) {
        scheduled = true;
      } else if (head === "description" && rest.length === 1) {
        const v = staticValue(d.value);
        if (typeof v === "string") def.description = v;
        definesService = true;
      } else if (head === "unitConfig" && rest.length === 2 && d.isLeaf) {
        def.unitConfig ??= {};
        def.unitConfig[rest[1]!] = toNixValue(staticValue(d.value));
      } else if (head === "confinement" && rest.length === 2 && d.isLeaf) {
        const v = toNixValue(staticValue(d.value));
        def.confinement ??= {};
        if (rest[1] === "enable") def.confinement.enable = typeof v === "boolean" ? v : { unknown: true, text: d.value?.text ?? "" };
        if (rest[1] === "mode") def.confinement.mode = typeof v === "string" ? v : { unknown: true, text: d.value?.text ?? "" };
      }
    }
    for (const [k, v] of Object.entries(evaluated)) if (!(k in serviceConfig)) serviceConfig[k] = v;
    if (typeof evaluated.ExecStart === "string" || Array.isArray(evaluated.ExecStart)) definesService = true;
    if (!definesService) continue;
    const user = serviceConfig.User;
    const dyn = serviceConfig.DynamicUser;
    const runsAsRoot = (user === undefined || user === "root" || user === "0" || user === null) && !(dyn === true || dyn === "yes" || dyn === "true");
    const type = typeof serviceConfig.Type === "string" ? serviceConfig.Type : undefined;
    const surface = serviceSurface({
      name,
      command: command.join("\n"),
      // RemainAfterExit marks a setup job that runs once at boot, not a scheduled one.
      type: type ?? (serviceConfig.RemainAfterExit === true ? "oneshot" : undefined),
      scheduled: scheduled || timers.has(name),
      socket: sockets.has(name),
      // Ports a file opens are its service's only when the file is that service's module: in a
      // host's configuration with many units they cannot be pinned on any one of them.
      opensFirewall: opensFirewall && byName.size <= 2,
      privateNetwork: serviceConfig.PrivateNetwork === true,
      script,
    });
    out.push({ name, def, anchor: defs[0]!, serviceConfigDef, serviceDef, runsAsRoot, partial: [...new Set(partial)], surface });
  }
  return out;
}
