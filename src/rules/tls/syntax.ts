// TLS settings as servers read them: nginx `ssl_protocols` (a list), Apache `SSLProtocol` (a
// sequence of [+|-]protocol that adds to or removes from the set, `all` meaning every protocol),
// minimum versions (Dovecot `ssl_min_protocol`, HAProxy `ssl-min-ver`), and OpenSSL cipher strings
// (`HIGH:!aNULL:RC4-SHA`), where `!x` removes x for good and `-x` removes it until it is added
// again. Pure: text in, judgements with offsets out.

export type Protocol = "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";

const ALL_PROTOCOLS: Protocol[] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
export const OLD_PROTOCOLS: ReadonlySet<Protocol> = new Set(["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"]);

function protocolName(token: string): Protocol | undefined {
  const t = token.toLowerCase().replace(/^tlsv?1\.0$/, "tlsv1");
  return ALL_PROTOCOLS.find((p) => p.toLowerCase() === t);
}

export interface ProtocolToken {
  text: string;
  /** Offsets in the argument text. */
  start: number;
  end: number;
}

function tokens(text: string): ProtocolToken[] {
  const out: ProtocolToken[] = [];
  for (const m of text.matchAll(/[^\s,:;]+/g)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** nginx `ssl_protocols` / services.nginx.sslProtocols: the protocols listed. */
export function nginxProtocols(args: string): Set<Protocol> {
  const out = new Set<Protocol>();
  for (const t of tokens(args)) {
    const p = protocolName(t.text);
    if (p) out.add(p);
  }
  return out;
}

/**
 * Apache `SSLProtocol` / services.httpd.sslProtocols: `all` adds every protocol the TLS library has
 * (Apache 2.4 with OpenSSL 1.1+: TLSv1 to TLSv1.3; SSLv3 is no longer built), `+p` adds, `-p`
 * removes, a bare `p` replaces the set (mod_ssl's ssl_cmd_protocol_parse).
 */
export function apacheProtocols(args: string): Set<Protocol> {
  let set = new Set<Protocol>();
  for (const t of tokens(args)) {
    const sign = t.text[0] === "+" || t.text[0] === "-" ? t.text[0] : "";
    const name = sign ? t.text.slice(1) : t.text;
    const members: Protocol[] = name.toLowerCase() === "all" ? ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] : [protocolName(name)].filter((p): p is Protocol => !!p);
    if (members.length === 0) continue;
    if (sign === "-") for (const p of members) set.delete(p);
    else if (sign === "+") for (const p of members) set.add(p);
    else set = new Set(members);
  }
  return set;
}

/** Protocols from a minimum version upward (`ssl_min_protocol = TLSv1`). */
export function minimumProtocols(version: string): Set<Protocol> {
  const p = protocolName(version.trim());
  if (!p) return new Set();
  return new Set(ALL_PROTOCOLS.slice(ALL_PROTOCOLS.indexOf(p)));
}

export function oldIn(set: ReadonlySet<Protocol>): Protocol[] {
  return ALL_PROTOCOLS.filter((p) => OLD_PROTOCOLS.has(p) && set.has(p));
}

export type ProtocolSyntax = "nginx" | "apache" | "minimum";

export function enabledProtocols(syntax: ProtocolSyntax, args: string): Set<Protocol> {
  return syntax === "nginx" ? nginxProtocols(args) : syntax === "apache" ? apacheProtocols(args) : minimumProtocols(args);
}

/** The argument text with the old protocols removed (nginx), removed by `-p` (Apache), or a modern minimum. */
export function fixedProtocols(syntax: ProtocolSyntax, args: string): string {
  if (syntax === "minimum") return "TLSv1.2";
  if (syntax === "apache") {
    const old = oldIn(apacheProtocols(args));
    return `${args.trim()} ${old.map((p) => `-${p}`).join(" ")}`.trim();
  }
  const kept = tokens(args).filter((t) => !OLD_PROTOCOLS.has(protocolName(t.text) as Protocol)).map((t) => t.text);
  return kept.length ? kept.join(" ") : "TLSv1.2 TLSv1.3";
}

export type WeakFamily = "NULL" | "aNULL" | "EXPORT" | "RC4" | "DES" | "3DES" | "MD5" | "LOW";

/** Families of weak cipher suites and the cipher-string words that name them (OpenSSL ciphers(1)). */
const FAMILY_WORDS: Record<WeakFamily, RegExp> = {
  NULL: /^(?:e?NULL|COMPLEMENTOFALL)$|(?:^|-)NULL(?:-|$)|_WITH_NULL_/i,
  aNULL: /^(?:aNULL|ADH|AECDH)$|^(?:ADH|AECDH)-|_anon_/i,
  EXPORT: /^EXP(?:ORT(?:40|56)?)?$|^EXP\d*-|_EXPORT/i,
  RC4: /(?:^|[-_])RC4(?:[-_]|$)/i,
  "3DES": /^3DES$|DES-CBC3|DES-EDE3|3DES_EDE/i,
  DES: /^DES$|(?:^|-)DES-CBC-|_WITH_DES_CBC_/i,
  MD5: /^MD5$|-MD5$|_MD5$/i,
  LOW: /^LOW$/i,
};

export const SEVERE_FAMILIES: ReadonlySet<WeakFamily> = new Set(["NULL", "aNULL", "EXPORT", "RC4", "DES", "LOW"]);

export interface WeakCipher {
  /** The element as written (`RC4-SHA`, `+RC4`, `LOW`). */
  element: string;
  families: WeakFamily[];
  /** Weak only through what a group word brings in (`HIGH` includes the anonymous ADH suites). */
  implied: boolean;
  start: number;
  end: number;
}

/**
 * Group words that bring in anonymous (aNULL) or unencrypted (eNULL) suites unless those are
 * removed, measured with OpenSSL 3.0 (`openssl ciphers -v '<word>:@SECLEVEL=0'`; the test suite
 * re-measures). `HIGH` and `ALL` include the ADH/AECDH suites (which is why nginx's default is
 * `HIGH:!aNULL:!MD5`); `RSA`, `ECDHE`, `SHA`... include NULL-encryption suites. DEFAULT, EDH, DHE,
 * CHACHA20 include neither.
 */
const IMPLIES: Partial<Record<WeakFamily, ReadonlySet<string>>> = {
  aNULL: new Set(["high", "all", "complementofdefault", "aes", "aes128", "aes256", "aesgcm", "camellia", "camellia128", "camellia256", "dh", "kedh", "kdhe", "ecdh", "keecdh", "kecdhe", "sha", "sha1", "sha256", "tlsv1.2", "tlsv1", "tlsv1.0", "sslv3"]),
  NULL: new Set(["ecdh", "eecdh", "keecdh", "kecdhe", "ecdhe", "rsa", "krsa", "arsa", "ecdsa", "aecdsa", "sha", "sha1", "sha256", "sha384", "psk", "kpsk", "tlsv1.2", "tlsv1", "tlsv1.0", "sslv3"]),
};

/** Families a group word or a combination of them (`kEDH+AESGCM`: the suites in both) brings in. */
function impliedFamilies(word: string): WeakFamily[] {
  const parts = word.toLowerCase().split("+").filter((p) => p !== "");
  if (parts.length === 0) return [];
  return (Object.entries(IMPLIES) as Array<[WeakFamily, ReadonlySet<string>]>).filter(([, words]) => parts.every((p) => words.has(p))).map(([f]) => f);
}

function familiesOf(word: string): WeakFamily[] {
  // A combination (`RC4+SHA`, `kRSA+3DES`) is weak when any part is.
  const parts = word.split("+").filter((p) => p !== "");
  const out = new Set<WeakFamily>();
  for (const part of parts) for (const [f, re] of Object.entries(FAMILY_WORDS) as Array<[WeakFamily, RegExp]>) if (re.test(part)) out.add(f);
  return [...out];
}

/**
 * Elements of an OpenSSL cipher string that enable weak suites: named positively and neither
 * deleted for good (`!family` anywhere) nor deleted after their last addition (`-family`).
 * Apache's optional leading protocol word (`SSLCipherSuite TLSv1.3 ...`) is skipped.
 */
export function weakCiphers(cipherString: string): WeakCipher[] {
  const elements = [...cipherString.matchAll(/[^:,\s]+/g)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
  if (elements[0] && /^(?:SSL|TLSv1\.3)$/i.test(elements[0].text)) elements.shift();
  const banned = new Set<WeakFamily>();
  for (const e of elements) if (e.text.startsWith("!")) for (const f of familiesOf(e.text.slice(1))) banned.add(f);
  const out: WeakCipher[] = [];
  const removedLater = (i: number, f: WeakFamily) => elements.slice(i + 1).some((later) => later.text.startsWith("-") && familiesOf(later.text.slice(1)).includes(f));
  elements.forEach((e, i) => {
    // `!x`/`-x` remove, `@STRENGTH` sorts, `+x` only moves suites already there.
    if (/^[!+@-]/.test(e.text)) return;
    const word = e.text;
    const named = familiesOf(word);
    // A single suite (`NULL-MD5`) is gone when any `!family` covers it; a group keeps the rest.
    const suite = /[-_]/.test(word) && !word.includes("+");
    const families = suite && named.some((f) => banned.has(f)) ? [] : named.filter((f) => !banned.has(f) && !removedLater(i, f));
    if (families.length) {
      out.push({ element: e.text, families, implied: false, start: e.start, end: e.end });
      return;
    }
    const implied = impliedFamilies(word).filter((f) => !banned.has(f) && !removedLater(i, f));
    if (implied.length) out.push({ element: e.text, families: implied, implied: true, start: e.start, end: e.end });
  });
  return out;
}

/** The cipher string without the weak elements (joined with its own separator); nginx's default when nothing is left. */
export function withoutWeakCiphers(cipherString: string, weak: readonly WeakCipher[]): string {
  const drop = new Set(weak.filter((w) => !w.implied).map((w) => w.start));
  const sep = /:/.test(cipherString) ? ":" : /,/.test(cipherString) ? "," : /\S\s+\S/.test(cipherString.trim()) ? " " : ":";
  const kept = [...cipherString.matchAll(/[^:,\s]+/g)].filter((m) => !drop.has(m.index)).map((m) => m[0]);
  if (!kept.some((k) => !/^[!@-]/.test(k))) return "HIGH:!aNULL:!MD5";
  // Group words that bring in anonymous or unencrypted suites: remove those for good.
  const implied = new Set(weak.filter((w) => w.implied).flatMap((w) => w.families));
  if (implied.has("aNULL")) kept.push("!aNULL");
  if (implied.has("NULL")) kept.push("!eNULL");
  return kept.join(sep);
}

export type DirectiveKind = "protocols" | "ciphers";

export interface Directive {
  name: string;
  kind: DirectiveKind;
  syntax: ProtocolSyntax | "openssl";
  /** The argument text and its offsets in the scanned text. */
  args: string;
  start: number;
  end: number;
}

const DIRECTIVES: Array<{ re: RegExp; kind: DirectiveKind; syntax: ProtocolSyntax | "openssl" }> = [
  // nginx: `ssl_protocols TLSv1.2 TLSv1.3;` (also proxy_/grpc_/uwsgi_ for upstream connections)
  { re: /(?<![\w-])((?:proxy_|grpc_|uwsgi_)?ssl_protocols)[ \t\r\n]+([^;{}#]*?)[ \t\r\n]*;/g, kind: "protocols", syntax: "nginx" },
  { re: /(?<![\w-])((?:proxy_|grpc_|uwsgi_)?ssl_ciphers)[ \t\r\n]+["']?([^;{}#"']*?)["']?[ \t\r\n]*;/g, kind: "ciphers", syntax: "openssl" },
  // Apache: `SSLProtocol all -SSLv3` (directive names are case-insensitive), one line.
  { re: /(?<![\w-])(SSL(?:Proxy)?Protocol)[ \t]+([^\n#]*?)[ \t]*$/gim, kind: "protocols", syntax: "apache" },
  { re: /(?<![\w-])(SSL(?:Proxy)?CipherSuite)[ \t]+["']?([^\n#"']*?)["']?[ \t]*$/gim, kind: "ciphers", syntax: "openssl" },
  // Dovecot: `ssl_min_protocol = TLSv1`, `ssl_cipher_list = ...`
  { re: /(?<![\w-])(ssl_min_protocol)[ \t]*=[ \t]*([^\s#]+)/g, kind: "protocols", syntax: "minimum" },
  { re: /(?<![\w-])(ssl_cipher_list)[ \t]*=[ \t]*([^\n#]+?)[ \t]*$/gm, kind: "ciphers", syntax: "openssl" },
  // HAProxy: `ssl-default-bind-options ssl-min-ver TLSv1.0`, `ssl-default-bind-ciphers ...`
  { re: /(?<![\w-])(ssl-min-ver)[ \t]+([^\s#]+)/g, kind: "protocols", syntax: "minimum" },
  { re: /(?<![\w-])(ssl-default-(?:bind|server)-ciphers)[ \t]+([^\s#]+)/g, kind: "ciphers", syntax: "openssl" },
];

/** The TLS directives in a configuration text, except commented-out ones (`# ssl_protocols ...`). */
export function findDirectives(text: string): Directive[] {
  const out: Directive[] = [];
  for (const { re, kind, syntax } of DIRECTIVES) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const lineStart = text.lastIndexOf("\n", m.index) + 1;
      const before = text.slice(lineStart, m.index);
      if (before.includes("#")) continue;
      // A directive starts a line or follows another one (`...; ssl_protocols ...;`); HAProxy's
      // ssl-min-ver is an argument of bind/server lines. Prose that mentions one is not config.
      const placed = m[1] === "ssl-min-ver" ? /^\s*(?:ssl-default-(?:bind|server)-options|bind|server|default-server)\b/.test(before) : /(?:^|[;{}])\s*$/.test(before);
      if (!placed) continue;
      const args = m[2]!;
      const argsStart = m.index + m[0].indexOf(args, m[1]!.length);
      if (args.trim() === "") continue;
      out.push({ name: m[1]!, kind, syntax, args, start: argsStart, end: argsStart + args.length });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
