// A drift report around a list of items, for tests of what renders or filters one (the remediation
// script, exceptions): every field a report has, the summary computed from the items.
import { summarize } from "../../src/drift/index.js";
import type { DriftReportX } from "../../src/drift/model.js";

export function driftReport(items: DriftReportX["items"], overrides: Partial<DriftReportX> = {}): DriftReportX {
  return {
    tool: { name: "nix-warden", version: "0" },
    generatedAt: "2026-11-22T00:00:00Z",
    host: "web1",
    declaredFrom: "test",
    actualFrom: "test",
    drifted: items.length > 0,
    summary: summarize(items),
    items,
    suppressed: [],
    belowThreshold: 0,
    probes: [],
    notes: [],
    errors: [],
    timing: { totalMs: 0, evalMs: 0, declaredFromCache: false, probesMs: 0 },
    ...overrides,
  };
}
