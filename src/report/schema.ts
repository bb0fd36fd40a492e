// The JSON contracts of nix-warden (see DESIGN.md, "Contracts"). Reports are JSON first; every other
// format is a rendering of these objects. The MCP tools use the same schemas as `outputSchema`, and
// docs/schemas/*.json is generated from them (npm run schemas).
import { z } from "zod";
import { FINDING_CATEGORIES, SEVERITIES } from "./severity.js";

export { atLeast, FINDING_CATEGORIES, SEVERITIES, SEVERITY_RANK } from "./severity.js";

export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export const FindingCategory = z.enum(FINDING_CATEGORIES);
export type FindingCategory = z.infer<typeof FindingCategory>;

export const FixSafety = z.enum(["auto", "review", "manual"]);
export type FixSafety = z.infer<typeof FixSafety>;

export const Fix = z.object({
  safety: FixSafety,
  description: z.string(),
  /** A unified diff, `git apply`-able from the scanned root. */
  patch: z.string().optional(),
});
export type Fix = z.infer<typeof Fix>;

export const Reference = z.object({ title: z.string(), url: z.string().optional() });

export const Finding = z.object({
  /** Stable fingerprint: rule + file + option path or normalised evidence. */
  id: z.string(),
  ruleId: z.string(),
  category: FindingCategory,
  severity: Severity,
  title: z.string(),
  message: z.string(),
  /** Relative to the scanned root. */
  file: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  endLine: z.number().int().min(1),
  endColumn: z.number().int().min(1),
  host: z.array(z.string()).optional(),
  optionPath: z.string().optional(),
  /** Never contains a secret value: secrets are redacted. */
  evidence: z.string(),
  fix: Fix.optional(),
  references: z.array(Reference).optional(),
});
export type Finding = z.infer<typeof Finding>;

export const ReportError = z.object({
  /** What failed: a file, a probe, a command. */
  source: z.string(),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type ReportError = z.infer<typeof ReportError>;

export const ToolInfo = z.object({ name: z.string(), version: z.string() });

export const ServiceInventoryEntry = z.object({
  name: z.string(),
  file: z.string(),
  line: z.number().int(),
  host: z.array(z.string()).optional(),
  /** systemd-analyze security exposure, 0.0-10.0. */
  exposure: z.number(),
  verdict: z.string(),
});

export const SuppressedFinding = Finding.extend({
  suppressedBy: z.object({
    kind: z.enum(["config", "inline", "unused"]),
    reason: z.string(),
    file: z.string().optional(),
    line: z.number().int().optional(),
    expires: z.string().optional(),
  }),
});

export const SecurityReport = z.object({
  tool: ToolInfo,
  generatedAt: z.string(),
  root: z.string(),
  hosts: z.array(z.string()),
  summary: z.object({
    total: z.number().int(),
    bySeverity: z.record(z.string(), z.number().int()),
    byCategory: z.record(z.string(), z.number().int()),
    score: z.record(z.string(), z.number()),
  }),
  findings: z.array(Finding),
  suppressed: z.array(SuppressedFinding),
  inventory: z
    .object({
      services: z.array(ServiceInventoryEntry),
    })
    .catchall(z.unknown()),
  errors: z.array(ReportError),
});
export type SecurityReport = z.infer<typeof SecurityReport>;

export const DRIFT_CATEGORIES = [
  "package",
  "service",
  "user",
  "group",
  "file",
  "generation",
  "service-config",
  "network",
  "mount",
  "git",
] as const;
export const DriftCategory = z.enum(DRIFT_CATEGORIES);
export type DriftCategory = z.infer<typeof DriftCategory>;

export const DriftRemediation = z.object({
  strategy: z.enum(["revert", "adopt", "accept"]),
  safety: FixSafety,
  description: z.string(),
  /** Each command is an argument array, never a shell string. */
  commands: z.array(z.array(z.string())).optional(),
  patch: z.string().optional(),
});
export type DriftRemediation = z.infer<typeof DriftRemediation>;

export const DriftCause = z.object({
  description: z.string(),
  /** ISO time when it can be known. */
  when: z.string().optional(),
  source: z.string().optional(),
});

export const DriftItem = z.object({
  id: z.string(),
  category: DriftCategory,
  subject: z.string(),
  severity: Severity,
  declared: z.unknown(),
  actual: z.unknown(),
  evidence: z.string(),
  cause: DriftCause.optional(),
  remediation: z.array(DriftRemediation),
});
export type DriftItem = z.infer<typeof DriftItem>;

export const DriftReport = z.object({
  tool: ToolInfo,
  generatedAt: z.string(),
  host: z.string(),
  declaredFrom: z.string(),
  actualFrom: z.string(),
  drifted: z.boolean(),
  summary: z.object({
    total: z.number().int(),
    bySeverity: z.record(z.string(), z.number().int()),
    byCategory: z.record(z.string(), z.number().int()),
  }),
  items: z.array(DriftItem),
  errors: z.array(ReportError),
});
export type DriftReport = z.infer<typeof DriftReport>;
