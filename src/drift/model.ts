// The drift report as this module produces it: the DESIGN.md contracts (DriftItem, DriftReport in
// src/report/schema.ts) plus fields they allow to be added: a guard per remediation (so a script can
// run it twice harmlessly), the option path and Nix text of an "adopt" fix, suppressed items, the
// probes that ran, and timing.
import { z } from "zod";
import { DriftCause, DriftItem, DriftRemediation, DriftReport, ReportError } from "../report/schema.js";

export const DriftRemediationX = DriftRemediation.extend({
  /** A command that succeeds while the fix is still needed; the script runs `commands` only then. */
  guard: z.array(z.string()).optional(),
  /** adopt: the option to set, e.g. `users.users.alice.extraGroups`. */
  optionPath: z.string().optional(),
  /** adopt: the exact Nix to add. */
  nix: z.string().optional(),
  /** adopt: where the option belongs, when a locator (the Nix option index) knows. */
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export type DriftRemediationX = z.infer<typeof DriftRemediationX>;

export const DriftItemX = DriftItem.extend({
  remediation: z.array(DriftRemediationX),
});
export type DriftItemX = z.infer<typeof DriftItemX>;

export const SuppressedDriftItem = DriftItemX.extend({
  suppressedBy: z.object({ reason: z.string(), expires: z.string().optional(), file: z.string().optional() }),
});
export type SuppressedDriftItem = z.infer<typeof SuppressedDriftItem>;

export const ProbeRunInfo = z.object({
  name: z.string(),
  status: z.enum(["ok", "partial", "failed", "skipped"]),
  durationMs: z.number(),
  notes: z.array(z.string()),
});

export const DriftReportX = DriftReport.extend({
  items: z.array(DriftItemX),
  suppressed: z.array(SuppressedDriftItem),
  /** Items below --alert-threshold, counted but not listed. */
  belowThreshold: z.number().int(),
  alertThreshold: z.string().optional(),
  probes: z.array(ProbeRunInfo),
  notes: z.array(z.string()),
  timing: z.object({
    totalMs: z.number(),
    evalMs: z.number(),
    declaredFromCache: z.boolean(),
    probesMs: z.number(),
  }),
});
export type DriftReportX = z.infer<typeof DriftReportX>;

export type { DriftCause, ReportError };
