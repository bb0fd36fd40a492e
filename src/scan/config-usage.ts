// Which files of a flake directory the flake uses: every file reached from flake.nix by its path
// literals (hosts' modules, their imports, overlays, packages, checks), through the scan's parsed
// repository. Drift asks it (as `configUsage`) to find configuration files nothing uses.
import { loadRepository } from "./repo.js";
import { moduleReferences } from "./hosts.js";

export async function flakeConfigUsage(dir: string): Promise<{ isFlake: boolean; used: string[] }> {
  const repo = await loadRepository(dir);
  if (!repo.flakeFile) return { isFlake: false, used: [] };
  const used = new Set<string>([repo.flakeFile]);
  for (const h of repo.graph.hosts) for (const f of h.files) used.add(f);
  const queue = [...used];
  while (queue.length) {
    const file = queue.pop()!;
    const pf = repo.nixFiles.get(file);
    if (!pf || pf.parsed.error) continue;
    for (const r of moduleReferences(repo.root, file, pf.parsed.root)) {
      // A directory reference means its default.nix.
      const target = repo.nixFiles.has(r) ? r : repo.nixFiles.has(`${r}/default.nix`) ? `${r}/default.nix` : r;
      if (!used.has(target)) {
        used.add(target);
        queue.push(target);
      }
    }
  }
  return { isFlake: true, used: [...used] };
}
