// Reading sudoers and doas.conf lines (from security.sudo.extraConfig, security.doas.extraConfig)
// for the rules that matter here: which commands run without a password, for whom. Not a full
// sudoers grammar: aliases are not expanded, and a line the reader does not understand is skipped.

/** Commands that give a root shell (or arbitrary root file writes) when run as root without
 * arguments restricting them: shells and the programs that run another command (`timeout sh`,
 * `watch -x sh`, `ip netns exec`, `tcpdump -z`), editors, pagers and clients with shell escapes
 * (`psql \!`, `sqlite3 .shell`, `ssh -o ProxyCommand=`), interpreters and package managers that run
 * install scripts, file copiers and writers (`curl -o`, `sponge`, `patch`), the kernel's own doors
 * (`insmod`, `modprobe -C`, `sysctl kernel.core_pattern=|…`, `kexec`, `setcap`), containers and
 * virtual machines that mount the host (`virsh` against qemu:///system defines a domain with the
 * host's disk or a filesystem passthrough, `systemd-nspawn -D /`, `bwrap --bind / /`), the
 * systemd manager over D-Bus (`busctl call … StartTransientUnit`), and the tools that switch NixOS
 * to any configuration or evaluate Nix with `--option` as root. */
export const ROOT_EQUIVALENT_COMMANDS = new Set([
  "sh", "bash", "zsh", "fish", "dash", "ksh", "csh", "tcsh", "nu", "xonsh", "su", "sudo", "sudoedit", "doas", "run0", "pkexec", "runuser", "login", "setpriv", "capsh",
  "env", "nohup", "setsid", "script", "timeout", "nice", "ionice", "chrt", "taskset", "stdbuf", "flock", "watch", "time", "at", "systemd-cat", "tmux", "screen", "socat",
  "nix", "nix-env", "nix-store", "nix-shell", "nix-build", "nix-instantiate", "nixos-rebuild", "nixos-rebuild-ng", "switch-to-configuration", "nh", "darwin-rebuild", "home-manager",
  "nixos-install", "nixos-enter", "nixos-container", "colmena",
  "systemd-run", "systemctl", "journalctl", "dmesg", "busctl", "machinectl", "systemd-nspawn", "nsenter", "unshare", "chroot", "bwrap", "busybox",
  "vi", "vim", "nvim", "nano", "emacs", "ed", "hx", "kak", "vis", "mc", "less", "more", "man", "most", "view",
  "tee", "cp", "mv", "dd", "chmod", "chown", "chgrp", "setfacl", "setcap", "install", "ln", "rsync", "tar", "cpio", "zip", "unzip", "patch", "sponge", "find", "xargs", "sed",
  "curl", "wget", "ssh", "scp", "ip", "tcpdump",
  "awk", "gawk", "perl", "python", "python3", "ruby", "node", "lua", "php", "tclsh", "expect", "deno", "bun", "psql", "sqlite3", "mysql",
  "pip", "pip3", "npm", "npx", "gem", "cargo", "go",
  "insmod", "modprobe", "kexec", "sysctl",
  "docker", "docker-compose", "podman", "nerdctl", "ctr", "crictl", "runc", "lxc", "incus", "kubectl", "k3s", "virsh", "virt-install",
  "mount", "crontab", "passwd", "chpasswd", "useradd", "usermod", "visudo", "git", "make", "gdb", "strace", "ltrace",
]);

export function commandBase(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? "";
  return first.slice(first.lastIndexOf("/") + 1);
}

/** A command string grants root when it is ALL, or a root-equivalent program with no argument
 * restriction (sudo: no arguments written means any arguments; a trailing `*` too). */
export function grantsRoot(command: string): { all: boolean; program?: string } | undefined {
  const c = command.trim();
  if (c === "ALL") return { all: true };
  const words = c.split(/\s+/);
  const base = commandBase(c);
  const unrestricted = words.length === 1 || (words.length === 2 && words[1] === "*") || words.slice(1).some((w) => w.includes("*"));
  if (ROOT_EQUIVALENT_COMMANDS.has(base) && unrestricted) return { all: false, program: base };
  return undefined;
}

/** Directories any local user (or the user the rule is for) can write: a program or script there is
 * whatever its owner puts in it. */
const USER_WRITABLE = /^(?:~|\$HOME\b|\/home\/|\/tmp\/|\/var\/tmp\/|\/dev\/shm\/|\/run\/user\/)/;
const GLOB = /[*?[]/;
/** Programs that run the file they are given: a script argument is the command. */
const INTERPRETERS = new Set(["sh", "bash", "zsh", "fish", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "lua", "php", "nix-shell", "nix"]);

/**
 * A command that looks narrow but that the caller can satisfy with a program of their own: a glob
 * in a Nix store path (any user who can reach the Nix daemon can build a store path of a matching
 * name, `…-nixos-system-<host>-…` included, holding whatever they like), a glob in the program's
 * own path, a program (or the script an interpreter runs) in a user-writable directory. The
 * answer says why, for the message; undefined for anything else. Unknown interpolated parts (NUL)
 * are read as non-globs.
 */
export function hiddenRootGrant(command: string): string | undefined {
  const words = command.trim().split(/\s+/).filter((w) => w !== "");
  const program = words[0];
  if (!program || program === "ALL") return undefined;
  const storeGlob = words.find((w) => w.startsWith("/nix/store/") && GLOB.test(w));
  if (storeGlob === program)
    return `the program path \`${program}\` is a glob over the Nix store: any user who can reach the Nix daemon can build a store path of a matching name holding their own program, and run it as root`;
  if (storeGlob)
    return `the argument \`${storeGlob}\` is a glob over the Nix store: any user who can reach the Nix daemon can build a store path of a matching name (a "system" of their own) and hand it to ${commandBase(program)} as root`;
  if (GLOB.test(program)) return `the program path \`${program}\` is a glob: any program it matches runs as root`;
  if (USER_WRITABLE.test(program)) return `the program \`${program}\` lives in a user-writable directory: whoever can write it (its owner, or anyone under /tmp) replaces it with their own code, which then runs as root`;
  const script = words[1];
  if (script && INTERPRETERS.has(commandBase(program)) && USER_WRITABLE.test(script))
    return `${commandBase(program)} runs \`${script}\`, a file in a user-writable directory: whoever can write it decides what runs as root`;
  return undefined;
}

export interface SudoersFinding {
  /** Index into the line text where the evidence starts (the tag), and its length. */
  at: number;
  length: number;
  kind: "nopasswd" | "no-authenticate";
  who: string;
  commands: string[];
  everyone: boolean;
}

const TAG = /\b(NO)?(PASSWD|EXEC|SETENV|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT|CHROOT|CWD)\s*:/g;

/** Strip a sudoers comment (`#` not starting a uid `#1000` or an `#include`). */
function stripComment(line: string): string | undefined {
  const t = line.trimStart();
  if (/^[#@]include(dir)?\b/.test(t)) return undefined;
  const m = /(^|\s)#(?!\d)/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** Whether a Runas spec (`root`, `ALL:ALL`, `bob, root`, `:wheel`; "" when the line has none) may
 * run the command as root. With only a group (`:wheel`) the command runs as the caller. A name the
 * scan cannot see through (ALL, an alias, `#uid`, `%group`, an interpolation) counts as root. */
export function runsAsRoot(spec: string): boolean {
  const s = spec.trim();
  if (s === "") return true;
  const colon = s.indexOf(":");
  const users = (colon < 0 ? s : s.slice(0, colon)).trim();
  if (users === "") return colon < 0;
  return users.split(",").some((u) => u.trim() === "root" || !/^[a-z_][a-z0-9_.-]*\$?$/.test(u.trim()));
}

/** Passwordless grants in one sudoers line. */
export function sudoersLine(raw: string): SudoersFinding[] {
  const line = stripComment(raw);
  if (line === undefined || line.trim() === "") return [];
  const t = line.trim();
  const out: SudoersFinding[] = [];
  const defaults = /^Defaults([:@!>]\S+)?\s+(.*)$/.exec(t);
  if (defaults) {
    const m = /!\s*authenticate\b/.exec(line);
    if (m) {
      const scope = defaults[1] ?? "";
      out.push({ at: m.index, length: m[0].length, kind: "no-authenticate", who: scope ? scope.slice(1) : "everyone", commands: ["ALL"], everyone: scope === "" });
    }
    return out;
  }
  if (/^(User|Runas|Host|Cmnd|Cmd)_Alias\b/.test(t)) return out;
  const who = t.split(/\s+/)[0] ?? "";
  const everyone = who === "ALL" || who === "%users";
  // Walk the tags in order: NOPASSWD applies to the commands after it until PASSWD.
  const tags = [...line.matchAll(TAG)];
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    if (tag[1] !== "NO" || tag[2] !== "PASSWD") continue;
    // Commands run from after this tag to the next PASSWD tag (other tags are carried along).
    let end = line.length;
    for (let j = i + 1; j < tags.length; j++) {
      if (tags[j]![2] === "PASSWD") {
        end = tags[j]!.index!;
        break;
      }
    }
    const text = line.slice(tag.index! + tag[0].length, end).replace(TAG, " ");
    // The Runas spec in force: the last `(…)` between the host's `=` and this tag; a command
    // that starts with its own `(…)` changes it for itself and the commands after it.
    const eq = line.indexOf("=");
    let runAs = [...line.slice(eq < 0 ? 0 : eq, tag.index).matchAll(/\(([^)]*)\)/g)].at(-1)?.[1] ?? "";
    // A `:` followed by a host spec starts another grant; keep this one's commands.
    const cmds: string[] = [];
    for (const part of text.split(/:\s*[\w.-]+\s*=/)[0]!.split(",")) {
      const spec = /^\s*\(([^)]*)\)\s*/.exec(part);
      if (spec) runAs = spec[1]!;
      const c = part.slice(spec?.[0].length ?? 0).trim();
      if (c !== "" && runsAsRoot(runAs)) cmds.push(c);
    }
    // `alice ALL=(ableton) NOPASSWD: ALL` lets alice become ableton, not root.
    if (cmds.length === 0) continue;
    out.push({ at: tag.index!, length: tag[0].length, kind: "nopasswd", who, commands: cmds, everyone });
  }
  return out;
}

export interface DoasFinding {
  at: number;
  length: number;
  who: string;
  command?: string;
  hasArgs: boolean;
  everyone: boolean;
}

/** A `permit nopass ...` rule in doas.conf syntax. */
export function doasLine(raw: string): DoasFinding | undefined {
  const hash = raw.indexOf("#");
  const line = hash >= 0 ? raw.slice(0, hash) : raw;
  const words = line.trim().split(/\s+/);
  if (words[0] !== "permit") return undefined;
  const at = line.search(/\bnopass\b/);
  if (at < 0) return undefined;
  let i = 1;
  while (i < words.length && /^(nopass|nolog|persist|keepenv|insult)$/.test(words[i]!)) i++;
  if (words[i] === "setenv") {
    while (i < words.length && !words[i]!.endsWith("}")) i++;
    i++;
  }
  const who = words[i] ?? "";
  // `permit nopass alice as bob` makes alice bob, not root.
  const asAt = words.indexOf("as", i);
  if (asAt > 0 && words[asAt + 1] !== "root") return undefined;
  const cmdAt = words.indexOf("cmd", i);
  const command = cmdAt > 0 ? words[cmdAt + 1] : undefined;
  const hasArgs = cmdAt > 0 && words.indexOf("args", cmdAt) > 0;
  return { at, length: "nopass".length, who, command, hasArgs, everyone: who === ":users" };
}

/** One setting of a `Defaults` line: `name`, `!name`, `name=value` (`+=`, `-=`). */
export interface SudoersDefault {
  /** `Defaults:alice` → `:alice`, `Defaults@host` → `@host`; "" for every user. */
  scope: string;
  name: string;
  negated: boolean;
  value?: string;
  /** Index into the line of the setting, and its length. */
  at: number;
  length: number;
}

/** The settings of a `Defaults` line (none for any other line). */
export function sudoersDefaults(raw: string): SudoersDefault[] {
  const line = stripComment(raw);
  if (line === undefined) return [];
  const m = /^(\s*)Defaults([:@!>][^\s,]+)?\s+/.exec(line);
  if (!m) return [];
  const scope = m[2] ?? "";
  const out: SudoersDefault[] = [];
  // Comma-separated, commas inside double quotes (and escaped ones) kept.
  let start = m[0].length;
  let quoted = false;
  for (let i = start; i <= line.length; i++) {
    const c = line[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (i < line.length && (quoted || c !== ",")) continue;
    const part = line.slice(start, i);
    const lead = part.length - part.trimStart().length;
    const text = part.trim();
    const p = /^(!*)\s*([A-Za-z_]+)\s*(?:[+-]?=\s*(.*))?$/.exec(text);
    if (p) {
      const value = p[3]?.trim().replace(/^"(.*)"$/, "$1");
      out.push({ scope, name: p[2]!, negated: p[1]!.length % 2 === 1, value, at: start + lead, length: text.length });
    }
    start = i + 1;
  }
  return out;
}
