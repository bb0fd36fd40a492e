// What is in /etc and how it got there. NixOS links each file it manages to /etc/static/<name>
// (setup-etc.pl), copies the ones with a mode and lists those in /etc/.clean, and /etc/static
// points at the etc tree of the current system in the store. This probe walks /etc (bounded),
// records for every entry whether NixOS's static tree has the same name, and reads both versions of
// a managed name that is a plain file (edited in place, or a copy NixOS made), so the comparison
// can show what changed.
// /etc/systemd/system* belongs to the services probe.
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface EtcEntry {
  /** Relative to /etc, e.g. "ssh/sshd_config". */
  path: string;
  kind: "link" | "file" | "dir" | "other";
  linkTarget?: string;
  size?: number;
  mode?: number;
  modifiedAt?: string;
  /** What /etc/static/<path> is in NixOS's tree: absent, a file (or link to one), or a directory. */
  inStatic: "no" | "file" | "dir";
  /** For a directory outside the static tree: how many entries it holds (not descended into). */
  childCount?: number;
}

export interface ReplacedFile {
  path: string;
  /** NixOS copies this file (it is in /etc/.clean) rather than linking it. */
  copied: boolean;
  /** Text of the file now in /etc (bounded; undefined when binary or too large). */
  actual?: string;
  /** Text NixOS would have linked (from /etc/static). */
  managed?: string;
}

export interface FilesFacts {
  /** /etc/static exists (a NixOS /etc). */
  nixosEtc: boolean;
  staticTarget?: string;
  /** Lines of /etc/.clean: files NixOS copied instead of linking. */
  clean: string[];
  entries: EtcEntry[];
  replaced: ReplacedFile[];
  truncated: boolean;
}

const MAX_ENTRIES = 5000;
const MAX_DEPTH = 8;
const MAX_DIFF_BYTES = 64 * 1024;
/** Owned by other probes or not part of the declared tree at all. */
const SKIP = new Set(["static", "nixos", ".clean", "systemd/system", "systemd/system.control", "systemd/user", "systemd/user.control"]);

export async function probeFiles(ctx: ProbeContext): Promise<ProbeResult<FilesFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const facts: FilesFacts = { nixosEtc: false, clean: [], entries: [], replaced: [], truncated: false };
  try {
    facts.staticTarget = await fs.readLink("/etc/static");
    facts.nixosEtc = (await fs.lstat("/etc/static")) !== undefined;
    if (!facts.nixosEtc) return { facts, errors, notes: [`no /etc/static under ${ctx.root}: not a NixOS /etc, files not compared`] };
    facts.clean = ((await fs.readText("/etc/.clean")) ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
    if (!(await fs.lstat("/etc"))) {
      errors.push({ source: "probe:files", message: `no /etc under ${ctx.root}` });
      return { facts, errors };
    }
    // Directories the declaration puts files into (when the static tree is not readable here).
    const declaredDirs = new Set<string>();
    for (const e of Object.values(ctx.declared?.etc ?? {})) {
      const parts = e.target.split("/");
      for (let i = 1; i < parts.length; i++) declaredDirs.add(parts.slice(0, i).join("/"));
    }
    await walk(fs, "", 0, facts, declaredDirs, errors);
    for (const e of facts.entries) {
      if (e.kind === "file" && e.inStatic === "file") {
        facts.replaced.push({
          path: e.path,
          copied: facts.clean.includes(e.path),
          actual: await textOrUndefined(fs, `/etc/${e.path}`),
          managed: await textOrUndefined(fs, `/etc/static/${e.path}`),
        });
      }
    }
  } catch (e) {
    errors.push({ source: "probe:files", message: `cannot read /etc: ${describeFsError(e)}` });
  }
  return { facts, errors };
}

async function walk(fs: RootFs, rel: string, depth: number, facts: FilesFacts, declaredDirs: Set<string>, errors: ReportError[]): Promise<void> {
  const dir = rel === "" ? "/etc" : `/etc/${rel}`;
  let names: string[];
  try {
    names = ((await fs.readDir(dir)) ?? []).map((d) => d.name).sort();
  } catch (e) {
    errors.push({ source: "probe:files", message: `cannot list ${dir}: ${describeFsError(e)}` });
    return;
  }
  for (const name of names) {
    if (facts.entries.length >= MAX_ENTRIES) {
      facts.truncated = true;
      return;
    }
    const path = rel === "" ? name : `${rel}/${name}`;
    if (SKIP.has(path)) continue;
    const st = await fs.lstat(`/etc/${path}`);
    if (!st) continue;
    const staticSt = await fs.stat(`/etc/static/${path}`).catch(() => undefined);
    const inStatic: EtcEntry["inStatic"] = !staticSt ? "no" : staticSt.isDirectory() ? "dir" : "file";
    const entry: EtcEntry = {
      path,
      kind: st.isSymbolicLink() ? "link" : st.isFile() ? "file" : st.isDirectory() ? "dir" : "other",
      size: st.size,
      mode: st.mode & 0o7777,
      modifiedAt: st.mtime.toISOString(),
      inStatic,
    };
    if (entry.kind === "link") entry.linkTarget = await fs.readLink(`/etc/${path}`);
    facts.entries.push(entry);
    if (entry.kind === "dir") {
      const managedDir = inStatic === "dir" || declaredDirs.has(path);
      if (managedDir && depth < MAX_DEPTH) await walk(fs, path, depth + 1, facts, declaredDirs, errors);
      else entry.childCount = ((await fs.readDir(`/etc/${path}`).catch(() => [])) ?? []).length;
    }
  }
}

async function textOrUndefined(fs: RootFs, path: string): Promise<string | undefined> {
  const st = await fs.stat(path).catch(() => undefined);
  if (!st || !st.isFile() || st.size > MAX_DIFF_BYTES) return undefined;
  const text = await fs.readText(path, MAX_DIFF_BYTES).catch(() => undefined);
  if (text === undefined || text.includes("\u0000")) return undefined;
  return text;
}

