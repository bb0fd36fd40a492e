// Mounted filesystems and active swap, from <root>/proc/self/mountinfo (or /proc/mounts) and
// <root>/proc/swaps, plus the /dev/disk/by-* links needed to tell that "/dev/disk/by-uuid/…" and
// "/dev/sda1" are the same device. A root without a /proc of its own (a mounted disk, an image)
// has no mount table: the probe says so.
import { posix } from "node:path";
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface MountEntry {
  mountPoint: string;
  source: string;
  fsType: string;
  /** Per-mount options (ro, nosuid, ...) followed by the superblock options. */
  options: string[];
}

export interface SwapEntry {
  filename: string;
  type: string;
  sizeKiB?: number;
}

export interface MountsFacts {
  mounts?: MountEntry[];
  swaps?: SwapEntry[];
  /** /dev/disk/by-{uuid,label,partuuid,partlabel,id,path}/<name> -> the device it resolves to. */
  deviceLinks: Record<string, string>;
}

/** Undoes the octal escapes the kernel uses in mount tables (\040 for a space, ...). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** /proc/<pid>/mountinfo (proc(5)): id parent major:minor root mountpoint opts [optional...] - fstype source superopts */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const f = line.split(" ");
    const dash = f.indexOf("-", 6);
    if (dash < 0 || f.length < dash + 3) continue;
    const opts = (f[5] ?? "").split(",");
    const superOpts = (f[dash + 3] ?? "").split(",").filter(Boolean);
    out.push({
      mountPoint: unescapeMountField(f[4] as string),
      fsType: f[dash + 1] as string,
      source: unescapeMountField(f[dash + 2] as string),
      options: [...opts, ...superOpts.filter((o) => !opts.includes(o))],
    });
  }
  return out;
}

/** /proc/mounts (fstab format): source mountpoint fstype options dump pass */
export function parseProcMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ source: unescapeMountField(f[0] as string), mountPoint: unescapeMountField(f[1] as string), fsType: f[2] as string, options: (f[3] as string).split(",") });
  }
  return out;
}

/** /proc/swaps: a header line, then Filename Type Size Used Priority. */
export function parseSwaps(text: string): SwapEntry[] {
  const out: SwapEntry[] = [];
  const lines = text.split("\n").slice(1);
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || !f[0]) continue;
    const size = Number(f[2]);
    out.push({ filename: unescapeMountField(f[0]), type: f[1] as string, sizeKiB: Number.isFinite(size) ? size : undefined });
  }
  return out;
}

const BY_DIRS = ["by-uuid", "by-label", "by-partuuid", "by-partlabel", "by-id", "by-path"];

export async function probeMounts(ctx: ProbeContext): Promise<ProbeResult<MountsFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const facts: MountsFacts = { deviceLinks: {} };
  try {
    const mountinfo = await fs.readText("/proc/self/mountinfo");
    if (mountinfo !== undefined) facts.mounts = parseMountinfo(mountinfo);
    else {
      const mounts = await fs.readText("/proc/mounts");
      if (mounts !== undefined) facts.mounts = parseProcMounts(mounts);
      else notes.push(`no /proc/self/mountinfo under ${ctx.root}: mounts not compared (not a running system)`);
    }
    const swaps = await fs.readText("/proc/swaps");
    if (swaps !== undefined) facts.swaps = parseSwaps(swaps);
    else if (facts.mounts) notes.push(`no /proc/swaps under ${ctx.root}: swap not compared`);
  } catch (e) {
    errors.push({ source: "probe:mounts", message: `cannot read the mount table: ${describeFsError(e)}` });
  }
  for (const d of BY_DIRS) {
    try {
      for (const e of (await fs.readDir(`/dev/disk/${d}`)) ?? []) {
        const link = `/dev/disk/${d}/${e.name}`;
        // Lexically: the device node itself need not exist in a root directory.
        const target = await fs.readLink(link);
        if (target) facts.deviceLinks[link] = target.startsWith("/") ? target : posix.resolve(`/dev/disk/${d}`, target);
      }
    } catch (e) {
      errors.push({ source: "probe:mounts", message: `cannot read /dev/disk/${d}: ${describeFsError(e)}` });
    }
  }
  return { facts, errors, notes };
}
