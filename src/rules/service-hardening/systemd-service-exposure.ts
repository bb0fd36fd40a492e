// Service hardening: every `systemd.services.<name>` a repository defines gets the systemd sandbox
// exposure score `systemd-analyze security --offline=yes` gives the unit NixOS generates from it
// (the real tool when installed, else the built-in scorer with the same numbers). Services running
// as root with no sandboxing are high, exposed ones medium; the fix adds a sound baseline.
import { baselineToNix, hardeningBaseline, type BaselineValue } from "../../exposure/baseline.js";
import { formatExposure } from "../../exposure/score.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { serviceConfigEdits } from "../shared/service-edits.js";
import { servicesIn, type FoundService } from "../shared/services.js";
import type { Rule, RuleReport, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";

// Units that systemd, a package or a NixOS module defines; a repository that sets a key or two of
// theirs (`systemd.services.NetworkManager-wait-online.serviceConfig.ExecStart = [ ... ]`) only
// overrides them, and the sandboxing of the unit it overrides is not in the repository.
const STOCK_UNIT = /^(?:systemd-[\w-]+|NetworkManager(?:-[\w-]+)?|nix-daemon|nix-gc|nix-optimise|dbus|dbus-broker|getty@[\w-]*|serial-getty@[\w-]*|autovt@[\w-]*|sshd|display-manager|polkit|udisks2|upower|bluetooth|docker|podman|containerd|cups|avahi-daemon|tailscaled|libvirtd|accounts-daemon|wpa_supplicant|nscd|firewall|network-setup|resolvconf|reload-systemd-vconsole-setup|user@|user-runtime-dir@)$/;

/** Only a few settings of a unit defined elsewhere: no script, no description, at most three keys. */
function overridesStockUnit(svc: FoundService): boolean {
  return STOCK_UNIT.test(svc.name) && !svc.def.script && svc.def.description === undefined && Object.keys(svc.def.serviceConfig).length <= 3;
}

// What the rule reads of a baseline: its settings and the score after it (the whole baseline holds
// both scores with every check, kept per service for as long as the process lives).
type BaselineSummary = { settings: Record<string, BaselineValue>; after: { ok: boolean; exposure: number; verdict: string } };
const baselineCache = new Map<string, BaselineSummary>();
function baselineSummary(full: ReturnType<typeof hardeningBaseline>): BaselineSummary {
  const a = full.after;
  return { settings: full.settings, after: a.ok ? { ok: true, exposure: a.exposure, verdict: a.verdict } : { ok: false, exposure: 0, verdict: "" } };
}

// Edits depend on the file's tree (kept between scans while unchanged) and the baseline.
const editsCache = new WeakMap<SyntaxNode, Map<string, TextEdit[] | undefined>>();

function cachedBaselineEdits(svc: FoundService, settings: Record<string, BaselineValue>): TextEdit[] | undefined {
  let byBaseline = editsCache.get(svc.anchor.binding);
  if (!byBaseline) editsCache.set(svc.anchor.binding, (byBaseline = new Map()));
  const key = JSON.stringify(settings);
  if (!byBaseline.has(key)) {
    const texts: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) texts[k] = baselineToNix({ [k]: v }, "").replace(/^[^=]*= /, "").replace(/;$/, "");
    const { ctx } = svc;
    byBaseline.set(key, serviceConfigEdits({ file: ctx.file, text: ctx.text, root: ctx.parsed.root, name: svc.name, anchor: svc.anchor, serviceConfigDef: svc.serviceConfigDef, serviceDef: svc.serviceDef }, texts));
  }
  return byBaseline.get(key);
}

type Severity = "high" | "medium" | "low";

/** Severity by attack surface first, then the exposure and whether it runs as root; one level
 * lower when part of its configuration could not be read (the score is then a bound). */
function severityOf(svc: FoundService, exposure: number): Severity {
  const rootOpen = svc.runsAsRoot && exposure >= 9.0;
  let s: Severity = svc.surface.surface === "network" ? (rootOpen ? "high" : "medium") : svc.surface.surface === "daemon" ? (rootOpen ? "medium" : "low") : "low";
  if (svc.partial.length) s = s === "high" ? "medium" : "low";
  return s;
}

export const serviceHardening: Rule = {
  id: "systemd-service-exposure",
  examples: {
    fire: [hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/run/current-system/sw/bin/myapp"; }; }\n`)],
    silent: [
      // An override of a unit NetworkManager ships: its sandboxing is not in the repository.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.NetworkManager-wait-online.serviceConfig.ExecStart = [ "" "\${pkgs.networkmanager}/bin/nm-online -q" ];\n}\n`),
      hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig = { ExecStart = "/run/current-system/sw/bin/myapp"; DynamicUser = true; ProtectSystem = "strict"; ProtectHome = true; PrivateTmp = true; PrivateDevices = true; PrivateNetwork = true; NoNewPrivileges = true; CapabilityBoundingSet = ""; RestrictAddressFamilies = "none"; ProtectKernelTunables = true; ProtectKernelModules = true; ProtectKernelLogs = true; ProtectControlGroups = true; ProtectClock = true; ProtectHostname = true; ProtectProc = "invisible"; ProcSubset = "pid"; RestrictNamespaces = true; LockPersonality = true; MemoryDenyWriteExecute = true; RestrictRealtime = true; RestrictSUIDSGID = true; SystemCallArchitectures = "native"; SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ]; UMask = "0077"; IPAddressDeny = "any"; DevicePolicy = "closed"; PrivateUsers = true; RemoveIPC = true; }; }; }\n`)],
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

  // The scores come from the scan, computed before this runs (sink.exposures): no program is run here.
  needs: { exposures: true },
  checkRepository(files, sink) {
    const byFile = new Map(files.map((f) => [f.file, f]));
    const services = files.flatMap((ctx) => servicesIn(ctx, (f) => byFile.get(f)));
    if (services.length === 0) return;
    const outcomes = sink.exposures(services.map((s) => ({ name: s.name, def: s.def })));
    const jobsByFile = new Map<string, Array<{ svc: FoundService; report: RuleReport; exposure: number }>>();
    services.forEach((svc, i) => {
      const o = outcomes[i]!;
      const anchorNode = svc.anchor.attrpath ?? svc.anchor.binding;
      if (!o.ok) {
        sink.error(`systemd.services.${svc.name}: ${o.error}`, svc.ctx.file);
        return;
      }
      sink.addService({ name: svc.name, file: svc.ctx.file, line: anchorNode.line, node: anchorNode, exposure: o.exposure, verdict: o.verdict });
      if (o.exposure < 7.0 || svc.surface.trivial || overridesStockUnit(svc)) return;
      const severity = severityOf(svc, o.exposure);
      const needsRoot = svc.surface.needsRoot;
      const baselineKey = JSON.stringify([svc.name, svc.def, needsRoot ?? ""]);
      let baseline = baselineCache.get(baselineKey);
      if (!baseline) baselineCache.set(baselineKey, (baseline = baselineSummary(hardeningBaseline(svc.name, svc.def, { keepUser: needsRoot !== undefined }))));
      const failing = o.checks.filter((c) => c.passed === false && (c.exposure ?? 0) > 0).sort((a, b) => (b.exposure ?? 0) - (a.exposure ?? 0));
      const missing = [...new Set(failing.map((c) => c.setting))].slice(0, 8);
      const after = baseline.after.ok && !svc.partial.length ? ` With the baseline below it scores ${formatExposure(baseline.after.exposure)} ${baseline.after.verdict}.` : "";
      const unknown = o.unknown.length ? ` (${o.unknown.join(", ")} could not be read statically and were scored as unset.)` : "";
      const who = svc.runsAsRoot ? "runs as root" : "runs";
      // A score over what could be read, with merged parts unread, is a bound: never "measured".
      const bound = svc.partial.length > 0;
      const score = bound
        ? `an exposure of at most ${formatExposure(o.exposure)} ${o.verdict}: ${svc.partial.slice(0, 3).join(", ")} ${svc.partial.length > 1 ? "are" : "is"} merged into its serviceConfig and could not be read statically, so what ${svc.partial.length > 1 ? "they set" : "it sets"} is not counted and the unit may well be hardened (the score is a bound, not a measurement)`
        : `an exposure of ${formatExposure(o.exposure)} ${o.verdict} (${o.source === "systemd-analyze" ? "measured with systemd-analyze security" : "built-in scorer, same numbers as systemd-analyze security"})`;
      const surfaceText = ` It is rated by its attack surface: ${svc.surface.why}.`;
      const rootText = needsRoot ? ` It must run as root (${needsRoot}), so no DynamicUser or User= is proposed.` : "";
      // Unread parts may set the same keys (adding them could conflict), and a job that must run
      // as root needs a per-job choice (kernel tunables, devices, netlink): no patch for either.
      const edits = !bound && !needsRoot && Object.keys(baseline.settings).length ? cachedBaselineEdits(svc, baseline.settings) : undefined;
      const r: RuleReport = {
        node: anchorNode,
        optionPath: `systemd.services.${svc.name}`,
        severity,
        title: `systemd service '${svc.name}' ${svc.runsAsRoot ? "runs as root without sandboxing" : "is poorly sandboxed"}`,
        message: `systemd.services.${svc.name} ${who} with ${score}. Missing: ${missing.join(", ") || "(see checks)"}.${after}${unknown}${surfaceText}${rootText}`,
        evidence: `systemd.services.${svc.name}: exposure ${bound ? "at most " : ""}${formatExposure(o.exposure)} ${o.verdict}`,
        fix: {
          safety: "review",
          description: bound
            ? `Check what ${svc.partial.slice(0, 3).join(", ")} sets, then add what is missing to serviceConfig.`
            : needsRoot
              ? `Keep it root; add only what this job allows (typically PrivateTmp, ProtectHome, NoNewPrivileges, LockPersonality; not ProtectKernelTunables/PrivateDevices/RestrictAddressFamilies where it writes sysctls, devices or firewall rules).`
              : `Add to serviceConfig: ${Object.keys(baseline.settings).join(", ")}. Check that the service still works (it may need ReadWritePaths, StateDirectory, or a capability); then deploy.`,
          edits,
        },
      };
      if (svc.surface.surface !== "oneshot") return sink.report(svc.ctx, r);
      const jobs = jobsByFile.get(svc.ctx.file);
      if (jobs) jobs.push({ svc, report: r, exposure: o.exposure });
      else jobsByFile.set(svc.ctx.file, [{ svc, report: r, exposure: o.exposure }]);
    });
    // Oneshot and scheduled jobs are reached only through their inputs: one low finding per file
    // listing them, so that a module with a handful of jobs does not outnumber a network daemon.
    for (const jobs of jobsByFile.values()) {
      const first = jobs[0]!;
      if (jobs.length === 1) {
        sink.report(first.svc.ctx, first.report);
        continue;
      }
      const names = jobs.map((j) => `${j.svc.name} (${formatExposure(j.exposure)}${j.svc.runsAsRoot ? ", root" : ""})`);
      // One patch for all of them when each job has one and they touch different places.
      const all = jobs.every((j) => j.report.fix?.edits?.length) ? jobs.flatMap((j) => j.report.fix!.edits!).sort((a, b) => a.start - b.start) : [];
      const disjoint = all.every((e, k) => k === 0 || (e.file === all[k - 1]!.file && e.start >= all[k - 1]!.end && e.start > all[k - 1]!.start));
      const edits = all.length && disjoint ? all : undefined;
      sink.report(first.svc.ctx, {
        node: first.report.node,
        key: `jobs ${jobs.map((j) => j.svc.name).join(" ")}`,
        severity: "low",
        title: `${jobs.length} oneshot or scheduled systemd jobs without sandboxing`,
        message: `${jobs.length} oneshot or scheduled jobs in this file run without sandboxing: ${names.join(", ")}. A job is reached only through what it reads, so each is rated low; ${first.report.message.replace(/^systemd\.services\.\S+ /, `the first, ${first.svc.name}, `)}`,
        evidence: jobs.map((j) => j.report.evidence).join("; "),
        fix: {
          safety: "review",
          description: `Per job: ${jobs.map((j) => `${j.svc.name}: ${j.report.fix?.description ?? ""}`).join(" ")}`,
          edits,
        },
      });
    }
  },
};
