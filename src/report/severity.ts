// Severities and finding categories as plain values, apart from the zod schemas in schema.ts: the
// scan's own code needs only these, and leaving zod out of its imports keeps the CLI's start fast.
/** `info`: a maintenance or style note (how the configuration is written or kept) with no security
 * or correctness consequence; it is reported, but costs a host's score nothing and is never among
 * the things to fix first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Numeric rank: higher is worse. Used for thresholds and sorting. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

export const FINDING_CATEGORIES = [
  "access",
  "firewall",
  "secrets",
  "service-hardening",
  "tls",
  "vulnerability",
  "anti-pattern",
  "compliance",
] as const;
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];
