// Imperatively installed packages: every nix-env / `nix profile` profile on the machine (the
// system-wide default profile, per-user profiles, ~/.nix-profile and the XDG location), what each
// holds now, and since when (a profile generation link's mtime is the time it was created).
import { posix } from "node:path";
import { parseDrvName, storePathName } from "../parse/drv-name.js";
import { parseNixValue, type NixValue } from "../parse/nix-value.js";
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";
import { escapeRegExp } from "../../text/regexp.js";

export interface ProfilePackage {
  name: string;
  pname: string;
  version: string;
  storePaths: string[];
  /** `nix profile` only: where it came from. */
  attrPath?: string;
  originalUrl?: string;
  /** Index (manifest.json v1/v2) or name (v3) that `nix profile remove` accepts. */
  element?: string;
}

export interface ProfileGeneration {
  number: number;
  /** The generation's store path (a user-environment / profile). */
  storePath?: string;
  /** When the generation was created (the link's mtime), ISO. */
  createdAt?: string;
  packages: ProfilePackage[];
}

export interface ProfileFacts {
  /** The profile link as the machine names it, e.g. /nix/var/nix/profiles/per-user/alice/profile. */
  path: string;
  /** The user the profile belongs to; "*" for the system-wide default profile. */
  owner: string;
  format: "nix-env" | "nix-profile";
  currentGeneration?: number;
  /** Current generation's packages. */
  packages: ProfilePackage[];
  /** Generations, oldest first (the newest MAX_GENERATIONS). */
  generations: ProfileGeneration[];
  /** Paths that led to this profile (~/.nix-profile, ...). */
  seenAs: string[];
}

export interface PackagesFacts {
  profiles: ProfileFacts[];
}

const MAX_GENERATIONS = 50;

export async function probePackages(ctx: ProbeContext): Promise<ProbeResult<PackagesFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const candidates: { path: string; owner: string }[] = [{ path: "/nix/var/nix/profiles/default", owner: "*" }];

  const perUser = await safe(() => fs.readDir("/nix/var/nix/profiles/per-user"), errors);
  for (const d of perUser ?? []) candidates.push({ path: `/nix/var/nix/profiles/per-user/${d.name}/profile`, owner: d.name });

  const homes: { dir: string; owner: string }[] = [{ dir: "/root", owner: "root" }];
  for (const d of (await safe(() => fs.readDir("/home"), errors)) ?? []) if (d.isDirectory() || d.isSymbolicLink()) homes.push({ dir: `/home/${d.name}`, owner: d.name });
  for (const h of homes) {
    candidates.push({ path: `${h.dir}/.nix-profile`, owner: h.owner });
    candidates.push({ path: `${h.dir}/.local/state/nix/profiles/profile`, owner: h.owner });
  }

  const byPath = new Map<string, ProfileFacts>();
  for (const c of candidates) {
    try {
      const link = await findProfileLink(fs, c.path);
      if (!link) continue;
      const existing = byPath.get(link.path);
      if (existing) {
        if (!existing.seenAs.includes(c.path)) existing.seenAs.push(c.path);
        continue;
      }
      const facts = await readProfile(fs, link.path, link.name, c.owner, errors);
      if (facts) {
        facts.seenAs.push(c.path);
        byPath.set(link.path, facts);
      }
    } catch (e) {
      errors.push({ source: "probe:packages", message: `cannot read profile ${c.path}: ${describeFsError(e)}` });
    }
  }
  return { facts: { profiles: [...byPath.values()] }, errors };
}

/**
 * Follows links from `start` (one hop at a time) to the profile link itself: the link whose target
 * is a sibling generation link `<name>-<N>-link`.
 */
async function findProfileLink(fs: RootFs, start: string): Promise<{ path: string; name: string } | undefined> {
  let current = start;
  for (let hop = 0; hop < 10; hop++) {
    const target = await fs.readLink(current);
    if (target === undefined) return undefined;
    const base = posix.basename(current);
    const targetBase = posix.basename(target);
    const m = /^(.+)-(\d+)-link$/.exec(targetBase);
    if (m && m[1] === base) return { path: current, name: base };
    current = target.startsWith("/") ? target : posix.join(posix.dirname(current), target);
  }
  return undefined;
}

async function readProfile(fs: RootFs, path: string, name: string, owner: string, errors: ReportError[]): Promise<ProfileFacts | undefined> {
  const dir = posix.dirname(path);
  const entries = (await fs.readDir(dir)) ?? [];
  const re = new RegExp(`^${escapeRegExp(name)}-(\\d+)-link$`);
  const numbers = entries
    .map((e) => re.exec(e.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .slice(-MAX_GENERATIONS);
  const currentTarget = await fs.readLink(path);
  const currentMatch = currentTarget ? re.exec(posix.basename(currentTarget)) : null;
  const currentGeneration = currentMatch ? Number(currentMatch[1]) : undefined;

  let format: ProfileFacts["format"] = "nix-env";
  const generations: ProfileGeneration[] = [];
  for (const n of numbers) {
    const linkPath = `${dir}/${name}-${n}-link`;
    const gen: ProfileGeneration = { number: n, packages: [] };
    const st = await fs.lstat(linkPath);
    if (st) gen.createdAt = st.mtime.toISOString();
    gen.storePath = await fs.readLink(linkPath);
    const read = await readManifest(fs, linkPath);
    if (read.error) errors.push({ source: "probe:packages", message: `${linkPath}: ${read.error}` });
    if (read.format) format = read.format;
    gen.packages = read.packages;
    generations.push(gen);
  }
  const current = generations.find((g) => g.number === currentGeneration) ?? generations[generations.length - 1];
  return { path, owner, format, currentGeneration, packages: current?.packages ?? [], generations, seenAs: [] };
}

/** The manifests a profile generation may hold, newest format first. */
const MANIFESTS = [
  { file: "manifest.json", parse: parseProfileManifestJson, format: "nix-profile" },
  { file: "manifest.nix", parse: parseNixEnvManifest, format: "nix-env" },
] as const;

async function readManifest(fs: RootFs, generationLink: string): Promise<{ packages: ProfilePackage[]; format?: ProfileFacts["format"]; error?: string }> {
  for (const { file, parse, format } of MANIFESTS) {
    const text = await fs.readText(`${generationLink}/${file}`);
    if (text === undefined) continue;
    try {
      return { packages: parse(text), format };
    } catch (e) {
      return { packages: [], error: `${file} unreadable: ${(e as Error).message}` };
    }
  }
  return { packages: [], error: "no manifest.nix or manifest.json (store path missing from this root?)" };
}

/** A nix-env manifest.nix: a list of derivation-like attrsets (name, outPath, outputs, meta). */
export function parseNixEnvManifest(text: string): ProfilePackage[] {
  const v = parseNixValue(text);
  if (!Array.isArray(v)) throw new Error("manifest.nix is not a list");
  const out: ProfilePackage[] = [];
  for (const e of v) {
    if (!isObj(e) || typeof e.name !== "string") continue;
    const { pname, version } = parseDrvName(e.name);
    const outputs = Array.isArray(e.outputs) ? e.outputs.filter((o): o is string => typeof o === "string") : ["out"];
    const storePaths: string[] = [];
    for (const o of outputs) {
      const op = isObj(e[o]) ? (e[o] as Record<string, NixValue>).outPath : undefined;
      if (typeof op === "string") storePaths.push(op);
    }
    if (storePaths.length === 0 && typeof e.outPath === "string") storePaths.push(e.outPath);
    out.push({ name: e.name, pname, version, storePaths });
  }
  return out;
}

/**
 * A `nix profile` manifest.json: versions 1 and 2 (a list of elements; 1 names the flake
 * `originalUri`, 2 `originalUrl`) as Nix 2.8 writes them. Newer Nix keys elements by name
 * (version 3); that shape is read too, but no real sample of it was available to test against.
 */
export function parseProfileManifestJson(text: string): ProfilePackage[] {
  const m = JSON.parse(text) as { version?: number; elements?: unknown };
  const list: [string, Record<string, unknown>][] = [];
  if (Array.isArray(m.elements)) m.elements.forEach((e, i) => list.push([String(i), e as Record<string, unknown>]));
  else if (m.elements && typeof m.elements === "object") for (const [k, e] of Object.entries(m.elements)) list.push([k, e as Record<string, unknown>]);
  else throw new Error("no elements");
  const out: ProfilePackage[] = [];
  for (const [key, e] of list) {
    if (e.active === false) continue;
    const storePaths = Array.isArray(e.storePaths) ? e.storePaths.filter((s): s is string => typeof s === "string") : [];
    const byKey = Array.isArray(m.elements) ? undefined : key;
    const name = byKey ?? (storePaths[0] ? storePathName(storePaths[0]) : typeof e.attrPath === "string" ? e.attrPath.split(".").pop() ?? key : key);
    const fromPath = storePaths[0] ? parseDrvName(storePathName(storePaths[0])) : parseDrvName(name);
    out.push({
      name: storePaths[0] ? storePathName(storePaths[0]) : name,
      pname: fromPath.pname,
      version: fromPath.version,
      storePaths,
      attrPath: typeof e.attrPath === "string" ? e.attrPath : undefined,
      originalUrl: typeof e.originalUrl === "string" ? e.originalUrl : typeof e.originalUri === "string" ? e.originalUri : undefined,
      element: key,
    });
  }
  return out;
}

function isObj(v: unknown): v is Record<string, NixValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}


async function safe<T>(f: () => Promise<T>, errors: ReportError[]): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    errors.push({ source: "probe:packages", message: describeFsError(e) });
    return undefined;
  }
}
