// What a firewall ruleset lets in: the (protocol, port range, interface) triples accepted by rules
// reachable from the input hook. Two real formats (test/fixtures/drift/recorded/firewall/):
// `iptables-save` text (NixOS's iptables backend: chain nixos-fw, accept target nixos-fw-accept) and
// `nft -j list ruleset` JSON (NixOS's nftables backend: table inet nixos-fw, chain input-allow,
// set temp-ports filled by `nixos-firewall-tool open`).

export interface OpenPort {
  proto: "tcp" | "udp";
  from: number;
  to: number;
  /** Only on this input interface (iptables -i, nft iifname); undefined = any interface. */
  iface?: string;
  /** Only to/from these addresses (a restriction worth showing). */
  restriction?: string;
  /** The rule as the ruleset states it (for evidence and for reverting). */
  rule: string;
  /** iptables: table/chain and the rule's arguments; nft: family/table/chain/handle or set. */
  origin: { kind: "iptables"; family: 4 | 6; chain: string; args: string[] } | { kind: "nft-rule"; family: string; table: string; chain: string; handle?: number } | { kind: "nft-set"; family: string; table: string; set: string; element: string };
}

export interface FirewallState {
  backend: "iptables" | "nftables";
  /** The NixOS firewall is loaded (chain nixos-fw hooked into INPUT / table nixos-fw with an input chain). */
  nixosFirewallActive: boolean;
  /** The input hook lets everything in by default (policy accept and nothing dropping at the end). */
  inputPolicyAccept: boolean;
  open: OpenPort[];
  /** Interfaces whose traffic is accepted wholesale (trusted interfaces). */
  trusted: string[];
}

// ---------------------------------------------------------------- iptables-save

interface IptRule {
  chain: string;
  args: string[];
  text: string;
}

/** Splits an iptables-save rule line into words (double quotes group, as iptables-save writes them). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] as string));
  return out;
}

export function parseIptablesSave(text: string, family: 4 | 6): FirewallState {
  const policies = new Map<string, string>();
  const rules: IptRule[] = [];
  let table = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) table = line.slice(1);
    if (table !== "filter") continue;
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) policies.set(name, policy ?? "-");
    } else if (line.startsWith("-A ")) {
      const w = words(line);
      rules.push({ chain: w[1] as string, args: w.slice(2), text: line });
    }
  }
  const byChain = new Map<string, IptRule[]>();
  for (const r of rules) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);

  const target = (r: IptRule) => option(r.args, ["-j", "--jump", "-g", "--goto"]);
  // Chains that accept everything that reaches them (nixos-fw-accept: "-j ACCEPT" with no matches).
  const accepting = new Set<string>(["ACCEPT"]);
  for (const [chain, rs] of byChain) if (rs.some((r) => target(r) === "ACCEPT" && r.args.length === 2)) accepting.add(chain);

  const reachable = new Set<string>();
  const visit = (chain: string) => {
    if (reachable.has(chain) || !byChain.has(chain)) return;
    reachable.add(chain);
    for (const r of byChain.get(chain) ?? []) {
      const t = target(r);
      if (t && byChain.has(t) && !accepting.has(t)) visit(t);
    }
  };
  visit("INPUT");

  const open: OpenPort[] = [];
  const trusted: string[] = [];
  for (const chain of reachable) {
    for (const r of byChain.get(chain) ?? []) {
      const t = target(r);
      if (!t || !accepting.has(t)) continue;
      const proto = option(r.args, ["-p", "--protocol"]);
      const iface = option(r.args, ["-i", "--in-interface"]);
      const dport = option(r.args, ["--dport", "--destination-port"]);
      const dports = option(r.args, ["--dports", "--destination-ports"]);
      const src = option(r.args, ["-s", "--source"]);
      const dst = option(r.args, ["-d", "--destination"]);
      const ranges = dport ? [dport] : dports ? dports.split(",") : [];
      if (ranges.length === 0) {
        // "-i lo -j nixos-fw-accept": the whole interface is trusted.
        if (iface && isOnly(r.args, ["-i", "--in-interface", "-j", "--jump"])) trusted.push(iface);
        continue;
      }
      if (proto !== "tcp" && proto !== "udp") continue;
      for (const range of ranges) {
        const [a, b] = range.split(":");
        const from = Number(a);
        const to = b === undefined ? from : Number(b);
        if (!Number.isInteger(from) || !Number.isInteger(to)) continue;
        open.push({
          proto,
          from,
          to,
          iface,
          restriction: [src && `from ${src}`, dst && `to ${dst}`].filter(Boolean).join(" ") || undefined,
          rule: r.text,
          origin: { kind: "iptables", family, chain: r.chain, args: r.args },
        });
      }
    }
  }
  const inputPolicy = policies.get("INPUT") ?? "ACCEPT";
  const inputRules = byChain.get("INPUT") ?? [];
  const nixosFirewallActive = inputRules.some((r) => target(r) === "nixos-fw");
  // The NixOS chain ends in nixos-fw-log-refuse, so with it hooked in the ACCEPT policy is moot.
  const endsInRefuse = (byChain.get("nixos-fw") ?? []).some((r) => /refuse|DROP|REJECT/.test(target(r) ?? ""));
  return {
    backend: "iptables",
    nixosFirewallActive,
    inputPolicyAccept: inputPolicy === "ACCEPT" && !(nixosFirewallActive && endsInRefuse),
    open,
    trusted,
  };
}

function option(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (names.includes(args[i] as string) && args[i - 1] !== "!") return args[i + 1];
  return undefined;
}

/** The rule has no options other than these (each followed by one value). */
function isOnly(args: string[], names: string[]): boolean {
  for (let i = 0; i < args.length; i += 2) if (!names.includes(args[i] as string)) return false;
  return true;
}

// ---------------------------------------------------------------- nft -j list ruleset

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

interface NftChain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  policy?: string;
}

interface NftRule {
  family: string;
  table: string;
  chain: string;
  handle?: number;
  expr: Json[];
}

interface NftSet {
  family: string;
  table: string;
  name: string;
  elem: Json[];
}

export function parseNftRuleset(jsonText: string): FirewallState {
  const doc = JSON.parse(jsonText) as { nftables?: Json[] };
  const items = Array.isArray(doc.nftables) ? doc.nftables : [];
  const chains: NftChain[] = [];
  const rules: NftRule[] = [];
  const sets: NftSet[] = [];
  for (const it of items) {
    if (!isObj(it)) continue;
    if (isObj(it.chain)) {
      const c = it.chain;
      chains.push({ family: str(c.family), table: str(c.table), name: str(c.name), hook: typeof c.hook === "string" ? c.hook : undefined, policy: typeof c.policy === "string" ? c.policy : undefined });
    } else if (isObj(it.rule)) {
      const r = it.rule;
      rules.push({ family: str(r.family), table: str(r.table), chain: str(r.chain), handle: typeof r.handle === "number" ? r.handle : undefined, expr: Array.isArray(r.expr) ? r.expr : [] });
    } else if (isObj(it.set)) {
      const s = it.set;
      sets.push({ family: str(s.family), table: str(s.table), name: str(s.name), elem: Array.isArray(s.elem) ? s.elem : [] });
    }
  }
  const key = (family: string, table: string, name: string) => `${family}\0${table}\0${name}`;
  const rulesByChain = new Map<string, NftRule[]>();
  for (const r of rules) {
    const k = key(r.family, r.table, r.chain);
    rulesByChain.set(k, [...(rulesByChain.get(k) ?? []), r]);
  }
  const reachable = new Set<string>();
  const visit = (k: string) => {
    if (reachable.has(k)) return;
    reachable.add(k);
    const [family, table] = k.split("\0") as [string, string];
    for (const r of rulesByChain.get(k) ?? []) for (const t of jumpTargets(r.expr)) visit(key(family, table, t));
  };
  const inputChains = chains.filter((c) => c.hook === "input");
  for (const c of inputChains) visit(key(c.family, c.table, c.name));

  const open: OpenPort[] = [];
  const trusted: string[] = [];
  for (const k of reachable) {
    for (const r of rulesByChain.get(k) ?? []) {
      if (!r.expr.some((e) => isObj(e) && "accept" in e)) continue;
      let iface: string | undefined;
      const ports: { proto: "tcp" | "udp"; from: number; to: number; set?: string; element?: string }[] = [];
      let otherMatch = false;
      for (const e of r.expr) {
        if (!isObj(e) || !isObj(e.match)) continue;
        const m = e.match;
        if (m.op !== "==" && m.op !== "in") {
          otherMatch = true;
          continue;
        }
        const left = m.left;
        if (isObj(left) && isObj(left.meta) && left.meta.key === "iifname") {
          const names = setValues(m.right).filter((v): v is string => typeof v === "string");
          iface = names.join(",") || undefined;
        } else if (isObj(left) && isObj(left.payload) && left.payload.field === "dport" && (left.payload.protocol === "tcp" || left.payload.protocol === "udp")) {
          const proto = left.payload.protocol;
          if (typeof m.right === "string" && m.right.startsWith("@")) {
            for (const p of setPorts(sets, r, m.right.slice(1))) if (!p.proto || p.proto === proto) ports.push({ ...p, proto });
          } else for (const [from, to] of portRanges(m.right)) ports.push({ proto, from, to });
        } else if (isObj(left) && Array.isArray(left.concat) && typeof m.right === "string" && m.right.startsWith("@")) {
          // meta l4proto . th dport @temp-ports
          for (const p of setPorts(sets, r, m.right.slice(1))) if (p.proto) ports.push({ ...p, proto: p.proto });
        } else otherMatch = true;
      }
      const where = `${r.family} ${r.table} ${r.chain}`;
      if (ports.length === 0) {
        if (iface && !otherMatch) trusted.push(...iface.split(","));
        continue;
      }
      if (otherMatch) continue; // e.g. "ip6 daddr fe80::/64 udp dport 546": narrower than a port opening
      for (const p of ports) {
        open.push({
          proto: p.proto,
          from: p.from,
          to: p.to,
          iface,
          rule: p.set ? `element ${p.element} of set @${p.set} (${where})` : `${where} handle ${r.handle ?? "?"}: ${describeNftRule(r.expr)}`,
          origin: p.set
            ? { kind: "nft-set", family: r.family, table: r.table, set: p.set, element: p.element ?? "" }
            : { kind: "nft-rule", family: r.family, table: r.table, chain: r.chain, handle: r.handle },
        });
      }
    }
  }
  const nixosFirewallActive = inputChains.some((c) => c.table === "nixos-fw");
  return {
    backend: "nftables",
    nixosFirewallActive,
    inputPolicyAccept: inputChains.length === 0 || inputChains.every((c) => c.policy !== "drop"),
    open,
    trusted,
  };
}

function jumpTargets(expr: Json[]): string[] {
  const out: string[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      for (const k of ["jump", "goto"]) {
        const j = v[k];
        if (isObj(j) && typeof j.target === "string") out.push(j.target);
      }
      Object.values(v).forEach(walk);
    }
  };
  expr.forEach(walk);
  return out;
}

function setValues(right: Json | undefined): Json[] {
  if (isObj(right) && Array.isArray(right.set)) return right.set;
  return right === undefined ? [] : [right];
}

function portRanges(right: Json | undefined): [number, number][] {
  const out: [number, number][] = [];
  for (const v of setValues(right)) {
    if (typeof v === "number") out.push([v, v]);
    else if (isObj(v) && Array.isArray(v.range) && typeof v.range[0] === "number" && typeof v.range[1] === "number") out.push([v.range[0], v.range[1]]);
  }
  return out;
}

/** Ports in a named set: plain ports/ranges, or (proto . port) concatenations like temp-ports. */
function setPorts(sets: NftSet[], r: NftRule, name: string): { proto?: "tcp" | "udp"; from: number; to: number; set: string; element: string }[] {
  const set = sets.find((s) => s.family === r.family && s.table === r.table && s.name === name);
  if (!set) return [];
  const out: { proto?: "tcp" | "udp"; from: number; to: number; set: string; element: string }[] = [];
  for (const raw of set.elem) {
    const e = isObj(raw) && isObj(raw.elem) ? raw.elem.val : raw; // {"elem": {"val": …, "timeout": …}}
    if (isObj(e) && Array.isArray(e.concat)) {
      const [p, port] = e.concat;
      const proto = p === "tcp" || p === "udp" ? p : undefined;
      for (const [from, to] of portRanges(port as Json)) out.push({ proto, from, to, set: name, element: `${p} . ${from === to ? from : `${from}-${to}`}` });
    } else for (const [from, to] of portRanges(e as Json)) out.push({ from, to, set: name, element: from === to ? String(from) : `${from}-${to}` });
  }
  return out;
}

function describeNftRule(expr: Json[]): string {
  const parts: string[] = [];
  for (const e of expr) {
    if (!isObj(e)) continue;
    if ("accept" in e) parts.push("accept");
    else if (isObj(e.match)) {
      const m = e.match;
      const l = m.left;
      const lhs = isObj(l) && isObj(l.payload) ? `${str(l.payload.protocol)} ${str(l.payload.field)}` : isObj(l) && isObj(l.meta) ? str(l.meta.key) : "…";
      parts.push(`${lhs} ${m.op === "==" ? "" : `${str(m.op)} `}${JSON.stringify(m.right)}`);
    }
  }
  return parts.join(" ");
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}
