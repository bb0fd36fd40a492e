// systemd exposure scores for the services rules look at: the scan runs systemd-analyze (or, in
// quick mode or without it, the built-in scorer) so that rules stay pure. Scores depend only on a
// service's definition: a repeated scan in the same process scores only what changed.
import { exposureForMany, type NixServiceDef, type SourcedOutcome } from "../exposure/index.js";

const exposureCache = new Map<string, SourcedOutcome>();

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
      if (o.ok) exposureCache.set(k, o);
      else failed.set(k, o);
    });
  }
  return keys.map((k) => exposureCache.get(k) ?? failed.get(k)!);
}
