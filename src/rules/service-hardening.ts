// Service hardening: every `systemd.services.<name>` a repository defines gets the systemd sandbox
// exposure score `systemd-analyze security --offline=yes` gives the unit NixOS generates from it
// (the real tool when installed, else the built-in scorer with the same numbers). Services running
// as root with no sandboxing are high, exposed ones medium; the fix adds a sound baseline.
import { baselineToNix, hardeningBaseline } from "../exposure/baseline.js";
import { formatExposure } from "../exposure/score.js";
import type { NixServiceDef, NixValue } from "../exposure/unit.js";
import type { OptionDefinition } from "../nix/options.js";
import { staticValue, isUnknownValue, type StaticValue } from "../nix/values.js";
import { addBindings, indentUnit, lineIndent, setOf } from "../nix/edit.js";
import type { SyntaxNode } from "../nix/syntax.js";
import type { NixFileContext, Rule, TextEdit } from "./types.js";
import { hostExample } from "./shared/examples.js";

const baselineCache = new Map<string, ReturnType<typeof hardeningBaseline>>();

interface FoundService {
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
}

function toNixValue(v: StaticValue): NixValue {
  if (isUnknownValue(v)) return { unknown: true, text: v.text };
  if (Array.isArray(v)) return v.map(toNixValue);
  if (v !== null && typeof v === "object") return { unknown: true, text: "{ ... }" };
  return v;
}

// The option index of an unchanged file is kept between scans: its services are read once.
const servicesCache = new WeakMap<object, Omit<FoundService, "ctx">[]>();

/** The services a file defines (not those it only adjusts: an upstream module's unit with a few
 * serviceConfig overrides is that module's service, and its hardening is upstream's). */
export function servicesIn(ctx: NixFileContext): FoundService[] {
  let found = servicesCache.get(ctx.index);
  if (!found) servicesCache.set(ctx.index, (found = readServices(ctx)));
  return found.map((s) => ({ ...s, ctx }));
}

function readServices(ctx: NixFileContext): Omit<FoundService, "ctx">[] {
  const byName = new Map<string, OptionDefinition[]>();
  for (const d of ctx.index.definitions) {
    const s = d.segments;
    if (s.length < 3 || s[0]!.name !== "systemd" || s[1]!.name !== "services" || s[0]!.dynamic || s[1]!.dynamic || s[2]!.dynamic) continue;
    const name = s[2]!.name;
    const list = byName.get(name);
    if (list) list.push(d);
    else byName.set(name, [d]);
  }
  const out: Omit<FoundService, "ctx">[] = [];
  for (const [name, defs] of byName) {
    const serviceConfig: Record<string, NixValue> = {};
    const def: NixServiceDef = { serviceConfig };
    let definesService = false;
    let serviceConfigDef: OptionDefinition | undefined;
    let serviceDef: OptionDefinition | undefined;
    for (const d of defs) {
      const rest = d.segments.slice(3).map((x) => x.name);
      if (rest.length === 0) {
        if (setOf(d.value)) serviceDef ??= d;
        continue;
      }
      const head = rest[0]!;
      if (head === "serviceConfig") {
        if (rest.length === 1) {
          if (setOf(d.value)) serviceConfigDef ??= d;
          else if (d.isLeaf) serviceConfig["<whole serviceConfig>"] = { unknown: true, text: d.value?.text ?? "" };
          continue;
        }
        if (rest.length === 2 && d.isLeaf) {
          const value = toNixValue(staticValue(d.value));
          serviceConfig[rest[1]!] = value;
          // `ExecStart = [ "" "..." ]` resets another definition's command: this adjusts a unit
          // defined elsewhere (an upstream module's), it does not define one.
          const resets = Array.isArray(value) && value[0] === "";
          if (rest[1] === "ExecStart" && !resets) definesService = true;
        }
      } else if (head === "script" && rest.length === 1) {
        def.script = true;
        definesService = true;
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
    delete serviceConfig["<whole serviceConfig>"];
    if (!definesService) continue;
    const user = serviceConfig.User;
    const dyn = serviceConfig.DynamicUser;
    const runsAsRoot = (user === undefined || user === "root" || user === "0" || user === null) && !(dyn === true || dyn === "yes" || dyn === "true");
    out.push({ name, def, anchor: defs[0]!, serviceConfigDef, serviceDef, runsAsRoot });
  }
  return out;
}

// Edits depend on the file's tree (kept between scans while unchanged) and the baseline.
const editsCache = new WeakMap<SyntaxNode, Map<string, TextEdit[] | undefined>>();

function cachedBaselineEdits(svc: FoundService, settings: Record<string, string | boolean | string[]>): TextEdit[] | undefined {
  let byBaseline = editsCache.get(svc.anchor.binding);
  if (!byBaseline) editsCache.set(svc.anchor.binding, (byBaseline = new Map()));
  const key = JSON.stringify(settings);
  if (!byBaseline.has(key)) byBaseline.set(key, baselineEdits(svc, settings));
  return byBaseline.get(key);
}

/** Edits adding the baseline's options to the service's serviceConfig (or creating it). */
function baselineEdits(svc: FoundService, settings: Record<string, string | boolean | string[]>): TextEdit[] | undefined {
  const { ctx } = svc;
  const text = ctx.text;
  const sc = setOf(svc.serviceConfigDef?.value);
  if (sc && svc.serviceConfigDef!.conditions.length === 0) {
    const lines = baselineToNix(settings, "").split("\n").filter((l) => l.trim() !== "");
    return [addBindings(ctx.file, text, sc, lines)];
  }
  const set = setOf(svc.serviceDef?.value);
  if (set) {
    const unit = indentUnit(text);
    const inner = lineIndent(text, set.start) + unit;
    const body = baselineToNix(settings, inner + unit).split("\n").filter((l) => l.trim() !== "");
    return [addBindings(ctx.file, text, set, [`serviceConfig = {\n${body.join("\n")}\n${inner}};`])];
  }
  return undefined;
}

export const serviceHardening: Rule = {
  id: "systemd-service-exposure",
  examples: {
    fire: [hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/run/current-system/sw/bin/myapp"; }; }\n`)],
    silent: [hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig = { ExecStart = "/run/current-system/sw/bin/myapp"; DynamicUser = true; ProtectSystem = "strict"; ProtectHome = true; PrivateTmp = true; PrivateDevices = true; PrivateNetwork = true; NoNewPrivileges = true; CapabilityBoundingSet = ""; RestrictAddressFamilies = "none"; ProtectKernelTunables = true; ProtectKernelModules = true; ProtectKernelLogs = true; ProtectControlGroups = true; ProtectClock = true; ProtectHostname = true; ProtectProc = "invisible"; ProcSubset = "pid"; RestrictNamespaces = true; LockPersonality = true; MemoryDenyWriteExecute = true; RestrictRealtime = true; RestrictSUIDSGID = true; SystemCallArchitectures = "native"; SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ]; UMask = "0077"; IPAddressDeny = "any"; DevicePolicy = "closed"; PrivateUsers = true; RemoveIPC = true; }; }; }\n`)],
  },
  name: "systemd service without sandboxing",
  category: "service-hardening",
  severity: "medium",
  rationale:
    "A service without systemd's sandboxing options can read and write the whole system with the privileges of its user; a bug or a compromised dependency then becomes a compromise of the host, and of everything when it runs as root.",
  fix: "Run the service as an unprivileged (Dynamic)User and add sandboxing options (ProtectSystem=strict, ProtectHome, PrivateTmp, NoNewPrivileges, ...), then allow back only what it needs (ReadWritePaths, StateDirectory).",
  references: [
    { title: "systemd.exec(5): Sandboxing", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Sandboxing" },
    { title: "systemd-analyze security", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd-analyze.html" },
    { title: "NixOS manual: systemd.services.<name>.serviceConfig", url: "https://search.nixos.org/options?query=systemd.services.%3Cname%3E.serviceConfig" },
  ],
  compliance: { cis: ["1.6 Mandatory Access Control", "5.4 User Accounts and Environment"], nist: ["PR.PS-01", "PR.AA-05"] },

  // The scores come from the scan (sink.exposures): this rule runs no program.
  async checkRepository(files, sink) {
    const services = files.flatMap((ctx) => servicesIn(ctx));
    if (services.length === 0) return;
    const outcomes = await sink.exposures(services.map((s) => ({ name: s.name, def: s.def })));
    services.forEach((svc, i) => {
      const o = outcomes[i]!;
      const anchorNode = svc.anchor.attrpath ?? svc.anchor.binding;
      if (!o.ok) {
        sink.error(`systemd.services.${svc.name}: ${o.error}`, svc.ctx.file);
        return;
      }
      sink.addService({ name: svc.name, file: svc.ctx.file, line: anchorNode.line, node: anchorNode, exposure: o.exposure, verdict: o.verdict });
      if (o.exposure < 7.0) return;
      const severity = svc.runsAsRoot && o.exposure >= 9.0 ? "high" : "medium";
      const baselineKey = JSON.stringify([svc.name, svc.def]);
      let baseline = baselineCache.get(baselineKey);
      if (!baseline) baselineCache.set(baselineKey, (baseline = hardeningBaseline(svc.name, svc.def)));
      const failing = o.checks.filter((c) => c.passed === false && (c.exposure ?? 0) > 0).sort((a, b) => (b.exposure ?? 0) - (a.exposure ?? 0));
      const missing = [...new Set(failing.map((c) => c.setting))].slice(0, 8);
      const after = baseline.after.ok ? ` With the baseline below it scores ${formatExposure(baseline.after.exposure)} ${baseline.after.verdict}.` : "";
      const unknown = o.unknown.length ? ` (${o.unknown.join(", ")} could not be read statically and were scored as unset.)` : "";
      const who = svc.runsAsRoot ? "runs as root" : "runs";
      const edits = Object.keys(baseline.settings).length ? cachedBaselineEdits(svc, baseline.settings as Record<string, string | boolean | string[]>) : undefined;
      sink.report(svc.ctx, {
        node: anchorNode,
        optionPath: `systemd.services.${svc.name}`,
        severity,
        title: `systemd service '${svc.name}' ${svc.runsAsRoot ? "runs as root without sandboxing" : "is poorly sandboxed"}`,
        message: `systemd.services.${svc.name} ${who} with an exposure of ${formatExposure(o.exposure)} ${o.verdict} (${o.source === "systemd-analyze" ? "measured with systemd-analyze security" : "built-in scorer, same numbers as systemd-analyze security"}). Missing: ${missing.join(", ") || "(see checks)"}.${after}${unknown}`,
        evidence: `systemd.services.${svc.name}: exposure ${formatExposure(o.exposure)} ${o.verdict}`,
        fix: {
          safety: "review",
          description: `Add to serviceConfig: ${Object.keys(baseline.settings).join(", ")}. Check that the service still works (it may need ReadWritePaths, StateDirectory, or a capability); then deploy.`,
          edits,
        },
      });
    });
  },
};
