// ftp-anonymous-access: vsftpd letting anyone log in as `anonymous` (services.vsftpd.anonymousUser
// = true, or `anonymous_enable=YES` in extraConfig). With anonymousUploadEnable or
// anonymousMkdirEnable and writeEnable, anyone who reaches port 21 drops files on the host: a free
// drop box for malware and warez, and a way to fill its disk, with nothing telling who did it
// (balsoft-nixos-config profiles/servers/vsftpd.nix, found by an admin, missed). High when the host
// opens port 21 to every network (allowedTCPPorts, the firewall off, or a trusted wired or
// wireless interface); medium otherwise. Anonymous download only: low (a public mirror is a thing
// people mean to run; the message says to make sure the directory holds nothing private).
// Writable Samba guest shares are samba-guest-writable's.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { opened } from "../shared/open-ports.js";
import { effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { nixosOption } from "../shared/references.js";
import type { Rule } from "../types.js";
import { isPhysical } from "../firewall/interfaces.js";

const P = "services.vsftpd.";

function on(scope: Scope, option: string): ScopedDef | undefined {
  const e = effectiveValue(scope.definitions(P + option));
  return e.kind === "known" && e.value === true ? e.at : undefined;
}

/** `key=YES` in vsftpd's extraConfig text. */
function extra(scope: Scope, key: string): ScopedDef | undefined {
  const re = new RegExp(`^\\s*${key}\\s*=\\s*YES\\s*$`, "im");
  return scope.definitions(P + "extraConfig").find((d) => !isDead(d.def) && re.test(String(staticValue(d.def.inner) ?? d.def.inner?.text ?? "")));
}

/** How port 21 is reachable from other machines, or undefined. */
function reachable(scope: Scope): string | undefined {
  const open = opened(scope, 21);
  if (open) return open;
  for (const d of scope.definitions("networking.firewall.trustedInterfaces")) {
    if (isDead(d.def)) continue;
    const v = staticValue(d.def.inner);
    const phys = Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && isPhysical(x)) : [];
    if (phys.length) return `networking.firewall.trustedInterfaces accepts everything on ${phys.join(", ")}`;
  }
  return undefined;
}

function check(scope: Scope): void {
  const anon = on(scope, "anonymousUser") ?? extra(scope, "anonymous_enable");
  if (!anon?.def.inner) return;
  const enable = effectiveValue(scope.definitions(P + "enable"));
  if (enable.kind === "known" && enable.value === false) return;
  const write = on(scope, "writeEnable") ?? extra(scope, "write_enable");
  const upload = on(scope, "anonymousUploadEnable") ?? extra(scope, "anon_upload_enable");
  const mkdir = on(scope, "anonymousMkdirEnable") ?? extra(scope, "anon_mkdir_write_enable");
  const noPassword = on(scope, "anonymousUserNoPassword");
  const writable = !!write && !!(upload || mkdir);
  const open = reachable(scope);
  const where = scope.kind === "host" ? ` on host ${scope.host}` : "";
  let severity: Severity;
  let message: string;
  if (writable) {
    severity = open ? "high" : "medium";
    message =
      `vsftpd${where} lets anyone log in as anonymous${noPassword ? " (no password asked at all)" : " (any e-mail address is the password)"} and ${[upload && "upload files", mkdir && "create directories"].filter(Boolean).join(" and ")} (writeEnable is on): ` +
      "an open drop box for malware and pirated files, and a way to fill the disk, with no account behind any of it. " +
      (open ? `Port 21 is reachable from other machines: ${open}.` : "The port is not opened here, so that is whoever reaches it on a trusted or private network.");
  } else {
    severity = "low";
    message =
      `vsftpd${where} lets anyone log in as anonymous and download what the anonymous root (services.vsftpd.anonymousUserHome, /home/ftp by default) holds${open ? ` (port 21 is reachable from other machines: ${open})` : ""}. ` +
      "Fine for a public mirror; make sure nothing private ends up there, and that uploads stay off.";
  }
  const fixEdits = anon.def.path === P + "anonymousUser" && anon.def.inner ? [replaceNode(anon.file.file, anon.def.inner, "false")] : undefined;
  scope.report(anon.file, {
    node: anon.def.inner,
    optionPath: anon.def.path,
    severity,
    title: writable ? "Anonymous FTP with upload" : "Anonymous FTP login",
    message,
    fix: {
      safety: "review",
      description: writable
        ? "Turn anonymous access off (services.vsftpd.anonymousUser = false) and give uploaders accounts (localUsers with userlist), or at least turn off anonymousUploadEnable/anonymousMkdirEnable and keep port 21 to a private network."
        : "Turn anonymous access off (services.vsftpd.anonymousUser = false) unless this is meant as a public download server.",
      ...(fixEdits ? { edits: fixEdits } : {}),
    },
  });
}

const checks = scoped(check);

export const ftpAnonymousAccess: Rule = {
  id: "ftp-anonymous-access",
  examples: {
    fire: [
      hostExample(`{\n  services.vsftpd = {\n    enable = true;\n    anonymousUser = true;\n    anonymousUploadEnable = true;\n    anonymousMkdirEnable = true;\n    writeEnable = true;\n  };\n  networking.firewall.allowedTCPPorts = [ 21 ];\n}\n`),
      hostExample(`{\n  services.vsftpd = { enable = true; anonymousUser = true; anonymousUserHome = "/srv/ftp"; };\n}\n`),
    ],
    silent: [
      // Anonymous FTP off; local users with write access.
      hostExample(`{\n  services.vsftpd = { enable = true; anonymousUser = false; localUsers = true; writeEnable = true; userlistEnable = true; userlist = [ "alice" ]; };\n}\n`),
      // The service itself off.
      hostExample(`{\n  services.vsftpd = { enable = false; anonymousUser = true; anonymousUploadEnable = true; writeEnable = true; };\n}\n`),
    ],
  },
  name: "Anonymous FTP access",
  category: "access",
  severity: "medium",
  rationale:
    "vsftpd's anonymous login lets anyone who reaches port 21 in without an account; with anonymous upload and mkdir on, the host becomes an open drop box for malware and pirated files and its disk can be filled.",
  fix: "Set services.vsftpd.anonymousUser = false (or at least keep anonymous uploads off) and give the people who upload accounts of their own; prefer SFTP over sshd.",
  references: [
    nixosOption("services.vsftpd.anonymousUser"),
    nixosOption("services.vsftpd.anonymousUploadEnable"),
    { title: "vsftpd.conf(5): anonymous_enable, anon_upload_enable", url: "https://security.appspot.com/vsftpd/vsftpd_conf.html" },
  ],
  compliance: { cis: ["2.2.9 Ensure FTP Server is not installed"], nist: ["PR.AA-01", "PR.AA-05"] },
  ...checks,
};
