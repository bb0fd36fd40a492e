// Configuration files on the machine that the flake may not use: the .nix files of /etc/nixos and
// of the local checkout the machine is built from. Which of them the flake uses is the scan's host
// graph (imports followed from flake.nix), which drift cannot import: the caller hands it in as
// `ctx.configUsage`. Facts only; compare/configs.ts decides what is unused.
import type { Dirent, Stats } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import { join, posix } from "node:path";
import type { ReportError } from "../../report/schema.js";
import { RootFs } from "../root.js";
import type { ConfigUsage, ProbeContext, ProbeResult } from "./types.js";

export type { ConfigUsage, ConfigUsageOf } from "./types.js";


export interface ConfigFile {
  /** Relative to the directory. */
  path: string;
  size?: number;
  modifiedAt?: string;
}

export interface ConfigDir {
  /** As on the machine (/etc/nixos) or, for the checkout, its local path. */
  dir: string;
  /** "etc": the machine's /etc/nixos; "checkout": the flake the check compares with. */
  kind: "etc" | "checkout";
  files: ConfigFile[];
  usage?: ConfigUsage;
}

export interface ConfigsFacts {
  dirs: ConfigDir[];
}

const SKIP = new Set([".git", "node_modules", "result", ".direnv"]);
const MAX_FILES = 2000;
const MAX_DEPTH = 8;

/** Lists a directory: through the root's reader for the machine's /etc/nixos (so a link never
 * leads out of the root), directly for the local checkout. */
type ListDir = (path: string) => Promise<Dirent[] | undefined>;

/** The .nix files under dir: symbolic links are not followed (a link out of the directory is not
 * its file), depth and count bounded. */
async function nixFiles(dir: string, list: ListDir, errors: ReportError[]): Promise<ConfigFile[]> {
  const out: ConfigFile[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    const path = rel ? posix.join(dir, rel) : dir;
    let entries: Dirent[];
    try {
      entries = (await list(path)) ?? [];
    } catch (e) {
      errors.push({ source: "probe:configs", message: `cannot list ${path}: ${(e as Error).message}` });
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? posix.join(rel, e.name) : e.name;
      if (e.isDirectory() && !SKIP.has(e.name)) await walk(r, depth + 1);
      else if (e.isFile() && e.name.endsWith(".nix") && out.length < MAX_FILES) out.push({ path: r });
    }
  };
  await walk("", 0);
  return out;
}

async function stamp(files: ConfigFile[], lstatOf: (rel: string) => Promise<Stats | undefined>): Promise<void> {
  for (const f of files) {
    const st = await lstatOf(f.path).catch(() => undefined);
    if (st) Object.assign(f, { size: st.size, modifiedAt: st.mtime.toISOString() });
  }
}

export async function probeConfigs(ctx: ProbeContext): Promise<ProbeResult<ConfigsFacts>> {
  const notes: string[] = [];
  const errors: ReportError[] = [];
  const dirs: ConfigDir[] = [];
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const checkoutReal = ctx.flakeDir ? await realpath(ctx.flakeDir).catch(() => undefined) : undefined;
  const usageOf = async (local: string) => {
    if (!ctx.configUsage) return undefined;
    try {
      return await ctx.configUsage(local);
    } catch (e) {
      notes.push(`cannot read which files the flake in ${local} uses: ${(e as Error).message}`);
      return undefined;
    }
  };
  if (!ctx.configUsage) notes.push("which files the flake uses is not known here: unused configuration files not checked");
  // The machine's /etc/nixos, resolved inside the root (never leaving it).
  let etc: string | undefined;
  try {
    etc = await fs.resolve("/etc/nixos");
    if (etc && !(await fs.stat(etc))?.isDirectory()) etc = undefined;
  } catch (e) {
    errors.push({ source: "probe:configs", message: `cannot read /etc/nixos: ${(e as Error).message}` });
  }
  if (etc) {
    const local = fs.hostPath(etc);
    // /etc/nixos that is itself the checkout is looked at once, as the checkout.
    if (!(fs.live && (await realpath(local).catch(() => local)) === checkoutReal)) {
      const files = await nixFiles(etc, (p) => fs.readDir(p), errors);
      await stamp(files, (rel) => fs.lstat(posix.join(etc!, rel)));
      dirs.push({ dir: "/etc/nixos", kind: "etc", files, usage: await usageOf(local) });
    }
  }
  if (checkoutReal) {
    const files = await nixFiles(checkoutReal, (p) => readdir(p, { withFileTypes: true }), errors);
    await stamp(files, (rel) => lstat(join(checkoutReal, rel)));
    dirs.push({ dir: checkoutReal, kind: "checkout", files, usage: await usageOf(checkoutReal) });
  }
  return { facts: { dirs }, errors, notes };
}
