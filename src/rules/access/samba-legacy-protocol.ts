// samba-legacy-protocol: a Samba server taking back what Samba turned off for being broken:
// SMB1 (`server min protocol = NT1`, or LANMAN1/LANMAN2/CORE/COREPLUS: no signing or encryption to
// speak of, deprecated and disabled by default since Samba 4.11), NTLMv1 (`ntlm auth = yes` /
// `ntlmv1-permitted`: a response cracked back to the password's NT hash, and relayed) and LANMAN
// (`lanman auth = yes`: DES of the upper-cased password). Typically done for an old client (a games
// console's loader, a scanner), and then true for every client of the network. Medium when
// `services.samba.openFirewall = true` opens port 445 on every interface and no `hosts allow`
// limits who connects, low otherwise (mrjones2014-dotfiles hosts/mikoshi/nas.nix: NT1 and NTLMv1 for
// PS2 games, guest shares, openFirewall; missed). Both `services.samba.settings.global` (NixOS
// 24.11+) and the older INI text of `services.samba.extraConfig` are read. Client-side settings
// (`client min protocol`) are not this rule's.
import { staticValue } from "../../nix/values.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { nixosOption } from "../shared/references.js";

const SMB1 = /^(?:NT1|LANMAN1|LANMAN2|CORE|COREPLUS|SMB1)$/i;

interface Weakness {
  title: string;
  why: string;
  fix: string;
  /** The value to write instead, when the fix is one value. */
  replacement?: string;
}

/** What a global setting turns back on, if anything. */
function weakness(key: string, value: string): Weakness | undefined {
  const k = key.trim().toLowerCase().replace(/\s+/g, " ");
  const v = value.trim();
  if ((k === "server min protocol" || k === "min protocol") && SMB1.test(v)) {
    return {
      title: "Samba accepts SMB1",
      why: `"${key.trim()}" = "${v}" lets clients speak SMB1, which Samba disables by default since 4.11: SMB1 has no encryption and only weak signing, and is the protocol version the worst SMB attacks were built on`,
      fix: 'Remove the setting (the default is SMB2_02) or raise it to "SMB2_10" or later; give an old client that needs SMB1 a separate, read-only share on a host of its own network.',
      replacement: "SMB2_02",
    };
  }
  if (k === "ntlm auth" && /^(?:yes|true|1|ntlmv1-permitted)$/i.test(v)) {
    return {
      title: "Samba accepts NTLMv1 logins",
      why: `"${key.trim()}" = "${v}" accepts NTLMv1 responses, which an eavesdropper cracks back to the password's NT hash (a hash that logs in as the user everywhere NTLM is taken) and a relay replays`,
      fix: 'Set "ntlm auth" = "ntlmv2-only" (the default) or "disabled".',
      replacement: "ntlmv2-only",
    };
  }
  if (k === "lanman auth" && /^(?:yes|true|1)$/i.test(v)) {
    return {
      title: "Samba accepts LANMAN logins",
      why: `"${key.trim()}" = "${v}" accepts LANMAN password hashes (DES of the upper-cased password), cracked in minutes`,
      fix: 'Remove "lanman auth" (the default is no).',
      replacement: "no",
    };
  }
  return undefined;
}

/** How reachable the server is: openFirewall without `hosts allow` is every network. */
function reach(ctx: NixFileContext, allow: unknown): { severity: Severity; note: string } {
  if (allow !== undefined) return { severity: "low", note: " `hosts allow` limits which addresses may connect, so it is reported as low." };
  const open = (ctx.index.byPath.get("services.samba.openFirewall") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === true);
  return open
    ? { severity: "medium", note: " services.samba.openFirewall = true opens port 445 on every interface, and no `hosts allow` limits who connects." }
    : { severity: "low", note: " This file does not open Samba's ports: it matters to the clients the firewall lets through to port 445 (an interface it trusts, or a port another module opens)." };
}

function checkNix(ctx: NixFileContext): void {
  if (!/samba/.test(ctx.text)) return;
  const global = new Map<string, { value: unknown; node: SyntaxNode }>();
  for (const def of ctx.index.definitions) {
    const s = def.segments;
    if (s.length !== 5 || s[0]!.name !== "services" || s[1]!.name !== "samba" || s[2]!.name !== "settings" || s[3]!.name !== "global" || s[4]!.dynamic || isDead(def)) continue;
    global.set(s[4]!.name.toLowerCase(), { value: staticValue(def.inner), node: def.inner ?? def.binding });
  }
  const allowOf = (m: Map<string, { value: unknown }>) => m.get("hosts allow")?.value ?? m.get("allow hosts")?.value;
  for (const [key, { value, node }] of global) {
    if (typeof value !== "string") continue;
    const w = weakness(key, value);
    if (!w) continue;
    const r = reach(ctx, allowOf(global));
    const edits: TextEdit[] | undefined = w.replacement ? [replaceNode(ctx.file, node, JSON.stringify(w.replacement))] : undefined;
    ctx.report({
      node,
      optionPath: `services.samba.settings.global."${key}"`,
      key: `global:${key}`,
      severity: r.severity,
      title: w.title,
      message: `services.samba.settings.global: ${w.why}.${r.note}`,
      fix: { safety: "review", description: `${w.fix} Clients that need the old protocol stop connecting.`, edits },
    });
  }
  // The older INI text: settings of [global] (or before any section).
  for (const def of ctx.index.byPath.get("services.samba.extraConfig") ?? []) {
    const s = cookString(def.inner);
    if (!s || isDead(def)) continue;
    let section = "global";
    const found: Array<{ w: Weakness; key: string; start: number; end: number }> = [];
    const iniGlobal = new Map<string, { value: unknown }>();
    for (const line of stringLines(s)) {
      const t = line.text.trim();
      const head = /^\[([^\]]+)\]$/.exec(t);
      if (head) {
        section = head[1]!.trim().toLowerCase();
        continue;
      }
      const kv = /^([^=#;]+?)\s*=\s*(.*)$/.exec(t);
      if (!kv || section !== "global") continue;
      iniGlobal.set(kv[1]!.toLowerCase(), { value: kv[2]! });
      const w = weakness(kv[1]!, kv[2]!);
      const at = line.start + line.text.indexOf(kv[1]!);
      if (w) found.push({ w, key: kv[1]!.trim().toLowerCase(), start: at, end: at + t.length });
    }
    for (const f of found) {
      const r = reach(ctx, allowOf(iniGlobal) ?? allowOf(global));
      ctx.report({
        range: sourceRange(s, f.start, f.end),
        optionPath: "services.samba.extraConfig",
        key: `extraConfig:${f.key}`,
        severity: r.severity,
        title: f.w.title,
        message: `services.samba.extraConfig: ${f.w.why}.${r.note}`,
        fix: { safety: "review", description: `${f.w.fix} Clients that need the old protocol stop connecting.` },
      });
    }
  }
}

export const sambaLegacyProtocol: Rule = {
  id: "samba-legacy-protocol",
  examples: {
    fire: [
      hostExample(`{\n  services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings.global = { "server min protocol" = "NT1"; "ntlm auth" = "yes"; };\n  };\n}\n`),
      hostExample(`{\n  services.samba.enable = true;\n  services.samba.extraConfig = ''\n    workgroup = WORKGROUP\n    min protocol = LANMAN2\n    lanman auth = yes\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{\n  services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings.global = { "server min protocol" = "SMB3_00"; "ntlm auth" = "ntlmv2-only"; "client min protocol" = "NT1"; };\n  };\n}\n`),
      // A share of the same name, and an SMB1 setting that is a share's (Samba reads it only in [global]).
      hostExample(`{\n  services.samba.enable = true;\n  services.samba.extraConfig = ''\n    [global]\n    server min protocol = SMB2_10\n    [old]\n    path = /srv/old\n    comment = NT1 clients used to read this\n  '';\n}\n`),
    ],
  },
  name: "Samba re-enables SMB1, NTLMv1 or LANMAN",
  category: "access",
  severity: "medium",
  rationale:
    "Samba turned SMB1, NTLMv1 and LANMAN authentication off by default because they are broken: SMB1 has no usable signing or encryption, an NTLMv1 response is cracked back to the password's NT hash, a LANMAN hash in minutes. Turned back on for one old client, they are on for every client of the network and every attacker on it.",
  fix: 'Leave "server min protocol", "ntlm auth" and "lanman auth" at their defaults; serve a client that needs SMB1 from a separate read-only share on a host of its own network.',
  references: [
    { title: "smb.conf(5): server min protocol, ntlm auth, lanman auth", url: "https://www.samba.org/samba/docs/current/man-html/smb.conf.5.html" },
    { title: "Samba 4.11 release notes: SMB1 disabled by default", url: "https://www.samba.org/samba/history/samba-4.11.0.html" },
    nixosOption("services.samba.settings"),
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.DS-02", "PR.AA-03"] },
  checkNix,
};
