// Evidence of how and when things changed: shell histories (bash, with HISTTIMEFORMAT timestamps
// when present; zsh extended history; fish) of root and every /home user, and journal entries of
// the tools that change a machine by hand (sudo, useradd/usermod/groupadd/gpasswd/chsh, NixOS
// switches). The journal is read with journalctl: on the live system, or from <root>/var/log/journal
// when a root directory carries one (journal files are just files).
import { run } from "../../system/run.js";
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface HistoryEntry {
  user: string;
  /** Machine path of the history file. */
  file: string;
  line: number;
  command: string;
  /** ISO time, when the history records one. */
  time?: string;
}

export interface JournalEntry {
  time: string;
  identifier: string;
  message: string;
  pid?: number;
}

export interface HistoryFacts {
  shell: HistoryEntry[];
  journal: JournalEntry[];
}

const MAX_LINES_PER_FILE = 5000;
const MAX_JOURNAL_ENTRIES = 5000;
/** Programs whose syslog lines record manual changes to users, groups and the system. */
export const JOURNAL_IDENTIFIERS = ["sudo", "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "chsh", "passwd", "nixos", "nixos-rebuild", "systemd-run"];

export function parseBashHistory(text: string, user: string, file: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  let time: string | undefined;
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const ts = /^#(\d{9,11})$/.exec(line);
    if (ts) {
      time = new Date(Number(ts[1]) * 1000).toISOString();
      return;
    }
    if (line.trim() === "") return;
    out.push({ user, file, line: i + 1, command: line, time });
    time = undefined;
  });
  return out.slice(-MAX_LINES_PER_FILE);
}

export function parseZshHistory(text: string, user: string, file: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    const start = i;
    while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + "\n" + lines[++i];
    if (line.trim() === "") continue;
    const ext = /^: (\d+):\d+;([\s\S]*)$/.exec(line);
    if (ext) out.push({ user, file, line: start + 1, command: ext[2] as string, time: new Date(Number(ext[1]) * 1000).toISOString() });
    else out.push({ user, file, line: start + 1, command: line });
  }
  return out.slice(-MAX_LINES_PER_FILE);
}

export function parseFishHistory(text: string, user: string, file: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^- cmd: (.*)$/.exec(lines[i] as string);
    if (!m) continue;
    const entry: HistoryEntry = { user, file, line: i + 1, command: (m[1] as string).replace(/\\n/g, "\n").replace(/\\\\/g, "\\") };
    const when = /^\s+when: (\d+)$/.exec(lines[i + 1] ?? "");
    if (when) entry.time = new Date(Number(when[1]) * 1000).toISOString();
    out.push(entry);
  }
  return out.slice(-MAX_LINES_PER_FILE);
}

/** `journalctl -o json` output: one JSON object per line. */
export function parseJournalJson(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      const us = Number(j.__REALTIME_TIMESTAMP);
      const message = typeof j.MESSAGE === "string" ? j.MESSAGE : Array.isArray(j.MESSAGE) ? Buffer.from(j.MESSAGE as number[]).toString("utf8") : "";
      if (!Number.isFinite(us) || !message) continue;
      const pid = Number(j._PID ?? j.SYSLOG_PID);
      out.push({
        time: new Date(Math.floor(us / 1000)).toISOString(),
        identifier: String(j.SYSLOG_IDENTIFIER ?? j._COMM ?? ""),
        message: message.trim(),
        pid: Number.isFinite(pid) ? pid : undefined,
      });
    } catch {
      // a truncated last line when journalctl is stopped; skip it
    }
  }
  return out;
}

export async function probeHistory(ctx: ProbeContext): Promise<ProbeResult<HistoryFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const facts: HistoryFacts = { shell: [], journal: [] };

  const homes: { dir: string; user: string }[] = [{ dir: "/root", user: "root" }];
  try {
    for (const d of (await fs.readDir("/home")) ?? []) homes.push({ dir: `/home/${d.name}`, user: d.name });
  } catch (e) {
    errors.push({ source: "probe:history", message: `cannot list /home: ${describeFsError(e)}` });
  }
  const readers: [string, typeof parseBashHistory][] = [
    [".bash_history", parseBashHistory],
    [".zsh_history", parseZshHistory],
    [".histfile", parseZshHistory],
    [".local/share/fish/fish_history", parseFishHistory],
  ];
  await Promise.all(
    homes.flatMap((h) =>
      readers.map(async ([rel, parse]) => {
        const file = `${h.dir}/${rel}`;
        try {
          const text = await fs.readText(file, 8 * 1024 * 1024);
          if (text !== undefined) facts.shell.push(...parse(text, h.user, file));
        } catch (e) {
          errors.push({ source: "probe:history", message: `cannot read ${file}: ${describeFsError(e)}` });
        }
      }),
    ),
  );
  facts.shell.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file.localeCompare(b.file)));

  const args = ["-o", "json", "-q", "--no-pager", "-n", String(MAX_JOURNAL_ENTRIES)];
  let canRun = ctx.live;
  if (!ctx.live) {
    const dir = "/var/log/journal";
    try {
      const resolved = await fs.resolve(dir);
      if (resolved) {
        args.unshift(`--directory=${fs.hostPath(resolved)}`);
        canRun = true;
      } else notes.push(`no journal under ${ctx.root}/var/log/journal: causes come from shell histories and profile generations only`);
    } catch (e) {
      errors.push({ source: "probe:history", message: `cannot read ${dir}: ${describeFsError(e)}` });
    }
  }
  if (canRun) {
    const r = await run("journalctl", [...args, ...JOURNAL_IDENTIFIERS.map((i) => `SYSLOG_IDENTIFIER=${i}`)], {
      timeoutMs: ctx.timeoutMs ?? 30_000,
      signal: ctx.signal,
      maxBuffer: 32 * 1024 * 1024,
    });
    if (r.ok || (r.exitCode === 1 && r.stdout)) facts.journal = parseJournalJson(r.stdout);
    else if (r.notFound) notes.push("journalctl is not installed: the journal was not searched for causes");
    else errors.push({ source: "probe:history", message: `journalctl failed: ${r.error}` });
  }
  return { facts, errors, notes };
}
