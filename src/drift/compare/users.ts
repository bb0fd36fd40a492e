// Users and groups: accounts and groups added by hand, memberships added by hand (wheel is
// critical), and declared accounts whose uid, shell, home or primary group changed. With
// users.mutableUsers = false NixOS rewrites /etc/passwd and /etc/group on every activation, so such
// drift lasts until the next switch; with the default (true) it stays.
import type { Severity } from "../../report/schema.js";
import type { DeclaredState, DeclaredUser } from "../declared/schema.js";
import type { GroupEntry, PasswdEntry, UsersFacts } from "../probes/users.js";
import type { DriftItemX } from "../model.js";
import { adoptValue, item, nixString, nixStrings, operand, optionPath, rebuildCommand, revert, shGuard, type CompareContext, type ItemInput } from "./common.js";

/** Membership in these is root-equivalent. */
export const ADMIN_GROUPS = new Set(["wheel", "root", "sudo", "admin"]);
/** Membership in these grants root-level powers in practice (container runtimes, raw disks, logs of everyone). */
export const PRIVILEGED_GROUPS = new Set(["docker", "podman", "lxd", "incus-admin", "libvirtd", "disk", "shadow", "kmem", "adm", "systemd-journal", "networkmanager", "kvm", "input", "tty", "trusted"]);
const NO_LOGIN = /\/(nologin|false)$/;

export function membershipSeverity(group: string): Severity {
  return ADMIN_GROUPS.has(group) ? "critical" : PRIVILEGED_GROUPS.has(group) ? "high" : "medium";
}

export function compareUsers(declared: DeclaredState, actual: UsersFacts, ctx: CompareContext): DriftItemX[] {
  if (!actual.passwd || !actual.group) return [];
  const items: DriftItemX[] = [];
  const declaredUsers = new Map<string, DeclaredUser>();
  for (const u of Object.values(declared.users)) if (u.enable) declaredUsers.set(u.name, u);
  const declaredGroups = new Map(Object.values(declared.groups).map((g) => [g.name, g]));
  const groupsByName = new Map(actual.group.map((g) => [g.name, g]));
  const groupsByGid = new Map(actual.group.map((g) => [g.gid, g]));
  const passwdByName = new Map(actual.passwd.map((p) => [p.name, p]));
  const immutable = declared.mutableUsers === false;
  const resetNote = immutable ? " users.mutableUsers = false: the next activation rewrites /etc/passwd and /etc/group and undoes this." : "";

  for (const p of actual.passwd) {
    const d = declaredUsers.get(p.name);
    if (!d) {
      items.push(extraUser(p, actual.group, groupsByGid, resetNote, ctx, immutable));
      continue;
    }
    /** A field of /etc/passwd that is not what the configuration declares. */
    const changed = (key: "uid" | "shell" | "home" | "group", severity: Severity, now: Record<string, unknown>, evidence: string, remediation: ItemInput["remediation"]) =>
      items.push(item({ category: "user", subject: p.name, key, severity, declared: { [key]: d[key] }, actual: now, evidence, remediation }));
    if (d.uid !== null && d.uid !== p.uid) {
      changed("uid", "high", { uid: p.uid }, `${p.name} has uid ${p.uid} in /etc/passwd (line ${p.line}); the configuration declares uid ${d.uid}. Files the user owns now belong to another uid.${resetNote}`, [
        revert("manual", `Give ${p.name} back uid ${d.uid} and re-own their files (find / -uid ${p.uid} -exec chown ${d.uid} {} +); check no other account uses ${d.uid}.`, [["usermod", "-u", String(d.uid), ...operand(p.name)]]),
        adoptValue(optionPath("users", "users", p.name, "uid"), String(p.uid), `Declare the uid the account has now.`),
      ]);
    }
    if (d.shell !== null && d.shell !== p.shell) {
      changed("shell", NO_LOGIN.test(d.shell) && !NO_LOGIN.test(p.shell) ? "high" : "medium", { shell: p.shell }, `${p.name}'s shell is ${p.shell} in /etc/passwd; the configuration declares ${d.shell}.${NO_LOGIN.test(d.shell) && !NO_LOGIN.test(p.shell) ? " A no-login account can now log in." : ""}${resetNote}`, [
        revert("review", `Set the declared shell back.`, [["usermod", "-s", d.shell, ...operand(p.name)]], ["sh", "-c", '[ "$(getent passwd -- "$1" | cut -d: -f7)" != "$2" ]', "sh", p.name, d.shell]),
        adoptValue(optionPath("users", "users", p.name, "shell"), nixString(p.shell), `Declare the shell the account uses now (a package such as pkgs.zsh is better than a path; enable programs.zsh too).`),
      ]);
    }
    if (d.home !== null && d.home !== p.home) {
      changed("home", "low", { home: p.home }, `${p.name}'s home is ${p.home} in /etc/passwd; the configuration declares ${d.home}.${resetNote}`, [
        revert("review", `Set the declared home back.`, [["usermod", "-d", d.home, ...operand(p.name)]]),
        adoptValue(optionPath("users", "users", p.name, "home"), nixString(p.home), `Declare the home the account has now.`),
      ]);
    }
    const primary = groupsByGid.get(p.gid)?.name;
    if (d.group && primary && d.group !== primary) {
      changed("group", membershipSeverity(primary) === "critical" ? "critical" : "medium", { group: primary, gid: p.gid }, `${p.name}'s primary group is ${primary} (gid ${p.gid}); the configuration declares ${d.group}.${resetNote}`, [
        revert("review", `Set the declared primary group back.`, [["usermod", "-g", d.group, ...operand(p.name)]]),
        adoptValue(optionPath("users", "users", p.name, "group"), nixString(primary), `Declare the primary group the account has now.`),
      ]);
    }
  }

  for (const d of declaredUsers.values()) {
    if (passwdByName.has(d.name)) continue;
    items.push(
      item({
        category: "user",
        subject: d.name,
        key: "missing",
        severity: "medium",
        declared: { name: d.name, uid: d.uid },
        actual: null,
        evidence: `${d.name} is declared (users.users.${d.name}) but has no line in /etc/passwd: removed by hand (userdel), or the configuration was never activated.`,
        remediation: [
          revert("review", `Re-activate the declared configuration; it creates the account.`, [rebuildCommand(ctx)]),
          adoptValue(optionPath("users", "users", d.name, "enable"), "false", `If the account should be gone, stop declaring it.`),
        ],
      }),
    );
  }

  // Groups and memberships.
  for (const g of actual.group) {
    const dg = declaredGroups.get(g.name);
    if (!dg) {
      items.push(extraGroup(g, resetNote, immutable, ctx));
    } else if (dg.gid !== null && dg.gid !== g.gid) {
      items.push(
        item({
          category: "group",
          subject: g.name,
          key: "gid",
          severity: "medium",
          declared: { gid: dg.gid },
          actual: { gid: g.gid },
          evidence: `group ${g.name} has gid ${g.gid} in /etc/group (line ${g.line}); the configuration declares ${dg.gid}.${resetNote}`,
          remediation: [
            revert("manual", `Give the group back gid ${dg.gid} and re-own its files.`, [["groupmod", "-g", String(dg.gid), g.name]]),
            adoptValue(optionPath("users", "groups", g.name, "gid"), String(g.gid), `Declare the gid the group has now.`),
          ],
        }),
      );
    }
    const declaredMembers = new Set(dg?.members ?? []);
    for (const u of declaredUsers.values()) if (u.extraGroups.includes(g.name)) declaredMembers.add(u.name);
    for (const m of g.members) {
      if (declaredMembers.has(m)) continue;
      items.push(extraMembership(m, g, declaredUsers.get(m), resetNote, immutable, ctx));
    }
    for (const m of declaredMembers) {
      if (g.members.includes(m)) continue;
      const pw = passwdByName.get(m);
      if (!pw || pw.gid === g.gid) continue; // no account (reported above), or it is the primary group
      items.push(
        item({
          category: "group",
          subject: `${m} in ${g.name}`,
          key: "missing-member",
          severity: "low",
          declared: { member: m, group: g.name },
          actual: { members: g.members },
          evidence: `${m} is declared a member of ${g.name} but /etc/group (line ${g.line}) does not list them: removed by hand (gpasswd -d), or not activated yet.`,
          remediation: [revert("review", `Add the membership back.`, [["gpasswd", "-a", m, ...operand(g.name)]]), adoptValue(optionPath("users", "users", m, "extraGroups"), `lib.mkForce ${nixStrings((declaredUsers.get(m)?.extraGroups ?? []).filter((x) => x !== g.name))}`, `If ${m} should not be in ${g.name}, stop declaring it (remove it from the list where it is set; mkForce shown for completeness).`)],
        }),
      );
    }
  }
  for (const dg of declaredGroups.values()) {
    if (groupsByName.has(dg.name)) continue;
    items.push(
      item({
        category: "group",
        subject: dg.name,
        key: "missing",
        severity: "low",
        declared: { name: dg.name, gid: dg.gid },
        actual: null,
        evidence: `group ${dg.name} is declared but missing from /etc/group.`,
        remediation: [revert("review", `Re-activate the declared configuration; it creates the group.`, [rebuildCommand(ctx)])],
      }),
    );
  }
  return items;
}

function extraUser(p: PasswdEntry, groups: GroupEntry[], byGid: Map<number, GroupEntry>, resetNote: string, ctx: CompareContext, immutable: boolean): DriftItemX {
  const memberOf = groups.filter((g) => g.members.includes(p.name)).map((g) => g.name);
  const primary = byGid.get(p.gid)?.name;
  const admin = p.uid === 0 || [...memberOf, primary ?? ""].some((g) => ADMIN_GROUPS.has(g));
  const canLogin = !NO_LOGIN.test(p.shell);
  const severity: Severity = admin ? "critical" : canLogin ? "high" : "medium";
  const isNormal = p.uid >= 1000 && p.uid < 60000;
  const attrs = [
    isNormal ? "isNormalUser = true;" : "isSystemUser = true;",
    `uid = ${p.uid};`,
    primary ? `group = ${nixString(primary)};` : "",
    memberOf.length ? `extraGroups = ${nixStrings(memberOf)};` : "",
    `home = ${nixString(p.home)};`,
    `shell = ${nixString(p.shell)};`,
  ].filter(Boolean);
  const path = optionPath("users", "users", p.name);
  return item({
    category: "user",
    subject: p.name,
    key: "extra",
    severity,
    declared: null,
    actual: { name: p.name, uid: p.uid, gid: p.gid, home: p.home, shell: p.shell, groups: memberOf },
    evidence:
      `${p.name} (uid ${p.uid}${primary ? `, group ${primary}` : ""}, shell ${p.shell}) is in /etc/passwd (line ${p.line}) but not declared` +
      (p.uid === 0 ? "; uid 0 makes it a second root account" : "") +
      (memberOf.length ? `; member of ${memberOf.join(", ")}` : "") +
      "." +
      resetNote,
    remediation: [
      immutable
        ? revert("review", `Re-activate the declared configuration: with users.mutableUsers = false that removes the account (its files stay).`, [rebuildCommand(ctx)])
        : revert("manual", `Delete the account (its home and files stay; archive them first if they matter). Check who uses it before.`, [["userdel", "--", p.name]], ["getent", "passwd", "--", p.name]),
      adoptValue(path, `{\n  ${attrs.join("\n  ")}\n}`, `Declare the account as it exists now.`),
    ],
  });
}

function extraGroup(g: GroupEntry, resetNote: string, immutable: boolean, ctx: CompareContext): DriftItemX {
  const path = optionPath("users", "groups", g.name);
  return item({
    category: "group",
    subject: g.name,
    key: "extra",
    severity: "medium",
    declared: null,
    actual: { name: g.name, gid: g.gid, members: g.members },
    evidence: `group ${g.name} (gid ${g.gid}${g.members.length ? `, members ${g.members.join(", ")}` : ""}) is in /etc/group (line ${g.line}) but not declared.${resetNote}`,
    remediation: [
      immutable
        ? revert("review", `Re-activate the declared configuration: with users.mutableUsers = false that removes the group.`, [rebuildCommand(ctx)])
        : revert("review", `Delete the group (files owned by its gid keep the number).`, [["groupdel", "--", g.name]], ["getent", "group", "--", g.name]),
      adoptValue(path, `{ gid = ${g.gid}; }`, `Declare the group as it exists now (members go in users.users.<name>.extraGroups).`),
    ],
  });
}

function extraMembership(user: string, g: GroupEntry, d: DeclaredUser | undefined, resetNote: string, immutable: boolean, ctx: CompareContext): DriftItemX {
  const severity = membershipSeverity(g.name);
  const path = optionPath("users", "users", user, "extraGroups");
  const extra = [...(d?.extraGroups ?? []), g.name];
  return item({
    category: "group",
    subject: `${user} in ${g.name}`,
    key: "extra-member",
    severity,
    declared: { extraGroups: d?.extraGroups ?? null },
    actual: { group: g.name, members: g.members },
    evidence:
      `/etc/group (line ${g.line}) lists ${user} as a member of ${g.name}; the configuration does not.` +
      (severity === "critical" ? ` ${g.name} membership is root-equivalent (sudo).` : severity === "high" ? ` ${g.name} membership grants root-level access in practice.` : "") +
      resetNote,
    remediation: [
      immutable
        ? revert("review", `Re-activate the declared configuration: with users.mutableUsers = false that drops the membership.`, [rebuildCommand(ctx)])
        : revert(severity === "medium" ? "review" : "manual", `Remove ${user} from ${g.name}${severity !== "medium" ? " (security-sensitive: confirm who added it and why first)" : ""}.`, [["gpasswd", "-d", user, ...operand(g.name)]], shGuard('getent group -- "$1" | cut -d: -f4 | tr , "\\n" | grep -qx -- "$2"', g.name, user)),
      adoptValue(path, nixStrings(extra), d ? `Declare the membership (the list already holds ${d.extraGroups.length ? d.extraGroups.join(", ") : "nothing"}).` : `Declare the membership (and the account).`),
    ],
  });
}
