// The low-level text rules systemd 252 applies when it reads a unit file: the INI reader (comments,
// continuation lines, sections), word splitting (extract_first_word), boolean and integer parsing,
// path normalisation, specifier expansion, user-name and address validation. Written from the
// behaviour of systemd's src/shared/conf-parser.c, src/basic/extract-word.c, parse-util.c,
// path-util.c, user-util.c, in-addr-util.c and specifier.c at v252, so that the built-in scorer reads a
// unit exactly as `systemd-analyze security --offline=yes` does. Pure functions, no I/O.

export interface Assignment {
  section: string;
  key: string;
  value: string;
  line: number;
}

export interface ParsedUnitFile {
  assignments: Assignment[];
  /** A problem that makes systemd refuse to load the unit (e.g. a malformed section header). */
  fatal?: string;
  warnings: string[];
}

const WHITESPACE = " \t\n\r";
const COMMENTS = "#;";

function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && WHITESPACE.includes(s[a]!)) a++;
  while (b > a && WHITESPACE.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/**
 * Reads a unit file like config_parse(): comment lines (first non-blank char # or ;) are skipped even
 * inside a continuation, a line ending in an unescaped backslash continues (the backslash becomes a
 * space), keys and values are whitespace-stripped, only [Unit]/[Service]/[Install] are known.
 */
export function parseUnitFile(text: string, sections: readonly string[] = ["Unit", "Service", "Install"]): ParsedUnitFile {
  const assignments: Assignment[] = [];
  const warnings: string[] = [];
  let section: string | null = null;
  let continuation: string | null = null;
  let lineNo = 0;
  let bomSeen = false;
  // read_line() splits on \n, \r, \r\n and NUL; a trailing newline ends the last line.
  const rawLines = text.split(/\r\n|\r|\n|\0/);
  if (rawLines.length > 0 && rawLines[rawLines.length - 1] === "") rawLines.pop();
  for (let raw of rawLines) {
    lineNo++;
    const lead = raw.replace(/^[ \t\n\r]+/, "");
    if (lead !== "" && COMMENTS.includes(lead[0]!)) continue;
    if (!bomSeen && raw.startsWith("\uFEFF")) {
      raw = raw.slice(1);
      bomSeen = true;
    }
    let p: string = continuation !== null ? continuation + raw : raw;
    let escaped = false;
    for (const ch of p) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
    }
    if (escaped) {
      p = p.slice(0, -1) + " ";
      continuation = p;
      continue;
    }
    continuation = null;
    const l = strip(p);
    if (l === "") continue;
    if (l[0] === "[") {
      if (l[l.length - 1] !== "]") return { assignments, warnings, fatal: `line ${lineNo}: invalid section header '${l}'` };
      const n = l.slice(1, -1);
      if (!sections.includes(n)) {
        if (!n.startsWith("X-")) warnings.push(`line ${lineNo}: unknown section '${n}', ignoring`);
        section = null;
      } else section = n;
      continue;
    }
    if (section === null) continue;
    const eq = l.indexOf("=");
    if (eq < 0) {
      warnings.push(`line ${lineNo}: missing '=', ignoring line`);
      continue;
    }
    if (eq === 0) {
      warnings.push(`line ${lineNo}: missing key name before '=', ignoring line`);
      continue;
    }
    assignments.push({ section, key: strip(l.slice(0, eq)), value: strip(l.slice(eq + 1)), line: lineNo });
  }
  // A file ending inside a continuation: the accumulated text is parsed as the last line.
  if (continuation !== null) {
    const l = strip(continuation);
    if (l !== "" && section !== null && l[0] !== "[") {
      const eq = l.indexOf("=");
      if (eq > 0) assignments.push({ section, key: strip(l.slice(0, eq)), value: strip(l.slice(eq + 1)), line: lineNo });
    }
  }
  return { assignments, warnings };
}

export interface ExtractResult {
  /** The word, or null when the input is exhausted. */
  word: string | null;
  /** The rest of the input (null at the end). */
  rest: string | null;
  /** extract_first_word() failed (unbalanced quote, trailing backslash). */
  error?: boolean;
}

export const EXTRACT_UNQUOTE = 1;
export const EXTRACT_DONT_COALESCE_SEPARATORS = 2;

/** extract_first_word() for the flag combinations unit parsing uses (none, UNQUOTE, DONT_COALESCE). */
export function extractFirstWord(input: string | null, separators: string = WHITESPACE, flags = 0): ExtractResult {
  if (input === null) return { word: null, rest: null };
  const unquote = (flags & EXTRACT_UNQUOTE) !== 0;
  const dontCoalesce = (flags & EXTRACT_DONT_COALESCE_SEPARATORS) !== 0;
  let i = 0;
  let word: string | null = dontCoalesce ? "" : null;
  // Skip leading separators.
  for (;;) {
    if (i >= input.length) return word === null ? { word: null, rest: null } : { word, rest: null };
    const c = input[i]!;
    if (separators.includes(c)) {
      if (dontCoalesce) return { word: "", rest: input.slice(i + 1) };
      i++;
      continue;
    }
    word = "";
    break;
  }
  let quote: string | null = null;
  let backslash = false;
  for (;;) {
    if (backslash) {
      if (i >= input.length) return { word: null, rest: null, error: true };
      word += input[i]!;
      backslash = false;
      i++;
      continue;
    }
    // The input ends inside quotes: an error; outside them, the word is complete.
    if (i >= input.length) return quote !== null ? { word: null, rest: null, error: true } : { word, rest: null };
    const c = input[i]!;
    // A backslash escapes the next character, inside quotes and outside.
    if (c === "\\") {
      backslash = true;
      i++;
      continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
      i++;
      continue;
    }
    if (unquote && (c === "'" || c === '"')) {
      quote = c;
      i++;
      continue;
    }
    if (separators.includes(c)) {
      if (dontCoalesce) return { word, rest: input.slice(i + 1) };
      while (i < input.length && separators.includes(input[i]!)) i++;
      return { word, rest: i >= input.length ? null : input.slice(i) };
    }
    word += c;
    i++;
  }
}

/** Splits like repeated extract_first_word(); `error` says the loop stopped on a syntax error. */
export function splitWords(input: string, flags = 0): { words: string[]; error: boolean } {
  const words: string[] = [];
  let rest: string | null = input;
  for (;;) {
    const r = extractFirstWord(rest, WHITESPACE, flags);
    if (r.error) return { words, error: true };
    if (r.word === null) return { words, error: false };
    words.push(r.word);
    rest = r.rest;
  }
}

/** parse_boolean(): case-insensitive 1/yes/y/true/t/on and 0/no/n/false/f/off. */
export function parseBoolean(v: string): boolean | null {
  const l = v.toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(l)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(l)) return false;
  return null;
}

/** strtol/strtoul digit scanning with C's base rules (base 0: 0x hex, leading 0 octal). */
function cStrtoInt(s: string, base: number): { value: bigint; negative: boolean } | null {
  let i = 0;
  while (i < s.length && " \t\n\v\f\r".includes(s[i]!)) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
    i += 2;
    b = 16;
  } else if (b === 0) b = s[i] === "0" ? 8 : 10;
  const start = i;
  let value = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    value = value * BigInt(b) + BigInt(d);
  }
  if (i === start) {
    // strtol("0x") parses the "0": C leaves endptr after the 0.
    return null;
  }
  if (i !== s.length) return null;
  return { value, negative };
}

/** Python-style 0b/0o prefixes systemd accepts when the base is automatic (mangle_base). */
function mangleBase(s: string): { s: string; base: number } {
  if (/^0[bB]/.test(s)) return { s: s.slice(2), base: 2 };
  if (/^0[oO]/.test(s)) return { s: s.slice(2), base: 8 };
  return { s, base: 0 };
}

/** safe_atoi(): base 0 after leading whitespace, 0b/0o/0x prefixes, range of int. */
export function safeAtoi(input: string): number | null {
  const s0 = input.replace(/^[ \t\n\r]+/, "");
  const { s, base } = mangleBase(s0);
  const r = cStrtoInt(s, base);
  if (!r) return null;
  const v = r.negative ? -r.value : r.value;
  if (v > 2147483647n || v < -2147483648n) return null;
  return Number(v);
}

/** safe_atou_full(): unsigned, optional explicit base, the REFUSE_* flags systemd uses. */
export function safeAtou(
  input: string,
  base: number,
  opts: { refusePlusMinus?: boolean; refuseLeadingZero?: boolean; refuseLeadingWhitespace?: boolean; max?: bigint } = {},
): number | null {
  if (opts.refuseLeadingWhitespace && input.length > 0 && WHITESPACE.includes(input[0]!)) return null;
  let s = input.replace(/^[ \t\n\r]+/, "");
  if (opts.refusePlusMinus && (s[0] === "+" || s[0] === "-")) return null;
  if (opts.refuseLeadingZero && s[0] === "0" && s !== "0") return null;
  let b = base;
  if (b === 0) {
    const m = mangleBase(s);
    s = m.s;
    b = m.base;
  }
  const r = cStrtoInt(s, b);
  if (!r) return null;
  if (r.value !== 0n && r.negative) return null;
  const max = opts.max ?? 0xffffffffn;
  if (r.value > max) return null;
  return Number(r.value);
}

/** parse_mode(): octal, no sign, at most 07777. */
export function parseMode(s: string): number | null {
  return safeAtou(s, 8, { refusePlusMinus: true, max: 0o7777n });
}

/** parse_uid(): strict decimal, no sign/leading zero/whitespace, not (uid_t)-1 or 65535. */
export function parseUid(s: string): number | null {
  const v = safeAtou(s, 10, { refusePlusMinus: true, refuseLeadingZero: true, refuseLeadingWhitespace: true });
  if (v === null || v === 0xffffffff || v === 0xffff) return null;
  return v;
}

// Control characters as string_has_cc() sees them (C0 and DEL, tab allowed only where stated).
// eslint-disable-next-line no-control-regex
const HAS_CC = /[\x00-\x08\x0a-\x1f\x7f]/;

/** valid_user_group_name() in relaxed mode (with numeric IDs), as User=/Group= use it. */
export function validUserGroupNameRelaxed(u: string): boolean {
  if (u === "") return false;
  if (/^\d+$/.test(u) && parseUid(u) !== null) return true;
  if (u.startsWith(" ") || u.endsWith(" ")) return false;
  if (HAS_CC.test(u) || /\t/.test(u)) return false;
  if (/[:/]/.test(u)) return false;
  if (/^[0-9]+$/.test(u)) return false;
  if (/^-[0-9]*$/.test(u)) return false;
  if (u === "." || u === "..") return false;
  return true;
}

/** valid_user_group_name() in strict mode (what DynamicUser's name derivation uses). */
export function validUserGroupNameStrict(u: string): boolean {
  if (u === "") return false;
  if (/^\d+$/.test(u) && parseUid(u) !== null) return false;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(u)) return false;
  // utmp's UT_NAMESIZE - 1 is the tightest of the length limits.
  return u.length <= 31;
}

/**
 * path_simplify_and_warn(): absolute check, "." and duplicate slashes removed, ".." refused, length
 * limits. Returns the simplified path or null when systemd rejects it.
 */
export function simplifyPath(p: string, requireAbsolute: boolean): string | null {
  if (requireAbsolute && !p.startsWith("/")) return null;
  const comps = p.split("/").filter((c) => c !== "" && c !== ".");
  if (comps.some((c) => c === ".." || Buffer.byteLength(c) > 255)) return null;
  const out = (p.startsWith("/") ? "/" : "") + comps.join("/");
  if (out === "" || Buffer.byteLength(out) >= 4096) return null;
  return out;
}

/** path_is_normalized() on an already-given string. */
export function pathIsNormalized(p: string): boolean {
  if (p === "" || Buffer.byteLength(p) >= 4096) return false;
  const comps = p.split("/");
  if (comps.some((c) => c === ".." || Buffer.byteLength(c) > 255)) return false;
  if (p === "." || p.startsWith("./") || p.endsWith("/.") || p.includes("/./")) return false;
  return !p.includes("//");
}

/** filename_is_valid(): one path component, not . or .., no slash, at most 255 bytes. */
export function filenameIsValid(s: string): boolean {
  if (s === "" || s === "." || s === "..") return false;
  if (s.includes("/")) return false;
  return Buffer.byteLength(s) <= 255;
}

// ---------------------------------------------------------------------------------------------
// Unit names and specifiers.

export interface UnitName {
  id: string;
  prefix: string;
  instance: string | null;
}

/** Splits "prefix@instance.service". */
export function splitUnitName(id: string): UnitName {
  const dot = id.lastIndexOf(".");
  const stem = dot > 0 ? id.slice(0, dot) : id;
  const at = stem.indexOf("@");
  if (at < 0) return { id, prefix: stem, instance: null };
  return { id, prefix: stem.slice(0, at), instance: stem.slice(at + 1) };
}

/** unit_name_is_valid(UNIT_NAME_ANY) for .service names. */
export function validServiceUnitName(id: string): boolean {
  if (id.length === 0 || id.length > 255) return false;
  if (!id.endsWith(".service")) return false;
  const stem = id.slice(0, -".service".length);
  if (stem === "") return false;
  if (!/^[A-Za-z0-9:_.\\@-]+$/.test(stem)) return false;
  const at = stem.indexOf("@");
  if (at === 0) return false;
  if (at >= 0 && stem.indexOf("@", at + 1) >= 0) return false;
  return true;
}

/** unit_name_unescape(): "\xNN" sequences back to bytes and "-" back to "/". */
function unescapeUnitName(s: string): string {
  return s.replace(/-/g, "/").replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const POSSIBLE_SPECIFIERS = /[A-Za-z]/;

export interface SpecifierHost {
  /** Values of host-dependent specifiers (%H, %m, ...); absent ones resolve to a placeholder. */
  [letter: string]: string | undefined;
}

/** Host-dependent specifiers that do not name the unit, and the neutral placeholder each resolves to
 * when the host does not say. */
const HOST_PLACEHOLDERS: Readonly<Record<string, string>> = {
  a: "x86-64",
  A: "",
  b: "00000000000000000000000000000000",
  B: "",
  H: "localhost",
  l: "localhost",
  q: "",
  m: "00000000000000000000000000000000",
  M: "",
  o: "nixos",
  v: "6.1.0",
  w: "",
  W: "",
};

/**
 * unit_full_printf()/unit_path_printf() for a system-manager unit. Unit-name specifiers are exact;
 * the credential specifiers of the system manager are root's; host-dependent ones use `host` or a
 * neutral placeholder (they can never spell a user name, a root path or a device that matters here).
 * Returns null when systemd would fail (unknown specifier letter).
 */
export function expandSpecifiers(text: string, unit: UnitName, host: SpecifierHost = {}): string | null {
  const table: Record<string, string> = {
    i: unit.instance ?? "",
    I: unescapeUnitName(unit.instance ?? ""),
    n: unit.id,
    N: unit.instance !== null ? `${unit.prefix}@${unit.instance}` : unit.prefix,
    p: unit.prefix,
    P: unescapeUnitName(unit.prefix),
    j: unit.prefix.slice(unit.prefix.lastIndexOf("-") + 1),
    J: unescapeUnitName(unit.prefix.slice(unit.prefix.lastIndexOf("-") + 1)),
    f: "/" + unescapeUnitName(unit.instance ?? unit.prefix).replace(/^\/+/, ""),
    y: host.y ?? `/etc/systemd/system/${unit.id}`,
    Y: host.Y ?? "/etc/systemd/system",
    c: host.c ?? `/system.slice/${unit.id}`,
    r: host.r ?? "/system.slice",
    R: host.R ?? "/",
    C: "/var/cache",
    d: `/run/credentials/${unit.id}`,
    E: "/etc",
    L: "/var/log",
    S: "/var/lib",
    t: "/run",
    h: "/root",
    s: "/bin/sh",
    g: "root",
    G: "0",
    u: "root",
    U: "0",
    T: "/tmp",
    V: "/var/tmp",
  };
  for (const [letter, placeholder] of Object.entries(HOST_PLACEHOLDERS)) table[letter] = host[letter] ?? placeholder;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) {
      out += "%";
      break;
    }
    i++;
    if (n === "%") out += "%";
    else if (n in table) out += table[n];
    else if (POSSIBLE_SPECIFIERS.test(n)) return null;
    else out += "%" + n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Addresses.

/** inet_pton(AF_INET): four decimal octets, no leading zeros (glibc). */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    if (p.length > 1 && p[0] === "0") return null;
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

/** inet_pton(AF_INET6): hex groups, one "::", optional dotted IPv4 tail. */
export function parseIPv6(s: string): number[] | null {
  if (s === "") return null;
  let head = s;
  let v4: number[] | null = null;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
    if (head === "") return null;
  }
  const dbl = head.indexOf("::");
  if (dbl >= 0 && head.indexOf("::", dbl + 1) >= 0) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t === "") return [];
    const gs = t.split(":");
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const groupsNeeded = v4 ? 6 : 8;
  let groups: number[];
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right) return null;
    const fill = groupsNeeded - left.length - right.length;
    if (fill < 1) return null;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    const g = parseGroups(head);
    if (!g || g.length !== groupsNeeded) return null;
    groups = g;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (v4) bytes.push(...v4);
  return bytes;
}

export interface AddressPrefix {
  family: 4 | 6;
  bytes: number[];
  prefixlen: number;
}

/** in_addr_prefix_from_string_auto() then in_addr_mask(), as IPAddressAllow=/Deny= store entries. */
export function parseAddressPrefix(word: string): AddressPrefix | null {
  const slash = word.indexOf("/");
  const addr = slash >= 0 ? word.slice(0, slash) : word;
  let family: 4 | 6 = 4;
  let bytes = parseIPv4(addr);
  if (!bytes) {
    bytes = parseIPv6(addr);
    family = 6;
  }
  if (!bytes) return null;
  let prefixlen = family === 4 ? 32 : 128;
  if (slash >= 0) {
    const u = safeAtou(word.slice(slash + 1), 0, { max: 255n });
    if (u === null || u > prefixlen) return null;
    prefixlen = u;
  }
  const masked = bytes.map((b, i) => {
    const bitsLeft = prefixlen - i * 8;
    if (bitsLeft >= 8) return b;
    if (bitsLeft <= 0) return 0;
    return b & (0xff << (8 - bitsLeft)) & 0xff;
  });
  return { family, bytes: masked, prefixlen };
}

/** in_addr_is_localhost(): 127.0.0.0/8 or exactly ::1. */
export function addressIsLocalhost(p: AddressPrefix): boolean {
  if (p.family === 4) return p.bytes[0] === 127;
  return p.bytes.slice(0, 15).every((b) => b === 0) && p.bytes[15] === 1;
}

/** is_localhost(): the "localhost" host names IPAddressAllow= accepts as a keyword. */
export function isLocalhostName(s: string): boolean {
  const l = s.toLowerCase();
  if (["localhost", "localhost.", "localhost.localdomain", "localhost.localdomain."].includes(l)) return true;
  return [".localhost", ".localhost.", ".localhost.localdomain", ".localhost.localdomain."].some((e) => l.endsWith(e));
}

/** unbase64mem_full(secure): whitespace ignored, standard alphabet, padding rules. */
export function isValidBase64(s: string): boolean {
  const t = s.replace(/[ \t\n\r]/g, "");
  if (t.length % 4 !== 0) return false;
  return /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t);
}
