// Containers a file declares with virtualisation.oci-containers (or the older docker-containers):
// their image, published ports, volumes, environment and start policy, read from the syntax tree.
// Two shapes: the option set itself (`containers.yacht = { image = ...; ports = [ ... ]; }`), and a
// wrapper function the repository defines, called with an attribute set of the same fields
// (`containers = config.lib.mySystem.mkContainer { inherit app image; env = { ... }; ports = ...; }`,
// truxnell's shape; `env`/`envFiles` are read as `environment`/`environmentFiles`). Strings are
// read with their let-bound interpolations filled in (`"${toString port}:8080"`); what cannot be
// known statically stays unknown (`?`).
import type { OptionDefinition } from "../../nix/options.js";
import { attrpathSegments, flattenApply, unparen } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { isDead } from "./scope.js";
import { calleeName, resolveValue } from "./syntax.js";

/** Where a published port listens on the host. */
export type PublishedAddress = "all" | "loopback" | "specific";

export interface PublishedPort {
  spec: string;
  node: SyntaxNode;
  address: PublishedAddress;
  hostPort?: string;
}

export interface ContainerEnvVar {
  node: SyntaxNode;
  /** The value when statically known (interpolations of let-bound values filled in). */
  value: string | undefined;
}

export interface Container {
  name: string;
  /** A definition of the container, for the option path and conditions. */
  def: OptionDefinition;
  /** Where the container is declared: its set, or the wrapper's argument. */
  node: SyntaxNode;
  image?: string;
  imageNode?: SyntaxNode;
  ports: PublishedPort[];
  /** Volume specs with their nodes. */
  volumes: Array<{ spec: string; node: SyntaxNode }>;
  env: Map<string, ContainerEnvVar>;
  /** The environment is set by something this reading cannot see through (`// opts`, a call). */
  envOpaque: boolean;
  /** environmentFiles (or the wrapper's envFiles) is set to something non-empty. */
  envFiles: boolean;
  /** autoStart (the NixOS default is true). */
  autoStart: boolean;
  extraOptions: string[];
  cmd: string[];
  /** The nodes of cmd's words, in order. */
  cmdNodes: SyntaxNode[];
}

const PREFIX = /^virtualisation\.(?:oci-containers|docker-containers)$/;
const FIELD_ALIASES: Record<string, string> = { env: "environment", envFiles: "environmentFiles", envFile: "environmentFiles" };

/** A string or number with let-bound interpolations filled in; `?` for what is not known. */
export function staticText(node: SyntaxNode | undefined, depth = 0): string | undefined {
  const n = unparen(resolveValue(node));
  if (!n || depth > 6) return undefined;
  const v = staticValue(n);
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    if (calleeName(fn) === "toString" && args.length === 1) return staticText(args[0], depth + 1);
    return undefined;
  }
  if (n.kind !== K.NODE_STRING) return undefined;
  let out = "";
  for (const el of n.children) {
    if (el.isToken) {
      if (el.kind === K.TOKEN_STRING_CONTENT || el.kind === K.TOKEN_IND_STRING_CONTENT) out += el.text;
    } else if (el.kind === K.NODE_INTERPOL) out += staticText(el.firstChild(), depth + 1) ?? "?";
  }
  return out;
}

/** `[ip:]hostPort:containerPort[/proto]` (docker run -p): where the host side listens. */
export function publishedAddress(spec: string): { address: PublishedAddress; hostPort?: string } {
  const s = spec.trim().replace(/\/(?:tcp|udp|sctp)$/i, "");
  const v6 = /^\[([^\]]*)\]:([^:]*):([^:]+)$/.exec(s);
  if (v6) return { address: v6[1] === "::" || v6[1] === "" ? "all" : v6[1] === "::1" ? "loopback" : "specific", hostPort: v6[2] };
  const parts = s.split(":");
  if (parts.length === 1) return { address: "all" }; // a container port only: a random host port on every interface
  if (parts.length === 2) return { address: "all", hostPort: parts[0] };
  if (parts.length === 3) {
    const ip = parts[0]!;
    if (ip === "" || ip === "0.0.0.0") return { address: "all", hostPort: parts[1] };
    if (/^(?:127\.\d+\.\d+\.\d+|localhost)$/.test(ip)) return { address: "loopback", hostPort: parts[1] };
    return { address: "specific", hostPort: parts[1] };
  }
  return { address: "specific" };
}

function listItems(node: SyntaxNode | undefined): SyntaxNode[] {
  const n = unparen(resolveValue(node));
  if (!n) return [];
  if (n.kind === K.NODE_LIST) return [...n.childNodes()];
  // `a ++ b`: both sides.
  if (n.kind === K.NODE_BIN_OP && n.childTokens().some((t) => t.text === "++")) return n.childNodes().flatMap(listItems);
  return [];
}

/** The fields of an attribute set written as `key = value;` or `inherit key;`. */
function setFields(set: SyntaxNode): Map<string, { value: SyntaxNode | undefined; binding: SyntaxNode }> {
  const out = new Map<string, { value: SyntaxNode | undefined; binding: SyntaxNode }>();
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs.length === 0 || segs.some((s) => s.dynamic)) continue;
      if (segs.length === 1) out.set(segs[0]!.name, { value, binding: b });
      else out.set(segs.map((s) => s.name).join("."), { value, binding: b });
    } else if (b.kind === K.NODE_INHERIT && !b.firstChild(K.NODE_INHERIT_FROM)) {
      for (const name of b.childNodes()) if (name.kind === K.NODE_IDENT) out.set(name.text, { value: resolveValue(name), binding: b });
    }
  }
  return out;
}

interface Draft {
  name: string;
  def: OptionDefinition;
  node: SyntaxNode;
  fields: Map<string, SyntaxNode | undefined>;
  env: Map<string, ContainerEnvVar>;
  envOpaque: boolean;
}

function readEnvSet(draft: Draft, value: SyntaxNode | undefined): void {
  const n = unparen(resolveValue(value));
  if (n?.kind !== K.NODE_ATTR_SET) {
    if (n) draft.envOpaque = true;
    return;
  }
  for (const [k, f] of setFields(n)) if (f.value) draft.env.set(k, { node: f.value, value: staticText(f.value) });
}

function finish(d: Draft): Container {
  const str = (f: string) => staticText(d.fields.get(f));
  const strings = (f: string) => listItems(d.fields.get(f)).map((n) => ({ node: n, spec: staticText(n) }));
  const autoStartValue = staticValue(unparen(resolveValue(d.fields.get("autoStart"))));
  const envFilesNode = d.fields.get("environmentFiles");
  const envFilesList = unparen(resolveValue(envFilesNode));
  return {
    name: d.name,
    def: d.def,
    node: d.node,
    image: str("image"),
    imageNode: d.fields.get("image"),
    ports: strings("ports").map(({ node, spec }) => ({ node, spec: spec ?? node.text, ...(spec === undefined ? { address: "specific" as const } : publishedAddress(spec)) })),
    volumes: strings("volumes").map(({ node, spec }) => ({ node, spec: spec ?? node.text })),
    env: d.env,
    envOpaque: d.envOpaque,
    envFiles: !!envFilesNode && !(envFilesList?.kind === K.NODE_LIST && envFilesList.childNodes().length === 0),
    autoStart: autoStartValue !== false,
    extraOptions: strings("extraOptions").map((s) => s.spec ?? "?"),
    cmd: strings("cmd").map((s) => s.spec ?? "?"),
    cmdNodes: strings("cmd").map((s) => s.node),
  };
}

/** The containers a file declares (definitions under a false `mkIf` left out). */
export function containersOf(definitions: readonly OptionDefinition[]): Container[] {
  const drafts = new Map<string, Draft>();
  const draft = (name: string, def: OptionDefinition, node: SyntaxNode): Draft => {
    let d = drafts.get(name);
    if (!d) drafts.set(name, (d = { name, def, node, fields: new Map(), env: new Map(), envOpaque: false }));
    return d;
  };
  for (const def of definitions) {
    const s = def.segments;
    if (s.length < 3 || s[2]!.name !== "containers" || !PREFIX.test(`${s[0]!.name}.${s[1]!.name}`) || isDead(def)) continue;
    const inner = unparen(def.inner);
    if ((s.length === 3 || s.length === 4) && inner?.kind === K.NODE_APPLY) {
      // A wrapper called with the container's fields.
      const arg = flattenApply(inner).args.map((a) => unparen(resolveValue(a))).reverse().find((a) => a?.kind === K.NODE_ATTR_SET);
      if (!arg) continue;
      const fields = setFields(arg);
      if (!fields.has("image")) continue;
      const name = s.length === 4 ? s[3]!.name : (staticText(fields.get("app")?.value ?? fields.get("name")?.value) ?? "?");
      const d = draft(`${def.line}:${name}`, def, arg);
      d.name = name;
      for (const [k, f] of fields) {
        const key = FIELD_ALIASES[k] ?? k;
        if (key === "environment") readEnvSet(d, f.value);
        else d.fields.set(key, f.value);
      }
      continue;
    }
    if (s.length < 5) continue;
    const name = s[3]!.name;
    const field = s[4]!.name;
    const d = draft(name, def, def.binding);
    if (field === "environment") {
      if (s.length === 6 && def.inner) d.env.set(s[5]!.name, { node: def.inner, value: staticText(def.inner) });
      else if (s.length === 5 && def.isLeaf) readEnvSet(d, def.inner);
      continue;
    }
    if (s.length === 5) d.fields.set(field, def.inner);
  }
  return [...drafts.values()].map(finish);
}

/** Ports the container publishes on every host interface. Port publishing is DNAT in the
 * container engine's own chains: the NixOS INPUT firewall does not apply to it. */
export function publishedEverywhere(c: Container): PublishedPort[] {
  if (c.extraOptions.some((o) => /^--(?:network|net)[= ]host$/.test(o))) return [];
  return c.ports.filter((p) => p.address === "all");
}

/** The container's own address on a bridged LAN (`--ip=192.168.4.2`), if any. */
export function ownAddress(c: Container): string | undefined {
  for (const o of c.extraOptions) {
    const m = /^--ip6?[= ](\S+)$/.exec(o);
    if (m) return m[1];
  }
  return undefined;
}

/** Where the container can be reached from other machines, as a phrase, or undefined. */
export function reachableFrom(c: Container): string | undefined {
  const all = publishedEverywhere(c);
  if (all.length) return `published on every interface (${all.map((p) => p.spec).join(", ")}; container port publishing bypasses the NixOS firewall)`;
  const ip = ownAddress(c);
  if (ip) return `given its own address ${ip} on the network`;
  // --network=host: the container listens on the host's interfaces, behind the NixOS firewall
  // like any service (firewall-sensitive-port judges the openings).
  return undefined;
}
