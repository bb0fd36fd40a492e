// Which findings (and drift items) a remediation covers: explicit ids, or filters by severity,
// category and safety. Pure over the report.
import { atLeast, type Finding, type FixSafety, type Severity } from "../report/schema.js";

export interface Selection {
  ids?: string[];
  severity?: Severity;
  category?: string;
  /** Only fixes classified `auto`. */
  safeOnly?: boolean;
}

export function selectFindings(findings: readonly Finding[], sel: Selection): { chosen: Finding[]; missing: string[] } {
  const byId = new Map(findings.map((f) => [f.id, f]));
  let chosen: Finding[];
  const missing: string[] = [];
  // Explicit ids (even an empty list, when every id named a drift item) choose exactly those.
  if (sel.ids !== undefined) {
    chosen = [];
    for (const id of sel.ids) {
      const f = byId.get(id);
      if (f) chosen.push(f);
      else missing.push(id);
    }
  } else chosen = [...findings];
  chosen = chosen.filter(
    (f) =>
      (!sel.severity || atLeast(f.severity, sel.severity)) &&
      (!sel.category || f.category === sel.category) &&
      (!sel.safeOnly || f.fix?.safety === ("auto" satisfies FixSafety)),
  );
  return { chosen, missing };
}
