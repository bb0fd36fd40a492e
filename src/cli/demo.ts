// `nix-warden demo` (npm run demo): runs nix-warden on the example repository bundled with the
// package (examples/homelab), so a new user sees what it does in one command.
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { listFiles } from "../scan/discover.js";
import { parseNix } from "../nix/index.js";
import { buildOptionIndex } from "../nix/options.js";
import { PACKAGE_ROOT } from "../version.js";

export const summary = "run nix-warden on the bundled example repository";

export const EXAMPLE_REPO = join(PACKAGE_ROOT, "examples", "homelab");

export async function run(_argv: string[]): Promise<number> {
  console.log(`nix-warden demo: what the parser sees in ${relative(process.cwd(), EXAMPLE_REPO) || "."}\n`);
  const { files } = await listFiles(EXAMPLE_REPO);
  let definitions = 0;
  for (const file of files.filter((f) => f.endsWith(".nix"))) {
    const path = join(EXAMPLE_REPO, file);
    const parsed = parseNix(await readFile(path, "utf8"), { path });
    if (parsed.error) {
      console.log(`${file}: does not parse: ${parsed.error.message} (line ${parsed.error.line})`);
      continue;
    }
    const index = buildOptionIndex(parsed.root);
    const leaves = index.definitions.filter((d) => d.isLeaf);
    if (leaves.length === 0) continue;
    console.log(`${file}`);
    for (const d of leaves) {
      const cond = d.conditions.length ? `   when ${d.conditions.map((c) => (c.kind === "else" ? `!(${c.text})` : c.text)).join(" && ")}` : "";
      const prio = d.priority ? `   (${d.priority})` : "";
      console.log(`  ${String(d.line).padStart(4)}  ${d.path}${prio}${cond}`);
    }
    definitions += leaves.length;
  }
  console.log(`\n${definitions} option definitions in ${files.filter((f) => f.endsWith(".nix")).length} Nix files.`);
  return 0;
}
