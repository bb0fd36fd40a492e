// The packages of a host, with versions: from a machine root (the closure of /run/current-system
// plus its nix-env / `nix profile` profiles, read as check_drift's package probe reads them), or
// from a flake host's evaluated environment.systemPackages. Names and versions come from the
// derivation (pname/version) when its .drv is known, else from the store name; each package
// records which. Patches are read from the derivation (file names only), as vulnix does.
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { nixAttr } from "../drift/declared/flake-ref.js";
import { parseDrvName, storePathName } from "../drift/parse/drv-name.js";
import { probePackages } from "../drift/probes/packages.js";
import { RootFs } from "../drift/root.js";
import type { ReportError } from "../report/schema.js";
import { run } from "../system/run.js";
import type { HostPackage } from "./match.js";

const NIX_FLAGS = ["--extra-experimental-features", "nix-command flakes"];
const STORE_PATH = /^\/nix\/store\/[0-9a-z]{32}-[^/]+/;
/** Output names nixpkgs appends to a multi-output package's store name (openssl-3.0.13-bin). */
const OUTPUT_SUFFIX = /-(bin|dev|lib|out|man|doc|devdoc|info|debug|static|modules|data|tools|utils|py|python)$/;

export interface PackagesResult {
  host: string;
  packages: HostPackage[];
  errors: ReportError[];
  /** What the list was read from, for the report. */
  from: string;
}

export interface RootOptions {
  /** The host's name in the report (default: the root's /etc/hostname, else the directory's name). */
  host?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A name and version from a store name: the output suffix dropped, as parseDrvName splits it. */
export function nameFromStorePath(storePath: string): { name: string; pname: string; version: string } {
  let name = storePathName(storePath);
  const parsed = parseDrvName(name);
  if (parsed.version && OUTPUT_SUFFIX.test(name)) name = name.replace(OUTPUT_SUFFIX, "");
  return { name, ...parseDrvName(name) };
}

export async function packagesFromRoot(root: string, options: RootOptions = {}): Promise<PackagesResult> {
  const fs = new RootFs(root);
  const errors: ReportError[] = [];
  const hostname = (await fs.readText("/etc/hostname", 4096).catch(() => undefined))?.trim();
  const host = options.host ?? (hostname || posix.basename(fs.root) || "localhost");
  const packages: HostPackage[] = [];
  const ownStore = !fs.live && existsSync(posix.join(fs.root, "nix/store"));
  const storeArgs = ownStore ? ["--store", fs.root] : [];
  const timeoutMs = options.timeoutMs ?? 120_000;

  const top = await storeTarget(fs, "/run/current-system").catch(() => undefined);
  if (!top) {
    errors.push({ source: "packages", message: `no /run/current-system store path under ${fs.root}: the system's packages are unknown (profiles are still read)` });
  } else {
    let closure: string[] | undefined;
    const q = await run("nix-store", [...storeArgs, "--query", "--requisites", top], { timeoutMs, signal: options.signal });
    if (q.ok) closure = q.stdout.split("\n").filter((l) => STORE_PATH.test(l));
    else {
      errors.push({ source: "nix-store", message: `the closure of ${top} could not be read (${q.error}); only the packages linked from /run/current-system/sw are listed` });
      closure = await linkedFromSw(fs, top);
    }
    const derived = await fromDerivations(closure, storeArgs, timeoutMs, options.signal, errors);
    for (const path of closure) {
      if (path.endsWith(".drv") || path === top) continue;
      const d = derived.get(path);
      if (d) packages.push({ host, ...d, storePath: path, origin: "/run/current-system closure" });
      else packages.push({ host, ...nameFromStorePath(path), source: "store-name", storePath: path, patches: [], origin: "/run/current-system closure" });
    }
  }

  const profiles = await probePackages({ root: fs.root, live: fs.live, fs, signal: options.signal });
  errors.push(...profiles.errors);
  for (const profile of profiles.facts.profiles) {
    for (const p of profile.packages) {
      packages.push({ host, pname: p.pname, version: p.version, name: p.name, source: "profile-manifest", storePath: p.storePaths[0], patches: [], origin: `profile ${profile.path}` });
    }
  }
  return { host, packages: dedupe(packages), errors, from: `${fs.root} (/run/current-system${top ? ` = ${top}` : ""} and profiles)` };
}

/** The store path a link leads to, one hop at a time (RootFs.resolve needs the root's own /nix;
 * a root without a store borrows this machine's, as drift's generations probe reads it). */
async function storeTarget(fs: RootFs, link: string): Promise<string | undefined> {
  let current = link;
  for (let i = 0; i < 10; i++) {
    const t = await fs.readLink(current);
    if (t === undefined) return undefined;
    const abs = t.startsWith("/") ? t : posix.join(posix.dirname(current), t);
    const m = STORE_PATH.exec(abs);
    if (m) return m[0];
    current = abs;
  }
  return undefined;
}

/** Without a store database: the store paths the system's `sw` tree links to (two levels deep). */
async function linkedFromSw(fs: RootFs, top: string): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = (await fs.readDir(dir).catch(() => undefined)) ?? [];
    for (const e of entries) {
      const p = `${dir}/${e.name}`;
      if (e.isSymbolicLink()) {
        const t = await fs.readLink(p);
        const sp = t ? STORE_PATH.exec(t)?.[0] : undefined;
        if (sp) found.add(sp);
      } else if (e.isDirectory() && depth > 0) await walk(p, depth - 1);
    }
  };
  await walk(`${top}/sw`, 2);
  return [...found].sort();
}

interface Derived {
  name: string;
  pname: string;
  version: string;
  source: "derivation";
  drvPath: string;
  patches: string[];
}

/** pname/version/patches from each path's deriver, when the .drv is in the store. */
async function fromDerivations(paths: string[], storeArgs: string[], timeoutMs: number, signal: AbortSignal | undefined, errors: ReportError[]): Promise<Map<string, Derived>> {
  const out = new Map<string, Derived>();
  const outputs = paths.filter((p) => !p.endsWith(".drv"));
  if (outputs.length === 0) return out;
  const q = await run("nix-store", [...storeArgs, "--query", "--deriver", ...outputs], { timeoutMs, signal });
  if (!q.ok) {
    errors.push({ source: "nix-store", message: `derivers unknown (${q.error}); names and versions come from store names` });
    return out;
  }
  const derivers = q.stdout.split("\n").slice(0, outputs.length);
  const drvOf = new Map<string, string>();
  outputs.forEach((p, i) => {
    const d = derivers[i]?.trim();
    if (d && d !== "unknown-deriver" && d.endsWith(".drv")) drvOf.set(p, d);
  });
  const drvs = [...new Set(drvOf.values())].filter((d) => existsSync(storeArgs.length ? posix.join(storeArgs[1] as string, d) : d));
  if (drvs.length === 0) return out;
  const show = await run("nix", [...NIX_FLAGS, ...storeArgs, "show-derivation", ...drvs], { timeoutMs, signal });
  if (!show.ok) {
    errors.push({ source: "nix show-derivation", message: `derivations unreadable (${show.error}); names and versions come from store names` });
    return out;
  }
  let json: Record<string, { env?: Record<string, string> }>;
  try {
    json = JSON.parse(show.stdout) as typeof json;
  } catch (e) {
    errors.push({ source: "nix show-derivation", message: `unexpected output: ${(e as Error).message}` });
    return out;
  }
  for (const [path, drvPath] of drvOf) {
    const env = json[drvPath]?.env;
    if (!env || typeof env.name !== "string") continue;
    const fromName = parseDrvName(env.name);
    const pname = typeof env.pname === "string" && env.pname ? env.pname : fromName.pname;
    const version = typeof env.version === "string" && env.version ? env.version : fromName.version;
    const patches = typeof env.patches === "string" ? env.patches.split(/\s+/).filter(Boolean).map((p) => storePathName(p)) : [];
    out.set(path, { name: env.name, pname, version, source: "derivation", drvPath, patches });
  }
  return out;
}

/** The apply function for a host's systemPackages: name, pname, version and patch names. */
const SYSTEM_PACKAGES_APPLY = `pkgs: let
  try = v: let r = builtins.tryEval v; in if r.success then r.value else null;
  patchName = x: if builtins.isAttrs x then (x.name or "") else baseNameOf (toString x);
  str = v: if builtins.isString v then v else null;
in map (p: {
  name = try (str (p.name or null));
  pname = try (str (p.pname or null));
  version = try (str (p.version or null));
  patches = let ps = try (p.patches or []); in if builtins.isList ps then map (x: try (patchName x)) ps else [];
}) (builtins.filter builtins.isAttrs pkgs)`;

export interface FlakeOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A flake host's environment.systemPackages, by nix eval (no build). */
export async function packagesFromFlake(flakeRef: string, host: string, options: FlakeOptions = {}): Promise<PackagesResult> {
  const attr = `nixosConfigurations.${nixAttr(host)}.config.environment.systemPackages`;
  const r = await run("nix", ["eval", "--json", "--no-write-lock-file", ...NIX_FLAGS, `${flakeRef}#${attr}`, "--apply", SYSTEM_PACKAGES_APPLY], {
    timeoutMs: options.timeoutMs ?? 300_000,
    signal: options.signal,
  });
  const from = `${flakeRef}#${attr}`;
  if (!r.ok) return { host, packages: [], errors: [{ source: "nix eval", message: `evaluating ${attr} failed: ${r.error}` }], from };
  let list: { name: string | null; pname: string | null; version: string | null; patches: (string | null)[] }[];
  try {
    list = JSON.parse(r.stdout) as typeof list;
    if (!Array.isArray(list)) throw new Error("not a list");
  } catch (e) {
    return { host, packages: [], errors: [{ source: "nix eval", message: `unexpected output for ${attr}: ${(e as Error).message}` }], from };
  }
  const packages: HostPackage[] = [];
  for (const p of list) {
    const patches = (p.patches ?? []).filter((x): x is string => typeof x === "string" && x !== "");
    if (p.pname && p.version) packages.push({ host, pname: p.pname, version: p.version, name: p.name ?? `${p.pname}-${p.version}`, source: "eval-pname", patches, origin: "environment.systemPackages" });
    else if (p.name) packages.push({ host, ...parseDrvName(p.name), name: p.name, source: "eval-name", patches, origin: "environment.systemPackages" });
  }
  return { host, packages: dedupe(packages), errors: [], from };
}

/** One entry per pname@version@origin (multi-output packages appear once). */
function dedupe(packages: HostPackage[]): HostPackage[] {
  const seen = new Map<string, HostPackage>();
  for (const p of packages) {
    const k = `${p.pname}\0${p.version}\0${p.origin}`;
    const e = seen.get(k);
    if (!e) seen.set(k, p);
    else if (e.source !== "derivation" && p.source === "derivation") seen.set(k, p);
  }
  return [...seen.values()];
}
