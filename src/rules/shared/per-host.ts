// A per-file rule whose judgement of one place depends on a setting of the host it lands on (is
// wheel's sudo passwordless there? is sshd's password authentication off?): the places are found
// once per file, then judged per host (checkHost, with the host's scope), or with the file's own
// scope for places no host sees (a lone module, a VM test node), the way `scoped` splits them.
// Reports of one place judged the same for several hosts become one finding listing them (the scan
// merges them); hosts judged differently get a finding each.
import type { OptionDefinition } from "../../nix/options.js";
import type { HostContext, NixFileContext, RuleReport } from "../types.js";
import { fileScope, hostScope, isFileScoped, type Scope } from "./scope.js";
import { fileAnswers, untracked } from "./track.js";

let perHostCount = 0;

export interface Place {
  /** The definition the place belongs to (decides which scope sees it). */
  def: OptionDefinition;
}

export function perHost<P extends Place>(
  collect: (ctx: NixFileContext) => P[],
  judge: (place: P, scope: Scope, file: NixFileContext, report: (r: RuleReport) => void) => void,
): { checkNix(ctx: NixFileContext): void; checkHost(h: HostContext): void } {
  // Each file is part of many hosts: its places are found once (per parse of the file), in the
  // file's own context (a host rule's view of it notes reads, rules/shared/track.ts).
  const memo = new WeakMap<NixFileContext, P[]>();
  const question = `perHost#${++perHostCount}`;
  const placesOf = (ctx: NixFileContext) => {
    let found = memo.get(ctx);
    if (!found) memo.set(ctx, (found = collect(ctx)));
    return found;
  };
  return {
    checkNix(ctx) {
      const own = placesOf(ctx).filter((p) => isFileScoped(ctx, p.def));
      if (!own.length) return;
      const scope = fileScope(ctx)!;
      for (const p of own) judge(p, scope, ctx, (r) => ctx.report(r));
    },
    checkHost(h) {
      let scope: Scope | undefined;
      for (const file of h.files) {
        // A file without places has no part in the host's result.
        if (!fileAnswers(file, question, (c) => placesOf(c).length > 0)) continue;
        const places = placesOf(untracked(file));
        for (const p of places) {
          if (isFileScoped(file, p.def)) continue;
          // In the file declaring the hosts, only this host's declaration is this host's.
          if (file.file === h.declaration?.file && !(p.def.binding.start >= h.declaration.node.start && p.def.binding.end <= h.declaration.node.end)) continue;
          judge(p, (scope ??= hostScope(h)), file, (r) => h.report({ ...r, file: file.file }));
        }
      }
    },
  };
}
