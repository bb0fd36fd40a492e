// The hosts a repository declares, as the scan's host graph finds them (flake.nix, flake-parts
// modules, helpers, nested flakes; from the syntax trees, no evaluation), with where each is
// declared, or why there are none. What the list_hosts tool, the host resources and prompts show.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadRepository } from "./repo.js";

/** The hosts the repository declares, where (file and line), and why none when none. */
export async function repositoryHosts(root: string): Promise<{ hosts: Array<{ name: string; file: string; line: number }>; error?: string }> {
  const repo = await loadRepository(root);
  const hosts = repo.graph.hosts.map((h) => ({ name: h.name, file: h.file, line: h.node.line }));
  if (hosts.length > 0) return { hosts };
  if (!existsSync(join(root, "flake.nix"))) return { hosts, error: `no flake.nix in ${root}` };
  const broken = repo.errors.find((e) => e.file === "flake.nix");
  return { hosts, error: broken ? `flake.nix: ${broken.message}` : "flake.nix declares no nixosConfigurations that can be read without evaluating it" };
}
