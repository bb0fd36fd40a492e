// systemd exposure scores for the services rules look at: before such a rule runs, the scan scores
// every service the repository defines with systemd-analyze (or, in quick mode or without it, the
// built-in scorer) so that rules stay pure and synchronous. Scores depend only on a service's
// definition: a repeated scan in the same process scores only what changed.
import { exposureForMany, type ExposureCheck, type NixServiceDef, type SourcedOutcome } from "../exposure/index.js";
import { servicesIn } from "../rules/shared/services.js";
import type { NixFileContext } from "../rules/types.js";

const exposureCache = new Map<string, SourcedOutcome>();
// A unit's score lists every one of systemd's ~80 checks, and most are the same from one service to
// the next (same assessor, same result): the outcomes kept share one frozen object per distinct
// check, where a fresh copy per service made a repository of a thousand services hold a hundred
// thousand objects (the 20,000-file benchmark's largest single cost).
const sharedChecks = new Map<string, ExposureCheck>();
function shareChecks(o: SourcedOutcome): SourcedOutcome {
  if (!o.ok) return o;
  const checks = o.checks.map((c) => {
    const key = JSON.stringify(c);
    let shared = sharedChecks.get(key);
    if (!shared) {
      if (sharedChecks.size >= 100_000) sharedChecks.clear();
      sharedChecks.set(key, (shared = Object.freeze(c) as ExposureCheck));
    }
    return shared;
  });
  return { ...o, checks };
}

export async function scoreServices(
  services: ReadonlyArray<{ name: string; def: NixServiceDef }>,
  options: { preferSystemd: boolean; signal?: AbortSignal },
): Promise<SourcedOutcome[]> {
  const keys = services.map((s) => JSON.stringify([options.preferSystemd, s.name, s.def]));
  const todo = [...new Set(keys.filter((k) => !exposureCache.has(k)))];
  const failed = new Map<string, SourcedOutcome>();
  if (todo.length) {
    const first = new Map(keys.map((k, i) => [k, services[i]!] as const));
    const fresh = await exposureForMany(
      todo.map((k) => first.get(k)!),
      { preferSystemd: options.preferSystemd, signal: options.signal },
    );
    todo.forEach((k, i) => {
      const o = fresh[i]!;
      // Failures (a cancelled or broken run) are not remembered.
      if (o.ok) exposureCache.set(k, shareChecks(o));
      else failed.set(k, o);
    });
  }
  return keys.map((k) => exposureCache.get(k) ?? failed.get(k)!);
}

/** What identifies a service's score: its name and definition. */
export function serviceKey(s: { name: string; def: NixServiceDef }): string {
  return JSON.stringify([s.name, s.def]);
}

/** The outcome for a service the scan did not score (a rule asked for one it had not found). */
export function notScored(name: string): SourcedOutcome {
  return { ok: false, unit: name, error: "not scored by the scan (only the services the repository defines are)", unknown: [], warnings: [], source: "built-in" };
}

/** The scores of every service the repository's Nix files define (what the service-hardening rule
 * reports on, found the same way, in the same order), by serviceKey. */
export async function scoreRepositoryServices(
  files: readonly NixFileContext[],
  options: { preferSystemd: boolean; signal?: AbortSignal },
): Promise<Map<string, SourcedOutcome>> {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const services = files.flatMap((ctx) => servicesIn(ctx, (f) => byFile.get(f)));
  const outcomes = services.length ? await scoreServices(services, options) : [];
  return new Map(services.map((s, i) => [serviceKey(s), outcomes[i]!]));
}
