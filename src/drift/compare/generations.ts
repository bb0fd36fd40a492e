// Which system runs: /run/current-system against the toplevel the repository declares now, the
// system profile's newest generation (a `nixos-rebuild test` or a rollback leaves them apart), and
// /run/booted-system (a switch without a reboot).
import type { DeclaredState } from "../declared/schema.js";
import type { GenerationsFacts } from "../probes/generations.js";
import type { DriftItemX } from "../model.js";
import { item, rebuildCommand, revert, type CompareContext } from "./common.js";

export function compareGenerations(declared: DeclaredState, actual: GenerationsFacts, ctx: CompareContext): DriftItemX[] {
  const items: DriftItemX[] = [];
  const current = actual.currentSystem;
  if (!current) return items;
  const genOf = (path: string | undefined) => actual.generations.find((g) => g.storePath === path);
  const currentGen = genOf(current);
  const latest = actual.generations.find((g) => g.number === actual.profileGeneration);

  if (declared.toplevel && declared.toplevel !== current) {
    const built = actual.generations.find((g) => g.storePath === declared.toplevel);
    items.push(
      item({
        category: "generation",
        subject: "current-system",
        key: "declared",
        severity: "high",
        declared: { toplevel: declared.toplevel },
        actual: { currentSystem: current, generation: currentGen?.number ?? null, createdAt: currentGen?.createdAt ?? null },
        evidence:
          `The running system ${current}${currentGen ? ` (generation ${currentGen.number}, made ${currentGen.createdAt ?? "?"})` : " (not in the system profile)"} is not the configuration the repository declares now (${declared.toplevel}). ` +
          (built
            ? `The declared one was built as generation ${built.number} but is not active.`
            : currentGen && currentGen === latest
              ? "The repository changed since the last switch, or the machine was switched from another tree."
              : "The declared system was never switched to on this machine."),
        cause: currentGen?.createdAt ? { description: `generation ${currentGen.number} activated`, when: currentGen.createdAt, source: "system profile generation" } : undefined,
        remediation: [revert("review", "Build and switch to the declared configuration (review its diff first: nixos-rebuild build + nvd diff).", [rebuildCommand(ctx)])],
      }),
    );
  }

  if (latest?.storePath && latest.storePath !== current) {
    items.push(
      item({
        category: "generation",
        subject: "system profile",
        key: "profile",
        severity: "medium",
        declared: { profileGeneration: latest.number, storePath: latest.storePath },
        actual: { currentSystem: current, generation: currentGen?.number ?? null },
        evidence: `The running system is ${currentGen ? `generation ${currentGen.number}` : current}, but the system profile's newest is generation ${latest.number} (${latest.storePath}): activated with nixos-rebuild test, or rolled back without updating the profile. A reboot starts generation ${latest.number}.`,
        cause: latest.createdAt ? { description: `generation ${latest.number} made`, when: latest.createdAt, source: "system profile generation" } : undefined,
        remediation: [revert("review", "Switch to the declared configuration so the running system and the boot default agree.", [rebuildCommand(ctx)])],
      }),
    );
  }

  if (actual.bootedSystem && actual.bootedSystem !== current) {
    items.push(
      item({
        category: "generation",
        subject: "booted-system",
        key: "booted",
        severity: "low",
        declared: null,
        actual: { bootedSystem: actual.bootedSystem, currentSystem: current },
        evidence: `The machine booted ${actual.bootedSystem} and has switched to ${current} since: kernel, initrd and some services change only at the next reboot.`,
        remediation: [revert("manual", "Reboot when convenient.", [["systemctl", "reboot"]])],
      }),
    );
  }
  return items;
}
