// Reading pg_hba.conf records (services.postgresql.authentication) as PostgreSQL does
// (https://www.postgresql.org/docs/current/auth-pg-hba-conf.html): one record per line, `#`
// comments, whitespace-separated fields that may be double-quoted,
//   local      DATABASE USER METHOD [OPTIONS]
//   host*      DATABASE USER ADDRESS METHOD [OPTIONS]
//   host*      DATABASE USER IP-ADDRESS IP-MASK METHOD [OPTIONS]
// and include directives (skipped). Positions are indices into the line text.
import { INTERPOLATION } from "../shared/string-lines.js";

export interface HbaField {
  text: string;
  start: number;
  end: number;
}

export interface HbaRecord {
  type: string;
  database: HbaField;
  user: HbaField;
  address?: HbaField;
  mask?: HbaField;
  method: HbaField;
}

/** Fields of a line up to its comment; quoted fields keep their quotes in `text`. */
export function hbaFields(line: string): HbaField[] {
  const out: HbaField[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === "#") break;
    const start = i;
    let quoted = false;
    while (i < line.length && (quoted || !/\s/.test(line[i]!))) {
      if (line[i] === '"') quoted = !quoted;
      else if (line[i] === "#" && !quoted) break;
      i++;
    }
    if (i > start) out.push({ text: line.slice(start, i), start, end: i });
    if (line[i] === "#") break;
  }
  return out;
}

const HOST_TYPES = new Set(["host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"]);

export function parseHbaLine(line: string): HbaRecord | undefined {
  const f = hbaFields(line);
  if (f.length === 0) return undefined;
  const type = f[0]!.text;
  if (type === "local") {
    if (f.length < 4) return undefined;
    return { type, database: f[1]!, user: f[2]!, method: f[3]! };
  }
  if (!HOST_TYPES.has(type) || f.length < 5) return undefined;
  const address = f[3]!;
  // `IP-ADDRESS IP-MASK`: an address without a prefix length followed by a mask.
  if (!address.text.includes("/") && /^[\d.]+$|:/.test(address.text) && f.length >= 6 && /^[\d.]+$|^[0-9a-f:]+$/i.test(f[4]!.text)) {
    return { type, database: f[1]!, user: f[2]!, address, mask: f[4]!, method: f[5]! };
  }
  return { type, database: f[1]!, user: f[2]!, address, method: f[4]! };
}

export type Reach = "local" | "host" | "network" | "anywhere" | "unknown";

function prefixOf(mask: string): number | undefined {
  const parts = mask.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  let bits = 0;
  for (const p of parts) bits += p.toString(2).replace(/0/g, "").length;
  return bits;
}

/** Who can connect through a record's address. */
export function reachOf(rec: HbaRecord): Reach {
  if (rec.type === "local") return "local";
  const a = rec.address!.text.replace(/^"|"$/g, "");
  if (a.includes(INTERPOLATION)) return "unknown";
  if (a === "all") return "anywhere";
  if (a === "samehost" || a === "localhost") return "local";
  if (a === "samenet") return "network";
  let ip = a;
  let prefix: number | undefined;
  if (a.includes("/")) {
    const [x, p] = a.split("/");
    ip = x!;
    prefix = Number(p);
  } else if (rec.mask) {
    prefix = rec.mask.text.includes(":") ? (rec.mask.text === "::" ? 0 : undefined) : prefixOf(rec.mask.text);
  }
  if (prefix === 0) return "anywhere";
  if (/^127\./.test(ip) || ip === "::1" || ip === "::ffff:127.0.0.1") return "local";
  // One address: a /32 or /128, or a host name (PostgreSQL resolves it to that host's addresses).
  if ((prefix === 32 && !ip.includes(":")) || prefix === 128 || (prefix === undefined && !rec.mask && !ip.startsWith("."))) return "host";
  return "network";
}
