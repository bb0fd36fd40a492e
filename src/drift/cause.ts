// How and when a drift happened, where the machine kept a trace: the journal (sudo's command log,
// shadow's useradd/usermod/groupadd messages, NixOS switches) and shell histories (nix-env -i,
// systemctl enable|start|mask, usermod, edits under /etc). Pure: items and evidence in, items with
// causes out. A journal line (it has a time and a user) beats a history line; the latest match wins.
// A command line quoted as a cause is redacted first (`useradd -p HASH`, `echo TOKEN`, `mysql -pX`):
// histories are where people type their passwords.
import { parseDrvName } from "./parse/drv-name.js";
import type { HistoryEntry, HistoryFacts, JournalEntry } from "./probes/history.js";
import type { DriftItemX } from "./model.js";
import { redactCommandLine, redactText } from "./redact.js";
import { escapeRegExp } from "../text/regexp.js";

type Matcher = (command: string, words: string[]) => boolean;

interface Evidence {
  description: string;
  when?: string;
  source: string;
}

function words(command: string): string[] {
  return command
    .split(/[\s;|&]+/)
    .map((w) => w.replace(/^['"]|['"]$/g, ""))
    .filter(Boolean);
}

const has = (ws: string[], ...tokens: string[]) => tokens.some((t) => ws.includes(t));
const program = (ws: string[], re: RegExp) => ws.some((w) => re.test(w.split("/").pop() ?? w));

function unitNames(unit: string): string[] {
  const base = unit.replace(/\.service$/, "");
  return [unit, base];
}

/**
 * What a command line must look like to have caused this item, most specific first: the command
 * that created the thing beats one that only touched it later.
 */
function matchersFor(item: DriftItemX): Matcher[] {
  const m = matcherFor(item);
  const s = item.subject;
  const actual = (item.actual ?? {}) as Record<string, unknown>;
  const first: Matcher[] = [];
  if (item.category === "user" && item.declared === null) first.push((_c, ws) => program(ws, /^(useradd|adduser)$/) && has(ws, s));
  if (item.category === "group" && item.declared === null && !s.includes(" in ")) first.push((_c, ws) => program(ws, /^(groupadd|addgroup)$/) && has(ws, s));
  if (item.category === "service-config" && typeof actual.dropIn === "string") {
    const path = actual.dropIn;
    first.push((c) => c.includes(path));
  }
  return [...first, ...(m ? [m] : [])];
}

function matcherFor(item: DriftItemX): Matcher | undefined {
  const s = item.subject;
  const actual = (item.actual ?? {}) as Record<string, unknown>;
  switch (item.category) {
    case "package": {
      const pname = parseDrvName(s).pname;
      const attr = typeof actual.attrPath === "string" ? actual.attrPath.split(".").pop() : undefined;
      const names = [pname, attr].filter((x): x is string => !!x);
      const mentions = (ws: string[]) => ws.some((w) => names.some((n) => w === n || w.endsWith(`.${n}`) || w.endsWith(`#${n}`) || w.startsWith(`${n}-`)));
      return (_c, ws) => (program(ws, /^nix-env$/) && ws.some((w) => /^-[a-zA-Z]*i[a-zA-Z]*$/.test(w) || w === "--install") && mentions(ws)) || (program(ws, /^nix$/) && has(ws, "profile") && has(ws, "install", "add") && mentions(ws));
    }
    case "service":
    case "service-config": {
      if (s.startsWith("sysctl ")) {
        const key = s.slice("sysctl ".length);
        return (c, ws) => program(ws, /^sysctl$/) && c.includes(key);
      }
      const names = unitNames(s);
      return (c, ws) =>
        (program(ws, /^systemctl$/) && has(ws, "enable", "start", "restart", "mask", "unmask", "edit", "set-property", "link", "revert", "reenable") && has(ws, ...names)) ||
        (program(ws, /^systemd-run$/) && ws.some((w) => names.some((n) => w === `--unit=${n}` || w === n))) ||
        names.some((n) => c.includes(`systemd/system/${n}`));
    }
    case "user":
      return (_c, ws) => program(ws, /^(useradd|adduser|usermod|chsh|userdel|passwd)$/) && has(ws, s);
    case "group": {
      const m = /^(.+) in (.+)$/.exec(s);
      if (m) {
        const [, user, group] = m as unknown as [string, string, string];
        return (_c, ws) =>
          (program(ws, /^usermod$/) && has(ws, user) && ws.some((w) => w.split(",").includes(group))) ||
          (program(ws, /^(gpasswd|adduser|addgroup)$/) && has(ws, user) && has(ws, group));
      }
      return (_c, ws) => program(ws, /^(groupadd|addgroup|groupmod)$/) && has(ws, s);
    }
    case "file":
      return (c) => c.includes(s);
    case "network": {
      if (s === "hostname") return (_c, ws) => program(ws, /^(hostname|hostnamectl)$/);
      if (s === "nameservers") return (c, ws) => c.includes("resolv.conf") || program(ws, /^(resolvectl|resolvconf)$/);
      if (s.startsWith("sysctl ")) {
        const key = s.slice("sysctl ".length);
        return (c, ws) => program(ws, /^sysctl$/) && c.includes(key);
      }
      const port = /(?:^|\/|:)(\d+)(?:-\d+)?(?:\s|$)/.exec(s)?.[1];
      const owners = Array.isArray(actual.owners) ? (actual.owners as { unit?: string }[]).map((o) => o.unit).filter((u): u is string => !!u) : [];
      return (c, ws) =>
        (port !== undefined && program(ws, /^(iptables|ip6tables|nft|nixos-firewall-tool|ufw)$/) && new RegExp(`(^|[^0-9])${port}([^0-9]|$)`).test(c)) ||
        owners.some((u) => program(ws, /^(systemctl|systemd-run)$/) && has(ws, ...unitNames(u), `--unit=${u}`, `--unit=${u.replace(/\.service$/, "")}`));
    }
    case "mount": {
      const target = s.replace(/^swap /, "");
      return (_c, ws) => program(ws, /^(mount|swapon|umount|swapoff)$/) && has(ws, target);
    }
    case "generation":
      return (c, ws) => program(ws, /^(nixos-rebuild|switch-to-configuration)$/) || (program(ws, /^nix-env$/) && c.includes("/nix/var/nix/profiles/system"));
    default:
      return undefined;
  }
}

/** sudo's log line: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/run/current-system/sw/bin/systemctl start x" */
export function parseSudoMessage(message: string): { user: string; command: string; runAs?: string } | undefined {
  const m = /^\s*(\S+) : (.*)$/.exec(message);
  if (!m) return undefined;
  const rest = m[2] as string;
  const at = rest.startsWith("COMMAND=") ? 0 : rest.indexOf(" ; COMMAND=") + 3;
  if (at < 3 && !rest.startsWith("COMMAND=")) return undefined;
  const fields = Object.fromEntries(
    rest
      .slice(0, Math.max(0, at - 3))
      .split(" ; ")
      .map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)]),
  );
  return { user: m[1] as string, runAs: fields.USER, command: rest.slice(at + "COMMAND=".length).trim() };
}

/** Shadow's own messages, which name the account and group directly. */
function shadowMatches(item: DriftItemX, e: JournalEntry): boolean {
  const s = item.subject;
  if (item.category === "user") {
    return new RegExp(`^new user: name=${escapeRegExp(s)},`).test(e.message) || new RegExp(`^change user '${escapeRegExp(s)}' `).test(e.message);
  }
  if (item.category === "group") {
    const m = /^(.+) in (.+)$/.exec(s);
    if (m) {
      const [, user, group] = m as unknown as [string, string, string];
      return e.message === `add '${user}' to group '${group}'` || new RegExp(`^user ${escapeRegExp(user)} added by \\S+ to group ${escapeRegExp(group)}$`).test(e.message);
    }
    return new RegExp(`^new group: name=${escapeRegExp(s)},`).test(e.message);
  }
  if (item.category === "generation") return /^switching to system configuration /.test(e.message);
  return false;
}


function fromJournal(item: DriftItemX, match: Matcher | undefined, journal: JournalEntry[]): Evidence | undefined {
  let best: Evidence | undefined;
  for (const e of journal) {
    let ev: Evidence | undefined;
    if (e.identifier === "sudo") {
      const sudo = parseSudoMessage(e.message);
      if (sudo && match?.(sudo.command, words(sudo.command))) ev = { description: `${sudo.user} ran \`sudo ${redactCommandLine(sudo.command)}\``, when: e.time, source: "journal (sudo)" };
    } else if (shadowMatches(item, e)) {
      ev = { description: `${e.identifier}: ${redactText(e.message)}`, when: e.time, source: `journal (${e.identifier})` };
    }
    if (ev && (!best || (ev.when ?? "") >= (best.when ?? ""))) best = ev;
  }
  return best;
}

function fromShell(match: Matcher | undefined, shell: HistoryEntry[]): Evidence | undefined {
  if (!match) return undefined;
  let best: HistoryEntry | undefined;
  for (const h of shell) {
    if (!match(h.command, words(h.command))) continue;
    if (!best || (h.time ?? "") > (best.time ?? "") || ((h.time ?? "") === (best.time ?? "") && h.file === best.file && h.line > best.line)) best = h;
  }
  if (!best) return undefined;
  // Redact before shortening: a token cut in half is no longer recognisable.
  return { description: `${best.user} ran \`${redactCommandLine(best.command.trim()).slice(0, 300)}\` (${best.file}, line ${best.line})`, when: best.time, source: "shell history" };
}

export function attachCauses(items: DriftItemX[], history: HistoryFacts | undefined): DriftItemX[] {
  if (!history) return items;
  return items.map((it) => {
    let ev: Evidence | undefined;
    for (const match of matchersFor(it)) {
      ev = fromJournal(it, match, history.journal) ?? fromShell(match, history.shell);
      if (ev) break;
    }
    // Shadow's own journal lines name accounts and groups directly, without a command to match.
    ev ??= fromJournal(it, undefined, history.journal);
    if (!ev) return it;
    const prior = it.cause;
    const cause = {
      description: prior ? `${ev.description}; ${prior.description}` : ev.description,
      when: ev.when ?? prior?.when,
      source: prior && !ev.when && prior.when ? `${ev.source}; time from ${prior.source}` : ev.source,
    };
    return { ...it, cause };
  });
}
