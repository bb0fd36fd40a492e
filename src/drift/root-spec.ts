// Building a system root directory from a checked-in description: a directory of plain files
// (`root/`) plus a spec of what git and npm cannot carry — symlinks (npm drops them from packages),
// empty directories, and modification times (the "when" of drift comes from them).
//
// Spec lines (`root.spec`), paths relative to the root, '#' comments:
//   link <path> -> <target> [@ <ISO time>]
//   dir <path>
//   mtime <path> <ISO time>
import { cp, lutimes, mkdir, symlink } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

export type SpecEntry =
  | { kind: "link"; path: string; target: string; time?: Date }
  | { kind: "dir"; path: string }
  | { kind: "mtime"; path: string; time: Date };

export function parseRootSpec(text: string): SpecEntry[] {
  const out: SpecEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fail = (msg: string) => {
      throw new Error(`root spec line ${i + 1}: ${msg}: ${line}`);
    };
    const link = /^link\s+(\S+)\s+->\s+(\S+)(?:\s+@\s+(\S+))?$/.exec(line);
    if (link) {
      const time = link[3] ? new Date(link[3]) : undefined;
      if (time && Number.isNaN(time.getTime())) fail("bad time");
      out.push({ kind: "link", path: safe(link[1] as string, fail), target: link[2] as string, time });
      return;
    }
    const dir = /^dir\s+(\S+)$/.exec(line);
    if (dir) {
      out.push({ kind: "dir", path: safe(dir[1] as string, fail) });
      return;
    }
    const mtime = /^mtime\s+(\S+)\s+(\S+)$/.exec(line);
    if (mtime) {
      const time = new Date(mtime[2] as string);
      if (Number.isNaN(time.getTime())) fail("bad time");
      out.push({ kind: "mtime", path: safe(mtime[1] as string, fail), time });
      return;
    }
    fail("not a link, dir or mtime line");
  });
  return out;
}

function safe(path: string, fail: (m: string) => never): string {
  const p = normalize(path.replace(/^\/+/, ""));
  if (p.startsWith("..")) fail("path leaves the root");
  return p;
}

/** Copies specDir/root to dest and applies specDir/root.spec (links, empty dirs, times). */
export async function materializeRoot(specDir: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await cp(join(specDir, "root"), dest, { recursive: true, verbatimSymlinks: true });
  const entries = parseRootSpec(readFileSync(join(specDir, "root.spec"), "utf8"));
  for (const e of entries) {
    const p = join(dest, e.path);
    if (e.kind === "dir") await mkdir(p, { recursive: true });
    else if (e.kind === "link") {
      await mkdir(dirname(p), { recursive: true });
      await symlink(e.target, p);
    }
  }
  // Times last, deepest first, so creating children does not bump a directory's time afterwards.
  const timed = entries.filter((e): e is Extract<SpecEntry, { time?: Date }> & { time: Date } => "time" in e && e.time !== undefined);
  timed.sort((a, b) => b.path.split("/").length - a.path.split("/").length);
  for (const e of timed) {
    const p = join(dest, e.path);
    await lutimes(p, e.time, e.time); // the path itself, link or not
  }
}
