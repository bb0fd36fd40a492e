// tls-verification-disabled: certificate verification turned off, so whoever sits on the path
// (a Wi-Fi, a compromised router, DNS) can impersonate the server and read or change what is
// sent, credentials included. Three shapes: a setting (`sslVerify = false`, `verify_ssl = false`,
// `insecureSkipVerify = true`, `NODE_TLS_REJECT_UNAUTHORIZED = "0"`, `GIT_SSL_NO_VERIFY`) anywhere
// in a Nix file, an environment assignment or git/npm setting inside a string (a systemd
// `Environment=`, a script), and a command that skips verification in a script (`curl -k`,
// `wget --no-check-certificate`, `--insecure-skip-tls-verify`). NixOS VM tests are left alone:
// they talk to throwaway servers with self-signed certificates by design.
import { attrpathSegments } from "../../nix/options.js";
import { replaceNode } from "../../nix/edit.js";
import { LineIndex, SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { commandName, type ShellWord } from "../../shell/parse.js";
import { commandEvidence, commandsInNix, commandsInTextFile, isShellScriptFile, rangeOf, removeWordEdit, type ScriptCommand } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule, RuleReport, TextEdit } from "../types.js";
import { nixosOption } from "../shared/references.js";
import { escapeRegExp } from "../../text/regexp.js";

/** Setting names (lower case, without `_ - .`) that turn verification off when false. */
const OFF_WHEN_FALSE = new Set(["sslverify", "verifyssl", "tlsverify", "verifytls", "sslverifypeer", "verifypeer", "verifycertificate", "verifycertificates", "verifycert", "verifycerts", "strictssl", "checkcertificate", "validatecerts"]);
/** ... and when true. */
const OFF_WHEN_TRUE = new Set(["insecureskipverify", "tlsinsecureskipverify", "tlsskipverify", "skiptlsverify", "skipverify", "skipsslverify", "sslskipverify", "skipcertverify", "skipcertificateverification", "sslnoverify", "gitsslnoverify", "tlsinsecure", "disablesslverification", "disabletlsverification", "insecuretls"]);
/** Environment variables that turn verification off when "0". */
const OFF_WHEN_ZERO = new Set(["nodetlsrejectunauthorized", "pythonhttpsverify"]);

const FALSY = new Set(["false", "0", "no", "off"]);
const TRUTHY = new Set(["true", "1", "yes", "on"]);

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, "");
}

function asWord(v: unknown): string | undefined {
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return v.trim().toLowerCase();
  return undefined;
}

/** Does `name = value` turn verification off? The replacement value for the fix, when there is one. */
function settingOff(name: string, value: unknown): { replacement?: string } | undefined {
  const n = normalise(name);
  const w = asWord(value);
  if (w === undefined) return undefined;
  const quoted = typeof value === "string";
  const flip = (to: boolean) => (typeof value === "boolean" ? String(to) : quoted ? `"${to}"` : undefined);
  if (OFF_WHEN_FALSE.has(n) && FALSY.has(w)) return { replacement: flip(true) };
  if (OFF_WHEN_TRUE.has(n) && (TRUTHY.has(w) || (n === "gitsslnoverify" && w !== "" && !FALSY.has(w)))) return { replacement: flip(false) };
  if (OFF_WHEN_ZERO.has(n) && w === "0") return {};
  return undefined;
}

// Inside a string: an environment assignment or a tool's setting that turns verification off.
const IN_TEXT =
  /\b(?:(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)=["']?0\b|(GIT_SSL_NO_VERIFY)=["']?(?:1|true|yes)\b|(http\.sslVerify)(?:\s*=\s*|\s+)["']?(?:false|0|no|off)\b|(strict-ssl)(?:\s*=\s*|\s+)["']?false\b)/gi;

/** Matches of IN_TEXT outside comment lines, with their offsets in `text`. */
function textMatches(text: string): Array<{ start: number; end: number; what: string }> {
  const out: Array<{ start: number; end: number; what: string }> = [];
  for (const m of text.matchAll(IN_TEXT)) {
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (/^\s*(#|\/\/)/.test(text.slice(lineStart, m.index))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, what: m[0] });
  }
  return out;
}

// curl's short options that take an argument: in `-sSLo file` the letters after `o` are its value.
const CURL_SHORT_ARG = new Set([..."AbcCdDeEFHKmoPQrtTuUwxXYyz"]);
const SKIP_FLAGS = new Set(["--insecure-skip-tls-verify", "--tls-skip-verify", "--skip-tls-verify", "--insecure-skip-verify", "--tls-verify=false", "--tlsverify=false", "--no-check-certificate"]);

/** The words of a command that turn verification off. */
function insecureWords(argv: ShellWord[]): ShellWord[] {
  const name = commandName(argv[0]);
  const out: ShellWord[] = [];
  for (const w of argv.slice(1)) {
    const v = w.value;
    if (v === "--") break;
    if (SKIP_FLAGS.has(v)) out.push(w);
    else if ((name === "curl" || name === "wget") && v === "--insecure") out.push(w);
    else if (name === "curl" && /^-[A-Za-z0-9#:]+$/.test(v)) {
      for (const c of v.slice(1)) {
        if (c === "k") {
          out.push(w);
          break;
        }
        if (CURL_SHORT_ARG.has(c)) break;
      }
    }
  }
  return out;
}

/** A server on this host, written as a command's argument: loopback, the unspecified address
 * (`0.0.0.0:8384` connects to this host), or the listen address of a service the configuration
 * itself sets (`${cfg.guiAddress}/rest/config`, `http://${cfg.listenAddress}`): whatever it is, a
 * host connecting to an address it listens on never leaves the host. */
const LOCAL_TARGET = /^(?:[a-z][\w+.-]*:\/\/)?(?:[^@/\s]*@)?(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0|\[::\]|\$\{[\w.'"-]*\.(?:gui|listen|bind)\w*\})(?::[\w${}.]+)?(?:[/?#]|$)/i;
/** A word naming a server: a URL, `host:port[/path]`, or an address built from an interpolation. */
const TARGET_LIKE = /^(?:[a-z][\w+.-]*:\/\/|\$\{|[\w.-]+:\d+(?:\/|$)|\[[0-9a-f:]+\](?::\d+)?(?:\/|$))/i;
/** An expression naming a listen address (`cfg.guiAddress`, `config.services.x.listenAddress`). */
const LISTEN_ADDRESS_NAME = /\b(?:gui|listen|bind)\w*(?:Address|Addr)\b|\.(?:gui|listen|bind)\w*$/i;

/** The expression of a word's leading interpolation (`${curlAddr "/rest/${x}"}/y` gives `curlAddr "/rest/${x}"`). */
function leadingInterpolation(raw: string): string | undefined {
  if (!raw.startsWith("${")) return undefined;
  let depth = 0;
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === "{") depth++;
    else if (raw[i] === "}" && --depth === 0) return raw.slice(2, i);
  }
  return undefined;
}

/** Whether an interpolated address is a listen address of this configuration: named so, or bound
 * (in the same file, through at most three names) to an expression that is (`curlAddr =
 * curlAddressArgs cfg.guiAddress;` … `${curlAddr "/rest/config"}`, `baseAddress = curlAddr "…";`
 * … `${s.baseAddress}`: the upstream Syncthing module's config updater). */
function listenAddressExpr(expr: string, text: string, depth = 0): boolean {
  if (LISTEN_ADDRESS_NAME.test(expr.trim().split(/\s/)[0]!) || LISTEN_ADDRESS_NAME.test(expr)) return true;
  if (depth >= 3) return false;
  const head = /^[\w.'-]+/.exec(expr.trim())?.[0].split(".").pop();
  if (!head || !/^[A-Za-z_][\w'-]*$/.test(head)) return false;
  const binding = new RegExp(`(?:^|[\\s{;.])${escapeRegExp(head)}\\s*=\\s*([^;]*);`, "m").exec(text);
  return !!binding && listenAddressExpr(binding[1]!, text, depth + 1);
}

/** A target on this host: loopback, the unspecified address, or a listen address of the configuration. */
function localTarget(raw: string, text: string): boolean {
  if (LOCAL_TARGET.test(raw)) return true;
  const expr = leadingInterpolation(raw);
  return expr !== undefined && listenAddressExpr(expr, text);
}

/** Nix interpolations taken out of a stretch of script (`${pkgs.curl}`), so braces left are the shell's. */
function withoutInterpolations(s: string): string {
  let prev;
  do {
    prev = s;
    s = s.replace(/\$\{[^{}]*\}/g, "X");
  } while (s !== prev);
  return s;
}

/** A word as written in the file. A word ending in a Nix interpolation ends, in the word's offsets,
 * at the interpolation's `$` (all its characters map there): the interpolation is taken whole. */
function rawWord(w: ShellWord, text: string): string {
  let end = w.end;
  if (text.slice(end - 1, end + 1) === "${") {
    let depth = 0;
    for (let i = end; i < text.length; i++) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}" && --depth === 0) {
        end = i + 1;
        break;
      }
    }
  }
  return text.slice(w.start, end);
}

/** The servers a command's words name, as written in the file (quotes taken off). */
function targetsOf(argv: ShellWord[], text: string): string[] {
  return argv
    .slice(1)
    .map((w) => rawWord(w, text).replace(/^["']|["']$/g, ""))
    .filter((raw) => !raw.startsWith("-") && TARGET_LIKE.test(raw));
}

/** The shell function a command is the body of (`curl() { command curl -k "$@"; }`), by name. */
function enclosingFunction(text: string, offset: number): string | undefined {
  const before = withoutInterpolations(text.slice(Math.max(0, offset - 600), offset));
  const m = /(?:^|[\s;])(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)\s*\{[^{}]*$/.exec(before);
  return m?.[1];
}

/**
 * Whether every server the command talks to is this host (loopback, 0.0.0.0, a listen address of
 * the configuration's own service): no network path, nobody to impersonate the server (kradalby's
 * Syncthing config updater, `curl -k` to its own GUI: judged wrong). A wrapper passing on its
 * arguments (`curl() { …curl -k "$@"; }`) is judged by the calls of the wrapper in the same script.
 */
function localOnly(cmd: ScriptCommand, cmds: ScriptCommand[], text: string): boolean {
  let targets = targetsOf(cmd.argv, text);
  if (targets.length === 0 && cmd.argv.some((w) => /^\$(?:@|\*|\{@\}|\{\*\})$/.test(w.value) || /"\$@"/.test(text.slice(w.start, w.end)))) {
    const fn = enclosingFunction(text, cmd.argv[0]!.start);
    if (!fn) return false;
    // Its calls, not its definition (`api() {` reads as a command named api).
    const calls = cmds.filter((c) => c !== cmd && c.what === cmd.what && text.slice(c.argv[0]!.start, c.argv[0]!.end) === fn && !/^\s*\(\s*\)/.test(text.slice(c.argv[0]!.end, c.argv[0]!.end + 8)));
    if (calls.length === 0) return false;
    targets = calls.flatMap((c) => {
      const t = targetsOf(c.argv, text);
      return t.length ? t : ["?"]; // a call naming no server: unknown
    });
  }
  return targets.length > 0 && targets.every((t) => localTarget(t, text));
}

function checkCommands(cmds: ScriptCommand[], file: string, text: string, lines: LineIndex, report: (r: RuleReport) => void, skip: (offset: number) => boolean): void {
  for (const cmd of cmds) {
    const { argv, what } = cmd;
    const words = insecureWords(argv);
    if (words.length === 0 || skip(argv[0]!.start)) continue;
    // A server on this host: no network path to sit on.
    if (localOnly(cmd, cmds, text)) continue;
    const evidence = commandEvidence(text, argv);
    const name = commandName(argv[0]);
    const edits = words.map((w) => (w.value === "--insecure" || w.value === "-k" || w.value === "--no-check-certificate" ? removeWordEdit(file, text, w) : undefined));
    const complete = edits.every((e): e is TextEdit => !!e);
    report({
      range: rangeOf(lines, argv[0]!.start, argv.at(-1)!.end),
      key: `${what}: ${name} ${words.map((w) => w.value).join(" ")}`,
      evidence,
      title: `TLS certificate verification turned off (${name} ${words.map((w) => w.value).join(" ")})`,
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`${evidence}\`: ${words.map((w) => w.value).join(" ")} accepts any certificate, so anyone on the network path can impersonate the server and read or change what is downloaded or sent.`,
      fix: {
        safety: complete ? "review" : "manual",
        description: `Remove ${words.map((w) => w.value).join(" and ")}; if the server uses a private or self-signed certificate, trust it explicitly (curl --cacert, wget --ca-certificate, security.pki.certificateFiles).`,
        ...(complete ? { edits } : {}),
      },
    });
  }
}

const LOOPBACK_URL = /^(?:[a-z][\w+.-]*:\/\/)?(?:[^@/]*@)?(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?(?:\/|$)/i;

/** The servers a setting's set names (`url`, `urls`, `host`...), or, when it names none, the set
 * holding it (Grafana's datasource `{ url = ...; jsonData.tlsSkipVerify = true; }`); undefined when
 * one is not a literal. */
function namedTargets(binding: SyntaxNode): string[] | undefined {
  const own = setTargets(binding.parent);
  if (own === undefined || own.length > 0) return own;
  // `jsonData = { tlsSkipVerify = true; }` (or `jsonData.tlsSkipVerify = true`): the datasource set.
  const outerBinding = binding.parent?.parent;
  if (binding.firstChild(K.NODE_ATTRPATH)!.childNodes().length > 1) return own;
  return outerBinding?.kind === K.NODE_ATTRPATH_VALUE ? setTargets(outerBinding.parent) : own;
}

function setTargets(set: SyntaxNode | null | undefined): string[] | undefined {
  if (set?.kind !== K.NODE_ATTR_SET) return [];
  const targets: string[] = [];
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const n = normalise(bindingName(b) ?? "");
    if (!/^(?:url|urls|uri|address|addresses|host|hosts|server|servers|endpoint|endpoints|servername)$/.test(n)) continue;
    const v = staticValue(b.childNodes()[1]);
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== "string") return undefined;
      targets.push(x);
    }
  }
  return targets;
}

/** Every server the setting's client talks to is a plain `http://` (or `ws://`) URL: there is no
 * TLS, so no certificate to verify (drupol-infra's Grafana InfluxDB datasource at
 * `http://127.0.0.1:8086` with jsonData.tlsSkipVerify, judged wrong). */
function plainHttpOnly(binding: SyntaxNode): boolean {
  const targets = namedTargets(binding);
  return !!targets?.length && targets.every((t) => /^(?:http|ws):\/\//i.test(t.trim()));
}

/** Every server a setting's neighbours name (`url`, `urls`, `host`, `server`...) is this host:
 * nobody on the network can sit between the client and a server on loopback. */
function loopbackOnly(binding: SyntaxNode): boolean {
  const targets = setTargets(binding.parent);
  return !!targets?.length && targets.every((t) => LOOPBACK_URL.test(t.trim()));
}

/** A neighbour turns TLS itself off (`ssl = false;` beside `verify_ssl = false;`): verification is
 * moot there, and plain-text transport is another question than a skipped certificate check. */
function tlsOffBeside(binding: SyntaxNode): boolean {
  const set = binding.parent;
  if (set?.kind !== K.NODE_ATTR_SET) return false;
  return set.childNodes().some((b) => b.kind === K.NODE_ATTRPATH_VALUE && b !== binding && /^(?:ssl|usessl|tls|usetls|starttls|https)$/.test(normalise(bindingName(b) ?? "")) && staticValue(b.childNodes()[1]) === false);
}

/** The last name of a binding's attribute path, when static. */
function bindingName(binding: SyntaxNode): string | undefined {
  const path = binding.firstChild(K.NODE_ATTRPATH);
  const segs = path ? attrpathSegments(path) : [];
  const last = segs.at(-1);
  return last && !last.dynamic ? last.name : undefined;
}

function checkNix(ctx: NixFileContext): void {
  for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const name = bindingName(b);
    if (!name) continue;
    // Only the names settingOff knows have their value read (every binding's value, whole sets at
    // every level of nesting, was 1.7% of a cold scan of olafkfreund/nixos_config).
    const n = normalise(name);
    if (!OFF_WHEN_FALSE.has(n) && !OFF_WHEN_TRUE.has(n) && !OFF_WHEN_ZERO.has(n)) continue;
    const value = b.childNodes()[1];
    const off = settingOff(name, staticValue(value));
    if (!off || !value || ctx.inTest(b) || tlsOffBeside(b) || plainHttpOnly(b)) continue;
    const path = b.firstChild(K.NODE_ATTRPATH)!.text;
    const local = loopbackOnly(b);
    ctx.report({
      node: value,
      key: path,
      ...(local ? { severity: "low" as const } : {}),
      title: `TLS certificate verification turned off (${name})`,
      message: `${path} = ${value.text} turns TLS certificate verification off: the client accepts any certificate, so anyone on the network path can impersonate the server and read or change the traffic, credentials included.${local ? " The server named beside it is on this host (loopback), so only a local process that took its port could impersonate it: reported as low." : ""}`,
      fix: {
        safety: off.replacement ? "review" : "manual",
        description: `${off.replacement ? `Set it to ${off.replacement}` : "Remove it"}; if the server uses a private or self-signed certificate, trust that certificate (security.pki.certificateFiles, or the client's CA option) instead of trusting every certificate.`,
        ...(off.replacement ? { edits: [replaceNode(ctx.file, value, off.replacement)] } : {}),
      },
    });
  }
  for (const str of ctx.parsed.root.descendants(K.NODE_STRING)) {
    if (str.parent?.kind === K.NODE_ATTRPATH || !IN_TEXT.test(str.text)) continue;
    IN_TEXT.lastIndex = 0;
    for (const m of textMatches(str.text)) {
      if (ctx.inTest(str)) break;
      ctx.report({
        range: rangeOf(ctx.parsed.source.lines, str.start + m.start, str.start + m.end),
        node: str,
        key: m.what,
        title: `TLS certificate verification turned off (${m.what.split(/[=\s]/)[0]})`,
        message: `\`${m.what}\` turns TLS certificate verification off for the program it configures: anyone on the network path can impersonate the server and read or change the traffic.`,
        fix: { safety: "manual", description: "Remove it; trust a private or self-signed certificate explicitly (security.pki.certificateFiles, NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO) instead." },
      });
    }
  }
  checkCommands(commandsInNix(ctx), ctx.file, ctx.text, ctx.parsed.source.lines, ctx.report, (offset) => {
    const node = ctx.parsed.root.nodeAt(offset);
    return !!node && ctx.inTest(node);
  });
}

export const tlsVerificationDisabled: Rule = {
  id: "tls-verification-disabled",
  examples: {
    fire: [
      hostExample(`{ programs.git.config.http.sslVerify = false; }\n`),
      hostExample(`{ environment.variables.NODE_TLS_REJECT_UNAUTHORIZED = "0"; }\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fetch = {\n    script = ''\n      curl -fsSLk https://example.org/data -o /var/lib/data\n    '';\n  };\n}\n`),
      hostExample(`{\n  services.telegraf.extraConfig.outputs.influxdb = { urls = [ "https://influx:8086" ]; insecure_skip_verify = true; };\n}\n`),
      { "fetch.sh": "#!/usr/bin/env bash\nwget --no-check-certificate https://example.org/x\n" },
      hostExample(`{ systemd.services.app.serviceConfig.Environment = [ "PYTHONHTTPSVERIFY=0" ]; }\n`),
      hostExample(`{ services.telegraf.extraConfig.inputs.kube_inventory = { url = "https://localhost:6443"; insecure_skip_verify = true; }; }\n`),
      // A Grafana datasource over https: jsonData.tlsSkipVerify applies to it.
      hostExample(`{ services.grafana.provision.datasources.settings.datasources = [ { name = "influx"; type = "influxdb"; url = "https://influx.example.org:8086"; jsonData = { version = "Flux"; tlsSkipVerify = true; }; } ]; }\n`),
    ],
    silent: [
      hostExample(`{ programs.git.config.http.sslVerify = true; services.foo.settings.verify_ssl = true; }\n`),
      // TLS itself is off beside it: verifying certificates is moot there.
      hostExample(`{ services.home-assistant.config.mqtt = { broker = "10.0.0.5"; ssl = false; verify_ssl = false; }; }\n`),
      hostExample(`{\n  # sslVerify = false;  (was needed for the old proxy)\n  programs.git.config.user.name = "me";\n}\n`),
      // A server on this host: loopback, or a wrapper called only with the service's own listen address.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.probe.script = ''\n    curl -fsk https://127.0.0.1:8443/health\n  '';\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fetch.script = ''\n    # curl -k https://example.org  (never again)\n    curl -fsSL https://example.org/data -o /var/lib/data\n    ssh-keygen -k -f /tmp/krl\n  '';\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  checks.x86_64-linux.web = pkgs.testers.runNixOSTest {\n    name = "web";\n    nodes.machine = { environment.variables.NODE_TLS_REJECT_UNAUTHORIZED = "0"; };\n    testScript = "machine.succeed('true')";\n  };\n}\n`),
      hostExample(`{ nixpkgs.config.allowInsecure = true; security.acme.acceptTerms = true; }\n`),
      // The datasource is plain http: there is no TLS whose certificate could be checked.
      hostExample(`{ services.grafana.provision.datasources.settings.datasources = [ { name = "influx"; type = "influxdb"; url = "http://10.0.0.5:8086"; jsonData = { version = "Flux"; tlsSkipVerify = true; }; } ]; }\n`),
    ],
  },
  name: "TLS certificate verification turned off",
  category: "tls",
  severity: "medium",
  rationale:
    "TLS protects a connection only when the client checks the server's certificate. With verification off (sslVerify = false, insecureSkipVerify, NODE_TLS_REJECT_UNAUTHORIZED=0, curl -k) anyone on the network path can present their own certificate, read credentials and data, and feed back whatever they like: downloads, updates, API answers.",
  fix: "Turn verification back on; for a private or self-signed certificate, trust that certificate (security.pki.certificateFiles or the client's CA option) rather than every certificate.",
  references: [
    { title: "OWASP: Transport Layer Security cheat sheet (certificate validation)", url: "https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Security_Cheat_Sheet.html" },
    { title: "CWE-295: Improper Certificate Validation", url: "https://cwe.mitre.org/data/definitions/295.html" },
    nixosOption("security.pki.certificateFiles"),
  ],
  compliance: { cis: [], nist: ["PR.DS-02", "PR.AA-03"] },
  checkNix,
  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    if (ctx.text === undefined || !isShellScriptFile(ctx.file, ctx.text)) return;
    const lines = new LineIndex(ctx.text);
    for (const m of textMatches(ctx.text)) {
      ctx.report({ range: rangeOf(lines, m.start, m.end), key: m.what, title: `TLS certificate verification turned off (${m.what.split(/[=\s]/)[0]})`, message: `\`${m.what}\` turns TLS certificate verification off for the programs this script runs: anyone on the network path can impersonate the server.`, fix: { safety: "manual", description: "Remove it; trust a private certificate explicitly instead." } });
    }
    checkCommands(commandsInTextFile(ctx), ctx.file, ctx.text, lines, ctx.report, () => false);
  },
};
