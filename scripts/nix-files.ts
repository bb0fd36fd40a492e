// Every .nix file under a directory (sorted; no `.git`, no `result` links, symlinks not followed).
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export async function listNixFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name === ".git" || e.name === "node_modules") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith(".nix")) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}
