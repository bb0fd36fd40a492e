// The hardening baseline: adds only what is missing, never overrides, and lowers the exposure.
import { describe, expect, test } from "vitest";
import { baselineToNix, hardeningBaseline } from "../../src/exposure/baseline.js";
import { analyzeUnits } from "../../src/exposure/analyze.js";
import { formatUnitSettings } from "../../src/exposure/score.js";
import { toUnitSettings } from "../../src/exposure/unit.js";
import { systemdAnalyzeAvailable } from "../helpers/systemd.js";
import { generateVariants } from "./variants.js";

const score = (o: { ok: boolean; exposure?: number }): number => (o.ok ? (o.exposure as number) : NaN);

describe("hardeningBaseline", () => {
  test("a bare root service gets a full baseline and drops from UNSAFE to OK", () => {
    const b = hardeningBaseline("plain", { serviceConfig: {}, script: true });
    expect(b.settings).toMatchObject({ DynamicUser: true, ProtectSystem: "strict", ProtectHome: true, PrivateTmp: true, NoNewPrivileges: true, CapabilityBoundingSet: "", SystemCallArchitectures: "native" });
    expect(Object.keys(b.rationale).sort()).toEqual(Object.keys(b.settings).sort());
    expect(b.rationale.MemoryDenyWriteExecute).toMatch(/JIT/);
    expect(b.before).toMatchObject({ ok: true, exposure: 9.6, verdict: "UNSAFE" });
    expect(b.after.ok && b.after.verdict).toBe("OK");
    expect(score(b.after)).toBeLessThan(3);
  });

  test("a unit with DynamicUser=true is not offered what DynamicUser already implies; one with a User= is", () => {
    const implied = ["PrivateTmp", "RemoveIPC", "NoNewPrivileges", "RestrictSUIDSGID", "ProtectSystem"];
    const dyn = hardeningBaseline("dyn", { serviceConfig: { DynamicUser: true, ExecStart: "/run/current-system/sw/bin/app" } });
    for (const k of implied) expect(dyn.settings, k).not.toHaveProperty(k);
    expect(dyn.settings).toHaveProperty("ProtectHome", true); // DynamicUser makes /home read-only; the baseline hides it
    expect(dyn.after.ok && dyn.after.verdict).toBe("OK");
    const user = hardeningBaseline("user", { serviceConfig: { User: "app", ExecStart: "/run/current-system/sw/bin/app" } });
    for (const k of implied) expect(user.settings, k).toHaveProperty(k);
  });

  test("PrivateMounts=false written out: nothing that gives the unit a mount namespace of its own", () => {
    // A netns@ template bind-mounting onto /run/netns (its mounts must reach the host).
    const b = hardeningBaseline("netns@", { serviceConfig: { Type: "oneshot", PrivateNetwork: true, PrivateMounts: false, ExecStart: "/run/current-system/sw/bin/mount --bind /proc/self/ns/net /run/netns/%I" } });
    for (const k of ["DynamicUser", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectControlGroups"]) expect(b.settings, k).not.toHaveProperty(k);
    expect(b.skipped.PrivateTmp).toMatch(/PrivateMounts=false/);
    expect(b.settings).toHaveProperty("NoNewPrivileges", true);
    // Look-alike: PrivateMounts left unset gets the usual mount-namespace settings.
    const plain = hardeningBaseline("netns@", { serviceConfig: { Type: "oneshot", PrivateNetwork: true, ExecStart: "/run/current-system/sw/bin/mount --bind /proc/self/ns/net /run/netns/%I" } });
    expect(plain.settings).toHaveProperty("PrivateTmp", true);
  });

  test("a service listening below 1024 keeps CAP_NET_BIND_SERVICE, ambient once it leaves root", () => {
    const b = hardeningBaseline("proxy", { serviceConfig: { ExecStart: "/run/current-system/sw/bin/proxy" } }, { privilegedPorts: [443] });
    expect(b.settings).toMatchObject({ DynamicUser: true, CapabilityBoundingSet: ["CAP_NET_BIND_SERVICE"], AmbientCapabilities: ["CAP_NET_BIND_SERVICE"] });
    expect(b.rationale.CapabilityBoundingSet).toMatch(/443/);
    // Look-alike: a port above 1024 drops every capability.
    const high = hardeningBaseline("proxy", { serviceConfig: { ExecStart: "/run/current-system/sw/bin/proxy" } }, { privilegedPorts: [] });
    expect(high.settings).toHaveProperty("CapabilityBoundingSet", "");
    expect(high.settings).not.toHaveProperty("AmbientCapabilities");
  });

  test("a system monitor keeps its view of processes, /proc, devices and mounts", () => {
    const b = hardeningBaseline("glances", { serviceConfig: { DynamicUser: true, ExecStart: "/run/current-system/sw/bin/glances -w" } }, { monitor: "glances" });
    for (const k of ["ProtectProc", "ProcSubset", "PrivateDevices", "ProtectHome"]) expect(b.settings, k).not.toHaveProperty(k);
    expect(b.skipped.ProtectProc).toMatch(/system monitor/);
    // Look-alike: another daemon gets them.
    const other = hardeningBaseline("web", { serviceConfig: { DynamicUser: true, ExecStart: "/run/current-system/sw/bin/web" } });
    expect(other.settings).toHaveProperty("ProtectProc", "invisible");
  });

  test("never overrides a setting the service has, known or unknown", () => {
    const serviceConfig = { User: "web", ProtectSystem: "full", PrivateTmp: false, MemoryDenyWriteExecute: { unknown: true as const }, SystemCallFilter: [] };
    const b = hardeningBaseline("web", { serviceConfig });
    for (const k of Object.keys(serviceConfig)) expect(b.settings, k).not.toHaveProperty(k);
    expect(b.settings).not.toHaveProperty("DynamicUser");
    expect(b.settings).toHaveProperty("CapabilityBoundingSet", "");
  });

  test("root on purpose keeps its capabilities; an unknown user is not guessed", () => {
    const root = hardeningBaseline("r", { serviceConfig: { User: "root" } });
    expect(root.settings).not.toHaveProperty("CapabilityBoundingSet");
    expect(root.skipped.CapabilityBoundingSet).toMatch(/root/);
    const unknown = hardeningBaseline("u", { serviceConfig: { User: { unknown: true, text: "cfg.user" } } });
    expect(unknown.settings).not.toHaveProperty("DynamicUser");
    expect(unknown.skipped.CapabilityBoundingSet).toMatch(/could not be determined/);
  });

  test("confinement's own defaults count as set (chroot-only keeps PrivateDevices=false)", () => {
    const b = hardeningBaseline("c", { serviceConfig: { User: "c" }, confinement: { enable: true, mode: "chroot-only" } });
    expect(b.settings).not.toHaveProperty("PrivateDevices");
    expect(b.settings).not.toHaveProperty("PrivateTmp");
  });

  test("never makes a generated variant worse", () => {
    let compared = 0;
    for (const v of generateVariants(7, 200)) {
      const b = hardeningBaseline(v.name, v.def);
      if (!b.before.ok || !b.after.ok) continue;
      compared++;
      expect(b.after.exposure, `${v.name} ${v.note}`).toBeLessThanOrEqual(b.before.exposure);
      for (const k of Object.keys(b.settings)) expect(v.def.serviceConfig, k).not.toHaveProperty(k);
    }
    expect(compared).toBeGreaterThan(300);
  });

  test("renders as Nix attributes", () => {
    expect(baselineToNix({ DynamicUser: true, ProtectSystem: "strict", SystemCallFilter: ["@system-service", "~@privileged"], CapabilityBoundingSet: "" }, "")).toBe(
      ['DynamicUser = true;', 'ProtectSystem = "strict";', 'SystemCallFilter = [ "@system-service" "~@privileged" ];', 'CapabilityBoundingSet = "";'].join("\n"),
    );
  });

  test.skipIf(!systemdAnalyzeAvailable)("systemd-analyze agrees with the after-score", async () => {
    const def = { serviceConfig: { User: "web" }, script: true };
    const b = hardeningBaseline("web", def);
    const hardened = toUnitSettings("web", { ...def, serviceConfig: { ...def.serviceConfig, ...b.settings } });
    const r = await analyzeUnits([{ name: hardened.name, text: formatUnitSettings(hardened) }]);
    expect(score(r.outcomes[0]!)).toBe(score(b.after));
  });
});
