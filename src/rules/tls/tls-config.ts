// Old TLS protocols and weak cipher suites, wherever a server is told which to use: NixOS options
// (services.nginx.sslProtocols / sslCiphers, services.httpd.sslProtocols / sslCiphers), directives in
// configuration text inside Nix strings (`ssl_protocols` in an nginx extraConfig, `SSLProtocol` in
// httpd's, Dovecot's `ssl_min_protocol`, HAProxy's `ssl-min-ver`), and the same directives in
// committed configuration files. Disabled services and commented-out directives are not findings.
// What the two rules (tls-old-protocol, tls-weak-cipher) share is here.
import type { OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticString } from "../../nix/options.js";
import { enclosingDefinition, inOptionDocumentation, isStaticallyDisabled, rangeOf, serviceDisabledInFile, stringSource, unwrapped } from "../nix-strings.js";
import type { NixFileContext, RuleReport, TextEdit, TextFileContext } from "../types.js";
import { LineIndex } from "../../nix/syntax.js";
import {
  SEVERE_FAMILIES,
  enabledProtocols,
  findDirectives,
  fixedProtocols,
  oldIn,
  weakCiphers,
  withoutWeakCiphers,
  type DirectiveKind,
  type ProtocolSyntax,
} from "./syntax.js";

interface TlsSetting {
  kind: DirectiveKind;
  syntax: ProtocolSyntax | "openssl";
  /** What sets it: the option path or the directive name. */
  label: string;
  optionPath?: string;
  args: string;
  /** File offsets of the argument text. */
  start: number;
  end: number;
  /** The string node holding it (Nix files). */
  node?: SyntaxNode;
  /** The source text of the arguments can be replaced as is (no escapes or interpolations). */
  editable: boolean;
}

const OPTION_SETTINGS: Record<string, { kind: DirectiveKind; syntax: ProtocolSyntax | "openssl" }> = {
  "services.nginx.sslProtocols": { kind: "protocols", syntax: "nginx" },
  "services.nginx.sslCiphers": { kind: "ciphers", syntax: "openssl" },
  "services.httpd.sslProtocols": { kind: "protocols", syntax: "apache" },
  "services.httpd.sslCiphers": { kind: "ciphers", syntax: "openssl" },
};

function inUse(ctx: NixFileContext, def: OptionDefinition | undefined): boolean {
  if (!def) return true;
  if (isStaticallyDisabled(def)) return false;
  const s = def.segments.map((x) => x.name);
  if (s[0] === "services" && s.length > 2 && serviceDisabledInFile(ctx.index, `services.${s[1]}`)) return false;
  return true;
}

const settingsCache = new WeakMap<object, TlsSetting[]>();

/** Every TLS protocol / cipher setting of a Nix file (both rules ask; computed once per parse). */
export function nixSettings(ctx: NixFileContext): TlsSetting[] {
  let out = settingsCache.get(ctx.parsed);
  if (!out) settingsCache.set(ctx.parsed, (out = collectNixSettings(ctx)));
  return out;
}

function collectNixSettings(ctx: NixFileContext): TlsSetting[] {
  const out: TlsSetting[] = [];
  const seen = new Set<SyntaxNode>();
  for (const [path, how] of Object.entries(OPTION_SETTINGS)) {
    for (const def of ctx.index.byPath.get(path) ?? []) {
      const str = unwrapped(def.value);
      if (str?.kind !== K.NODE_STRING || staticString(str) === undefined || !inUse(ctx, def)) continue;
      const src = stringSource(str)!;
      seen.add(str);
      out.push({ ...how, label: path, optionPath: path, args: src.text, start: src.offset, end: src.offset + src.text.length, node: str, editable: !/[\\$']/.test(src.text) });
    }
  }
  // Attribute names are not values.
  for (const node of ctx.parsed.root.descendants(K.NODE_STRING)) {
    if (seen.has(node) || node.inside(K.NODE_ATTRPATH) || inOptionDocumentation(node)) continue;
    const src = stringSource(node);
    if (!src || !/ssl|tls/i.test(src.text)) continue;
    const directives = findDirectives(src.text);
    if (directives.length === 0) continue;
    const def = enclosingDefinition(ctx.index, node);
    if (!inUse(ctx, def)) continue;
    for (const d of directives) {
      out.push({
        kind: d.kind,
        syntax: d.syntax,
        label: d.name,
        optionPath: def?.path,
        args: d.args,
        start: src.offset + d.start,
        end: src.offset + d.end,
        node,
        editable: !/[\\$]|''/.test(d.args),
      });
    }
  }
  return out;
}

/** Directives in a committed configuration file (nginx.conf, httpd.conf, dovecot.conf, haproxy.cfg). */
export function fileSettings(ctx: TextFileContext): TlsSetting[] {
  if (ctx.text === undefined || !/\.(?:conf|cfg)$|(?:^|\/)(?:nginx|httpd|apache2?|haproxy|dovecot)[^/]*$/i.test(ctx.file)) return [];
  return findDirectives(ctx.text).map((d) => ({ kind: d.kind, syntax: d.syntax, label: d.name, args: d.args, start: d.start, end: d.end, editable: true }));
}

type Reporter = (r: RuleReport) => void;

export function checkProtocols(file: string, lines: LineIndex, settings: TlsSetting[], report: Reporter): void {
  for (const s of settings) {
    if (s.kind !== "protocols" || s.syntax === "openssl") continue;
    const old = oldIn(enabledProtocols(s.syntax, s.args));
    if (old.length === 0) continue;
    const severe = old.some((p) => p.startsWith("SSL"));
    const edits: TextEdit[] | undefined = s.editable ? [{ file, start: s.start, end: s.end, text: fixedProtocols(s.syntax, s.args) }] : undefined;
    report({
      node: s.node,
      range: rangeOf(lines, s.start, s.end),
      severity: severe ? "high" : "medium",
      optionPath: s.optionPath,
      key: `${s.label}:${old.join(",")}`,
      message:
        `${s.label}${s.optionPath && s.optionPath !== s.label ? ` (in ${s.optionPath})` : ""} enables ${old.join(", ")}: ` +
        (severe ? "SSL 2/3 are broken (POODLE, DROWN) and allow decrypting traffic." : "TLS 1.0 and 1.1 are deprecated (RFC 8996) and rely on SHA-1/MD5 and CBC constructions with known attacks."),
      fix: {
        safety: "review",
        description: `Allow only TLS 1.2 and 1.3 (${s.syntax === "apache" ? "append the removals" : "remove the old protocols"}: \`${fixedProtocols(s.syntax, s.args)}\`). Clients that only speak the old protocols lose access.`,
        edits,
      },
    });
  }
}

export function checkCiphers(file: string, lines: LineIndex, settings: TlsSetting[], report: Reporter): void {
  for (const s of settings) {
    if (s.kind !== "ciphers") continue;
    const weak = weakCiphers(s.args);
    if (weak.length === 0) continue;
    const families = [...new Set(weak.flatMap((w) => w.families))];
    const severe = weak.some((w) => !w.implied && w.families.some((f) => SEVERE_FAMILIES.has(f)));
    const fixed = withoutWeakCiphers(s.args, weak);
    const first = weak[0]!;
    report({
      node: s.node,
      range: rangeOf(lines, s.start + first.start, s.start + weak[weak.length - 1]!.end),
      severity: severe ? "high" : "medium",
      optionPath: s.optionPath,
      key: `${s.label}:${families.join(",")}`,
      message: `${s.label}${s.optionPath && s.optionPath !== s.label ? ` (in ${s.optionPath})` : ""} enables weak cipher suites: ${weak.map((w) => (w.implied ? `${w.element} (brings in ${w.families.map((f) => (f === "aNULL" ? "anonymous aNULL suites" : "unencrypted eNULL suites")).join(" and ")})` : `${w.element} (${w.families.join("/")})`)).join(", ")}.`,
      fix: {
        safety: "review",
        description: `Remove the weak suites: \`${fixed}\`${s.optionPath === "services.nginx.sslCiphers" ? " (or drop the option to use NixOS's Mozilla-intermediate default)" : ""}. Very old clients may lose access.`,
        edits: s.editable ? [{ file, start: s.start, end: s.end, text: fixed }] : undefined,
      },
    });
  }
}

export const TLS_COMPLIANCE = {
  cis: ["CIS NGINX Benchmark 4.1.4 Ensure only modern TLS protocols are used", "CIS Apache HTTP Server 2.4 Benchmark 7.4 Ensure Weak SSL/TLS Protocols Are Disabled"],
  nist: ["PR.DS-02"],
};
