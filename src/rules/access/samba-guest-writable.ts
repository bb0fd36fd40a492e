// samba-guest-writable: a Samba share that guests may write to (`"guest ok" = "yes"` or
// `public = yes` with `"read only" = "no"`, `writable`/`writeable = yes`). Anyone who reaches
// port 445 reads, changes, encrypts or deletes its files and drops what they like there, without an
// account and without a trace of who they were. Medium; high when the module opens the firewall
// (`services.samba.openFirewall = true`) and no `hosts allow` limits who connects; low when `hosts
// allow` does. Read-only guest shares (a media library) and writable shares for users are silent.
// Both the `services.samba.settings` form (NixOS 24.11+) and the older `services.samba.shares` are
// read; `extraConfig` INI text too.
import { staticValue } from "../../nix/values.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { calleeName, flattenApply, staticString, unparen, type OptionDefinition } from "../../nix/options.js";
import { boundValue } from "../../nix/scope.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { HostContext, NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";
import { fileAnswers } from "../shared/track.js";

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

/** Names of a user list (`"alice @staff"`, `[ "alice" "bob" ]`); undefined when computed. */
function users(v: unknown): string[] | undefined {
  if (typeof v === "string") return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return undefined;
}

/** Why Samba refuses guests on the share although it says `guest ok`: a guest session is the guest
 * account (`guest account`, nobody by default), so `valid users` without it (or `invalid users`
 * with it) turns guests away (Shawn8901 nix-configuration, tank's hopfelde share:
 * `"guest ok" = "yes"` with `"valid users" = "nologin"`, judged wrong as guest-writable). Groups
 * (`@staff`, `+staff`) are not resolved: a list with one is not taken to refuse guests. */
function guestRefused(share: Share, global: Share | undefined): string | undefined {
  const at = (...keys: string[]) => get(share, ...keys) ?? (global ? get(global, ...keys) : undefined);
  const guestAccount = typeof at("guest account") === "string" ? (at("guest account") as string).trim() : "nobody";
  const valid = users(at("valid users"));
  if (valid && valid.length && !valid.some((u) => /^[@+&]/.test(u)) && !valid.includes(guestAccount))
    return `\`valid users\` (${valid.join(" ")}) does not name the guest account (${guestAccount}), so Samba turns guest sessions away`;
  const invalid = users(at("invalid users"));
  if (invalid?.includes(guestAccount)) return `\`invalid users\` names the guest account (${guestAccount}), so Samba turns guest sessions away`;
  return undefined;
}

const REFUSED_FIX = `Drop "guest ok"/"public" from the share: it admits no guest today, and the contradiction invites a later "fix" (adding the guest account to "valid users") that would make it writable by anyone.`;

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
    const guestKey = ["guest ok", "public", "guest only"].find((k) => share.has(k))!;
    const refused = guestRefused(share, global);
    if (refused) {
      ctx.report({
        node: share.get(guestKey)!.node,
        key: `share:${name}`,
        severity: "low",
        title: `Samba share "${name}" says guests may write but refuses them`,
        message: `The Samba share "${name}" is writable and sets "${guestKey}", but ${refused}: only the accounts it lists can write. The settings contradict each other, which is why this is low.`,
        fix: { safety: "manual", description: REFUSED_FIX },
      });
      continue;
    }
    const { severity, note } = exposure(ctx, global, share);
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
    let iniGlobal: Share | undefined;
    const flush = () => {
      if (section?.name === "global") iniGlobal = section.share;
      if (!section || section.name === "global" || !guestWritable(section.share)) return;
      const refused = guestRefused(section.share, iniGlobal ?? global);
      if (refused) {
        ctx.report({
          range: sourceRange(s, section.start, section.start + section.name.length + 2),
          optionPath: "services.samba.extraConfig",
          key: `share:${section.name}`,
          severity: "low",
          title: `Samba share "${section.name}" says guests may write but refuses them`,
          message: `The Samba share [${section.name}] in services.samba.extraConfig is writable and allows guests, but ${refused}: only the accounts it lists can write. The settings contradict each other, which is why this is low.`,
          fix: { safety: "manual", description: REFUSED_FIX },
        });
        return;
      }
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
      // A wrapper option rendered into services.samba.settings; the host sets public and leaves read-only at its default (false).
      hostExample(`{\n  imports = [ ./samba.nix ];\n  my.samba.shares.data = { path = "/srv/data"; public = true; };\n}\n`, "configuration.nix", { "samba.nix": `{ config, lib, ... }:\nlet\n  cfg = config.my.samba;\n  yesNo = v: if v then "yes" else "no";\nin {\n  options.my.samba.shares = lib.mkOption {\n    type = lib.types.attrsOf (lib.types.submodule { options = {\n      path = lib.mkOption { type = lib.types.str; };\n      public = lib.mkOption { type = lib.types.bool; default = false; };\n      read-only = lib.mkOption { type = lib.types.bool; default = false; };\n    }; });\n    default = { };\n  };\n  config.services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings = lib.mapAttrs (_name: value: {\n      inherit (value) path;\n      public = yesNo value.public;\n      "read only" = yesNo value.read-only;\n    }) cfg.shares;\n  };\n}\n` }),
      // Guests allowed, but `valid users` leaves the guest account out: contradictory, low.
      hostExample(`{\n  services.samba.enable = true;\n  services.samba.openFirewall = true;\n  services.samba.settings.hopfelde = { path = "/media/hopfelde"; public = "yes"; writeable = "yes"; "guest ok" = "yes"; "valid users" = "nologin"; };\n}\n`),
    ],
    silent: [
      hostExample(
        `{\n  services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings = {\n      global."map to guest" = "bad user";\n      media = { path = "/srv/media"; "guest ok" = "yes"; "read only" = "yes"; };\n      home = { path = "/srv/home"; "read only" = "no"; "valid users" = "alice"; };\n    };\n  };\n}\n`,
      ),
      // The same wrapper: a public share made read-only, and a private writable one.
      hostExample(`{\n  imports = [ ./samba.nix ];\n  my.samba.shares.media = { path = "/srv/media"; public = true; read-only = true; };\n  my.samba.shares.home = { path = "/srv/home"; public = false; };\n}\n`, "configuration.nix", { "samba.nix": `{ config, lib, ... }:\nlet\n  cfg = config.my.samba;\n  yesNo = v: if v then "yes" else "no";\nin {\n  options.my.samba.shares = lib.mkOption {\n    type = lib.types.attrsOf (lib.types.submodule { options = {\n      path = lib.mkOption { type = lib.types.str; };\n      public = lib.mkOption { type = lib.types.bool; default = false; };\n      read-only = lib.mkOption { type = lib.types.bool; default = false; };\n    }; });\n    default = { };\n  };\n  config.services.samba = {\n    enable = true;\n    openFirewall = true;\n    settings = lib.mapAttrs (_name: value: {\n      inherit (value) path;\n      public = yesNo value.public;\n      "read only" = yesNo value.read-only;\n    }) cfg.shares;\n  };\n}\n` }),
      // `"guest ok" = "no"` wins over the `public` synonym written beside it.
      hostExample(`{\n  services.samba.enable = true;\n  services.samba.settings.data = { path = "/srv/data"; "guest ok" = "no"; public = "yes"; writeable = "yes"; };\n}\n`),
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
  checkHost: checkHostWrappers,
};

// ---------------------------------------------------------------------------------------------
// Shares declared through the repository's own option (khaneliman/khanelinix: a samba module maps
// `khanelinix.services.samba.shares.<n>.{public,read-only}` into services.samba.settings with
// `mapAttrs (_: value: { public = bool-to-yes-no value.public; "read only" = bool-to-yes-no
// value.read-only; }) cfg.shares`, and the NAS suite sets `public = true; read-only = false;`).

/** How a share key of the generated settings reads the wrapper option's field. */
interface FieldMap {
  field: string;
  negate: boolean;
}

/** `value.f`, `!value.f`, `toYesNo value.f` (a let-bound `v: if v then "yes" else "no"`, or its
 * inverse), `if value.f then "yes" else "no"`. */
function fieldOf(expr: SyntaxNode | undefined, param: string, depth = 0): FieldMap | undefined {
  const n = unparen(expr);
  if (!n || depth > 4) return undefined;
  const sel = (x: SyntaxNode | undefined) => {
    const m = unparen(x);
    const t = m?.kind === K.NODE_SELECT ? m.text.replace(/\s+/g, "") : "";
    return t.startsWith(`${param}.`) && /^[\w'-]+$/.test(t.slice(param.length + 1)) ? t.slice(param.length + 1) : undefined;
  };
  const direct = sel(n);
  if (direct) return { field: direct, negate: false };
  if (n.kind === K.NODE_UNARY_OP && n.text.trim().startsWith("!")) {
    const f = fieldOf(n.childNodes()[0], param, depth + 1);
    return f && { field: f.field, negate: !f.negate };
  }
  if (n.kind === K.NODE_IF_ELSE) {
    const [cond, then, other] = n.childNodes();
    const f = fieldOf(cond, param, depth + 1);
    const a = staticValue(then);
    const b = staticValue(other);
    if (!f || !((yes(a) && no(b)) || (no(a) && yes(b)))) return undefined;
    return { field: f.field, negate: yes(a) ? f.negate : !f.negate };
  }
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    if (args.length !== 1) return undefined;
    const f = fieldOf(args[0], param, depth + 1);
    if (!f) return undefined;
    const name = calleeName(fn) ?? "";
    if (/^(?:boolToString|boolToYesNo|yesNo|toYesNo)$/.test(name)) return f;
    // A let-bound converter: its body must say which way it maps.
    const lam = fn.kind === K.NODE_IDENT ? unparen(boundValue(fn)) : undefined;
    if (lam?.kind !== K.NODE_LAMBDA) return undefined;
    const p = lam.childNodes()[0];
    const conv = p?.kind === K.NODE_IDENT_PARAM ? fieldOfParam(lam.childNodes().at(-1), p.text.trim()) : undefined;
    return conv === undefined ? undefined : { field: f.field, negate: conv !== f.negate };
  }
  return undefined;
}

/** `if v then "yes" else "no"` is false (no negation), the inverse true; undefined otherwise. */
function fieldOfParam(body: SyntaxNode | undefined, v: string): boolean | undefined {
  const n = unparen(body);
  if (n?.kind !== K.NODE_IF_ELSE) return undefined;
  const [cond, then, other] = n.childNodes();
  if (unparen(cond)?.text.trim() !== v) return undefined;
  const a = staticValue(then);
  const b = staticValue(other);
  if (yes(a) && no(b)) return false;
  if (no(a) && yes(b)) return true;
  return undefined;
}

interface Wrapper {
  /** The option holding the shares (`khanelinix.services.samba.shares`). */
  option: string;
  guest?: { key: string; map: FieldMap };
  writable?: { key: string; map: FieldMap };
  readOnly?: { key: string; map: FieldMap };
  /** Field defaults from the submodule (`read-only = mkBoolOpt false ".."`), by field. */
  defaults: Map<string, boolean>;
  openFirewall: boolean;
  hostsAllow: boolean;
}

function wrappersIn(ctx: NixFileContext): Wrapper[] {
  const out: Wrapper[] = [];
  for (const path of ["services.samba.settings", "services.samba.shares"]) {
    for (const def of ctx.index.byPath.get(path) ?? []) {
      if (isDead(def) || !def.inner) continue;
      for (const app of [def.inner, ...def.inner.descendants(K.NODE_APPLY)]) {
        if (app.kind !== K.NODE_APPLY || app.parent?.kind === K.NODE_APPLY) continue;
        const { fn, args } = flattenApply(app);
        if (calleeName(fn) !== "mapAttrs" || args.length !== 2) continue;
        const option = optionOf(args[1]!);
        const lam = unparen(args[0]);
        if (!option || lam?.kind !== K.NODE_LAMBDA) continue;
        const inner = unparen(lam.childNodes().at(-1));
        const param = inner?.kind === K.NODE_LAMBDA ? inner.childNodes()[0] : undefined;
        if (param?.kind !== K.NODE_IDENT_PARAM) continue;
        const body = unparen(inner!.childNodes().at(-1));
        const sets = body ? [body, ...body.descendants(K.NODE_ATTR_SET)].filter((s) => s.kind === K.NODE_ATTR_SET && s.parent?.kind !== K.NODE_APPLY) : [];
        const w: Wrapper = { option, defaults: new Map(), openFirewall: false, hostsAllow: false };
        for (const set of sets) {
          for (const b of set.childNodes()) {
            if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
            const [k, v] = b.childNodes();
            const key = k ? staticString(k) ?? k.text.replace(/^"|"$/g, "") : "";
            const lower = key.toLowerCase();
            const map = fieldOf(v, param.text.trim());
            if (/^(?:hosts allow|allow hosts)$/.test(lower)) w.hostsAllow = true;
            if (!map) continue;
            if (["guest ok", "public", "guest only"].includes(lower)) w.guest ??= { key, map };
            else if (["writable", "writeable", "write ok"].includes(lower)) w.writable ??= { key, map };
            else if (lower === "read only") w.readOnly ??= { key, map };
          }
        }
        if (!w.guest || (!w.writable && !w.readOnly)) continue;
        for (const f of [w.guest.map.field, w.writable?.map.field, w.readOnly?.map.field]) {
          if (!f) continue;
          const m = new RegExp(`(?<![\\w'-])${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=\\s*(?:lib\\.)?(?:[\\w.]*\\.)?(?:mkBoolOpt|mkBoolOpt'|mkOpt\\s+(?:types\\.)?bool)\\s+(true|false)\\b|(?<![\\w'-])${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=\\s*(?:lib\\.)?mkOption\\s*\\{[^}]*?default\\s*=\\s*(true|false)\\s*;`).exec(ctx.text);
          if (m) w.defaults.set(f, (m[1] ?? m[2]) === "true");
        }
        w.openFirewall = (ctx.index.byPath.get("services.samba.openFirewall") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === true);
        out.push(w);
      }
    }
  }
  return out;
}

/** `cfg.shares` (with `cfg = config.a.b;`) or `config.a.b.shares`: the option path. */
function optionOf(ref: SyntaxNode): string | undefined {
  const n = unparen(ref);
  if (n?.kind !== K.NODE_SELECT) return undefined;
  const text = n.text.replace(/\s+/g, "");
  if (text.startsWith("config.")) return text.slice("config.".length);
  const base = n.childNodes()[0];
  if (base?.kind !== K.NODE_IDENT) return undefined;
  const bound = unparen(boundValue(base))?.text.replace(/\s+/g, "");
  if (!bound?.startsWith("config.") || !/^[\w.'-]+$/.test(bound)) return undefined;
  return `${bound.slice("config.".length)}${text.slice(base.text.length)}`;
}

function checkHostWrappers(h: HostContext): void {
  for (const file of h.files) {
    if (!fileAnswers(file, "sambaWrappers", (c) => c.text.includes("samba") && c.text.includes("mapAttrs"))) continue;
    for (const w of wrappersIn(file)) {
      const value = (field: string, share: string): { v: boolean | undefined; at?: { file: NixFileContext; def: OptionDefinition } } => {
        const defs = h.definitions(`${w.option}.${share}.${field}`).filter((d) => !isDead(d.def) && (!h.applies || h.applies(d.file.file, d.def.binding)));
        if (defs.length === 0) return { v: w.defaults.get(field) };
        const vals = defs.map((d) => staticValue(d.def.inner));
        return vals.every((x) => x === vals[0]) && typeof vals[0] === "boolean" ? { v: vals[0], at: defs[0] } : { v: undefined };
      };
      const shares = new Set(h.matching(`${w.option}.*.${w.guest!.map.field}`).map((d) => d.def.segments.at(-2)!).filter((s) => !s.dynamic).map((s) => s.name));
      const open: Array<{ share: string; at: { file: NixFileContext; def: OptionDefinition } }> = [];
      for (const share of [...shares].sort()) {
        const g = value(w.guest!.map.field, share);
        if (g.v === undefined || !g.at || g.v === w.guest!.map.negate) continue;
        let writable: boolean | undefined;
        if (w.writable) {
          const x = value(w.writable.map.field, share).v;
          writable = x === undefined ? undefined : x !== w.writable.map.negate;
        }
        if (!writable && w.readOnly) {
          const x = value(w.readOnly.map.field, share).v;
          if (x !== undefined) writable = (x !== w.readOnly.map.negate) === false;
        }
        if (writable) open.push({ share, at: g.at });
      }
      if (!open.length) continue;
      // One finding for the wrapper on this host, at its first share: one problem, one fix.
      const first = open[0]!;
      const names = open.map((o) => `"${o.share}"`);
      const severity: Severity = w.hostsAllow ? "low" : w.openFirewall ? "high" : "medium";
      const note = w.hostsAllow ? " The module sets `hosts allow`, which limits who may connect." : w.openFirewall ? ` ${file.file} sets services.samba.openFirewall = true, opening port 445 on every interface, and no \`hosts allow\` limits who connects.` : "";
      h.report({
        file: first.at.file.file,
        node: first.at.def.inner ?? first.at.def.binding,
        key: `wrapper:${w.option}`,
        severity,
        title: open.length === 1 ? `Samba share ${names[0]} is writable by guests` : `${open.length} Samba shares are writable by guests`,
        message: `The Samba share${open.length === 1 ? "" : "s"} ${names.join(", ")} of ${w.option} (rendered into services.samba.settings by ${file.file}) allow${open.length === 1 ? "s" : ""} guests ("${w.guest!.key}") and ${open.length === 1 ? "is" : "are"} writable: anyone who reaches the server reads, changes, encrypts or deletes their files without an account.${note}`,
        fix: {
          safety: "manual",
          description: `Make the shares read-only for guests, or set ${w.guest!.map.field} = ${w.guest!.map.negate ? "true" : "false"} and give the people who write to them Samba accounts (smbpasswd -a) with "valid users".`,
        },
      });
    }
  }
}
