// Part of `npm run build`, after tsc: bundles the CLI (dist/src/cli/main.js) and the packages it
// imports with rolldown into dist/bundle/, which is what `nix-warden` runs (package.json's bin, the
// agent launchers, the MCP configuration `install` writes). Node then reads a handful of files at
// start-up instead of hundreds of modules. The entry is dist/bundle/main.js; every `import()` a
// command makes (dispatch.ts's commands, the MCP server, the rules behind the scan cache) stays a
// chunk of its own that is loaded only when reached, so what a command does not use is not read.
//
// The build is stamped: the literal that src/version.ts holds (UNSTAMPED) is replaced with the
// SHA-256 of the bundle's code, which the scan cache keys on (src/scan/cache.ts): another bundle is
// another tool, and the same code built again keeps its cache. dist/src/ stays as tsc wrote it, for
// the scripts, the benchmarks and whatever imports the modules. A warning from the bundler fails
// the build, as does a stamp found other than exactly once.
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { rolldown, type OutputChunk, type RolldownLog } from "rolldown";
import { PACKAGE_ROOT, UNSTAMPED } from "../src/version.js";

export const BUNDLE_DIR = join(PACKAGE_ROOT, "dist", "bundle");
export const BUNDLE_ENTRY = "main.js";

/** A file of the bundle: its name (relative to the bundle's directory) and text. */
export interface BundleFile {
  fileName: string;
  code: string;
}

/** The hash of a bundle's code (its files, unstamped, in name order). */
export function bundleHash(files: readonly BundleFile[]): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))) hash.update(`${f.fileName}\0${f.code}\0`);
  return hash.digest("hex");
}

/** The files with the build stamp written in: UNSTAMPED, quoted, must occur exactly once. */
export function stampBundle(files: readonly BundleFile[]): { files: BundleFile[]; hash: string } {
  const literal = JSON.stringify(UNSTAMPED);
  const counts = files.map((f) => f.code.split(literal).length - 1);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== 1) throw new Error(`the build stamp occurs ${total} times in the bundle, not once (src/version.ts)`);
  const at = counts.indexOf(1);
  const hash = bundleHash(files);
  const stamped = JSON.stringify(`nix-warden-build:${hash}`);
  return { files: files.map((f, i) => (i === at ? { ...f, code: f.code.replace(literal, stamped) } : f)), hash };
}

async function bundle(): Promise<void> {
  const warnings: string[] = [];
  const build = await rolldown({
    input: join(PACKAGE_ROOT, "dist", "src", "cli", "main.js"),
    cwd: PACKAGE_ROOT,
    platform: "node",
    logLevel: "warn",
    onLog: (level: string, log: RolldownLog) => {
      warnings.push(`${level}: ${log.code ?? ""} ${log.message}`);
    },
  });
  let chunks: OutputChunk[];
  try {
    const { output } = await build.generate({ format: "esm", entryFileNames: BUNDLE_ENTRY, chunkFileNames: "[name]-[hash].js", charset: "ascii", comments: false });
    const assets = output.filter((o) => o.type !== "chunk");
    if (assets.length) throw new Error(`unexpected assets in the bundle: ${assets.map((a) => a.fileName).join(", ")}`);
    chunks = output.filter((o): o is OutputChunk => o.type === "chunk");
  } finally {
    await build.close();
  }
  if (warnings.length) throw new Error(`the bundler warned:\n${warnings.join("\n")}`);
  const { files } = stampBundle(chunks.map((c) => ({ fileName: c.fileName, code: c.code })));

  // Written beside the old bundle, then swapped in: no stale chunk survives a rebuild.
  const tmp = `${BUNDLE_DIR}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const f of files) {
    const path = join(tmp, f.fileName);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.code);
  }
  chmodSync(join(tmp, BUNDLE_ENTRY), 0o755);
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  renameSync(tmp, BUNDLE_DIR);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  bundle().catch((e: unknown) => {
    console.error(`bundle: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
