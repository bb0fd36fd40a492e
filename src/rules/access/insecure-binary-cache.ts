// insecure-binary-cache: binary caches (substituters) the Nix daemon trusts less carefully than it
// should. Three shapes:
// - `require-sigs = false`: the daemon imports store paths nobody signed, from any substituter;
//   whoever controls (or sits between the host and) a cache chooses what the host runs. High.
// - a substituter over plain `http://` (nix.settings.substituters, extra-substituters,
//   trusted-substituters, the legacy nix.binaryCaches / nix.trustedBinaryCaches, a line of
//   nix.extraOptions, a flake's nixConfig): with signatures checked, an attacker on the path can
//   still see every path the host fetches and withhold or stall updates (a security fix never
//   arrives). Medium on a public address; low on loopback-free private addresses (a LAN nix-serve);
//   silent for localhost.
// - (per host) an extra https substituter with no trusted public key that can belong to it: Nix
//   then refuses everything it serves (the cache is dead weight), and the usual "fix" people reach
//   for is require-sigs = false. A key belongs to a cache when its name is the cache's host name
//   (`nix-community.cachix.org-1:...`); for caches outside cachix.org, whose keys may be named
//   anything, any key not claimed by another cache counts. Hosts with modules that cannot be
//   followed (computed imports) are left alone: the key may be there. Low.
import { replaceNode } from "../../nix/edit.js";
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticStringValue, staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { unparen } from "../shared/syntax.js";
import type { HostContext, NixFileContext, Rule, RuleReport } from "../types.js";
import { hostOpacity } from "../anti-patterns/host.js";
import { nixSettingSites } from "./nix-settings.js";
import { nixConfSetting } from "../shared/references.js";
import { fileAnswers } from "../shared/track.js";

type Range = NonNullable<RuleReport["range"]>;

/** One URL of a substituter list, with where it is written. */
interface UrlSite {
  url: string;
  optionPath: string;
  node: SyntaxNode;
  range?: Range;
}

const SUBSTITUTER_SETTINGS: Array<[string, string[]]> = [
  ["substituters", ["nix.binaryCaches"]],
  ["extra-substituters", []],
  ["trusted-substituters", ["nix.trustedBinaryCaches"]],
  ["extra-trusted-substituters", []],
];
const KEY_SETTINGS: Array<[string, string[]]> = [
  ["trusted-public-keys", ["nix.binaryCachePublicKeys"]],
  ["extra-trusted-public-keys", []],
];

/** Stands for an entry whose value cannot be read statically (a variable, a function call). */
const OPAQUE = "<opaque>";

/** The URLs (or keys) a list or a space-separated string holds, each with its node. With `opaque`,
 * an entry (or the whole value) that is not a literal counts as one entry of unknown text: a key
 * held in a variable (`trusted-public-keys = [ cachePublicKey ]`) is still a key. */
function entriesOf(value: SyntaxNode | undefined, opaque = false): Array<{ text: string; node: SyntaxNode }> {
  const n = unparen(value);
  if (!n) return [];
  const out: Array<{ text: string; node: SyntaxNode }> = [];
  const add = (node: SyntaxNode) => {
    const s = staticStringValue(node);
    if (s === undefined) {
      if (opaque) out.push({ text: OPAQUE, node });
      return;
    }
    for (const w of s.split(/\s+/)) if (w) out.push({ text: w, node });
  };
  if (n.kind === K.NODE_LIST) for (const el of n.childNodes()) add(el);
  else if (n.kind === K.NODE_STRING) add(n);
  else if (n.kind === K.NODE_BIN_OP) for (const c of n.childNodes()) out.push(...entriesOf(c, opaque));
  else if (opaque) out.push({ text: OPAQUE, node: n });
  return out;
}

function settingEntries(ctx: NixFileContext, settings: Array<[string, string[]]>, opaque = false): UrlSite[] {
  const out: UrlSite[] = [];
  for (const [name, legacy] of settings) {
    for (const site of nixSettingSites(ctx, name, legacy)) {
      if (site.kind === "line") {
        for (const w of site.value.split(/\s+/)) if (w) out.push({ url: w, optionPath: `${site.optionPath} (${name})`, node: site.node, range: site.range });
      } else {
        for (const e of entriesOf(site.def.inner, opaque)) out.push({ url: e.text, optionPath: site.optionPath, node: e.node });
      }
    }
  }
  for (const e of flakeNixConfig(ctx, settings.map(([n]) => n))) out.push(e);
  return out;
}

/** `nixConfig.<setting>` of a flake (what `nix` asks to accept when the flake is used). */
function flakeNixConfig(ctx: NixFileContext, names: string[]): UrlSite[] {
  if (!/(^|\/)flake\.nix$/.test(ctx.file)) return [];
  const top = unparen(ctx.parsed.root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (top?.kind !== K.NODE_ATTR_SET) return [];
  const out: UrlSite[] = [];
  const visit = (set: SyntaxNode, prefix: string[]) => {
    for (const b of set.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = [...prefix, ...(path ? attrpathSegments(path) : []).map((s) => s.name)];
      if (segs[0] !== "nixConfig") continue;
      const v = unparen(value);
      if (segs.length === 1 && v?.kind === K.NODE_ATTR_SET) visit(v, segs);
      else if (segs.length === 2 && names.includes(segs[1]!)) for (const e of entriesOf(value)) out.push({ url: e.text, optionPath: segs.join("."), node: e.node });
    }
  };
  visit(top, []);
  return out;
}

function hostOf(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]+)/i.exec(url)?.[1]?.toLowerCase();
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "[::1]";
}

/** An address or name that only a private network reaches. */
function isPrivate(host: string): boolean {
  return (
    /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(host) ||
    /^\[f[cd]/i.test(host) ||
    !host.includes(".") ||
    /\.(lan|local|localnet|home|internal|intern|intranet|private|corp|localdomain|home\.arpa|ts\.net)$/.test(host)
  );
}

function checkNix(ctx: NixFileContext): void {
  for (const site of nixSettingSites(ctx, "require-sigs", [])) {
    const off = site.kind === "line" ? site.value === "false" : staticValue(site.def.inner) === false;
    if (!off) continue;
    const message = `${site.optionPath} turns off signature checks of the Nix store: the daemon imports store paths that no trusted key signed, from every substituter, so whoever controls a cache (or the network between the host and it) decides what this host builds and runs.`;
    const fix = { safety: "review" as const, description: "Remove require-sigs = false (the default is true) and give each binary cache its key in nix.settings.trusted-public-keys." };
    if (site.kind === "line") ctx.report({ range: site.range, node: site.node, optionPath: site.optionPath, key: "require-sigs", severity: "high", title: "Nix store signature checks disabled", message, fix: { ...fix, safety: "manual" } });
    else ctx.report({ node: site.def.inner ?? site.def.binding, optionPath: site.optionPath, severity: "high", title: "Nix store signature checks disabled", message, fix: { ...fix, edits: site.def.inner && site.def.conditions.length === 0 ? [replaceNode(ctx.file, site.def.inner, "true")] : undefined } });
  }
  // The machine's own name, set in the same file (`networking.hostName = "nas"`): a substituter
  // at `http://nas.localnet:8081` there is this host's own cache (cleverca22-nixos-configs nas.nix,
  // judged wrong: the traffic never crosses a network).
  const own = (ctx.index.byPath.get("networking.hostName") ?? []).map((d) => staticValue(d.inner)).filter((v): v is string => typeof v === "string").map((v) => v.toLowerCase());
  for (const s of settingEntries(ctx, SUBSTITUTER_SETTINGS)) {
    if (!/^http:\/\//i.test(s.url)) continue;
    const host = hostOf(s.url);
    if (!host || isLoopback(host) || own.includes(host.split(".")[0]!)) continue;
    const priv = isPrivate(host);
    const severity: Severity = priv ? "low" : "medium";
    ctx.report({
      node: s.node,
      range: s.range,
      optionPath: s.optionPath,
      key: `http ${s.url}`,
      severity,
      title: "Binary cache over plain http",
      message:
        `${s.optionPath} fetches from ${s.url} over plain http: anyone on the network path sees every store path this host downloads and can withhold or stall what it serves (a security update that never arrives)` +
        (priv ? "; the address is on a private network, which narrows who can do that." : ". Signatures still protect the content only while require-sigs stays on and the cache's key is trusted."),
      fix: { safety: "manual", description: "Serve the cache over https (nix-serve behind a TLS proxy, or a cachix/attic cache) and change the URL to https://." },
    });
  }
}

/** Does a trusted key belong to this cache by its name (`<host>-<n>`)? */
function keyNamed(host: string, key: string): boolean {
  const name = key.split(":")[0]!.toLowerCase();
  return name === host || name.replace(/-\d+$/, "") === host;
}

function checkHost(h: HostContext): void {
  // A key may be set in a module that cannot be seen: only a host seen whole is said to lack one.
  if (h.partial || hostOpacity(h)) return;
  const subs: Array<{ file: NixFileContext; site: UrlSite }> = [];
  const keys: string[] = [];
  for (const f of h.files) {
    // A file setting neither has no part in the host's result.
    if (!fileAnswers(f, "binaryCacheSettings", (c) => settingEntries(c, SUBSTITUTER_SETTINGS).length > 0 || settingEntries(c, KEY_SETTINGS).length > 0)) continue;
    for (const site of settingEntries(f, SUBSTITUTER_SETTINGS)) subs.push({ file: f, site });
    for (const k of settingEntries(f, KEY_SETTINGS, true)) keys.push(k.url);
  }
  // A key that cannot be read (a variable, an import) may be any cache's key: say nothing.
  if (keys.includes(OPAQUE)) return;
  // Keys claimed by a cache of their own name; the rest may belong to any self-hosted cache.
  const hosts = new Set(subs.map((s) => hostOf(s.site.url)).filter((x): x is string => !!x));
  const unclaimed = keys.filter((k) => ![...hosts].some((host) => keyNamed(host, k)));
  const seen = new Set<string>();
  for (const { file, site } of subs) {
    const host = hostOf(site.url);
    if (!host || !/^https:\/\//i.test(site.url) || host === "cache.nixos.org" || isLoopback(host)) continue;
    if (keys.some((k) => keyNamed(host, k))) continue;
    if (!host.endsWith(".cachix.org") && unclaimed.length > 0) continue;
    if (seen.has(site.url)) continue;
    seen.add(site.url);
    h.report({
      file: file.file,
      node: site.node,
      range: site.range,
      optionPath: site.optionPath,
      key: `no key ${site.url}`,
      severity: "low",
      title: "Binary cache without a trusted key",
      message: `Host ${h.host} adds the binary cache ${site.url} but trusts no public key for it (nix.settings.trusted-public-keys has none named ${host}-N): Nix refuses every path it serves, so the cache does nothing, and the tempting fix, require-sigs = false, would trust it blindly.`,
      fix: { safety: "manual", description: `Add the cache's public key (as its operator publishes it, e.g. "${host}-1:<base64>") to nix.settings.trusted-public-keys.` },
    });
  }
}

const CACHIX = `{ nix.settings = {\n    substituters = [ "https://cache.nixos.org" "https://nix-community.cachix.org" ];\n`;

export const insecureBinaryCache: Rule = {
  id: "insecure-binary-cache",
  name: "Binary cache trusted without signatures or over plain http",
  category: "access",
  severity: "medium",
  rationale:
    "Every binary cache a host substitutes from supplies the programs it runs. Nix protects that chain with signatures checked against trusted public keys; turning the check off (require-sigs = false) lets any cache, or anyone between the host and it, decide what runs as root. Plain http exposes what the host fetches and lets an attacker on the path withhold updates; a cache without its key is refused entirely.",
  fix: "Keep require-sigs on, fetch from caches over https, and list each cache's public key in nix.settings.trusted-public-keys.",
  references: [
    nixConfSetting("require-sigs"),
    nixConfSetting("substituters", "substituters and trusted-public-keys"),
    { title: "NixOS wiki: Binary Cache", url: "https://wiki.nixos.org/wiki/Binary_Cache" },
  ],
  compliance: { cis: ["1.2 Configure Software Updates"], nist: ["PR.PS-02", "GV.SC-07", "PR.DS-02"] },
  examples: {
    fire: [
      hostExample(`{ nix.settings.require-sigs = false; }\n`),
      hostExample(`{\n  nix.settings.substituters = [ "http://cache.example.com" ];\n  nix.settings.trusted-public-keys = [ "cache.example.com-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];\n}\n`),
      hostExample(`${CACHIX}  };\n}\n`),
      hostExample(`{\n  nix.extraOptions = ''\n    extra-substituters = http://binarycache.example.org\n  '';\n}\n`),
      {
        "flake.nix": `{\n  nixConfig.extra-substituters = [ "http://cache.example.net" ];\n  outputs = { nixpkgs, ... }: { };\n}\n`,
      },
      hostExample(`let\n  cacheKey = "cache.example.org-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";\nin {\n  nix.settings.substituters = [ "https://cache.example.org?priority=30" ];\n  nix.settings.trusted-public-keys = [ ];\n}\n`),
      // Another machine's cache on the LAN (a client of the nas): low, not silent.
      hostExample(`{\n  networking.hostName = "desktop";\n  nix.settings.substituters = [ "http://nas.localnet:8081" ];\n}\n`),
    ],
    silent: [
      hostExample(`{ nix.settings.require-sigs = true; }\n`),
      hostExample(`${CACHIX}    trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];\n  };\n}\n`),
      hostExample(`{\n  nix.settings.substituters = [ "http://localhost:5000" "http://127.0.0.1:8080" ];\n}\n`),
      // The host's own cache, by its own name.
      hostExample(`{\n  networking.hostName = "nas";\n  services.nix-serve.enable = true;\n  nix.settings.substituters = [ "http://nas.localnet:8081" ];\n}\n`),
      hostExample(`{\n  nix.settings.substituters = [ "https://attic.example.org/main" ];\n  nix.settings.trusted-public-keys = [ "main:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];\n}\n`),
      hostExample(`let\n  cacheKey = "cache.example.org-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";\nin {\n  nix.settings.substituters = [ "https://cache.example.org?priority=30" ];\n  nix.settings.trusted-public-keys = [ cacheKey ];\n}\n`),
      hostExample(`{\n  # https://example.org documents http://cache.example.com\n  services.nginx.virtualHosts."cache.example.com".locations."/".proxyPass = "http://127.0.0.1:5000";\n}\n`),
    ],
  },
  checkNix,
  checkHost,
};
