// Which NixOS system the machine runs, booted, and has as its newest generation:
// /run/current-system, /run/booted-system, /nix/var/nix/profiles/system (-> system-<N>-link, whose
// mtime is when that generation was made), and the configuration revision the running system was
// built from (nixos-version --json embeds system.configurationRevision in its script).
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface SystemGeneration {
  number: number;
  storePath?: string;
  createdAt?: string;
}

export interface GenerationsFacts {
  currentSystem?: string;
  bootedSystem?: string;
  /** The generation /nix/var/nix/profiles/system points to. */
  profileGeneration?: number;
  profileTarget?: string;
  generations: SystemGeneration[];
  /** From the running system's nixos-version: system.configurationRevision, when it was set. */
  configurationRevision?: string;
  nixosVersion?: string;
}

const MAX_GENERATIONS = 200;

/** The JSON nixos-version prints for --json, as embedded in its script (nixos-version.sh). */
export function parseNixosVersionScript(text: string): { configurationRevision?: string; nixosVersion?: string } {
  const m = /--json\)[\s\S]*?<<'?EOF'?\n([\s\S]*?)\nEOF/.exec(text);
  if (!m) return {};
  try {
    const j = JSON.parse(m[1] as string) as { configurationRevision?: unknown; nixosVersion?: unknown };
    return {
      configurationRevision: typeof j.configurationRevision === "string" ? j.configurationRevision : undefined,
      nixosVersion: typeof j.nixosVersion === "string" ? j.nixosVersion : undefined,
    };
  } catch {
    return {};
  }
}

export async function probeGenerations(ctx: ProbeContext): Promise<ProbeResult<GenerationsFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const facts: GenerationsFacts = { generations: [] };
  try {
    facts.currentSystem = await storeTarget(fs, "/run/current-system");
    facts.bootedSystem = await storeTarget(fs, "/run/booted-system");
    if (!facts.currentSystem) notes.push(`no /run/current-system under ${ctx.root}: the running generation is unknown (not a running NixOS system)`);

    const profileLink = await fs.readLink("/nix/var/nix/profiles/system");
    const pm = profileLink ? /system-(\d+)-link$/.exec(profileLink) : null;
    if (pm) facts.profileGeneration = Number(pm[1]);
    const entries = (await fs.readDir("/nix/var/nix/profiles")) ?? [];
    const numbers = entries
      .map((e) => /^system-(\d+)-link$/.exec(e.name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
      .slice(-MAX_GENERATIONS);
    for (const n of numbers) {
      const link = `/nix/var/nix/profiles/system-${n}-link`;
      facts.generations.push({ number: n, storePath: await fs.readLink(link), createdAt: (await fs.lstat(link))?.mtime.toISOString() });
    }
    facts.profileTarget = facts.generations.find((g) => g.number === facts.profileGeneration)?.storePath;

    if (facts.currentSystem) {
      const script = await fs.readText("/run/current-system/sw/bin/nixos-version", 64 * 1024);
      if (script !== undefined) Object.assign(facts, parseNixosVersionScript(script));
    }
  } catch (e) {
    errors.push({ source: "probe:generations", message: `cannot read the system generations: ${describeFsError(e)}` });
  }
  return { facts, errors, notes };
}

/** The store path a /run/*-system link names (followed while it stays outside the store). */
async function storeTarget(fs: RootFs, link: string): Promise<string | undefined> {
  let current = link;
  for (let i = 0; i < 10; i++) {
    const t = await fs.readLink(current);
    if (t === undefined) return i === 0 ? undefined : current;
    const abs = t.startsWith("/") ? t : `${current.slice(0, current.lastIndexOf("/"))}/${t}`;
    if (abs.startsWith("/nix/store/")) return abs.split("/").slice(0, 4).join("/");
    current = abs;
  }
  return undefined;
}
