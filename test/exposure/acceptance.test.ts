// The acceptance test: many generated serviceConfig variants are rendered as NixOS would render
// them, the REAL `systemd-analyze security --offline=yes` assesses each, and the built-in scorer must
// give exactly the same overall exposure, verdict, and per-check badness, check mark, description
// and share. All units go to systemd-analyze in one process.
import { describe, expect, test } from "vitest";
import { analyzeUnits } from "../../src/exposure/analyze.js";
import { assessExposure, formatUnitSettings } from "../../src/exposure/score.js";
import { toUnitSettings } from "../../src/exposure/unit.js";
import { systemdAnalyzeAvailable } from "../helpers/systemd.js";
import { generateVariants } from "./variants.js";

describe.skipIf(!systemdAnalyzeAvailable)("built-in scorer == systemd-analyze security --offline=yes", () => {
  test("every generated variant scores identically", async () => {
    const started = performance.now();
    const variants = generateVariants(Number(process.env.EXPOSURE_SEED ?? 252), Number(process.env.EXPOSURE_RANDOM ?? 420));
    const settings = variants.map((v) => toUnitSettings(v.name, v.def));
    const real = await analyzeUnits(settings.map((s) => ({ name: s.name, text: formatUnitSettings(s), unknown: s.unknown })));
    expect(real.error).toBeUndefined();
    expect(real.processes).toBe(1);

    const mismatches: string[] = [];
    let scored = 0;
    let refused = 0;
    let checksCompared = 0;
    const settingsSeen = new Set<string>();
    settings.forEach((s, i) => {
      const r = real.outcomes[i]!;
      const o = assessExposure(s);
      const label = `${s.name} (${variants[i]!.note})`;
      if (r.ok !== o.ok) {
        mismatches.push(`${label}: systemd-analyze ${r.ok ? `scored ${r.exposure}` : `refused: ${r.error}`}, built-in ${o.ok ? `scored ${o.exposure}` : `refused: ${o.error}`}`);
        return;
      }
      if (!r.ok || !o.ok) {
        refused++;
        return;
      }
      scored++;
      for (const [k] of s.service) settingsSeen.add(k);
      if (r.unit !== o.unit) mismatches.push(`${label}: unit id ${r.unit} vs ${o.unit}`);
      if (r.exposure !== o.exposure || r.verdict !== o.verdict) mismatches.push(`${label}: ${r.exposure} ${r.verdict} vs built-in ${o.exposure} ${o.verdict}`);
      const ours = new Map(o.checks.map((c) => [c.id, c]));
      if (r.checks.length !== o.checks.length) mismatches.push(`${label}: ${r.checks.length} checks vs ${o.checks.length}`);
      for (const c of r.checks) {
        const m = ours.get(c.id);
        checksCompared++;
        if (!m) {
          mismatches.push(`${label}: no built-in check ${c.id}`);
          continue;
        }
        for (const f of ["badness", "passed", "description", "exposure", "weight", "range"] as const)
          if (c[f] !== m[f]) mismatches.push(`${label}: ${c.id} ${f}: ${JSON.stringify(c[f])} vs ${JSON.stringify(m[f])}`);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `exposure acceptance: ${variants.length} variants, ${scored} scored, ${refused} refused by both, ` +
        `${checksCompared} checks compared, ${mismatches.length} mismatches, ${seconds.toFixed(1)} s`,
    );
    expect(mismatches.slice(0, 40)).toEqual([]);
    expect(variants.length).toBeGreaterThanOrEqual(300);
    expect(scored).toBeGreaterThanOrEqual(300);
    // Every assessed setting appeared in a scored unit.
    for (const k of ["User", "DynamicUser", "SupplementaryGroups", "CapabilityBoundingSet", "AmbientCapabilities", "UMask",
      "SystemCallFilter", "SystemCallArchitectures", "RestrictNamespaces", "RestrictAddressFamilies", "ProtectSystem",
      "ProtectHome", "RootDirectory", "DeviceAllow", "DevicePolicy", "IPAddressDeny", "IPAddressAllow", "Delegate",
      "NotifyAccess", "KeyringMode", "ProtectProc", "ProcSubset", "PrivateNetwork", "NoNewPrivileges"])
      expect(settingsSeen.has(k), k).toBe(true);
  });
});
