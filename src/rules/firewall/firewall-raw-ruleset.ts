// firewall-raw-ruleset: firewalls written by hand, as an nftables ruleset
// (`networking.nftables.ruleset`, `networking.nftables.tables.<n>.content`, nftables rules added to
// NixOS's input chain with `networking.firewall.extraInputRules`) or as iptables commands added to
// NixOS's firewall script (`networking.firewall.extraCommands`). They replace or extend the NixOS
// firewall, so what matters is what they accept:
//   - an nftables chain hooked on input whose policy is accept (the default) and that drops or
//     rejects nothing: every port of the host is open (high);
//   - a rule that accepts everything (`accept` with no match, `ip saddr 0.0.0.0/0 accept`,
//     `iptables -I INPUT -j ACCEPT`) on input (high);
//   - a rule that accepts a database, metrics or admin port (the table of firewall-sensitive-port)
//     from any address and any interface (that table's severity);
//   - iptables flushing INPUT or NixOS's chain (`iptables -F`), which removes the NixOS firewall.
// Every base chain on the input hook sees each packet and a drop in any of them is final, so a
// ruleset's accepting chain or accept rule matters only on a host whose NixOS firewall is off and
// where no other input chain drops (judged per host); rules added to NixOS's own chain
// (extraInputRules, extraCommands) are judged where they are written.
// Not reported: rules restricted by source address, input interface or connection state
// (`ct state established,related accept`, `iifname "wg0" accept`, `-s 10.0.0.0/24`), ordinary
// public ports (`tcp dport 22 accept`), output and forward chains, and `iptables -P INPUT ACCEPT`
// alone (NixOS leaves INPUT's policy at ACCEPT and filters in its own nixos-fw chain).
import type { OptionDefinition } from "../../nix/options.js";
import { calleeName, flattenApply, unparen } from "../../nix/read.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { pathLiteralTarget } from "../secrets/material.js";
import type { Severity } from "../../report/schema.js";
import { commandName, effectiveCommands, type ShellWord } from "../../shell/parse.js";
import { rangeOf, stringPieces, stringSource as shellSource } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import { effectiveValue, isDead, scoped, type Scope } from "../shared/scope.js";
import { cookString, sourceRange, type CookedString } from "../shared/string-lines.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { sensitivePort, type SensitivePort } from "./ports.js";
import { nixosOption } from "../shared/references.js";

export interface NftChain {
  name: string;
  /** Offsets in the text: the `chain` keyword and the closing brace. */
  start: number;
  end: number;
  body: string;
  /** Offset of the body in the text. */
  bodyStart: number;
  hook?: string;
  policy: "accept" | "drop";
}

/** Comments blanked out with spaces (offsets kept). */
function uncomment(text: string): string {
  return text.replace(/#[^\n]*/g, (m) => " ".repeat(m.length));
}

/** The chains of an nftables ruleset (or of a table's content). */
export function nftChains(text: string): NftChain[] {
  const t = uncomment(text);
  const out: NftChain[] = [];
  const re = /\bchain\s+("[^"]*"|[\w.-]+)\s*\{/g;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < t.length && depth > 0; i++) {
      if (t[i] === "{") depth++;
      else if (t[i] === "}") depth--;
    }
    const bodyStart = m.index + m[0].length;
    const body = t.slice(bodyStart, i - 1);
    const hook = /\bhook\s+(\w+)/.exec(body)?.[1];
    const policy = /\bpolicy\s+drop\b/.test(body) ? "drop" : "accept";
    out.push({ name: m[1]!.replace(/"/g, ""), start: m.index, end: i, body, bodyStart, hook, policy });
    re.lastIndex = i;
  }
  return out;
}

/** What an nftables text does to incoming traffic: no input chain, one that filters, one that
 * lets everything in. */
export function nftInputFilter(text: string): "none" | "filters" | "open" {
  const inputs = nftChains(text).filter((c) => c.hook === "input");
  if (inputs.length === 0) return "none";
  return inputs.some((c) => chainIsOpen(c) === false) ? "filters" : "open";
}

/** A chain with policy accept that drops, rejects or jumps nowhere lets everything through. */
function chainIsOpen(c: NftChain): boolean {
  if (c.policy === "drop") return false;
  // Dropping invalid packets (`ct state invalid drop`, `invalid : drop` in a vmap) filters no
  // new connection.
  const body = c.body.replace(/\binvalid\s*:\s*drop\b/g, "").replace(/\bct\s+state\s+invalid\b[^\n;]*\bdrop\b/g, "");
  return !/\b(drop|reject|jump|goto|queue)\b/.test(body);
}

interface RuleLine {
  /** The statement, whitespace collapsed. */
  text: string;
  /** Offsets of the statement as written, in the chain's text. */
  start: number;
  end: number;
}

/** The statements of a chain's body: separated by newlines or `;`, except inside `{ … }` (a set
 * or verdict map, `ct state vmap { established : accept, … }`, is part of its statement). */
function ruleLines(body: string, base: number): RuleLine[] {
  const out: RuleLine[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const raw = body.slice(start, end);
    const text = raw.trim().replace(/\s+/g, " ");
    if (text) out.push({ text, start: base + start + (raw.length - raw.trimStart().length), end: base + start + raw.trimEnd().length });
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if ((c === "\n" || c === ";") && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(body.length);
  return out;
}

const ANY_ADDRESS = /^(?:0\.0\.0\.0\/0|::\/0|0\/0)$/;

/** The ports a rule's `dport` matches (numbers, sets and ranges; named services are ignored). */
function dports(text: string): Array<{ port: number; protocol: "tcp" | "udp" }> {
  const out: Array<{ port: number; protocol: "tcp" | "udp" }> = [];
  const re = /\b(tcp|udp|th)\s+dport\s+(\{[^}]*\}|[\w-]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const protos: Array<"tcp" | "udp"> = m[1] === "th" ? ["tcp", "udp"] : [m[1] as "tcp" | "udp"];
    for (const item of m[2]!.replace(/[{}]/g, "").split(",")) {
      const r = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(item);
      if (!r) continue;
      const from = Number(r[1]);
      const to = r[2] ? Math.min(Number(r[2]), from + 65535) : from;
      for (const protocol of protos) for (let p = from; p <= to; p++) if (sensitivePort(p, protocol) || p === from) out.push({ port: p, protocol });
    }
  }
  return out;
}

interface Verdict {
  severity: Severity;
  what: string;
  row?: SensitivePort;
}

/** Judge one accepting nftables rule of an input chain. */
function judgeNftRule(text: string): Verdict | undefined {
  if (!/\baccept\b/.test(text) || /^\s*(?:type|policy)\b/.test(text)) return undefined;
  const saddr = /\b(?:ip6?)\s+saddr\s+(\S+)/.exec(text);
  const restricted = (saddr && !ANY_ADDRESS.test(saddr[1]!)) || /\b(?:iif|iifname|iiftype|ct\s+state|ct\s+status|icmp|icmpv6|meta\s+l4proto\s+ipv6-icmp|ip6?\s+protocol|mark|skuid|skgid|fib)\b/.test(text);
  if (restricted) return undefined;
  const ports = dports(text);
  if (ports.length === 0) {
    // No port: a rule that matches everything (or a named service we do not read).
    if (/\b(?:dport|sport|tcp|udp|th)\b/.test(text)) return undefined;
    return { severity: "high", what: "accepts every connection to every port" };
  }
  const hit = ports.map((p) => ({ p, row: sensitivePort(p.port, p.protocol) })).find((x) => x.row);
  if (!hit) return undefined;
  return { severity: hit.row!.severity, row: hit.row, what: `accepts ${hit.row!.service} (${hit.p.protocol} port ${hit.p.port}) from every address: ${hit.row!.why}` };
}

/** A ruleset kept in a file of its own: `networking.nftables.rulesetFile = ./ruleset.nft` or
 * `ruleset = builtins.readFile ./ruleset.nft` (a path literal, read from the repository). */
export interface RulesetFile {
  file: NixFileContext;
  def: OptionDefinition;
  /** The ruleset file, relative to the scanned root. */
  path: string;
  text: string;
}

/** The ruleset files of a scope; `unknown`: one is named that could not be read. */
export function rulesetFiles(scope: Scope): { files: RulesetFile[]; unknown: boolean } {
  const files: RulesetFile[] = [];
  let unknown = false;
  const defs = [...scope.definitions("networking.nftables.rulesetFile"), ...scope.definitions("networking.nftables.ruleset")];
  for (const { file, def } of defs) {
    if (isDead(def) || !def.inner) continue;
    let pathNode: SyntaxNode | undefined;
    if (def.path.endsWith("rulesetFile")) pathNode = unparen(def.inner);
    else if (def.inner.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(def.inner);
      if (calleeName(fn) !== "readFile" || args.length !== 1) continue;
      pathNode = unparen(args[0]);
    } else continue;
    const target = pathNode ? pathLiteralTarget(file.file, pathNode) : undefined;
    const text = target?.kind === "repo" ? file.repoFile(target.path)?.text : undefined;
    if (target?.kind === "repo" && text !== undefined) files.push({ file, def, path: target.path, text });
    else unknown = true;
  }
  return { files, unknown };
}

/** Line (1-based) of an offset in a text. */
function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

const NFT_INPUT_RULES = /^networking\.firewall\.extraInputRules$/;
const IPTABLES_OPTIONS = /^networking\.firewall\.extraCommands$/;

function pieces(def: { inner?: SyntaxNode }): CookedString[] {
  return stringPieces(def.inner).map((s) => cookString(s)).filter((c): c is CookedString => c !== undefined);
}

function reportNft(report: (r: RuleReport) => void, path: string, s: CookedString, start: number, end: number, v: Verdict, key: string, context: string): void {
  report({
    range: sourceRange(s, start, end),
    optionPath: path,
    key,
    severity: v.severity,
    title: v.row ? `Raw firewall rule opens ${v.row.service} to everyone` : "Raw firewall accepts all incoming traffic",
    message: `${path}: ${context} ${v.what}.`,
    fix: {
      safety: "manual",
      description: v.row
        ? `Restrict the rule to the networks that need the service (\`ip saddr 10.0.0.0/8\`, \`iifname "wg0"\`), or drop it and open the port per interface with networking.firewall.interfaces.<if>.allowedTCPPorts.`
        : "Make the input chain drop by default (`policy drop;`) and accept only established connections, loopback and the ports the host serves.",
    },
  });
}

/** networking.firewall.extraInputRules: every line is a rule of NixOS's own input chain. */
function checkNft(report: (r: RuleReport) => void, path: string, s: CookedString): void {
  for (const line of ruleLines(uncomment(s.text), 0)) {
    const v = judgeNftRule(line.text);
    if (v) reportNft(report, path, s, line.start, line.end, v, line.text, `the rule \`${line.text}\` of the NixOS firewall's input chain`);
  }
}

const IPTABLES = new Set(["iptables", "ip6tables", "ip46tables", "iptables-legacy", "iptables-nft", "ip6tables-legacy", "ip6tables-nft"]);
const INPUT_CHAINS = new Set(["INPUT", "nixos-fw"]);
const ACCEPT_TARGETS = new Set(["ACCEPT", "nixos-fw-accept"]);

function option(argv: ShellWord[], ...names: string[]): string | undefined {
  const i = argv.findIndex((w) => names.includes(w.value));
  return i >= 0 ? argv[i + 1]?.value : undefined;
}

function judgeIptables(argv: ShellWord[]): Verdict | undefined {
  const words = argv.map((w) => w.value);
  const table = option(argv, "-t", "--table");
  if (table && table !== "filter") return undefined;
  const flush = words.findIndex((w) => w === "-F" || w === "--flush");
  if (flush >= 0) {
    const chain = words[flush + 1];
    if (chain === undefined || chain.startsWith("-") || INPUT_CHAINS.has(chain))
      return { severity: "high", what: `flushes ${chain && !chain.startsWith("-") ? `the ${chain} chain` : "every chain"}, which removes the NixOS firewall's rules, so every port is open` };
    return undefined;
  }
  const chain = option(argv, "-A", "--append", "-I", "--insert");
  const target = option(argv, "-j", "--jump");
  if (!chain || !INPUT_CHAINS.has(chain) || !target || !ACCEPT_TARGETS.has(target)) return undefined;
  const source = option(argv, "-s", "--source", "--src-range");
  if (source && !ANY_ADDRESS.test(source)) return undefined;
  if (option(argv, "-i", "--in-interface") !== undefined || words.some((w) => w === "--ctstate" || w === "--state" || w === "icmp" || w === "icmpv6" || w === "ipv6-icmp")) return undefined;
  const proto = option(argv, "-p", "--protocol");
  const portText = option(argv, "--dport", "--destination-port", "--dports", "--destination-ports");
  if (portText === undefined) {
    if (proto && proto !== "all" || words.some((w) => w === "--sport" || w === "--source-port")) return undefined;
    return { severity: "high", what: "accepts every connection to every port" };
  }
  const protocol = proto === "udp" ? "udp" : "tcp";
  for (const item of portText.split(",")) {
    const r = /^(\d+)(?::(\d+))?$/.exec(item);
    if (!r) continue;
    const from = Number(r[1]);
    const to = r[2] ? Number(r[2]) : from;
    for (let p = from; p <= to && p - from < 65536; p++) {
      const row = sensitivePort(p, protocol);
      if (row) return { severity: row.severity, row, what: `accepts ${row.service} (${protocol} port ${p}) from every address: ${row.why}` };
    }
  }
  return undefined;
}

function checkIptables(ctx: NixFileContext, path: string, str: SyntaxNode): void {
  for (const argv of effectiveCommands(shellSource(str))) {
    if (!IPTABLES.has(commandName(argv[0]))) continue;
    const v = judgeIptables(argv);
    if (!v) continue;
    const cmd = argv.map((w) => w.value).join(" ");
    ctx.report({
      range: rangeOf(ctx.parsed.source.lines, argv[0]!.start, argv.at(-1)!.end),
      optionPath: path,
      key: cmd,
      severity: v.severity,
      title: v.row ? `Raw firewall rule opens ${v.row.service} to everyone` : "Raw firewall accepts all incoming traffic",
      message: `${path}: \`${cmd}\` ${v.what}. These commands run inside the NixOS firewall's script, after its own rules are set up.`,
      evidence: cmd,
      fix: {
        safety: "manual",
        description: v.row
          ? "Add a source (`-s 10.0.0.0/8`) or input interface (`-i wg0`) to the rule, or drop it and open the port per interface with networking.firewall.interfaces.<if>.allowedTCPPorts."
          : "Remove the command; open the ports the host serves with networking.firewall.allowedTCPPorts, per interface where they are not public.",
      },
    });
  }
}

/** Rules added to NixOS's own firewall (extraInputRules, extraCommands): judged where written. */
function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    if (NFT_INPUT_RULES.test(def.path)) for (const s of pieces(def)) checkNft(ctx.report, def.path, s);
    else if (IPTABLES_OPTIONS.test(def.path)) for (const str of stringPieces(def.inner)) checkIptables(ctx, def.path, str);
  }
}

/**
 * Rulesets and tables of one's own, judged per host: every base chain on the input hook sees each
 * packet, and a drop in any of them is final. So an accepting chain, or an accept rule, matters
 * only where nothing else drops the packet: the NixOS firewall is off, and this chain is the one
 * that filters (an accept in a chain that filters nothing adds nothing).
 */
function checkRulesets(scope: Scope): void {
  const fw = effectiveValue(scope.definitions("networking.firewall.enable"));
  if (fw.kind !== "known" || fw.value !== false) return;
  const texts: Array<{ file: NixFileContext; path: string; s: CookedString }> = [];
  for (const pattern of ["networking.nftables.ruleset", "networking.nftables.tables.*.content"]) {
    for (const { file, def } of scope.matching(pattern)) if (!isDead(def)) for (const s of pieces(def)) texts.push({ file, path: def.path, s });
  }
  const external = rulesetFiles(scope).files;
  const filtering = texts.some((t) => nftInputFilter(t.s.text) === "filters") || external.some((f) => nftInputFilter(f.text) === "filters");
  // A ruleset file: judged as a ruleset written inline, reported at the option naming the file
  // (its line in the ruleset file is in the message).
  for (const f of external) {
    const node = f.def.inner ?? f.def.binding;
    const report = (key: string, v: Verdict, offset: number, context: string) =>
      scope.report(f.file, {
        node,
        optionPath: f.def.path,
        key,
        severity: v.severity,
        title: v.row ? `Raw firewall rule opens ${v.row.service} to everyone` : "Raw firewall accepts all incoming traffic",
        message: `${f.def.path}: ${context} (${f.path}:${lineAt(f.text, offset)}) ${v.what}.`,
        fix: {
          safety: "manual",
          description: v.row
            ? `Restrict the rule in ${f.path} to the networks that need the service (\`ip saddr 10.0.0.0/8\`, \`iifname "wg0"\`).`
            : `Make the input chain of ${f.path} drop by default (\`policy drop;\`) and accept only established connections, loopback and the ports the host serves.`,
        },
      });
    for (const chain of nftChains(f.text)) {
      if (chain.hook !== "input") continue;
      if (chainIsOpen(chain)) {
        if (!filtering) report(`open-chain:${chain.name}`, { severity: "high", what: "has policy accept and drops or rejects no new connection, and no other input chain filters, so the host accepts every connection to every port" }, chain.start, `the input chain ${chain.name}`);
        continue;
      }
      for (const line of ruleLines(chain.body, chain.bodyStart)) {
        const v = judgeNftRule(line.text);
        if (v) report(`${chain.name}:${line.text}`, v, line.start, `the rule \`${line.text}\` of input chain ${chain.name}`);
      }
    }
  }
  for (const { file, path, s } of texts) {
    const report = (r: RuleReport) => scope.report(file, r);
    for (const chain of nftChains(s.text)) {
      if (chain.hook !== "input") continue;
      if (chainIsOpen(chain)) {
        if (filtering) continue; // another input chain drops
        const header = s.text.slice(chain.start, chain.bodyStart).trim().replace(/\s*\{$/, "");
        reportNft(report, path, s, chain.start, chain.bodyStart, { severity: "high", what: "has policy accept and drops or rejects no new connection, and no other input chain filters, so the host accepts every connection to every port" }, `open-chain:${chain.name}`, `the input chain \`${header}\``);
        continue;
      }
      for (const line of ruleLines(chain.body, chain.bodyStart)) {
        const v = judgeNftRule(line.text);
        if (v) reportNft(report, path, s, line.start, line.end, v, `${chain.name}:${line.text}`, `the rule \`${line.text}\` of input chain ${chain.name}`);
      }
    }
  }
}

const rulesets = scoped(checkRulesets);

export const firewallRawRuleset: Rule = {
  id: "firewall-raw-ruleset",
  examples: {
    fire: [
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.enable = true;\n  networking.nftables.ruleset = ''\n    table inet filter {\n      chain input {\n        type filter hook input priority 0; policy accept;\n        tcp dport 22 accept\n      }\n    }\n  '';\n}\n`,
      ),
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.tables.filter = {\n    family = "inet";\n    content = ''\n      chain input {\n        type filter hook input priority 0; policy drop;\n        ct state established,related accept\n        ip saddr 0.0.0.0/0 tcp dport 5432 accept\n      }\n    '';\n  };\n}\n`,
      ),
      hostExample(`{\n  networking.firewall.extraCommands = ''\n    iptables -I nixos-fw -p tcp --dport 6379 -j nixos-fw-accept\n    iptables -F INPUT\n  '';\n}\n`),
      hostExample(`{\n  networking.firewall.extraInputRules = ''\n    tcp dport { 80, 9100 } accept\n  '';\n}\n`),
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.ruleset = ''\n    table inet stateful {\n      chain INPUT {\n        type filter hook input priority filter - 20\n        policy accept\n        ct state vmap { established : accept, related : accept, invalid : drop }\n      }\n    }\n  '';\n}\n`,
      ),
      // A ruleset kept in a file: judged as one written inline.
      hostExample(`{\n  networking.firewall.enable = false;\n  networking.nftables = { enable = true; rulesetFile = ./ruleset.nft; };\n}\n`, "configuration.nix", {
        "ruleset.nft": `table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    ct state established,related accept\n    tcp dport { 22, 5432 } accept\n  }\n}\n`,
      }),
    ],
    silent: [
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.ruleset = ''\n    table inet filter {\n      chain input {\n        type filter hook input priority 0; policy drop;\n        iifname "lo" accept\n        ct state { established, related } accept\n        tcp dport { 22, 443 } accept\n        ip saddr 10.0.0.0/8 tcp dport 5432 accept\n        iifname "wg0" accept\n      }\n      chain output { type filter hook output priority 0; policy accept; }\n    }\n  '';\n}\n`,
      ),
      hostExample(
        `{\n  networking.firewall.extraCommands = ''\n    iptables -P INPUT ACCEPT\n    iptables -A nixos-fw -p tcp --dport 22 -s 10.0.10.0/24 -j nixos-fw-accept\n    iptables -A nixos-fw -p tcp --dport 5432 -i wg0 -j nixos-fw-accept\n    iptables -A nixos-fw -p tcp --dport 443 -j nixos-fw-accept\n    iptables -t nat -F POSTROUTING\n  '';\n}\n`,
      ),
      hostExample(
        `{\n  # The NixOS firewall stays on and drops what it does not allow: this table's accepts add nothing.\n  networking.nftables.enable = true;\n  networking.nftables.tables.extra = {\n    family = "inet";\n    content = ''\n      chain input {\n        type filter hook input priority 10; policy accept;\n        tcp dport 5432 accept\n      }\n    '';\n  };\n}\n`,
      ),
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.ruleset = ''\n    table inet edge {\n      chain from_lan { accept }\n      chain input {\n        type filter hook input priority filter; policy drop;\n        ct state vmap {\n          established : accept,\n          related : accept,\n          invalid : drop\n        }\n        iifname vmap {\n          lo : accept,\n          br0 : jump from_lan\n        }\n        iifname "ppp0" tcp dport 22 ct state new limit rate 3/minute accept\n        udp dport 67 accept\n      }\n    }\n  '';\n}\n`,
      ),
      hostExample(`{\n  networking.nftables.tables.nat = {\n    family = "ip";\n    content = ''\n      chain postrouting { type nat hook postrouting priority 100; policy accept; oifname "eth0" masquerade }\n    '';\n  };\n}\n`),
      hostExample(`{\n  networking.firewall.enable = false;\n  networking.nftables = { enable = true; rulesetFile = ./ruleset.nft; };\n}\n`, "configuration.nix", {
        "ruleset.nft": `define VPN_IFC = { wg0, wg1 }\ntable inet filter {\n  chain input {\n    type filter hook input priority 0;\n    iifname lo accept\n    ct state {established, related} accept\n    tcp dport 22 accept\n    tcp dport {http,https} accept\n    iifname { "wg0", "wg1" } tcp dport {53} accept\n    iifname { "wg0"} tcp dport {3100,5201,9100,9115 } accept\n    counter drop\n  }\n  chain output { type filter hook output priority 0; accept }\n}\n`,
      }),
    ],
  },
  name: "Raw firewall rules accept too much",
  category: "firewall",
  severity: "high",
  rationale:
    "A firewall written as an nftables ruleset or as iptables commands replaces or extends the NixOS firewall, and nix-warden's other firewall rules do not read it. An input chain that accepts everything, or a rule that accepts a database or admin port from any address, leaves the host as open as no firewall at all.",
  fix: "Give hand-written input chains `policy drop`, accept established connections, loopback and the public ports, and restrict every other port by source address or interface.",
  references: [
    { title: "nftables wiki: simple ruleset for a server", url: "https://wiki.nftables.org/wiki-nftables/index.php/Simple_ruleset_for_a_server" },
    nixosOption("networking.nftables.ruleset"),
    nixosOption("networking.firewall.extraCommands"),
    { title: "nixpkgs: nixos/modules/services/networking/firewall-iptables.nix", url: "https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/firewall-iptables.nix" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01", "PR.PS-01"] },
  checkNix(ctx) {
    checkNix(ctx);
    rulesets.checkNix(ctx);
  },
  checkHost: (h) => rulesets.checkHost(h),
};
