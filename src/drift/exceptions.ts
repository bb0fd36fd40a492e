// Drift exceptions from the repository's .nix-warden.yaml, under the `drift:` key (the security
// scan owns other keys of the same file, e.g. `exceptions:`, which are ignored here):
//
//   drift:
//     ignore:
//       - category: package          # optional; any category when omitted
//         subject: "htop*"           # glob over the item's subject (* and ?), or
//         id: drift-package-0123abcd # an exact item id
//         host: "web*"               # optional glob over the host
//         reason: "kept for debugging on this box"
//         expires: 2027-01-01        # optional; an expired exception no longer applies
//
// A malformed file is an error entry in the report, never a crash; matching is pure.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DRIFT_CATEGORIES, type ReportError } from "../report/schema.js";
import type { DriftItemX, SuppressedDriftItem } from "./model.js";

export const DriftException = z
  .object({
    category: z.enum(DRIFT_CATEGORIES).optional(),
    subject: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    reason: z.string().min(1, "reason is required: say why the drift is intended"),
    expires: z.union([z.string(), z.date()]).transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v)).optional(),
  })
  .refine((e) => e.subject !== undefined || e.id !== undefined, { message: "an exception needs a subject (glob) or an id" });
export type DriftException = z.infer<typeof DriftException>;

const DriftSection = z.object({ ignore: z.array(DriftException).default([]) }).passthrough();

export interface LoadedExceptions {
  exceptions: DriftException[];
  file?: string;
  errors: ReportError[];
}

export const CONFIG_FILE = ".nix-warden.yaml";

/** Reads the first .nix-warden.yaml found in dirs (the flake directory, then the repository root). */
export async function loadExceptions(dirs: string[], explicitFile?: string): Promise<LoadedExceptions> {
  const candidates = explicitFile ? [explicitFile] : [...new Set(dirs)].map((d) => join(d, CONFIG_FILE));
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !explicitFile) continue;
      return { exceptions: [], file, errors: [{ source: CONFIG_FILE, file, message: `cannot read ${file}: ${(e as Error).message}` }] };
    }
    return { ...parseExceptions(text, file), file };
  }
  return { exceptions: [], errors: [] };
}

export function parseExceptions(text: string, file = CONFIG_FILE): { exceptions: DriftException[]; errors: ReportError[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const err = e as { message: string; linePos?: { line: number; col: number }[] };
    return { exceptions: [], errors: [{ source: CONFIG_FILE, file, line: err.linePos?.[0]?.line, column: err.linePos?.[0]?.col, message: `not valid YAML: ${err.message.split("\n")[0]}` }] };
  }
  if (doc === null || doc === undefined || typeof doc !== "object" || !("drift" in doc)) return { exceptions: [], errors: [] };
  const r = DriftSection.safeParse((doc as { drift: unknown }).drift);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { exceptions: [], errors: [{ source: CONFIG_FILE, file, message: `drift exceptions are invalid at drift.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}` }] };
  }
  return { exceptions: r.data.ignore, errors: [] };
}

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const c of glob) re += c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${re}$`);
}

/** Splits items into kept and suppressed; expired exceptions are reported and not applied. */
export function applyExceptions(items: DriftItemX[], exceptions: DriftException[], host: string, today = new Date().toISOString().slice(0, 10), file?: string): { kept: DriftItemX[]; suppressed: SuppressedDriftItem[]; notes: string[] } {
  const notes: string[] = [];
  const active = exceptions.filter((e) => {
    if (e.expires && e.expires < today) {
      notes.push(`exception for ${e.category ?? "any category"} ${e.subject ?? e.id} expired on ${e.expires} and no longer applies (${e.reason})`);
      return false;
    }
    return e.host === undefined || globToRegExp(e.host).test(host);
  });
  const kept: DriftItemX[] = [];
  const suppressed: SuppressedDriftItem[] = [];
  for (const it of items) {
    const match = active.find((e) => (e.category === undefined || e.category === it.category) && (e.id ? e.id === it.id : globToRegExp(e.subject as string).test(it.subject)));
    if (match) suppressed.push({ ...it, suppressedBy: { reason: match.reason, ...(match.expires ? { expires: match.expires } : {}), ...(file ? { file } : {}) } });
    else kept.push(it);
  }
  return { kept, suppressed, notes };
}
