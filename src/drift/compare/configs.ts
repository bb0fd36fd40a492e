// Configuration files the flake does not use: a `local-override.nix` left in /etc/nixos or in the
// checkout the machine is built from. It changes nothing today, and the next person to import it
// (or a rebuild from /etc/nixos with the old channel layout) gets settings nobody reviewed.
import { posix } from "node:path";
import type { DriftItemX } from "../model.js";
import type { ConfigsFacts } from "../probes/configs.js";
import { item, revert, type CompareContext } from "./common.js";

export function compareConfigs(facts: ConfigsFacts, ctx: CompareContext): DriftItemX[] {
  const items: DriftItemX[] = [];
  for (const d of facts.dirs) {
    if (!d.usage) continue;
    // A checkout that is not a flake: the scan's graph cannot tell what it uses; say nothing.
    if (!d.usage.isFlake && d.kind === "checkout") continue;
    const used = new Set(d.usage.used);
    for (const f of d.files) {
      if (f.path === "flake.nix" || used.has(f.path)) continue;
      const path = posix.join(d.dir, f.path);
      const where = d.usage.isFlake
        ? `no host of the flake in ${d.dir} imports it and flake.nix does not refer to it`
        : `${d.dir} holds no flake.nix: this machine is built from ${ctx.flakeRef ?? "a flake"}, which does not read it`;
      items.push(
        item({
          category: "file",
          subject: path,
          key: "unused-config",
          severity: d.usage.isFlake ? "medium" : "low",
          declared: null,
          actual: { unusedConfigFile: path, size: f.size, modifiedAt: f.modifiedAt },
          evidence: `${path}${f.modifiedAt ? ` (${f.size} bytes, modified ${f.modifiedAt})` : ""}: ${where}. It changes nothing on ${ctx.host} today; whoever imports it next gets settings nobody reviewed.`,
          remediation: [
            revert("review", `Move it aside (kept under /var/lib/nix-warden/removed, so it can be put back).`, [["rm", "-f", "--", path]], ["test", "-e", path]),
            {
              strategy: "adopt",
              safety: "manual",
              description: `If ${ctx.host} should have these settings, add ./${posix.basename(f.path)} (relative to the importing file) to the imports of one of ${ctx.host}'s modules in the flake, review it, commit and rebuild.`,
            },
          ],
        }),
      );
    }
  }
  return items;
}
