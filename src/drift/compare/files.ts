// Files under /etc. NixOS-managed names are links into /etc/static (or copies listed in
// /etc/.clean); a managed name that became a plain file was edited in place (a direct edit of
// /etc/hosts), a copy whose content differs from the generation's was edited after activation, and
// anything NixOS does not manage and is not known machine state (machine-id, ssh host keys, ...)
// was put there by hand.
import type { Severity } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import type { EtcEntry, FilesFacts, ReplacedFile } from "../probes/files.js";
import type { DriftItemX } from "../model.js";
import { diffLines, formatDiff } from "../text-diff.js";
import { adopt, item, nixRelativePath, nixString, revert, type CompareContext } from "./common.js";

/** Machine state NixOS leaves alone (or writes at runtime), relative to /etc, with why. */
export const STATEFUL_ETC: [pattern: string, why: string][] = [
  ["machine-id", "systemd's machine id"],
  ["adjtime", "hardware clock drift, written by hwclock"],
  ["NIXOS", "NixOS's marker"],
  [".updated", "systemd's update marker"],
  [".pwd.lock", "shadow's lock file"],
  ["passwd", "written by NixOS activation (compared as users)"],
  ["group", "written by NixOS activation (compared as groups)"],
  ["shadow", "written by NixOS activation"],
  ["gshadow", "written by shadow tools"],
  ["subuid", "written by NixOS activation"],
  ["subgid", "written by NixOS activation"],
  ["passwd-", "shadow tools' backup"],
  ["group-", "shadow tools' backup"],
  ["shadow-", "shadow tools' backup"],
  ["gshadow-", "shadow tools' backup"],
  ["subuid-", "shadow tools' backup"],
  ["subgid-", "shadow tools' backup"],
  ["mtab", "a link to /proc/mounts made by activation"],
  ["resolv.conf", "written by resolvconf or systemd-resolved (compared as network)"],
  ["resolv.conf.bak", "resolvconf's backup"],
  ["localtime", "set by timedatectl when time.timeZone is null"],
  ["hostid", "ZFS host id"],
  ["ssh/ssh_host_*", "SSH host keys generated on first boot"],
  ["zfs/zpool.cache", "ZFS pool cache"],
  ["NetworkManager/system-connections", "NetworkManager's stored connections"],
  ["lvm/archive", "LVM metadata archive"],
  ["lvm/backup", "LVM metadata backup"],
  ["secureboot", "Secure Boot keys (sbctl, lanzaboote)"],
  ["machine-info", "hostnamectl's pretty name and icon"],
];

/** Files whose direct edit weakens or redirects the machine. */
const SENSITIVE = [/^hosts$/, /^sudoers(\.d\/.*)?$/, /^doas\.conf$/, /^ssh\//, /^pam\.d\//, /^security\//, /^nix\/nix\.conf$/, /^nsswitch\.conf$/, /^polkit-1\//, /^login\.defs$/, /^systemd\//, /^profile$/, /^bashrc$/, /^shells$/];

function globMatch(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
  return re.test(path);
}

export function statefulReason(path: string): string | undefined {
  for (const [pattern, why] of STATEFUL_ETC) if (globMatch(pattern, path) || path.startsWith(`${pattern}/`)) return why;
  return undefined;
}

export function compareFiles(declared: DeclaredState, actual: FilesFacts, _ctx: CompareContext): DriftItemX[] {
  // Without /etc/static this is not a NixOS /etc: there is no managed tree to compare with.
  if (!actual.nixosEtc) return [];
  const items: DriftItemX[] = [];
  const declaredEtc = new Map(Object.values(declared.etc).filter((e) => e.enable).map((e) => [e.target, e]));
  const replaced = new Map(actual.replaced.map((r) => [r.path, r]));
  const present = new Set(actual.entries.map((e) => e.path));

  for (const e of actual.entries) {
    if (statefulReason(e.path)) continue;
    const d = declaredEtc.get(e.path);
    const managed = e.inStatic !== "no" || d !== undefined;
    if (e.kind === "link") {
      const t = e.linkTarget ?? "";
      if (t.startsWith("/etc/static/")) continue;
      if (managed) {
        // mode "direct-symlink" links straight into the store; anything else is a relink by hand.
        if (t.startsWith("/nix/store/") && (e.inStatic !== "no" || d?.mode === "direct-symlink")) continue;
        items.push(relinked(e, d !== undefined));
      } else items.push(unmanaged(e));
      continue;
    }
    if (e.kind === "dir") {
      if (e.childCount !== undefined && !managed) items.push(unmanaged(e));
      continue;
    }
    if (managed) {
      const r = replaced.get(e.path);
      if (r?.copied) {
        if (r.actual !== undefined && r.managed !== undefined && r.actual === r.managed) continue;
        if (r.actual === undefined && r.managed === undefined) continue; // binary or too large: cannot tell
        items.push(editedCopy(e, r));
      } else items.push(replacedByFile(e, r, d !== undefined));
      continue;
    }
    items.push(unmanaged(e));
  }

  // Declared files that are gone (only when the walk finished).
  if (!actual.truncated) {
    for (const [target] of declaredEtc) {
      if (present.has(target) || statefulReason(target) || /^systemd\/(system|user)(\.control)?(\/|$)/.test(target)) continue;
      const parts = target.split("/");
      let covered = false;
      for (let i = 1; i < parts.length; i++) {
        const anc = parts.slice(0, i).join("/");
        const ae = actual.entries.find((x) => x.path === anc);
        if (!ae || ae.kind !== "dir" || anc.startsWith("systemd/system")) covered = true; // behind a link, or not walked
      }
      if (covered) continue;
      items.push(
        item({
          category: "file",
          subject: `/etc/${target}`,
          key: "missing",
          severity: "medium",
          declared: { target, managedBy: `environment.etc.${nixString(target)}` },
          actual: null,
          evidence: `/etc/${target} is declared (environment.etc) but missing: deleted by hand after the last activation.`,
          remediation: [revert("review", `Re-link it from the current generation.`, [["ln", "-s", `/etc/static/${target}`, `/etc/${target}`]], ["test", "!", "-e", `/etc/${target}`])],
        }),
      );
    }
  }
  return items;
}

function sensitivity(path: string): Severity {
  return SENSITIVE.some((re) => re.test(path)) ? "high" : "medium";
}

function unmanaged(e: EtcEntry): DriftItemX {
  const p = `/etc/${e.path}`;
  const what = e.kind === "dir" ? `directory with ${e.childCount ?? 0} entries` : e.kind === "link" ? `link to ${e.linkTarget}` : `${e.kind} of ${e.size ?? 0} bytes`;
  return item({
    category: "file",
    subject: p,
    key: "unmanaged",
    severity: "medium",
    declared: null,
    actual: { path: p, kind: e.kind, ...(e.linkTarget ? { linkTarget: e.linkTarget } : {}), size: e.size, modifiedAt: e.modifiedAt },
    evidence: `${p} (${what}, modified ${e.modifiedAt ?? "?"}) is not managed by NixOS: no link into /etc/static, not in /etc/.clean, not known machine state.`,
    cause: e.modifiedAt ? { description: `last modified`, when: e.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert("review", `Move it aside (kept as ${p}.nix-warden-bak) after checking nothing reads it.`, [["mv", "--", p, `${p}.nix-warden-bak`]], ["test", "-e", p]),
      adopt(
        `environment.etc.${nixString(e.path)}`,
        e.kind === "link" ? `environment.etc.${nixString(e.path)}.source = ${nixString(e.linkTarget ?? "")};` : `environment.etc.${nixString(e.path)}.source = ${nixRelativePath(`etc/${e.path}`)};`,
        e.kind === "link" ? `Declare the link.` : `Copy ${p} into the repository as etc/${e.path} (check it holds no secret; use a secret manager if it does) and declare it.`,
      ),
    ],
  });
}

function relinked(e: EtcEntry, declared: boolean): DriftItemX {
  const p = `/etc/${e.path}`;
  return item({
    category: "file",
    subject: p,
    key: "relinked",
    severity: sensitivity(e.path),
    declared: { target: `/etc/static/${e.path}`, declared },
    actual: { linkTarget: e.linkTarget },
    evidence: `${p} is managed by NixOS but now links to ${e.linkTarget} instead of /etc/static/${e.path}.`,
    cause: e.modifiedAt ? { description: "relinked", when: e.modifiedAt, source: "link mtime" } : undefined,
    remediation: [
      revert(sensitivity(e.path) === "high" ? "review" : "auto", `Point it back at the managed file.`, [["ln", "-sfn", `/etc/static/${e.path}`, p]], ["sh", "-c", '[ "$(readlink "$1")" != "$2" ]', "sh", p, `/etc/static/${e.path}`]),
      adopt(`environment.etc.${nixString(e.path)}.source`, `environment.etc.${nixString(e.path)}.source = lib.mkForce ${nixString(e.linkTarget ?? "")};`, `Declare the new target.`),
    ],
  });
}

function diffEvidence(r: ReplacedFile | undefined, from: string): string {
  if (!r || r.actual === undefined || r.managed === undefined) return " (contents not compared: binary, too large, or the managed version is not readable here)";
  const changes = diffLines(r.managed, r.actual);
  if (changes.length === 0) return " The contents are still identical to the managed version.";
  return ` Changes against ${from} (+ added, - removed; secret-looking values redacted):\n${formatDiff(changes)}`;
}

function replacedByFile(e: EtcEntry, r: ReplacedFile | undefined, declared: boolean): DriftItemX {
  const p = `/etc/${e.path}`;
  const severity = sensitivity(e.path);
  const added = r?.actual !== undefined && r.managed !== undefined ? diffLines(r.managed, r.actual).filter((c) => c.op === "+").map((c) => c.line) : [];
  const adoptOption =
    e.path === "hosts" && added.length
      ? adopt("networking.extraHosts", `networking.extraHosts = ''\n${added.map((l) => `  ${l.replace(/''/g, "'''").replace(/\$\{/g, "''${")}`).join("\n")}\n'';`, `Declare the added host entries.`)
      : adopt(`environment.etc.${nixString(e.path)}.source`, `environment.etc.${nixString(e.path)}.source = lib.mkForce ${nixRelativePath(`etc/${e.path}`)};`, `Copy the edited file into the repository as etc/${e.path} (check it holds no secret) and declare it, or move the change into the option that generates it.`);
  return item({
    category: "file",
    subject: p,
    key: "replaced",
    severity,
    declared: { target: `/etc/static/${e.path}`, declared },
    actual: { kind: "file", size: e.size, modifiedAt: e.modifiedAt },
    evidence: `${p} is managed by NixOS (a link into /etc/static) but is now a plain file: edited in place, modified ${e.modifiedAt ?? "?"}.${diffEvidence(r, `/etc/static/${e.path}`)}`,
    cause: e.modifiedAt ? { description: "replaced by a plain file", when: e.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert(
        "review",
        `Keep the edit as ${p}.nix-warden-bak and restore the managed link.`,
        [
          ["mv", "--", p, `${p}.nix-warden-bak`],
          ["ln", "-s", `/etc/static/${e.path}`, p],
        ],
        ["sh", "-c", '[ -e "$1" ] && [ ! -L "$1" ]', "sh", p],
      ),
      adoptOption,
    ],
  });
}

function editedCopy(e: EtcEntry, r: ReplacedFile): DriftItemX {
  const p = `/etc/${e.path}`;
  return item({
    category: "file",
    subject: p,
    key: "edited-copy",
    severity: sensitivity(e.path),
    declared: { source: `/etc/static/${e.path}`, copied: true },
    actual: { size: e.size, modifiedAt: e.modifiedAt },
    evidence: `${p} is a copy NixOS makes at activation (listed in /etc/.clean) and its content no longer matches the current generation's; modified ${e.modifiedAt ?? "?"}.${diffEvidence(r, `/etc/static/${e.path}`)}`,
    cause: e.modifiedAt ? { description: "edited after activation", when: e.modifiedAt, source: "file mtime" } : undefined,
    remediation: [
      revert("review", `Re-run the activation of the current system, which copies the managed version back.`, [["/run/current-system/activate"]]),
      adopt(`environment.etc.${nixString(e.path)}`, `environment.etc.${nixString(e.path)}.source = lib.mkForce ${nixRelativePath(`etc/${e.path}`)};`, `Move the edit into the configuration (usually the option that generates this file).`),
    ],
  });
}
