// samba-guest-writable: a Samba share that guests may write to (`"guest ok" = "yes"` or
// `public = yes` with `"read only" = "no"`, `writable`/`writeable = yes`). Anyone who reaches
// port 445 reads, changes, encrypts or deletes its files and drops what they like there, without an
// account and without a trace of who they were. Medium; high when the module opens the firewall
// (`services.samba.openFirewall = true`) and no `hosts allow` limits who connects; low when `hosts
// allow` does. Read-only guest shares (a media library) and writable shares for users are silent.
// Both the `services.samba.settings` form (NixOS 24.11+) and the older `services.samba.shares` are
// read; `extraConfig` INI text too.
import { staticValue } from "../../nix/values.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

type Share = Map<string, { value: unknown; node: SyntaxNode | undefined }>;

const yes = (v: unknown) => v === true || v === 1 || (typeof v === "string" && /^(?:yes|true|1)$/i.test(v.trim()));
const no = (v: unknown) => v === false || v === 0 || (typeof v === "string" && /^(?:no|false|0)$/i.test(v.trim()));

function get(share: Share, ...keys: string[]): unknown {
  for (const k of keys) if (share.has(k)) return share.get(k)!.value;
  return undefined;
}

/** The share lets guests write: guests allowed and the share writable. */
function guestWritable(share: Share): boolean {
  const guest = yes(get(share, "guest ok", "public", "guest only"));
  const writable = yes(get(share, "writable", "writeable", "write ok")) || no(get(share, "read only"));
  return guest && writable;
}

function sharesIn(ctx: NixFileContext): Map<string, Share> {
  const shares = new Map<string, Share>();
  for (const def of ctx.index.definitions) {
    const s = def.segments;
    if (s.length !== 5 || s[0]!.name !== "services" || s[1]!.name !== "samba" || (s[2]!.name !== "settings" && s[2]!.name !== "shares") || s[3]!.dynamic || s[4]!.dynamic || isDead(def)) continue;
    const name = s[3]!.name;
    let share = shares.get(name);
    if (!share) shares.set(name, (share = new Map()));
    share.set(s[4]!.name.toLowerCase(), { value: staticValue(def.inner), node: def.inner ?? def.binding });
  }
  return shares;
}

function exposure(ctx: NixFileContext, global: Share | undefined, share: Share): { severity: Severity; note: string } {
  const allow = get(share, "hosts allow", "allow hosts") ?? (global ? get(global, "hosts allow", "allow hosts") : undefined);
  if (allow !== undefined) {
    // A list (`[ "192.168.1." "127." ]`) or a string; anything else is computed.
    const shown = Array.isArray(allow) ? allow.map(String).join(" ") : typeof allow === "string" ? allow : "a computed value";
    return { severity: "low", note: ` \`hosts allow\` (${shown}) limits which addresses may connect, so this is reported as low.` };
  }
  const open = (ctx.index.byPath.get("services.samba.openFirewall") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === true);
  if (open) return { severity: "high", note: " services.samba.openFirewall = true opens port 445 on every interface, and no `hosts allow` limits who connects." };
  return { severity: "medium", note: "" };
}

function checkNix(ctx: NixFileContext): void {
  const shares = sharesIn(ctx);
  const global = shares.get("global");
  for (const [name, share] of shares) {
    if (name === "global" || !guestWritable(share)) continue;
    const { severity, note } = exposure(ctx, global, share);
    const guestKey = ["guest ok", "public", "guest only"].find((k) => share.has(k))!;
    ctx.report({
      node: share.get(guestKey)!.node,
      key: `share:${name}`,
      severity,
      title: `Samba share "${name}" is writable by guests`,
      message: `The Samba share "${name}" allows guests ("${guestKey}") and is writable: anyone who reaches the server reads, changes, encrypts or deletes its files without an account.${note}`,
      fix: {
        safety: "manual",
        description: `Make the share read-only for guests ("read only" = "yes", or "write list" for named users), or drop "guest ok" and give the people who write to it Samba accounts (smbpasswd -a) with "valid users".`,
      },
    });
  }
  // The older `extraConfig` INI text.
  for (const def of ctx.index.byPath.get("services.samba.extraConfig") ?? []) {
    const s = cookString(def.inner);
    if (!s || isDead(def)) continue;
    let section: { name: string; share: Share; start: number } | undefined;
    const flush = () => {
      if (!section || section.name === "global" || !guestWritable(section.share)) return;
      ctx.report({
        range: sourceRange(s, section.start, section.start + section.name.length + 2),
        optionPath: "services.samba.extraConfig",
        key: `share:${section.name}`,
        severity: "medium",
        title: `Samba share "${section.name}" is writable by guests`,
        message: `The Samba share [${section.name}] in services.samba.extraConfig allows guests and is writable: anyone who reaches the server reads, changes, encrypts or deletes its files without an account.`,
        fix: { safety: "manual", description: 'Make the share read-only for guests, or drop "guest ok" and give the people who write to it Samba accounts.' },
      });
    };
    for (const line of stringLines(s)) {
      const t = line.text.trim();
      const head = /^\[([^\]]+)\]$/.exec(t);
      if (head) {
        flush();
        section = { name: head[1]!.trim().toLowerCase(), share: new Map(), start: line.start + line.text.indexOf("[") };
        continue;
      }
      const kv = /^([^=#;]+?)\s*=\s*(.*)$/.exec(t);
      if (kv && section) section.share.set(kv[1]!.toLowerCase(), { value: kv[2]!, node: undefined });
    }
    flush();
  }
}

export const sambaGuestWritable: Rule = {
  id: "samba-guest-writable",
  examples: {
    fire: [
      hostExample(`{\n  services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings.public = {\n      path = "/srv/public";\n      "guest ok" = "yes";\n      "read only" = "no";\n    };\n  };\n}\n`),
      hostExample(`{\n  services.samba.enable = true;\n  services.samba.shares.drop = { path = "/srv/drop"; public = true; writable = true; };\n}\n`),
    ],
    silent: [
      hostExample(
        `{\n  services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings = {\n      global."map to guest" = "bad user";\n      media = { path = "/srv/media"; "guest ok" = "yes"; "read only" = "yes"; };\n      home = { path = "/srv/home"; "read only" = "no"; "valid users" = "alice"; };\n    };\n  };\n}\n`,
      ),
    ],
  },
  name: "Samba share writable by guests",
  category: "access",
  severity: "medium",
  rationale:
    "A guest share needs no account: whoever reaches the Samba server uses it. Writable, it lets anyone on the network (or the Internet, when port 445 is open to it) read, replace, encrypt or delete its files and plant files others will open.",
  fix: "Keep guest shares read-only; give writers Samba accounts and list them in `valid users` or `write list`; restrict `hosts allow`.",
  references: [
    { title: "smb.conf(5): guest ok, read only, hosts allow", url: "https://www.samba.org/samba/docs/current/man-html/smb.conf.5.html" },
    nixosOption("services.samba.settings"),
  ],
  compliance: { cis: [], nist: ["PR.AA-05", "PR.DS-01"] },
  checkNix,
};
