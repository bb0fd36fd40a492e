// Secrets never leave drift. Everything drift reads from a machine (shell histories, the journal,
// files under /etc, unit drop-ins) and from a configuration (a unit's Environment) can hold one, so
// every string a drift report carries goes through the scan's detectors (src/secrets/detect.ts) and
// is shown the way the scan shows evidence (`ghp_…hJ5 (40 chars)`, `… (14 chars)`). Command lines
// from shell histories and sudo's log are judged by the shape of their arguments too (`mysql -pX`,
// `curl -u user:pass`, `useradd -p HASH`, `export X_TOKEN=...`), since a password on a command line
// has no key the detectors could go by.
import { detectSecrets, judgeGenericValue } from "../secrets/detect.js";
import { classifyKey } from "../secrets/keys.js";
import { redactAll, type RedactableRange } from "../secrets/redact.js";
import { isSecretReference } from "../secrets/values.js";
import type { DriftItemX, DriftRemediationX, DriftReportX } from "./model.js";

/** What `redact` produces: `… (12 chars)` or `sk_l…Lb0 (32 chars)`. */
const ALREADY_REDACTED = /[^\s…]{0,4}…[^\s…]{0,3} \(\d+ chars\)/gu;

/** Secret ranges in a string: the scan's detectors, assignments inside quotes judged on their own. */
function detectedRanges(text: string, key?: string): RedactableRange[] {
  const ranges: RedactableRange[] = detectSecrets(text, key !== undefined ? { key } : {});
  // `Environment="A=1" "API_TOKEN=..."`: a quoted value's own assignments have their own keys.
  for (const q of text.matchAll(/"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'/g)) {
    const inner = q[1] ?? q[2] ?? "";
    if (!/[=:]/.test(inner)) continue;
    const offset = q.index + 1;
    for (const m of detectSecrets(inner)) ranges.push({ start: m.start + offset, end: m.end + offset });
  }
  return ranges;
}

/** Drops ranges that cover nothing but an earlier redaction (a string redacted twice stays as it was). */
function notYetRedacted(text: string, ranges: RedactableRange[]): RedactableRange[] {
  if (!text.includes("…")) return ranges;
  const done = [...text.matchAll(ALREADY_REDACTED)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  return ranges.filter((r) => {
    let rest = "";
    for (let i = r.start; i < r.end; i++) if (!done.some((d) => i >= d.start && i < d.end)) rest += text[i];
    return /[A-Za-z0-9]/.test(rest);
  });
}

/** `text` with every secret the detectors find redacted; `key` is the setting the text is the value of. */
export function redactText(text: string, key?: string): string {
  if (text === "") return text;
  const ranges = notYetRedacted(text, detectedRanges(text, key));
  return ranges.length ? redactAll(text, ranges) : text;
}

/** Whether `text` holds a secret that redactText would hide. */
export function holdsSecret(text: string, key?: string): boolean {
  return redactText(text, key) !== text;
}

// ---------------------------------------------------------------------------------------------
// Command lines

interface Word {
  /** The word's value span (inside the quotes when the whole word is quoted). */
  start: number;
  end: number;
  text: string;
  op: boolean;
}

const OPERATOR = /^[|;&<>]+$/;

/** Shell words with their offsets; runs of | ; & < > are operator words. Good enough to find arguments. */
function shellWords(command: string): Word[] {
  const out: Word[] = [];
  for (const m of command.matchAll(/[|;&<>]+|(?:'[^']*'?|"(?:\\.|[^"\\])*"?|\\.|[^\s'"|;&<>\\])+/g)) {
    const raw = m[0];
    let start = m.index;
    let end = start + raw.length;
    const op = OPERATOR.test(raw);
    const q = raw[0];
    if (!op && raw.length >= 2 && (q === "'" || q === '"') && raw.endsWith(q) && !raw.slice(1, -1).includes(q)) {
      start++;
      end--;
    }
    out.push({ start, end, text: command.slice(start, end), op });
  }
  return out;
}

/** The span of `word` from character `from` on, without a quote around it (`--password='x'`). */
function valueSpan(word: Word, from: number): RedactableRange | undefined {
  let start = word.start + from;
  let end = word.end;
  const q = word.text[from];
  if ((q === "'" || q === '"') && word.text.endsWith(q) && end - start >= 2) {
    start++;
    end--;
  }
  return end > start ? { start, end } : undefined;
}

const isSecretKey = (name: string) => {
  const kind = classifyKey(name);
  return kind === "password" || kind === "secret";
};
const literal = (value: string) => value.trim() !== "" && !isSecretReference(value);

const WRAPPERS = new Set(["sudo", "doas", "env", "command", "exec", "nohup", "time", "nice", "ionice", "stdbuf", "builtin"]);
const SUDO_ARG_OPTIONS = new Set(["-u", "-g", "-p", "-C", "-D", "-h", "-r", "-t", "-U"]);
const MYSQL = /^(?:mysql|mariadb|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb-dump|mariadb-admin)$/;
const REGISTRY_LOGIN = new Set(["docker", "podman", "buildah", "skopeo", "helm", "nerdctl", "oras"]);

/** One simple command: its program (basename) and its words after the program. */
function simpleCommands(words: Word[]): { program: string; args: Word[]; all: Word[] }[] {
  const out: { program: string; args: Word[]; all: Word[] }[] = [];
  let seg: Word[] = [];
  const flush = () => {
    if (!seg.length) return;
    let i = 0;
    for (;;) {
      const w = seg[i];
      if (!w || w.op) break;
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text) || w.text === "export" || w.text === "-") i++;
      else if (WRAPPERS.has(base(w.text))) {
        i++;
        while (seg[i] && !seg[i]!.op && seg[i]!.text.startsWith("-")) i += SUDO_ARG_OPTIONS.has(seg[i]!.text) ? 2 : 1;
      } else break;
    }
    const prog = seg[i];
    out.push({ program: prog && !prog.op ? base(prog.text) : "", args: seg.slice(i + 1), all: seg });
    seg = [];
  };
  for (const w of words) {
    if (w.op && !/[<>]/.test(w.text)) flush();
    else seg.push(w);
  }
  flush();
  return out;
}

function base(word: string): string {
  return word.split("/").pop() ?? word;
}

/** The argument after option word `i` (`-p X`), or the rest of the word (`-pX`). */
function optionValue(args: Word[], i: number, short: string): RedactableRange | undefined {
  const w = args[i]!;
  if (w.text === short) {
    const next = args[i + 1];
    return next && !next.op ? valueSpan(next, 0) : undefined;
  }
  if (w.text.startsWith(short) && w.text.length > short.length) return valueSpan(w, short.length);
  return undefined;
}

/** `user:secret` -> the secret's span. */
function afterColon(r: RedactableRange | undefined, command: string): RedactableRange | undefined {
  if (!r) return undefined;
  const colon = command.slice(r.start, r.end).indexOf(":");
  if (colon < 0) return undefined;
  let start = r.start + colon + 1;
  let end = r.end;
  // `admin:'S3cret Pw'`: the quotes are not part of the password.
  if (end - start >= 2 && /^['"]$/.test(command[start]!) && command[end - 1] === command[start]) {
    start++;
    end--;
  }
  return end > start ? { start, end } : undefined;
}

/** Ranges of a command line that carry a secret by the shape of the arguments. */
export function commandSecretRanges(command: string): RedactableRange[] {
  const ranges: RedactableRange[] = [];
  const add = (r: RedactableRange | undefined) => {
    if (r && r.end > r.start && literal(command.slice(r.start, r.end))) ranges.push(r);
  };
  const words = shellWords(command);
  const commands = simpleCommands(words);
  const feedsPasswords = commands.some((c) => c.program === "chpasswd" || (c.program === "passwd" && c.args.some((a) => a.text === "--stdin")));

  for (const { program, args, all } of commands) {
    // KEY=value before the program or after export: by the key's name, whatever the value's shape.
    for (const w of all) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w.text);
      if (m && !w.op && isSecretKey(m[1]!)) add(valueSpan(w, m[0].length));
    }
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      if (w.op) {
        // A here-string fed to chpasswd / passwd --stdin: `chpasswd <<< 'bob:pw'`.
        if (w.text === "<<<" && feedsPasswords && args[i + 1]) add(afterColon(valueSpan(args[i + 1]!, 0), command) ?? valueSpan(args[i + 1]!, 0));
        continue;
      }
      // --password=X, --token X, --api-key X (not --password-file, --no-password).
      const long = /^--?([A-Za-z][A-Za-z0-9_-]*)(=?)/.exec(w.text);
      if (long && w.text.startsWith("--") && isSecretKey(long[1]!)) {
        if (long[2]) add(valueSpan(w, long[0].length));
        else if (args[i + 1] && !args[i + 1]!.op && !args[i + 1]!.text.startsWith("-")) add(valueSpan(args[i + 1]!, 0));
      }
      // -H 'Authorization: Bearer X', --header 'X-Api-Key: X'
      if ((w.text === "-H" || w.text === "--header") && args[i + 1]) add(headerSecret(args[i + 1]!));
      if (w.text.startsWith("--header=")) {
        const r = valueSpan(w, "--header=".length);
        if (r) add(headerSecret({ ...r, text: command.slice(r.start, r.end), op: false }));
      }
    }

    if (MYSQL.test(program)) {
      // -pPASSWORD (attached; a bare -p prompts)
      for (const a of args) if (/^-p./.test(a.text) && !a.text.startsWith("--")) add(valueSpan(a, 2));
    } else if (program === "useradd" || program === "usermod" || program === "sshpass" || (REGISTRY_LOGIN.has(program) && args.some((a) => a.text === "login"))) {
      for (let i = 0; i < args.length; i++) if (/^-p/.test(args[i]!.text) && !args[i]!.text.startsWith("--")) add(optionValue(args, i, "-p"));
    } else if (program === "curl") {
      for (let i = 0; i < args.length; i++) {
        const t = args[i]!.text;
        if (t === "--user" || t === "--proxy-user" || t === "-U") add(afterColon(optionValue(args, i, t), command));
        else if (/^-u/.test(t)) add(afterColon(optionValue(args, i, "-u"), command));
        else if (/^--(?:proxy-)?user=/.test(t)) add(afterColon(valueSpan(args[i]!, t.indexOf("=") + 1), command));
      }
    } else if (program === "openssl") {
      for (let i = 0; i < args.length; i++) {
        if (!/^-(?:pass|passin|passout|k)$/.test(args[i]!.text) || !args[i + 1]) continue;
        const v = args[i + 1]!;
        if (v.text.startsWith("pass:")) add(valueSpan(v, 5));
        else if (args[i]!.text === "-k") add(valueSpan(v, 0));
      }
    } else if (program === "htpasswd") {
      const batch = args.some((a) => /^-[a-zA-Z]*b/.test(a.text));
      const positional = args.filter((a) => !a.op && !a.text.startsWith("-"));
      if (batch && positional.length >= 2) add(valueSpan(positional[positional.length - 1]!, 0));
    } else if (program === "wpa_passphrase") {
      const positional = args.filter((a) => !a.op && !a.text.startsWith("-"));
      if (positional.length >= 2) add(valueSpan(positional[1]!, 0));
    } else if (program === "nmcli") {
      for (let i = 0; i < args.length; i++) if (/^(?:password|[\w-]+\.psk|[\w-]+\.password|psk)$/.test(args[i]!.text) && args[i + 1]) add(valueSpan(args[i + 1]!, 0));
    } else if (program === "echo" || program === "printf") {
      // What is echoed into chpasswd or `passwd --stdin`, or into a file named like a secret, is one;
      // otherwise an argument that looks random enough is.
      const out = args.findIndex((a) => a.op && (a.text === ">" || a.text === ">>"));
      const target = out >= 0 ? args[out + 1]?.text ?? "" : "";
      const intoSecret = /(?:token|secret|pass|key|cred|auth)/i.test(base(target));
      for (const a of args) {
        if (a.op) break;
        if (a.text.startsWith("-") && a === args[0]) continue;
        if (feedsPasswords) add(afterColon(valueSpan(a, 0), command) ?? valueSpan(a, 0));
        else if (intoSecret || judgeGenericValue(a.text).secret) add(valueSpan(a, 0));
      }
    }
  }
  // `Authorization: Bearer X` anywhere (a header in a URL tool we do not know, a log line).
  for (const m of command.matchAll(/\b(?:Proxy-)?Authorization\s*:\s*(?:(?:Bearer|Basic|Token|Digest|Bot|ApiKey|Negotiate)\s+)?([^\s'"]+)/dgi)) {
    const idx = m.indices?.[1];
    if (idx) add({ start: idx[0], end: idx[1] });
  }
  return ranges;
}

/** The value of a header whose name says it is a secret (`Authorization`, `X-Api-Key`, `PRIVATE-TOKEN`). */
function headerSecret(w: Word): RedactableRange | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*:\s*/.exec(w.text);
  if (!m) return undefined;
  const name = m[1]!;
  if (!/^(?:proxy-)?authorization$/i.test(name) && !isSecretKey(name)) return undefined;
  const scheme = /^(?:Bearer|Basic|Token|Digest|Bot|ApiKey|Negotiate)\s+/i.exec(w.text.slice(m[0].length));
  const start = w.start + m[0].length + (scheme ? scheme[0].length : 0);
  return start < w.end ? { start, end: w.end } : undefined;
}

/** A command line with its secrets redacted: the detectors plus the argument shapes above. */
export function redactCommandLine(command: string): string {
  const ranges = notYetRedacted(command, [...detectedRanges(command), ...commandSecretRanges(command)]);
  return ranges.length ? redactAll(command, ranges) : command;
}

// ---------------------------------------------------------------------------------------------
// Values and reports

/** Every string in a JSON-like value redacted, each judged under the key it is the value of. */
export function redactDeep<T>(value: T, key?: string): T {
  if (typeof value === "string") return redactText(value, key) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, key)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, k);
    return out as T;
  }
  return value;
}

const WITHHELD =
  "The commands are not shown: they would carry a secret. Do this step by hand, taking the value from a secret manager.";
const REDACTED_NIX =
  "A secret in the Nix shown is redacted: keep it out of the configuration (agenix or sops-nix) and reference its file instead.";

function redactRemediation(r: DriftRemediationX): DriftRemediationX {
  const out: DriftRemediationX = { ...r, description: redactText(r.description) };
  const argvs = [...(r.commands ?? []), ...(r.guard ? [r.guard] : [])];
  // A command needs the real value to work: never print it, and leave the step to a person.
  if (argvs.some((argv) => argv.some((a) => holdsSecret(a)) || commandSecretRanges(argv.join(" ")).length > 0)) {
    delete out.commands;
    delete out.guard;
    out.safety = "manual";
    out.description = `${out.description}\n${WITHHELD}`;
  }
  if (r.nix !== undefined) {
    out.nix = redactText(r.nix);
    if (out.nix !== r.nix) out.description = `${out.description}\n${REDACTED_NIX}`;
  }
  if (r.patch !== undefined) out.patch = redactText(r.patch);
  if (r.optionPath !== undefined) out.optionPath = redactText(r.optionPath);
  if (r.file !== undefined) out.file = redactText(r.file);
  return out;
}

export function redactDriftItem<T extends DriftItemX>(item: T): T {
  const out: T = {
    ...item,
    subject: redactText(item.subject),
    declared: redactDeep(item.declared),
    actual: redactDeep(item.actual),
    evidence: redactText(item.evidence),
    remediation: item.remediation.map(redactRemediation),
  };
  if (item.cause) {
    out.cause = { ...item.cause, description: redactText(item.cause.description) };
    if (item.cause.source !== undefined) out.cause.source = redactText(item.cause.source);
  }
  return out;
}

/** The report as drift hands it out (CLI, files, MCP, the report store): no secret in any string. */
export function redactDriftReport(report: DriftReportX): DriftReportX {
  return {
    ...report,
    host: redactText(report.host),
    declaredFrom: redactText(report.declaredFrom),
    actualFrom: redactText(report.actualFrom),
    items: report.items.map(redactDriftItem),
    suppressed: report.suppressed.map((s) => ({ ...redactDriftItem(s), suppressedBy: redactDeep(s.suppressedBy) })),
    probes: report.probes.map((p) => ({ ...p, notes: p.notes.map((n) => redactText(n)) })),
    notes: report.notes.map((n) => redactText(n)),
    errors: report.errors.map((e) => redactDeep(e)),
  };
}
