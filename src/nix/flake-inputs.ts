// A flake's inputs, read from flake.nix without evaluating it: which repository each input name
// stands for. Input names are the user's choice (`hm` for home-manager, `hardware` for
// nixos-hardware), so what an imported `inputs.X.nixosModules.Y` is can only be told from where X
// points. Pure: the scan reads flake.nix and hands the result to the rules.
import { attrpathSegments, unparen } from "./read.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";
import { staticValue, isUnknownValue, type StaticValue } from "./values.js";

export interface FlakeInput {
  name: string;
  /** The input's location as written (`github:nix-community/home-manager`), or built from its
   * `type`/`owner`/`repo` attributes. Absent: no `url` (the flake registry, by the input's name,
   * or `follows`). */
  url?: string;
  /** `follows = "other"`: this input is another one. */
  follows?: string;
  /** The repository the input is fetched from: `owner/repo` for GitHub (lower case), else
   * `host/path` (`gitlab.com/rycee/nur-expressions`); absent when the location names no
   * repository (a local path, an unreadable URL) or there is no location. */
  repo?: string;
  /** The location is written but is not a repository this scan recognises (a local path, a
   * computed string): the input is not any well-known project. */
  opaque?: boolean;
}

/** The few entries of the global flake registry (github:NixOS/flake-registry) used as input
 * sources: an input with no `url`, or `url = "flake:<name>"` / `url = "<name>"`, is fetched from there. */
const REGISTRY: Record<string, string> = {
  nixpkgs: "nixos/nixpkgs",
  "home-manager": "nix-community/home-manager",
  "nixos-hardware": "nixos/nixos-hardware",
  nur: "nix-community/nur",
  disko: "nix-community/disko",
  "sops-nix": "mic92/sops-nix",
  agenix: "ryantm/agenix",
  "flake-parts": "hercules-ci/flake-parts",
  "flake-utils": "numtide/flake-utils",
};

const trimGit = (s: string) => s.replace(/\.git$/, "").replace(/\/+$/, "");

/** The repository a flake reference names (see FlakeInput.repo), or undefined. */
export function repoOfUrl(url: string): string | undefined {
  const u = url.trim();
  const noQuery = u.replace(/[?#].*$/, "");
  let m = /^github:([^/]+)\/([^/]+)/i.exec(noQuery);
  if (m) return `${m[1]}/${trimGit(m[2]!)}`.toLowerCase();
  m = /^(gitlab|sourcehut):([^/]+)\/([^/]+)/i.exec(noQuery);
  if (m) return `${m[1]!.toLowerCase() === "gitlab" ? "gitlab.com" : "git.sr.ht"}/${m[2]}/${trimGit(m[3]!)}`.toLowerCase();
  m = /^flake:([A-Za-z0-9_-]+)$/.exec(noQuery) ?? /^([A-Za-z][A-Za-z0-9_-]*)$/.exec(noQuery);
  if (m) return REGISTRY[m[1]!];
  // FlakeHub names a flake by its GitHub organisation and project: https://flakehub.com/f/<org>/<project>/<version>.
  m = /^https:\/\/(?:api\.)?flakehub\.com\/f\/([^/]+)\/([^/]+)/i.exec(noQuery);
  if (m) return `${m[1]}/${m[2]}`.toLowerCase();
  // git+https://github.com/o/r, git+ssh://git@github.com/o/r.git, https://github.com/o/r/archive/x.tar.gz
  m = /^(?:git\+)?(?:https?|ssh):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/i.exec(noQuery);
  if (m) {
    const host = m[1]!.toLowerCase();
    const parts = m[2]!.split("/").filter(Boolean);
    if (host === "github.com" || host === "www.github.com") return parts.length >= 2 ? `${parts[0]}/${trimGit(parts[1]!)}`.toLowerCase() : undefined;
    if (parts.length >= 2) return `${host}/${parts.slice(0, 2).map(trimGit).join("/")}`.toLowerCase();
  }
  return undefined;
}

function str(v: StaticValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function inputOf(name: string, v: StaticValue): FlakeInput {
  const input: FlakeInput = { name };
  if (typeof v !== "object" || v === null || Array.isArray(v) || isUnknownValue(v)) return { ...input, opaque: true };
  const set = v as Record<string, StaticValue>;
  const follows = str(set.follows);
  if (follows !== undefined) return { ...input, follows };
  let url = str(set.url);
  if (url === undefined && set.url !== undefined) return { ...input, opaque: true };
  const type = str(set.type);
  if (url === undefined && type !== undefined) {
    const owner = str(set.owner);
    const repo = str(set.repo);
    if ((type === "github" || type === "gitlab" || type === "sourcehut") && owner && repo) url = `${type}:${owner}/${repo}`;
    else if (type === "indirect" && str(set.id)) url = `flake:${str(set.id)}`;
    else if (str(set.url)) url = str(set.url);
    else return { ...input, opaque: true };
  }
  if (url === undefined) {
    // No location: the registry entry of the input's own name.
    const repo = REGISTRY[name];
    return repo ? { ...input, repo } : input;
  }
  const repo = repoOfUrl(url);
  if (repo) return { ...input, url, repo };
  // A registry name this table does not know: the name is all there is to go by.
  if (/^(?:flake:)?[A-Za-z][A-Za-z0-9_-]*$/.test(url.trim())) return { ...input, url };
  return { ...input, url, opaque: true };
}

/** The inputs of a flake.nix (its syntax tree's root), by name. `inputs = { X.url = ...; }`,
 * `inputs.X.url = ...`, `inputs.X = { url = ...; }`, the attribute form (`type`, `owner`, `repo`)
 * and `follows` between top-level inputs (resolved). */
export function flakeInputs(root: SyntaxNode): Map<string, FlakeInput> {
  const out = new Map<string, FlakeInput>();
  const body = unparen(root.kind === K.NODE_ATTR_SET ? root : root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (!body || body.kind !== K.NODE_ATTR_SET) return out;
  // Gather what is written under `inputs`, across `inputs = {...}` and `inputs.X... = ...`.
  const raw = new Map<string, Record<string, StaticValue>>();
  const put = (name: string, rest: string[], value: StaticValue) => {
    let cur = raw.get(name);
    if (!cur) raw.set(name, (cur = {}));
    if (rest.length === 0) {
      if (typeof value === "object" && value !== null && !Array.isArray(value) && !isUnknownValue(value)) Object.assign(cur, value);
      else cur.url = value; // not a set: unreadable, kept as an opaque location
      return;
    }
    let at: Record<string, StaticValue> = cur;
    for (const s of rest.slice(0, -1)) {
      const next = at[s];
      if (typeof next === "object" && next !== null && !Array.isArray(next) && !isUnknownValue(next)) at = next as Record<string, StaticValue>;
      else at = at[s] = {};
    }
    at[rest[rest.length - 1]!] = value;
  };
  const walkInputs = (set: SyntaxNode) => {
    for (const b of set.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (!segs.length || segs.some((s) => s.dynamic)) continue;
      put(segs[0]!.name, segs.slice(1).map((s) => s.name), staticValue(value));
    }
  };
  for (const b of body.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs[0]?.name !== "inputs" || segs[0].dynamic || segs.slice(1).some((s) => s.dynamic)) continue;
    if (segs.length === 1) {
      const set = unparen(value);
      if (set?.kind === K.NODE_ATTR_SET && !set.firstToken(K.TOKEN_REC)) walkInputs(set);
      continue;
    }
    put(segs[1]!.name, segs.slice(2).map((s) => s.name), staticValue(value));
  }
  for (const [name, v] of raw) out.set(name, inputOf(name, v));
  // `follows`: the input is the one it follows (top-level names only; `a/b` is an input of an input).
  for (const [name, input] of out) {
    let target = input;
    const seen = new Set([name]);
    while (target.follows !== undefined) {
      const next = out.get(target.follows);
      if (!next || seen.has(next.name)) break;
      seen.add(next.name);
      target = next;
    }
    if (input.follows !== undefined) {
      if (target.follows === undefined) out.set(name, { name, follows: input.follows, ...(target.url ? { url: target.url } : {}), ...(target.repo ? { repo: target.repo } : {}), ...(target.opaque ? { opaque: true } : {}) });
      else out.set(name, { name, follows: input.follows, opaque: true });
    }
  }
  return out;
}

/** What an input name stands for, for matching modules by repository: the repository, `null`
 * when the input is declared somewhere this scan cannot recognise as a repository (so it is no
 * known project, whatever its name), absent when the name is not a declared input with a location
 * (the conventional name is all there is to go by). */
export function inputRepositories(inputs: ReadonlyMap<string, FlakeInput>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [name, input] of inputs) {
    if (input.repo) out.set(name, input.repo);
    else if (input.opaque) out.set(name, null);
  }
  return out;
}
