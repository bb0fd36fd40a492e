// systemd units the declaration does not account for, and units whose configuration was changed
// outside NixOS.
//
// File-based (any root): NixOS links /etc/systemd/system to its generated tree (/etc/static/...),
// so anything else in the unit search path is imperative: runtime units, masks, `.wants` links
// and drop-ins under /run/systemd/system (`systemctl enable|mask|edit --runtime`), `set-property`
// drop-ins under /{etc,run}/systemd/system.control, transient units (`systemd-run`) under
// /run/systemd/transient, and — when someone replaced /etc/systemd/system with a real directory —
// every file in it that is not a link into the generated tree. Which units are running comes from
// the cgroups of processes in <root>/proc.
//
// Live only (root "/"): `systemctl show` for active/failed states, runtime enablement, loaded
// drop-ins and units changed on disk but not reloaded.
import { posix } from "node:path";
import { run } from "../../system/run.js";
import { showUnits, type ShowUnit } from "../parse/systemctl.js";
import { describeFsError, RootFs } from "../root.js";
import { processTable } from "./proc.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export type UnitDir = "/etc/systemd/system" | "/etc/systemd/system.control" | "/run/systemd/system" | "/run/systemd/system.control" | "/run/systemd/transient";

export interface UnitFileFact {
  /** Machine path of the file or link. */
  path: string;
  dir: UnitDir;
  /** The unit it concerns: "redis.service" for redis.service, redis.service.d/x.conf, multi-user.target.wants/redis.service. */
  unit: string;
  kind: "unit" | "mask" | "dropin" | "wants" | "link";
  /** For wants links: the unit that wants it ("multi-user.target"). */
  wantedBy?: string;
  linkTarget?: string;
  modifiedAt?: string;
  /** Text of unit files and drop-ins (bounded). */
  content?: string;
}

export interface RunningUnit {
  unit: string;
  pids: number[];
  comms: string[];
}

export interface ServicesFacts {
  /** The root is a NixOS system (/etc/static or /run/current-system exists). */
  nixos: boolean;
  /** How /etc/systemd/system looks: NixOS's link into /etc/static, a real directory, or missing. */
  etcSystemdSystem: "managed-link" | "directory" | "missing" | "other";
  /** Unit names present in NixOS's generated tree (/etc/static/systemd/system), when readable. */
  generatedUnits?: string[];
  /** Generated unit text (and NixOS's own drop-ins) for units that have imperative drop-ins. */
  generatedText: Record<string, string[]>;
  /** Files in the unit search path that NixOS did not generate. */
  files: UnitFileFact[];
  /** Units with processes, from <root>/proc/<pid>/cgroup. */
  running: RunningUnit[];
  /** `systemctl show` of loaded units (live system only). */
  loaded?: ShowUnit[];
}

const IMPERATIVE_DIRS: UnitDir[] = ["/etc/systemd/system.control", "/run/systemd/system", "/run/systemd/system.control", "/run/systemd/transient"];
const GENERATED = "/etc/static/systemd/system";
const SHOW_PROPERTIES = "Id,Names,LoadState,ActiveState,SubState,UnitFileState,FragmentPath,DropInPaths,NeedDaemonReload,Transient,ExecStart,MainPID";
const MAX_FILE_BYTES = 64 * 1024;

export async function probeServices(ctx: ProbeContext): Promise<ProbeResult<ServicesFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const facts: ServicesFacts = { nixos: false, etcSystemdSystem: "missing", files: [], running: [], generatedText: {} };

  try {
    facts.nixos = (await fs.lstat("/etc/static")) !== undefined || (await fs.lstat("/run/current-system")) !== undefined;
    if (!facts.nixos) {
      notes.push(`no /etc/static or /run/current-system under ${ctx.root}: not a NixOS system, unit files not compared`);
      return { facts, errors, notes };
    }
    const st = await fs.lstat("/etc/systemd/system");
    if (st?.isSymbolicLink()) {
      const target = (await fs.readLink("/etc/systemd/system")) ?? "";
      facts.etcSystemdSystem = target.startsWith("/etc/static/") || target.startsWith("/nix/store/") ? "managed-link" : "other";
    } else if (st?.isDirectory()) facts.etcSystemdSystem = "directory";
    else if (st) facts.etcSystemdSystem = "other";

    const generated = await fs.readDir(GENERATED).catch(() => undefined);
    if (generated) facts.generatedUnits = generated.map((d) => d.name).sort();

    const dirs: UnitDir[] = [...IMPERATIVE_DIRS];
    if (facts.etcSystemdSystem === "directory") dirs.unshift("/etc/systemd/system");
    for (const dir of dirs) await scanUnitDir(fs, dir, facts, errors);

  } catch (e) {
    errors.push({ source: "probe:services", message: `cannot read the unit directories: ${describeFsError(e)}` });
  }

  try {
    const byUnit = new Map<string, RunningUnit>();
    for (const p of await processTable(fs)) {
      if (!p.unit) continue;
      const r = byUnit.get(p.unit) ?? { unit: p.unit, pids: [], comms: [] };
      r.pids.push(p.pid);
      if (p.comm && !r.comms.includes(p.comm)) r.comms.push(p.comm);
      byUnit.set(p.unit, r);
    }
    facts.running = [...byUnit.values()].sort((a, b) => a.unit.localeCompare(b.unit));
  } catch (e) {
    errors.push({ source: "probe:services", message: `cannot read the process table: ${describeFsError(e)}` });
  }

  if (ctx.live) {
    const r = await run("systemctl", ["show", "--all", `--property=${SHOW_PROPERTIES}`, "--", "*.service", "*.socket", "*.timer", "*.path"], {
      timeoutMs: ctx.timeoutMs ?? 30_000,
      signal: ctx.signal,
    });
    if (r.ok) facts.loaded = showUnits(r.stdout);
    else if (r.notFound) notes.push("systemctl is not installed: unit states (active, failed, runtime-enabled) not checked");
    else errors.push({ source: "probe:services", message: `systemctl show failed: ${r.error}` });
  } else {
    notes.push(`systemctl needs the live system: unit states (active, failed) under --root ${ctx.root} come only from files and <root>/proc`);
  }

  // The generated unit text (with NixOS's own drop-ins) of units with imperative drop-ins, and on a
  // live system of running generated units (to compare with what systemd has loaded).
  const generated = new Set(facts.generatedUnits ?? []);
  const units = new Set(facts.files.filter((f) => f.kind === "dropin" || f.kind === "unit").map((f) => f.unit));
  for (const u of facts.loaded ?? []) if (u.mainPid && generated.has(u.id) && !u.id.includes("@")) units.add(u.id);
  for (const unit of units) {
    try {
      const texts = await generatedUnitText(fs, unit);
      if (texts.length) facts.generatedText[unit] = texts;
    } catch (e) {
      errors.push({ source: "probe:services", message: `cannot read the generated ${unit}: ${describeFsError(e)}` });
    }
  }
  return { facts, errors, notes };
}

async function generatedUnitText(fs: RootFs, unit: string): Promise<string[]> {
  const texts: string[] = [];
  const main = await fs.readText(`${GENERATED}/${unit}`, MAX_FILE_BYTES);
  if (main !== undefined) texts.push(main);
  for (const d of ((await fs.readDir(`${GENERATED}/${unit}.d`)) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
    const t = await fs.readText(`${GENERATED}/${unit}.d/${d.name}`, MAX_FILE_BYTES);
    if (t !== undefined) texts.push(t);
  }
  return texts;
}

async function scanUnitDir(fs: RootFs, dir: UnitDir, facts: ServicesFacts, errors: ReportError[]): Promise<void> {
  // Only a replaced /etc/systemd/system can still hold NixOS's own links; elsewhere everything is imperative.
  const generatedLink = (p: string) => (dir === "/etc/systemd/system" ? isGeneratedLink(fs, p) : Promise.resolve(false));
  let entries;
  try {
    entries = await fs.readDir(dir);
  } catch (e) {
    errors.push({ source: "probe:services", message: `cannot list ${dir}: ${describeFsError(e)}` });
    return;
  }
  for (const e of entries ?? []) {
    const path = `${dir}/${e.name}`;
    const st = await fs.lstat(path);
    if (!st) continue;
    if (st.isDirectory()) {
      const sub = (await fs.readDir(path).catch(() => undefined)) ?? [];
      if (e.name.endsWith(".d")) {
        const unit = e.name.slice(0, -2);
        for (const d of sub) {
          const p = `${path}/${d.name}`;
          if (!d.name.endsWith(".conf")) continue;
          if (await generatedLink(p)) continue;
          facts.files.push({ path: p, dir, unit, kind: "dropin", modifiedAt: (await fs.lstat(p))?.mtime.toISOString(), content: await fs.readText(p, MAX_FILE_BYTES).catch(() => undefined) });
        }
      } else if (/\.(wants|requires|upholds)$/.test(e.name)) {
        const wantedBy = e.name.replace(/\.(wants|requires|upholds)$/, "");
        for (const d of sub) {
          const p = `${path}/${d.name}`;
          if (await generatedLink(p)) continue;
          facts.files.push({ path: p, dir, unit: d.name, kind: "wants", wantedBy, linkTarget: await fs.readLink(p), modifiedAt: (await fs.lstat(p))?.mtime.toISOString() });
        }
      }
      continue;
    }
    if (!/\.(service|socket|timer|path|mount|automount|swap|target|slice|scope)$/.test(e.name)) continue;
    if (st.isSymbolicLink()) {
      const target = (await fs.readLink(path)) ?? "";
      if (target === "/dev/null") {
        facts.files.push({ path, dir, unit: e.name, kind: "mask", linkTarget: target, modifiedAt: st.mtime.toISOString() });
        continue;
      }
      if (await generatedLink(path)) continue;
      facts.files.push({ path, dir, unit: e.name, kind: "link", linkTarget: target, modifiedAt: st.mtime.toISOString(), content: await fs.readText(path, MAX_FILE_BYTES).catch(() => undefined) });
      continue;
    }
    facts.files.push({ path, dir, unit: e.name, kind: "unit", modifiedAt: st.mtime.toISOString(), content: await fs.readText(path, MAX_FILE_BYTES).catch(() => undefined) });
  }
}

/** A link into NixOS's generated tree (or straight into the store, as generated trees link). */
async function isGeneratedLink(fs: RootFs, path: string): Promise<boolean> {
  const target = await fs.readLink(path);
  if (target === undefined) return false;
  const abs = target.startsWith("/") ? target : posix.join(posix.dirname(path), target);
  return abs.startsWith("/etc/static/") || abs.startsWith("/nix/store/");
}
