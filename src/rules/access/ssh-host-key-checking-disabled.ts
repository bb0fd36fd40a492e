// ssh-host-key-checking-disabled: ssh told to trust whatever host key it is shown
// (`StrictHostKeyChecking no`, `UserKnownHostsFile /dev/null`). Whoever sits on the path (a
// hijacked DNS name, a rogue Wi-Fi, an attacker on the LAN) can pose as the server: the client
// hands it the password or agent, pushes it the backup, or (for `ssh -R` tunnels such as autossh's)
// gives it a way back into this host. Reported:
//   - in a command of a unit, activation script or service environment (`ssh -o
//     StrictHostKeyChecking=no`, `GIT_SSH_COMMAND`, autossh, rsync -e): medium, it runs unattended;
//     in a shell alias or a script file a person runs: low;
//   - in `programs.ssh.extraConfig` (NixOS or home-manager) and home-manager `matchBlocks`: medium
//     for `Host *` (every connection the user makes), low for named hosts.
// Not reported: `accept-new` (trusts a new host once, then checks), connections to localhost
// (test VMs forwarded to a local port), a known-hosts file of its own.
import { SyntaxKind as K, LineIndex, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { enclosingDefinition, inOptionDocumentation, rangeOf, stringSource } from "../nix-strings.js";
import { isShellScriptFile } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { nixosOption } from "../shared/references.js";

const DISABLED = /StrictHostKeyChecking["']?\s*[= ]\s*["']?(?:no|off|false)\b|UserKnownHostsFile["']?\s*[= ]\s*["']?\/dev\/null\b/i;
// A destination on this machine (`root@localhost`, `-p 2222 127.0.0.1`), not a forwarding spec
// (`-R 2222:127.0.0.1:22`).
const LOCAL = /(?:^|[\s@"'])(?:localhost|127\.0\.0\.\d+|::1|\[::1\])(?=$|[\s"':])/;
const SSH_PROGRAM = /(?:^|[\s"'=/(;|&])(?:ssh|scp|sftp|autossh|sshfs|rsync|mosh|ssh-copy-id|sshpass|git|nix|nixos-rebuild|deploy|colmena)(?:["'\s]|$)|(?:GIT_SSH_COMMAND|RSYNC_RSH|NIX_SSHOPTS|SSH_OPTS|sshOpts|sshArgs|ssh_args)\b/;
const SSH_CONFIG = /(?:^|\.)programs\.ssh\.(?:extraConfig|extraOptionOverrides)/;

const FIX = {
  safety: "manual" as const,
  description:
    "Pin the server's key instead: add it to programs.ssh.knownHosts (or a known_hosts file the command gets with -o UserKnownHostsFile=…), or use StrictHostKeyChecking=accept-new, which trusts a host the first time and refuses a changed key afterwards.",
};

/** Where ssh runs unattended (a unit, an activation script, a service's environment): nobody sees a
 * changed key there. An alias or a script a person runs is low: they run it on purpose, at a
 * moment they choose (bootstrapping a freshly installed machine whose key is new anyway). */
const UNATTENDED = /(?:^|\.)(?:systemd\.(?:user\.)?services|systemd\.user\.services|services\.[^.]+|system\.activationScripts|home\.activation|launchd\.[^.]+)\.|(?:^|\.)(?:script|preStart|postStart|ExecStart\w*)(?:\.|$)|\.environment(?:\.|$)/;
// (A unit's or service's `environment`, not NixOS's top-level `environment.systemPackages`, where
// Lassulus-superconfig's `sshn` helper was rated medium as if it ran unattended: judged low.)

/** A command that is nothing but ssh (scp, sftp) with options and the caller's own arguments
 * (`exec ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "$@"`): a second ssh
 * under another name (`ssh-once`, `ssh-nofp`, `sshn`) for throwaway or reinstalled machines, which
 * a person calls on purpose for a host they name; plain ssh keeps checking keys (mirkolenz-nixos,
 * lilyinstarlight-foosteros: judged info). A script with a job of its own (unlocking a disk,
 * pushing a backup) is not one. */
const PASS_THROUGH = /^\s*(?:exec\s+)?(?:\S*\/)?(?:ssh|scp|sftp|mosh)\s+(?:-o\s*["']?[\w=/.-]+["']?\s+)+["']?\$(?:@|\*|\{@\})["']?\s*(?:;\s*)?$/;

function lineReports(text: string, base: number, lines: LineIndex, sshConfig: boolean, what: string, report: (r: RuleReport) => void, unattended = true, personal = false): void {
  let host = "*";
  let offset = 0;
  // One finding per Host block of an ssh config (StrictHostKeyChecking no and UserKnownHostsFile
  // /dev/null usually come together).
  let reportedBlock: string | undefined;
  // One finding per shell command, also when its options are continued over several lines.
  let reportedCommand = false;
  let continued = false;
  // The command must be one that speaks ssh (an alias `sh -o StrictHostKeyChecking=no` runs sh).
  let sshSeen = false;
  // Host blocks whose HostName is this machine (a demo VM forwarded to 127.0.0.1:2222): nobody can
  // intercept loopback, and the VM's key changes with every rebuild. Counted by block, since the
  // HostName line may come after the options.
  const localBlocks = new Set<number>();
  if (sshConfig) {
    let b = 0;
    for (const l of text.split("\n")) {
      if (/^\s*(?:Host|Match)\s/i.test(l)) b++;
      const hn = /^\s*HostName\s*=?\s*(\S+)/i.exec(l);
      if (hn && LOCAL.test(` ${hn[1]}`)) localBlocks.add(b);
    }
  }
  let block = 0;
  for (const raw of text.split("\n")) {
    const start = offset;
    offset += raw.length + 1;
    const t = raw.trim();
    const sameCommand = continued;
    continued = /\\$/.test(t);
    if (!sameCommand) {
      reportedCommand = false;
      sshSeen = false;
    }
    sshSeen ||= SSH_PROGRAM.test(raw);
    if (t.startsWith("#")) continue;
    if (sshConfig) {
      const h = /^(?:Host|Match)\s+(.*)$/i.exec(t);
      if (h) {
        host = h[1]!.trim();
        reportedBlock = undefined;
        block++;
      }
    }
    const m = DISABLED.exec(raw);
    if (!m || LOCAL.test(raw) || (!sshConfig && (reportedCommand || !sshSeen))) continue;
    reportedCommand = true;
    const everyHost = !sshConfig || /^(?:\*|all)$/i.test(host);
    if (sshConfig && (LOCAL.test(host) || localBlocks.has(block) || reportedBlock === host)) continue;
    reportedBlock = host;
    const wrapper = !sshConfig && !sameCommand && !continued && PASS_THROUGH.test(raw);
    // A user's own helper (home-manager) is info; one installed for every account of the system
    // (environment.systemPackages: Lassulus-superconfig's sshn) stays low.
    const severity: Severity = wrapper && personal ? "info" : everyHost && unattended && !wrapper ? "medium" : "low";
    const at = base + start + m.index;
    report({
      range: rangeOf(lines, at, at + m[0].length),
      key: `${what}:${t}`,
      severity,
      title: "SSH host key checking disabled",
      message: sshConfig
        ? `${what} sets \`${m[0].replace(/["']/g, "")}\` for ${everyHost ? "every host (Host *)" : `Host ${host}`}: ssh accepts any key it is shown, so whoever can intercept the connection poses as the server and gets what the client sends.`
        : wrapper
          ? `${what} defines a second ssh command that runs ssh with \`${m[0].replace(/["']/g, "")}\` and the caller's arguments: a person calls it on purpose, for a host they name (a freshly installed or throwaway machine whose key is new anyway), while plain ssh keeps checking keys. A connection made with it to a real server can be intercepted (DNS, the LAN, a rogue network).`
          : `${what} runs ssh with \`${m[0].replace(/["']/g, "")}\`: it accepts any host key, so whoever can intercept the connection (DNS, the LAN, a rogue network) poses as the server and gets what the client sends, or a way back in through a reverse tunnel.`,
      fix: FIX,
    });
  }
}

function checkNix(ctx: NixFileContext): void {
  const lines = ctx.parsed.source.lines;
  for (const str of ctx.parsed.root.descendants(K.NODE_STRING)) {
    if (str.inside(K.NODE_ATTRPATH)) continue;
    const src = stringSource(str);
    if (!src || !/StrictHostKeyChecking|UserKnownHostsFile/i.test(src.text) || inOptionDocumentation(str)) continue;
    const def = enclosingDefinition(ctx.index, str);
    if (def && isDead(def)) continue;
    const sshConfig = !!def && SSH_CONFIG.test(def.path);
    const personal = ctx.moduleClass === "home-manager" || (!!def && /^(?:home-manager\.users\.[^.]+(?:\.|$)|home\.)/.test(def.path));
    lineReports(src.text, src.offset, lines, sshConfig, def?.path ?? "A string", ctx.report, sshConfig || (!!def && UNATTENDED.test(def.path)), personal);
  }
  // home-manager matchBlocks: `extraOptions.StrictHostKeyChecking = "no"`, `userKnownHostsFile = "/dev/null"`.
  for (const def of ctx.index.definitions) {
    // extraOptionOverrides apply to every host, as a `Host *` block would.
    const m = /(?:^|\.)programs\.ssh\.(?:matchBlocks\.("[^"]*"|[^.]+)|extraOptionOverrides)\.(extraOptions\.StrictHostKeyChecking|userKnownHostsFile|StrictHostKeyChecking|UserKnownHostsFile)$/.exec(def.path);
    if (!m || isDead(def)) continue;
    const v = staticValue(def.inner);
    const bad = /^userKnownHostsFile$/i.test(m[2]!) ? v === "/dev/null" : typeof v === "string" && /^(?:no|off|false)$/i.test(v);
    if (!bad) continue;
    const host = (m[1] ?? "*").replace(/"/g, "");
    if (LOCAL.test(host)) continue;
    const every = host === "*";
    reportNode(ctx, def.inner ?? def.binding, def.path, every ? "medium" : "low", `${def.path} = "${String(v)}" ${every ? "for every host" : `for ${host}`}: ssh accepts any key it is shown, so whoever can intercept the connection poses as the server.`);
  }
}

function reportNode(ctx: NixFileContext, node: SyntaxNode, optionPath: string, severity: Severity, message: string): void {
  ctx.report({ node, optionPath, severity, title: "SSH host key checking disabled", message, fix: FIX });
}

export const sshHostKeyCheckingDisabled: Rule = {
  id: "ssh-host-key-checking-disabled",
  examples: {
    fire: [
      hostExample(
        `{ pkgs, ... }: {\n  systemd.services.tunnel.serviceConfig.ExecStart = "\${pkgs.autossh}/bin/autossh -M 0 -o \\"StrictHostKeyChecking=no\\" -N -R 2222:127.0.0.1:22 tunnel@relay.example.org";\n}\n`,
      ),
      hostExample(`{\n  programs.ssh.extraConfig = ''\n    Host *\n      StrictHostKeyChecking no\n      UserKnownHostsFile /dev/null\n  '';\n}\n`),
      hostExample(`{\n  home-manager.users.alice.programs.ssh.matchBlocks."*".extraOptions.StrictHostKeyChecking = "no";\n}\n`),
      // low: a script with a job of its own, run by a person.
      hostExample(`{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.writeShellScriptBin "unlock-disk" ''\n    ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o User=root "$1"\n  '') ];\n}\n`),
      // info: a user's second ssh command passing the caller's arguments (plain ssh keeps checking).
      hostExample(`{ pkgs, ... }: {\n  home-manager.users.alice.home.packages = [ (pkgs.writeShellScriptBin "ssh-once" ''\n    exec ssh -o "StrictHostKeyChecking=no" -o "UserKnownHostsFile=/dev/null" "$@"\n  '') ];\n}\n`),
    ],
    silent: [
      hostExample(`{\n  programs.zsh.shellAliases.sk = "sh -o StrictHostKeyChecking=no";\n}\n`),
      // A demo VM forwarded to this machine, named by an alias: its HostName is loopback.
      hostExample(`{\n  programs.ssh.extraConfig = ''\n    Host demo\n      StrictHostKeyChecking no\n      UserKnownHostsFile /dev/null\n      HostName 127.0.0.1\n      Port 2222\n  '';\n}\n`),
      hostExample(
        `{ pkgs, ... }: {\n  systemd.services.backup.script = ''\n    # ssh -o StrictHostKeyChecking=no would accept anything\n    rsync -e "ssh -o StrictHostKeyChecking=accept-new" /srv backup@nas:/backup\n    ssh -o StrictHostKeyChecking=no -p 2222 root@localhost true\n  '';\n  programs.ssh.extraConfig = ''\n    Host 127.0.0.1\n      StrictHostKeyChecking no\n    Host *\n      UserKnownHostsFile ~/.ssh/known_hosts\n      StrictHostKeyChecking ask\n  '';\n}\n`,
      ),
    ],
  },
  name: "SSH host key checking disabled",
  category: "access",
  severity: "medium",
  rationale:
    "Host key checking is what makes an SSH connection reach the intended server. With StrictHostKeyChecking no or a /dev/null known-hosts file, anyone who can intercept the connection (DNS, the local network, a compromised router) poses as the server and receives the session, its credentials, or a tunnel back into the client.",
  fix: "Pin host keys (programs.ssh.knownHosts) or use StrictHostKeyChecking=accept-new.",
  references: [
    { title: "ssh_config(5): StrictHostKeyChecking, UserKnownHostsFile", url: "https://man.openbsd.org/ssh_config#StrictHostKeyChecking" },
    nixosOption("programs.ssh.knownHosts"),
  ],
  compliance: { cis: [], nist: ["PR.AA-03", "PR.DS-02"] },
  checkNix,
  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    if (ctx.text === undefined || !/StrictHostKeyChecking|UserKnownHostsFile/i.test(ctx.text)) return;
    const base = ctx.file.slice(ctx.file.lastIndexOf("/") + 1);
    const sshConfig = /(?:^|\/)(?:\.?ssh\/config|ssh_config)$/.test(ctx.file) || base === "ssh_config";
    if (!sshConfig && !isShellScriptFile(ctx.file, ctx.text)) return;
    lineReports(ctx.text, 0, new LineIndex(ctx.text), sshConfig, sshConfig ? ctx.file : "This script", ctx.report, sshConfig);
  },
};
