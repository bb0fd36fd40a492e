// Users and groups as the machine has them: /etc/passwd and /etc/group (never /etc/shadow: drift
// in passwords is not reported, and their hashes never enter a report).
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

export interface UsersFacts {
  passwd?: PasswdEntry[];
  group?: GroupEntry[];
  /** mtime of /etc/passwd and /etc/group: the latest change to each (ISO). */
  passwdModifiedAt?: string;
  groupModifiedAt?: string;
}

/**
 * The records of a colon-separated database (/etc/passwd, /etc/group): each line's fields and its
 * 1-based number. Blank lines, comments, NIS compat entries (+/-) and lines of fewer than
 * `minFields` fields are skipped.
 */
function colonRecords(text: string, minFields: number): { f: string[]; line: number }[] {
  const out: { f: string[]; line: number }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) return;
    const f = line.split(":");
    if (f.length >= minFields) out.push({ f, line: i + 1 });
  });
  return out;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const { f, line } of colonRecords(text, 7)) {
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0] as string, uid, gid, gecos: f[4] as string, home: f[5] as string, shell: f.slice(6).join(":"), line });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const { f, line } of colonRecords(text, 4)) {
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    const members = (f[3] as string).split(",").map((m) => m.trim()).filter(Boolean);
    out.push({ name: f[0] as string, gid, members, line });
  }
  return out;
}

export async function probeUsers(ctx: ProbeContext): Promise<ProbeResult<UsersFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const facts: UsersFacts = {};
  for (const [file, key] of [["/etc/passwd", "passwd"], ["/etc/group", "group"]] as const) {
    try {
      const text = await fs.readText(file);
      if (text === undefined) {
        errors.push({ source: "probe:users", message: `${file} does not exist under ${ctx.root}` });
        continue;
      }
      const st = await fs.stat(file);
      if (key === "passwd") {
        facts.passwd = parsePasswd(text);
        facts.passwdModifiedAt = st?.mtime.toISOString();
      } else {
        facts.group = parseGroup(text);
        facts.groupModifiedAt = st?.mtime.toISOString();
      }
    } catch (e) {
      errors.push({ source: "probe:users", message: `cannot read ${file}: ${describeFsError(e)}` });
    }
  }
  return { facts, errors };
}
