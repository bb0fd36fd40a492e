// How to undo each system command a drift revert runs: an argument array when the inverse is exact
// (`systemctl disable --now` -> `enable --now`, `nix-env -e` -> `--rollback` of that profile, the
// move of a removed file into the backup directory -> the move back), words when it is not (a
// deleted account comes back without its password).
import type { DriftItem } from "../report/schema.js";
import { shellCommand } from "./script.js";

const WRAPPERS = ["runuser", "sudo"];

/** `runuser -u alice -- nix-env ...` -> [["runuser", "-u", "alice", "--"], ["nix-env", ...]] */
function unwrap(command: string[]): [string[], string[]] {
  if (WRAPPERS.includes(command[0]!)) {
    const sep = command.indexOf("--");
    if (sep > 0) return [command.slice(0, sep + 1), command.slice(sep + 1)];
  }
  return [[], command];
}

const SYSTEMCTL_INVERSE: Record<string, string> = {
  enable: "disable",
  disable: "enable",
  start: "stop",
  stop: "start",
  mask: "unmask",
  unmask: "mask",
};

const NOTHING = new Set(["restart", "try-restart", "reload", "reload-or-restart", "daemon-reload"]);

function systemctlUndo(cmd: string[]): string[] | string {
  const verbAt = cmd.findIndex((a, i) => i > 0 && !a.startsWith("-"));
  const verb = cmd[verbAt];
  if (verb === undefined) return "no undo known";
  if (NOTHING.has(verb)) return `nothing to undo: \`${shellCommand(cmd)}\` changes no configuration`;
  if (verb === "reboot" || verb === "poweroff") return "a reboot cannot be undone";
  const inverse = SYSTEMCTL_INVERSE[verb];
  if (!inverse) return `no undo known for \`${shellCommand(cmd)}\``;
  return [...cmd.slice(0, verbAt), inverse, ...cmd.slice(verbAt + 1)];
}

/** The value of an option (`-p PATH`, `--profile PATH`) in an argument array. */
function optionValue(cmd: string[], ...names: string[]): string | undefined {
  const i = cmd.findIndex((a) => names.includes(a));
  return i >= 0 ? cmd[i + 1] : undefined;
}

function actualOf(item: DriftItem | undefined): Record<string, unknown> {
  const a = item?.actual;
  return a && typeof a === "object" && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

function text(v: unknown): string | undefined {
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

/** How to undo one command of a drift revert: an exact inverse as an argument array, or words. */
export function undoOf(command: string[], item?: DriftItem): string[] | string {
  const [wrap, cmd] = unwrap(command);
  const exact = (inverse: string[]): string[] => [...wrap, ...inverse];
  const actual = actualOf(item);
  switch (cmd[0]) {
    case "systemctl": {
      const u = systemctlUndo(cmd);
      return Array.isArray(u) ? exact(u) : u;
    }
    case "nix-env": {
      // `nix-env -e` makes a new generation of the profile; rolling back returns to the one before.
      const profile = optionValue(cmd, "-p", "--profile");
      if (cmd.includes("-e") || cmd.includes("--uninstall")) return exact(["nix-env", ...(profile ? ["-p", profile] : []), "--rollback"]);
      return "no undo known";
    }
    case "nix": {
      const at = cmd.indexOf("profile");
      if (at < 0 || cmd[at + 1] !== "remove") return "no undo known";
      const profile = optionValue(cmd, "--profile");
      return exact([...cmd.slice(0, at), "profile", "rollback", ...(profile ? ["--profile", profile] : [])]);
    }
    case "nixos-rebuild":
      // Switching back to the generation that ran before.
      return cmd[1] === "switch" ? exact(["nixos-rebuild", "switch", "--rollback"]) : "no undo known";
    case "install":
      return "nothing to undo: it only creates the backup directory";
    case "mv": {
      const args = cmd.slice(1).filter((a) => a !== "-f" && a !== "--");
      return args.length === 2 ? exact(["mv", "--", args[1]!, args[0]!]) : "no undo known";
    }
    case "ln": {
      const link = cmd[cmd.length - 1]!;
      return exact(["rm", "--", link]);
    }
    case "rm":
      return "the file is deleted; nix-warden kept no copy";
    case "umount": {
      const point = cmd[cmd.length - 1]!;
      const source = text(actual.source);
      const fsType = text(actual.fsType);
      const options = Array.isArray(actual.options) ? actual.options.join(",") : text(actual.options);
      if (!source || !fsType) return `mount ${point} again as it was`;
      return exact(["mount", "-t", fsType, ...(options ? ["-o", options] : []), source, point]);
    }
    case "mount":
      return exact(["umount", cmd[cmd.length - 1]!]);
    case "userdel": {
      const name = cmd[cmd.length - 1]!;
      const [uid, gid, home, shell] = [text(actual.uid), text(actual.gid), text(actual.home), text(actual.shell)];
      const groups = Array.isArray(actual.groups) ? actual.groups.filter((g): g is string => typeof g === "string") : [];
      const add = ["useradd", ...(uid ? ["--uid", uid] : []), ...(gid ? ["--gid", gid] : []), ...(home ? ["--home-dir", home, "--no-create-home"] : []), ...(shell ? ["--shell", shell] : []), ...(groups.length ? ["--groups", groups.join(",")] : []), name];
      // Not exact: the password hash in /etc/shadow is gone with the account.
      return `recreate the account (its files were kept; its password was not: set one with passwd): ${shellCommand(exact(add))}`;
    }
    case "groupdel": {
      const name = cmd[cmd.length - 1]!;
      const gid = text(actual.gid);
      const members = Array.isArray(actual.members) ? actual.members.filter((m): m is string => typeof m === "string") : [];
      const add = exact(["groupadd", ...(gid ? ["--gid", gid] : []), name]);
      if (members.length === 0) return add;
      return `recreate the group, then its members: ${shellCommand(add)}; ${shellCommand(exact(["gpasswd", "-M", members.join(","), name]))}`;
    }
    case "gpasswd": {
      // `gpasswd -d user group` <-> `gpasswd -a user group`
      const flag = cmd[1] === "-d" ? "-a" : cmd[1] === "-a" ? "-d" : undefined;
      return flag && cmd.length === 4 ? exact(["gpasswd", flag, cmd[2]!, cmd[3]!]) : "no undo known";
    }
    case "sysctl": {
      const set = cmd[1] === "-w" ? cmd[2] : undefined;
      const key = set?.split("=")[0];
      const before = key !== undefined ? text(actual[key]) : undefined;
      return key && before !== undefined ? exact(["sysctl", "-w", `${key}=${before}`]) : "no undo known";
    }
    case "hostname": {
      const before = text(actual.kernel) ?? text(actual.etcHostname);
      return before ? exact(["hostname", before]) : "no undo known";
    }
    case "usermod":
    case "groupmod": {
      // `usermod -s SHELL alice` back to the recorded shell; likewise -u, -d, -g and `groupmod -g`.
      const field: Record<string, string> = cmd[0] === "usermod" ? { "-u": "uid", "-s": "shell", "-d": "home", "-g": "group" } : { "-g": "gid" };
      const key = field[cmd[1]!];
      const before = key ? text(actual[key]) : undefined;
      if (!before || cmd.length !== 4) return "no undo known";
      const inverse = exact([cmd[0]!, cmd[1]!, before, cmd[3]!]);
      return cmd[1] === "-u" || (cmd[0] === "groupmod" && cmd[1] === "-g") ? `${shellCommand(inverse)}, then re-own the files chowned to the new id` : inverse;
    }
    case "swapon":
      return exact(["swapoff", cmd[cmd.length - 1]!]);
    case "swapoff":
      return exact(["swapon", cmd[cmd.length - 1]!]);
    case "iptables":
    case "ip6tables": {
      // The deleted rule goes back at the head of its chain (its old position was not recorded).
      const at = cmd.indexOf("-D");
      return at > 0 ? exact([...cmd.slice(0, at), "-I", ...cmd.slice(at + 1)]) : "no undo known";
    }
    case "nft": {
      if (cmd[1] === "delete" && cmd[2] === "element") return exact(["nft", "add", ...cmd.slice(2)]);
      const rule = text(actual.rule);
      if (cmd[1] === "delete" && cmd[2] === "rule" && cmd.length >= 6 && rule) return `add the rule back: nft insert rule ${cmd.slice(3, 6).join(" ")} ${rule}`;
      return "no undo known";
    }
    case "nixos-firewall-tool": {
      const [proto, from, to] = [text(actual.proto), text(actual.from), text(actual.to)];
      if (cmd[1] !== "reset" || !proto || !from) return "no undo known";
      return from === to || to === undefined ? exact(["nixos-firewall-tool", "open", proto, from]) : `open ports ${from} to ${to} again, one \`nixos-firewall-tool open ${proto} PORT\` each`;
    }
    case "resolvconf":
      return "nothing to undo: resolv.conf is rewritten from the declared resolvers (the hand edit is not kept)";
    case "git": {
      const repo = optionValue(cmd, "-C");
      const g = ["git", ...(repo ? ["-C", repo] : [])];
      const sub = cmd[repo ? 3 : 1];
      if (sub === "add") return exact([...g, "reset", "-q", ...cmd.slice(cmd.indexOf("add") + 1)]);
      if (sub === "commit") return exact([...g, "reset", "--soft", "HEAD~1"]);
      if (sub === "pull") return exact([...g, "reset", "--keep", "ORIG_HEAD"]);
      if (sub === "stash" && cmd.includes("push")) return exact([...g, "stash", "pop"]);
      if (sub === "push") return "a push cannot be taken back safely: revert the commits and push again";
      return "no undo known";
    }
    default:
      return "no undo known";
  }
}
