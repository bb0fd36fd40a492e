// ssh-agent-forwarding-sudo: SSH agent forwarding (ForwardAgent) to other hosts in a repository
// whose machines let sudo authenticate with the SSH agent (security.pam.sshAgentAuth, pam_rssh).
// Whoever is root on a host the agent is forwarded to (or its admin, or an intruder there) can use
// the forwarded agent while the session lasts: to log in wherever the keys open, and, on the hosts
// whose sudo takes the agent as proof, to pass sudo as the user, so one compromised server becomes
// root on the machines that trust the agent. starcraft66-os-config home-manager/programs/ssh.nix
// (ForwardAgent to whole domains; luna and helia with pam.sshAgentAuth), found by an admin, missed.
// Medium for `Host *`, a wildcard or domain pattern, or forwarding on by default; low for named
// hosts. Silent where no file of the repository turns sudo's agent authentication on, and for
// `ForwardAgent no`.
import type { OptionDefinition } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { nixosOption } from "../shared/references.js";
import type { NixFileContext, Rule } from "../types.js";

const AGENT_SUDO = /^security\.pam\.(?:sshAgentAuth\.enable|rssh\.enable|services\.sudo\.(?:sshAgentAuth|rssh))$/;
const truthy = (v: unknown) => v === true || (typeof v === "string" && /^(?:yes|true)$/i.test(v.trim()));

interface Forward {
  ctx: NixFileContext;
  def: OptionDefinition;
  pattern: string;
}

function forwards(ctx: NixFileContext): Forward[] {
  if (!/forwardAgent|ForwardAgent/.test(ctx.text)) return [];
  const out: Forward[] = [];
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner) continue;
    const all = def.segments.map((x) => x.name);
    // From `programs.ssh` on (home-manager's `home-manager.users.<u>.programs.ssh...` too).
    const k = all.findIndex((x, i) => x === "programs" && all[i + 1] === "ssh");
    if (k < 0) continue;
    const s = all.slice(k);
    const v = staticValue(def.inner);
    // home-manager: programs.ssh.matchBlocks.<pattern>.forwardAgent, programs.ssh.forwardAgent (every host).
    // The newer home-manager spelling: programs.ssh.settings.<pattern>.ForwardAgent.
    const block = s[2] === "matchBlocks" || s[2] === "settings";
    if (block && s.length === 5 && /^[fF]orwardAgent$/.test(s[4]!) && truthy(v)) out.push({ ctx, def, pattern: s[3]! });
    else if (block && s.length === 6 && s[4] === "extraOptions" && s[5] === "ForwardAgent" && truthy(v)) out.push({ ctx, def, pattern: s[3]! });
    else if (s.length === 3 && s[2] === "forwardAgent" && v === true) out.push({ ctx, def, pattern: "*" });
    // ssh_config text (NixOS programs.ssh.extraConfig, home-manager's extraConfig).
    else if (s.length === 3 && s[2] === "extraConfig" && typeof v === "string") {
      let host = "*";
      for (const line of v.split("\n")) {
        const l = line.trim();
        const h = /^(?:Host|Match\s+host)\s+(.+)$/i.exec(l);
        if (h) host = h[1]!.trim();
        if (/^ForwardAgent\s+(?:yes|true)\b/i.test(l)) {
          out.push({ ctx, def, pattern: host });
          break;
        }
      }
    }
  }
  return out;
}

function agentSudo(files: NixFileContext[]): Array<{ file: string; line: number }> {
  const out: Array<{ file: string; line: number }> = [];
  for (const f of files) {
    if (!/sshAgentAuth|rssh/.test(f.text)) continue;
    for (const def of f.index.definitions) if (!isDead(def) && AGENT_SUDO.test(def.path) && staticValue(def.inner) === true) out.push({ file: f.file, line: def.line });
  }
  return out;
}

const WIDE = /[*?]|^\.|^[\w-]+\.[\w.-]+$/;

export const sshAgentForwardingSudo: Rule = {
  id: "ssh-agent-forwarding-sudo",
  examples: {
    fire: [
      hostExample(`{\n  security.pam.sshAgentAuth.enable = true;\n  security.pam.services.sudo.sshAgentAuth = true;\n  home-manager.users.alice.programs.ssh.matchBlocks."*.example.org".forwardAgent = true;\n}\n`),
      hostExample(`{\n  security.pam.rssh.enable = true;\n  programs.ssh.extraConfig = ''\n    Host bastion\n      ForwardAgent yes\n  '';\n}\n`),
    ],
    silent: [
      // Forwarding, but no machine takes the agent as sudo's proof.
      hostExample(`{\n  home-manager.users.alice.programs.ssh.matchBlocks."*.example.org".forwardAgent = true;\n}\n`),
      // Agent authentication for sudo without forwarding anywhere, and forwarding turned off.
      hostExample(`{\n  security.pam.sshAgentAuth.enable = true;\n  programs.ssh.extraConfig = "Host *\\n  ForwardAgent no\\n";\n  home-manager.users.alice.programs.ssh.matchBlocks.work.forwardAgent = false;\n}\n`),
    ],
  },
  name: "SSH agent forwarded where sudo accepts the agent",
  category: "access",
  severity: "medium",
  rationale:
    "A forwarded SSH agent can be used by root on the remote host for as long as the session lasts. When the repository's machines let sudo authenticate with the SSH agent (pam_ssh_agent_auth, pam_rssh), a compromised host the agent is forwarded to can pass sudo, and log in, on them.",
  fix: "Forward the agent to no host (use ProxyJump for bastions), or only to named hosts you trust as much as the machines whose sudo takes the agent; or keep sudo on a password.",
  references: [nixosOption("security.pam.sshAgentAuth.enable"), { title: "ssh_config(5): ForwardAgent", url: "https://man.openbsd.org/ssh_config#ForwardAgent" }],
  compliance: { cis: ["5.2 Configure SSH Server"], nist: ["PR.AA-01", "PR.AA-05"] },
  checkRepository(files, sink) {
    if (!files.some((f) => /forwardAgent|ForwardAgent/.test(f.text))) return;
    const sudo = agentSudo(files);
    if (!sudo.length) return;
    const where = sudo.slice(0, 3).map((s) => `${s.file}:${s.line}`).join(", ") + (sudo.length > 3 ? ` and ${sudo.length - 3} more` : "");
    for (const f of files) {
      for (const fw of forwards(f)) {
        const wide = fw.pattern === "*" || WIDE.test(fw.pattern);
        const severity: Severity = wide ? "medium" : "low";
        sink.report(fw.ctx, {
          node: fw.def.inner,
          optionPath: fw.def.path,
          severity,
          title: "SSH agent forwarded while sudo accepts the agent",
          message:
            `${fw.def.path} forwards the SSH agent to ${fw.pattern === "*" ? "every host" : `hosts matching "${fw.pattern}"`}, and sudo accepts the SSH agent as proof on machines of this repository (${where}): ` +
            `root, or an intruder, on ${wide ? "any host that pattern matches" : "that host"} can use the forwarded agent while the session lasts, to log in wherever the keys open and to pass sudo on those machines.`,
          fix: {
            safety: "manual",
            description: "Use ProxyJump instead of forwarding for bastions, forward only to named hosts trusted as much as the machines whose sudo takes the agent, or use a confirm-on-use agent (ssh-add -c, a hardware key with touch) for the keys sudo accepts.",
          },
        });
      }
    }
  },
};
