// systemd units: started, enabled, masked or written by hand (category "service"), and units whose
// configuration was changed outside NixOS by drop-ins, set-property or overriding unit files
// (category "service-config").
import type { Severity } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import { execWords, mergeUnitFiles, parseUnitFile } from "../parse/unit-file.js";
import type { ServicesFacts, UnitFileFact } from "../probes/services.js";
import type { DriftItemX } from "../model.js";
import { adopt, adoptValue, item, nixString, nixStrings, optionPath, revert, type CompareContext } from "./common.js";

/** Settings whose change alters what a service runs, as whom, or what it can reach. */
const SECURITY_KEYS = new Set([
  "ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "User", "Group", "DynamicUser", "SupplementaryGroups",
  "PrivateNetwork", "IPAddressAllow", "IPAddressDeny", "RestrictAddressFamilies", "PrivateUsers", "ProtectSystem", "ProtectHome",
  "ReadWritePaths", "BindPaths", "NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities", "SystemCallFilter",
  "Environment", "EnvironmentFile", "ListenStream", "ListenDatagram", "PrivateTmp", "PrivateDevices", "RootDirectory", "WorkingDirectory",
]);

const serviceName = (unit: string) => unit.replace(/\.service$/, "");

/**
 * Transient units the system makes itself: logind's session scopes and user slices, and the unit
 * nixos-rebuild runs switch-to-configuration in. systemd-run's services, timers and sockets are
 * what people start by hand.
 */
const SYSTEM_TRANSIENT = /(\.scope|\.slice)$|^nixos-rebuild-switch-to-configuration\.service$/;

export function compareServices(declared: DeclaredState, actual: ServicesFacts, _ctx: CompareContext): DriftItemX[] {
  if (!actual.nixos) return [];
  const items: DriftItemX[] = [];
  const generated = new Set(actual.generatedUnits ?? []);
  const isManaged = (unit: string) => generated.has(unit) || (unit.endsWith(".service") && declared.services[serviceName(unit)] !== undefined);
  const declaredService = (unit: string) => (unit.endsWith(".service") ? declared.services[serviceName(unit)] : undefined);
  const runningUnits = new Map(actual.running.map((r) => [r.unit, r]));
  const isRunning = (unit: string) => runningUnits.has(unit) || actual.loaded?.some((u) => u.id === unit && u.activeState === "active") === true;
  const reported = new Set<string>();
  const untrackedUnitFile = (unit: string) => !isManaged(unit) && actual.files.some((f) => f.unit === unit && (f.kind === "unit" || f.kind === "link") && f.dir !== "/run/systemd/transient");

  if (actual.etcSystemdSystem === "directory" || actual.etcSystemdSystem === "other") {
    items.push(
      item({
        category: "service",
        subject: "/etc/systemd/system",
        key: "replaced",
        severity: "high",
        declared: { link: "/etc/static/systemd/system" },
        actual: { kind: actual.etcSystemdSystem },
        evidence: `/etc/systemd/system is a ${actual.etcSystemdSystem === "directory" ? "real directory" : "link somewhere else"} instead of NixOS's link into /etc/static: systemd loads units from it that no generation declares, and changes to the configuration's units no longer take effect there.`,
        remediation: [
          revert(
            "review",
            "Keep the directory as /etc/systemd/system.nix-warden-bak, restore NixOS's link, and reload systemd.",
            [["mv", "--", "/etc/systemd/system", "/etc/systemd/system.nix-warden-bak"], ["ln", "-s", "/etc/static/systemd/system", "/etc/systemd/system"], ["systemctl", "daemon-reload"]],
            ["sh", "-c", '[ ! -L /etc/systemd/system ] || [ "$(readlink /etc/systemd/system)" != /etc/static/systemd/system ]'],
          ),
        ],
      }),
    );
  }

  for (const f of actual.files) {
    const key = `${f.kind}\0${f.path}`;
    if (reported.has(key)) continue;
    reported.add(key);
    if (f.kind === "dropin") items.push(dropIn(f, actual, declared));
    else if (f.kind === "mask") items.push(masked(f, declaredService(f.unit), isManaged(f.unit)));
    else if (f.kind === "wants") {
      const d = declaredService(f.unit);
      if (d?.wantedBy.includes(f.wantedBy ?? "")) continue; // the configuration wants it there too
      if (untrackedUnitFile(f.unit)) continue; // reported with the unit file itself
      items.push(enabledByHand(f, isManaged(f.unit), isRunning(f.unit)));
    } else if (f.dir === "/run/systemd/transient") {
      if (!SYSTEM_TRANSIENT.test(f.unit)) items.push(transient(f, isRunning(f.unit)));
    }
    else if (isManaged(f.unit) && f.dir === "/etc/systemd/system") items.push(overridingUnit(f));
    else if (!isManaged(f.unit)) items.push(untrackedUnit(f, isRunning(f.unit), actual.files.filter((w) => w.kind === "wants" && w.unit === f.unit)));
  }

  // Running services nothing declares and no file above explains (needs the generated unit list).
  if (actual.generatedUnits) {
    const explained = new Set(actual.files.map((f) => f.unit));
    for (const r of actual.running) {
      if (!r.unit.endsWith(".service") || isManaged(r.unit) || explained.has(r.unit) || /^(user@\d+|user-runtime-dir@\d+)\.service$/.test(r.unit) || r.unit.includes("@")) continue;
      items.push(
        item({
          category: "service",
          subject: r.unit,
          key: "running-undeclared",
          severity: "high",
          declared: null,
          actual: { running: true, pids: r.pids, processes: r.comms },
          evidence: `${r.unit} is running (pid ${r.pids.join(", ")}: ${r.comms.join(", ")}) but the current generation does not define it and no unit file under /run or /etc explains it.`,
          remediation: [revert("manual", `Find how it was started (journalctl -u ${r.unit}), then stop it.`, [["systemctl", "stop", "--", r.unit]], ["systemctl", "is-active", "--quiet", "--", r.unit])],
        }),
      );
    }
  }

  // Live: runtime enablement the files did not show, failed units, units changed on disk but not
  // reloaded, loaded ExecStart differing from the generated unit.
  const fileUnits = new Set(actual.files.map((f) => f.unit));
  for (const u of actual.loaded ?? []) {
    // NixOS's own units are links into the store, which systemd may call "linked": only runtime
    // states, or links for units no generation defines, are imperative.
    const st = u.unitFileState ?? "";
    const imperativeState = /^(enabled|masked|linked)-runtime$/.test(st) || (st === "linked" && !isManaged(u.id));
    if (imperativeState && !fileUnits.has(u.id)) {
      const runtime = st.endsWith("-runtime");
      const masked = st.startsWith("masked");
      const d = declaredService(u.id);
      items.push(
        item({
          category: "service",
          subject: u.id,
          key: `state\0${st}`,
          severity: masked && d?.wantedBy.length ? "high" : "medium",
          declared: d ? { enable: d.enable, wantedBy: d.wantedBy } : null,
          actual: { unitFileState: st, activeState: u.activeState ?? null },
          evidence: `systemd reports ${u.id} as ${st}: ${masked ? "masked" : st.startsWith("linked") ? "linked into the unit path" : "enabled"} by hand${runtime ? " until the next reboot" : ""}, which no NixOS generation declares.`,
          remediation: [
            masked
              ? revert("review", "Unmask it.", [["systemctl", "unmask", ...(runtime ? ["--runtime"] : []), "--", u.id]])
              : revert("auto", "Disable it again.", [["systemctl", "disable", ...(runtime ? ["--runtime"] : []), "--", u.id]], ["sh", "-c", '[ "$(systemctl is-enabled -- "$1" 2>/dev/null)" = "$2" ]', "sh", u.id, st]),
          ],
        }),
      );
    }
    if (u.activeState === "failed") {
      const managed = isManaged(u.id);
      items.push(
        item({
          category: "service",
          subject: u.id,
          key: "failed",
          severity: managed ? "medium" : "low",
          declared: managed ? { declared: true } : null,
          actual: { activeState: u.activeState, subState: u.subState },
          evidence: `${u.id} is failed${managed ? ": the configuration declares it, so the machine is not doing what it declares" : ""}.`,
          remediation: [revert("manual", `Find out why (systemctl status ${u.id}; journalctl -u ${u.id} -b), fix the cause, then restart it.`, [["systemctl", "restart", "--", u.id]])],
        }),
      );
    }
    if (u.needDaemonReload) {
      items.push(
        item({
          category: "service-config",
          subject: u.id,
          key: "need-reload",
          severity: "low",
          declared: null,
          actual: { needDaemonReload: true },
          evidence: `${u.id}'s unit file or drop-ins changed on disk after systemd loaded it (NeedDaemonReload=yes): what runs is not what the files say.`,
          remediation: [revert("auto", "Reload systemd's unit files.", [["systemctl", "daemon-reload"]], ["sh", "-c", '[ "$(systemctl show -p NeedDaemonReload --value -- "$1")" = yes ]', "sh", u.id])],
        }),
      );
    }
    const gen = actual.generatedText[u.id];
    const hasImperativeDropIn = actual.files.some((f) => f.unit === u.id && f.kind === "dropin");
    if (gen && !hasImperativeDropIn && u.execStart.length && !u.id.includes("@")) {
      const want = (mergeUnitFiles(gen).sections.Service?.ExecStart ?? []).map((l) => execWords(l).join(" "));
      const have = u.execStart.map((a) => a.join(" "));
      if (want.length && want.join("\n") !== have.join("\n")) {
        items.push(
          item({
            category: "service-config",
            subject: u.id,
            key: "loaded-execstart",
            severity: "high",
            declared: { ExecStart: want },
            actual: { ExecStart: have },
            evidence: `${u.id} is loaded with ExecStart ${have.join(" ; ")}, but the current generation's unit says ${want.join(" ; ")}.`,
            remediation: [revert("review", `Reload the generated units and restart ${u.id}.`, [["systemctl", "daemon-reload"], ["systemctl", "restart", "--", u.id]])],
          }),
        );
      }
    }
  }
  return items;
}

function unitNix(f: UnitFileFact): { path: string; nix: string } {
  const name = serviceName(f.unit);
  const path = optionPath("systemd", "services", name);
  const unit = f.content ? parseUnitFile(f.content) : undefined;
  // Exec lines read back as words, re-quoted only where a word needs it.
  const value = (k: string, v: string) => (/^Exec/.test(k) ? execWords(v).map((w) => (/[\s"'\\]/.test(w) ? JSON.stringify(w) : w)).join(" ") : v);
  const svc = unit?.sections.Service ?? {};
  const lines: string[] = [];
  const desc = unit?.sections.Unit?.Description?.at(-1);
  if (desc) lines.push(`  description = ${nixString(desc)};`);
  const wantedBy = unit?.sections.Install?.WantedBy?.flatMap((w) => w.split(/\s+/)) ?? ["multi-user.target"];
  lines.push(`  wantedBy = ${nixStrings(wantedBy)};`);
  const cfg = Object.entries(svc).filter(([, v]) => v.length);
  if (cfg.length) {
    lines.push("  serviceConfig = {");
    for (const [k, v] of cfg) {
      const vs = v.map((x) => value(k, x));
      lines.push(`    ${optionPath(k)} = ${vs.length === 1 ? nixString(vs[0] as string) : nixStrings(vs)};`);
    }
    lines.push("  };");
  }
  return { path, nix: `${path} = {\n${lines.join("\n")}\n};` };
}

function untrackedUnit(f: UnitFileFact, running: boolean, wants: UnitFileFact[]): DriftItemX {
  const runtime = f.dir.startsWith("/run/");
  const enabledBy = wants.map((w) => w.wantedBy).filter((w): w is string => !!w);
  const { path, nix } = unitNix(f);
  const cmds: string[][] = [];
  if (running) cmds.push(["systemctl", "stop", "--", f.unit]);
  cmds.push(["systemctl", "disable", ...(runtime ? ["--runtime"] : []), "--", f.unit], ["rm", "-f", "--", f.path], ["systemctl", "daemon-reload"]);
  return item({
    category: "service",
    subject: f.unit,
    key: `untracked\0${f.path}`,
    severity: running ? "high" : "medium",
    declared: null,
    actual: { path: f.path, running, enabledBy, ...(f.linkTarget ? { linkTarget: f.linkTarget } : {}) },
    evidence:
      `${f.path} defines ${f.unit}${running ? ", which is running," : ""} but no NixOS generation declares it (${runtime ? "a runtime unit, gone at reboot" : "an untracked unit file"}).` +
      (wants.length ? ` It was enabled by hand: ${wants.map((w) => w.path).join(", ")}.` : ""),
    cause: (wants[0]?.modifiedAt ?? f.modifiedAt) ? { description: wants.length ? "unit file written and enabled" : "unit file written", when: wants[0]?.modifiedAt ?? f.modifiedAt, source: wants.length ? "link mtime" : "file mtime" } : undefined,
    remediation: [
      revert("auto", `${running ? "Stop it, disable it and r" : "R"}emove the untracked unit file.`, cmds, ["test", "-e", f.path]),
      adopt(path, nix, `Declare the unit (translated from ${f.path}; review paths, which should come from packages).`),
    ],
  });
}

function transient(f: UnitFileFact, running: boolean): DriftItemX {
  const { path, nix } = unitNix(f);
  return item({
    category: "service",
    subject: f.unit,
    key: `transient\0${f.path}`,
    severity: running ? "medium" : "low",
    declared: null,
    actual: { transient: true, running, path: f.path },
    evidence: `${f.unit} is a transient unit (systemd-run)${running ? " and is running" : ""}: nothing declares it.`,
    cause: f.modifiedAt ? { description: "started with systemd-run", when: f.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert("auto", "Stop it (a transient unit disappears when stopped).", [["systemctl", "stop", "--", f.unit]], ["systemctl", "is-active", "--quiet", "--", f.unit]),
      adopt(path, nix, "If it should keep running, declare it as a service."),
    ],
  });
}

function overridingUnit(f: UnitFileFact): DriftItemX {
  const { path, nix } = unitNix(f);
  return item({
    category: "service-config",
    subject: f.unit,
    key: `override\0${f.path}`,
    severity: "high",
    declared: { generated: `/etc/static/systemd/system/${f.unit}` },
    actual: { path: f.path },
    evidence: `${f.path} replaces the unit NixOS generates for ${f.unit}.`,
    cause: f.modifiedAt ? { description: "unit file written", when: f.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert("review", "Remove the replacement, reload, and restart the unit.", [["rm", "-f", "--", f.path], ["systemctl", "daemon-reload"], ["systemctl", "try-restart", "--", f.unit]], ["test", "-e", f.path]),
      adopt(path, nix, "Move the changes into the unit's declaration."),
    ],
  });
}

function enabledByHand(f: UnitFileFact, managed: boolean, running: boolean): DriftItemX {
  const runtime = f.dir.startsWith("/run/");
  const name = serviceName(f.unit);
  const path = optionPath("systemd", "services", name, "wantedBy");
  return item({
    category: "service",
    subject: f.unit,
    key: `wants\0${f.path}`,
    severity: managed ? "medium" : "high",
    declared: managed ? { wantedBy: "not " + (f.wantedBy ?? "?") } : null,
    actual: { enabled: true, wantedBy: f.wantedBy, runtime, running },
    evidence: `${f.unit} was enabled by hand (${f.path}${runtime ? ", systemctl enable --runtime" : ""}): ${f.wantedBy} pulls it in, which the configuration does not declare.${running ? " It is running." : ""}`,
    cause: f.modifiedAt ? { description: "enabled", when: f.modifiedAt, source: "link mtime" } : undefined,
    remediation: [
      revert("auto", "Stop and disable the manually enabled unit.", [["systemctl", "disable", ...(runtime ? ["--runtime"] : []), "--now", "--", f.unit]], ["test", "-L", f.path]),
      adoptValue(path, `[ ${nixString(f.wantedBy ?? "multi-user.target")} ]`, managed ? "Declare that it should start with this target." : "Declare the unit and its target (systemd.services.<name> with serviceConfig as well)."),
    ],
  });
}

function masked(f: UnitFileFact, d: DeclaredState["services"][string] | undefined, managed: boolean): DriftItemX {
  const runtime = f.dir.startsWith("/run/");
  const wanted = (d?.enable ?? true) && (d?.wantedBy.length ?? 0) > 0;
  const severity: Severity = wanted ? "high" : managed ? "medium" : "low";
  const name = serviceName(f.unit);
  const path = optionPath("systemd", "services", name, "enable");
  const cmds = [["systemctl", "unmask", ...(runtime ? ["--runtime"] : []), "--", f.unit]];
  if (wanted) cmds.push(["systemctl", "start", "--", f.unit]);
  return item({
    category: "service",
    subject: f.unit,
    key: `mask\0${f.path}`,
    severity,
    declared: d ? { enable: d.enable, wantedBy: d.wantedBy } : null,
    actual: { masked: true, runtime, path: f.path },
    evidence: `${f.unit} is masked by hand (${f.path} -> /dev/null${runtime ? ", systemctl mask --runtime" : ""})${wanted ? ": the configuration declares it enabled, so it cannot start" : ""}.`,
    cause: f.modifiedAt ? { description: "masked", when: f.modifiedAt, source: "link mtime" } : undefined,
    remediation: [
      revert("review", `Unmask it${wanted ? " and start it" : ""}.`, cmds, ["test", "-L", f.path]),
      adoptValue(path, "false", "If it should stay off, declare it (NixOS masks a unit whose enable is false)."),
    ],
  });
}

function dropIn(f: UnitFileFact, actual: ServicesFacts, declared: DeclaredState): DriftItemX {
  const generatedText = actual.generatedText[f.unit] ?? [];
  const before = mergeUnitFiles(generatedText);
  const mine = f.content ? parseUnitFile(f.content) : { sections: {} };
  const changes: { section: string; key: string; from: string[]; to: string[] }[] = [];
  for (const [section, kv] of Object.entries(mine.sections)) {
    for (const [key, to] of Object.entries(kv)) changes.push({ section, key, from: before.sections[section]?.[key] ?? [], to });
  }
  const sensitive = changes.some((c) => SECURITY_KEYS.has(c.key));
  const control = f.dir.endsWith(".control");
  const severity: Severity = sensitive ? "high" : "low";
  const name = serviceName(f.unit);
  const d = declared.services[name];
  const adoptLines = changes.filter((c) => c.section === "Service").map((c) => {
    const p = optionPath("systemd", "services", name, "serviceConfig", c.key);
    const v = c.to.length === 0 ? "[ ]" : c.to.length === 1 ? nixString(c.to[0] as string) : nixStrings(c.to);
    return `${p} = ${c.key.startsWith("Exec") || c.from.length ? `lib.mkForce ${v}` : v};`;
  });
  const shown = changes.map((c) => `${c.section}.${c.key}: ${c.from.length ? c.from.join(" | ") : "(not set)"} -> ${c.to.length ? c.to.join(" | ") : "(reset)"}`).join("\n");
  return item({
    category: "service-config",
    subject: f.unit,
    key: `dropin\0${f.path}`,
    severity,
    declared: { generated: generatedText.length ? `/etc/static/systemd/system/${f.unit}` : null, serviceConfig: d?.serviceConfig ?? null },
    actual: { dropIn: f.path, changes },
    evidence:
      `${f.path} changes ${f.unit} outside NixOS (${control ? "systemctl set-property" : f.dir.startsWith("/run/") ? "a runtime drop-in, gone at reboot" : "a drop-in"}):\n${shown || "(no settings)"}` +
      (generatedText.length ? "" : "\n(the generated unit is not readable here, so the previous values are not shown)"),
    cause: f.modifiedAt ? { description: "drop-in written", when: f.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert("review", `Remove the drop-in, reload, and restart ${f.unit} if it runs (a restart interrupts the service).`, [["rm", "-f", "--", f.path], ["systemctl", "daemon-reload"], ["systemctl", "try-restart", "--", f.unit]], ["test", "-e", f.path]),
      ...(adoptLines.length ? [adopt(optionPath("systemd", "services", name, "serviceConfig"), adoptLines.join("\n"), "Declare the changed settings.")] : []),
    ],
  });
}
