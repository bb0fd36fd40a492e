// The rendered client files that ship in the repository and the package: the Claude Code plugin
// (agent-definitions/claude-plugin, listed by .claude-plugin/marketplace.json) and the Gemini CLI
// extension (agent-definitions/gemini-extension). `npm run agents` rewrites them; a test fails when
// they differ from what the definitions render.
import { chmod, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../version.js";
import { loadRenderInputs, renderClaudePlugin, renderGeminiExtension, renderMarketplace, type RenderedFile } from "./render.js";

export const PLUGIN_DIR = "agent-definitions/claude-plugin";
export const EXTENSION_DIR = "agent-definitions/gemini-extension";

/** Every shipped file, relative to the package root. */
export function shippedFiles(): RenderedFile[] {
  const inputs = loadRenderInputs();
  return [
    ...renderClaudePlugin(inputs).map((f) => ({ ...f, path: `${PLUGIN_DIR}/${f.path}` })),
    ...renderGeminiExtension(inputs).map((f) => ({ ...f, path: `${EXTENSION_DIR}/${f.path}` })),
    renderMarketplace(PLUGIN_DIR),
  ];
}

async function listAll(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listAll(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** Writes the shipped files (and removes stale ones in the two rendered directories). */
export async function writeShippedFiles(root = PACKAGE_ROOT): Promise<string[]> {
  const files = shippedFiles();
  const wanted = new Set(files.map((f) => f.path));
  for (const dir of [PLUGIN_DIR, EXTENSION_DIR])
    for (const rel of await listAll(join(root, dir))) if (!wanted.has(`${dir}/${rel}`)) await rm(join(root, dir, rel));
  for (const f of files) {
    await mkdir(dirname(join(root, f.path)), { recursive: true });
    await writeFile(join(root, f.path), f.content);
    await chmod(join(root, f.path), f.mode ?? 0o644);
  }
  return files.map((f) => f.path);
}
