// secret-in-tmp: a script (a systemd service's script or Exec line, an activation script, a
// writeShellScript, a shell script file) writes a secret to a fixed path under /tmp or /var/tmp:
// `echo "$TOKEN" > /tmp/foo-api-key`, `curl … -o /tmp/token`, `cat ${config.age.secrets.x.path}
// > /tmp/x`, `cp /run/secrets/k /tmp/k`. /tmp is shared by every user and service of the host:
// with the usual umask the file is readable by all of them, and since the name is known in
// advance another local user can create it first (or a symlink by that name), reading the secret
// or making a root script write through the link. It is a secret when the command reads one
// (a secret manager's path, /run/secrets, /run/agenix, $CREDENTIALS_DIRECTORY, `sops -d`, a
// variable named like a token, key or password) or the file is named like one (token, secret,
// password, api-key, credentials, *.key, *.pem).
// Medium; low after `umask 077` in the same script (still pre-creatable, no longer readable), and
// low in an installer script (disko, nixos-install: a live image with no other users).
// Silent for a path made at run time (`mktemp`, `$RUNTIME_DIRECTORY`, `/tmp/$name` with a
// variable), for a service with PrivateTmp = true (its /tmp is its own), for a build
// (runCommand: the build sandbox's /tmp), for comments, and for files that are no secret.
import { LineIndex } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { isShellScriptFile, nixScripts, rangeOf } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule, RuleReport, TextFileContext } from "../types.js";

// A fixed path under /tmp or /var/tmp: no variable, substitution or interpolation in it.
const TMP_PATH = String.raw`(?:/var)?/tmp/[A-Za-z0-9._@+-]+(?:/[A-Za-z0-9._@+-]+)*`;
const END = String.raw`(?=["']?(?:\s|$|;|&|\||\)))`;
const WRITE_TARGET = [
  new RegExp(String.raw`(?:^|[^<&0-9])>{1,2}\|?\s*["']?(${TMP_PATH})${END}`, "g"),
  new RegExp(String.raw`(?:\s|^)(?:-o|-O|--output(?:-document)?)(?:\s+|=)["']?(${TMP_PATH})${END}`, "g"),
  new RegExp(String.raw`\btee\s+(?:-a\s+)?["']?(${TMP_PATH})${END}`, "g"),
  new RegExp(String.raw`\b(?:cp|install|mv)\s+(?:-[\w-]+(?:\s+\d+)?\s+)*["']?\S+["']?\s+["']?(${TMP_PATH})${END}`, "g"),
];
// A secret file's path: read by the command (`cat ${config.age.secrets.x.path} > …`), unless the
// command only prints it (`echo "… ${…secrets.key.path} …" > machines` writes the path, no secret).
const SECRET_PATH = /age\.secrets|sops\.secrets|\/run\/secrets|\/run\/agenix|CREDENTIALS_DIRECTORY/;
const SECRET_COMMAND = /\bsops\s+(?:-d|--decrypt)|\bage\s+(?:-d|--decrypt)|\bpass\s+show\b|\brbw\s+get\b|\bbw\s+get\b|\bop\s+read\b|\bvault\s+kv\s+get\b|\$\{?[A-Za-z_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|CREDENTIAL)[A-Za-z_]*(?![\w.-])/i;
function readsSecret(line: string): boolean {
  if (SECRET_COMMAND.test(line)) return true;
  return SECRET_PATH.test(line) && !/^\s*(?:echo|printf)\b/.test(line);
}
const SECRET_NAME = /token|secret|passw|api[-_]?key|apikey|credential|private[-_]?key|id_(?:rsa|ed25519|ecdsa)|\.key$|\.pem$|\.p12$|cookie|\.age$/i;

interface Site {
  text: string;
  offsets: number[];
  what: string;
}

function scriptsOf(ctx: NixFileContext): Site[] {
  if (!/\/tmp\//.test(ctx.text)) return [];
  const privateTmp = new Set<string>();
  for (const d of ctx.index.definitions) {
    const m = /^systemd\.(?:user\.)?services\.([^.]+)\.serviceConfig\.PrivateTmp$/.exec(d.path);
    if (m && !isDead(d) && staticValue(d.inner) === true) privateTmp.add(m[1]!);
    const n = /^systemd\.(?:user\.)?services\.([^.]+)\.serviceConfig$/.exec(d.path);
    if (n && !isDead(d) && /\bPrivateTmp\s*=\s*true\b/.test(d.inner?.text ?? "")) privateTmp.add(n[1]!);
  }
  const out: Site[] = [];
  for (const s of nixScripts(ctx)) {
    if (/^runCommand/.test(s.what)) continue; // a build: the sandbox's own /tmp
    const unit = /^systemd\.(?:user\.)?services\.([^.]+)\./.exec(s.what)?.[1];
    if (unit && privateTmp.has(unit)) continue;
    out.push({ text: s.source.text, offsets: s.source.offsets, what: s.what });
  }
  return out;
}

function check(text: string, lines: LineIndex, sites: Site[], report: (r: RuleReport) => void): void {
  for (const s of sites) {
    if (!/\/tmp\//.test(s.text)) continue;
    let umask = false;
    let at = 0;
    for (const cooked of s.text.split("\n")) {
      const start = at;
      at += cooked.length + 1;
      if (/^\s*umask\s+0?077\b/.test(cooked)) umask = true;
      if (!/\/tmp\//.test(cooked) || /^\s*#/.test(cooked)) continue;
      const a = s.offsets[start]!;
      const b = s.offsets[Math.min(start + cooked.length, s.offsets.length - 1)]!;
      const original = text.slice(a, b);
      // The script as the shell sees it decides the target (no interpolation in the path); the
      // original line (with `${config.age.secrets.x.path}`) tells whether what it writes is secret.
      for (const re of WRITE_TARGET) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(cooked))) {
          const path = m[1]!;
          if (path.includes("__nix_interpolation__")) continue;
          const fromSecret = readsSecret(original);
          const named = SECRET_NAME.test(path.slice(path.lastIndexOf("/") + 1)) || SECRET_NAME.test(path);
          if (!fromSecret && !named) continue;
          const pStart = s.offsets[start + m.index + m[0].indexOf(path)]!;
          const pEnd = s.offsets[start + m.index + m[0].indexOf(path) + path.length] ?? pStart + path.length;
          // An installer run from a live image (disko, nixos-install): nobody else shares its /tmp.
          const installer = /\bdisko\b|\bnixos-install\b/.test(s.text);
          const severity: Severity = umask || installer ? "low" : "medium";
          const why = fromSecret ? "what it writes comes from a secret" : "the file is named like a secret";
          report({
            range: rangeOf(lines, pStart, pEnd),
            key: `${s.what}:${path}`,
            severity,
            title: "Secret written to a fixed path in /tmp",
            message:
              `${s.what} writes to ${path} (${why}): /tmp is shared by every user and service of the host, so ` +
              (umask
                ? "although the script sets umask 077 first, another local user can take the name before it runs (the write then fails, or where fs.protected_symlinks/protected_regular are off goes through their file or link)."
                : "with the usual umask (022, also systemd's default) the file is readable by all of them while it exists, and since the name is fixed another local user can take it first (the write then fails, or where fs.protected_symlinks/protected_regular are off goes through their file or link).") +
              (installer ? " The script installs a machine (it runs disko or nixos-install), normally from a live image no one else logs in to: low." : ""),
            evidence: original.trim().slice(0, 200),
            fix: {
              safety: "manual",
              description:
                "Keep the secret where only its reader can open it: in a service, $RUNTIME_DIRECTORY (RuntimeDirectory=) or $CREDENTIALS_DIRECTORY (LoadCredential=), or PrivateTmp=true; in a script, a file made by `mktemp` (after `umask 077`) and removed on exit. Better still, hand the secret file's path to the program instead of copying it.",
            },
          });
        }
      }
    }
  }
}

// An option naming where a secret file is (`accessTokenFile`, `passwordFile`, `keyFile`,
// `credentialsFile`) set to a fixed path under /tmp (olafkfreund-nixos_config's neomutt OAuth2
// access tokens). disko's passwordFile/keyFile are read once by the installer from a live image.
const SECRET_FILE_OPTION = /(?:token|secret|password|passwd|key|credentials?)s?File$/i;
const FIXED_TMP = new RegExp(`^${TMP_PATH}$`);

function secretFileOptions(ctx: NixFileContext): void {
  if (!/File\s*=\s*"\/(?:var\/)?tmp\//.test(ctx.text)) return;
  for (const d of ctx.index.definitions) {
    // disko's LUKS passphrase or key file (`disko.devices…`, or a disk layout file of its own).
    if (isDead(d) || d.path.startsWith("disko.") || d.path.includes(".content.") || /type\s*=\s*"luks"/.test(ctx.text)) continue;
    const last = d.segments.at(-1)?.name ?? "";
    if (!SECRET_FILE_OPTION.test(last)) continue;
    const v = staticValue(d.inner);
    if (typeof v !== "string" || !FIXED_TMP.test(v)) continue;
    ctx.report({
      node: d.inner ?? d.binding,
      optionPath: d.path,
      severity: "medium",
      title: "Secret written to a fixed path in /tmp",
      message:
        `${d.path} = "${v}": the secret file lives at a fixed path in /tmp, which every user and service of the host shares. ` +
        "Whatever writes it there does so under a name known in advance (another local user can take it first), and with the usual umask the file is readable by all of them.",
      fix: {
        safety: "manual",
        description: "Keep the file in a directory only its owner reads: $XDG_RUNTIME_DIR (/run/user/<uid>) for a user's token, a service's RuntimeDirectory or StateDirectory, or a secret manager's path (/run/agenix, /run/secrets).",
      },
    });
  }
}

export const secretInTmp: Rule = {
  id: "secret-in-tmp",
  examples: {
    fire: [
      hostExample(
        `{ config, ... }: {\n  systemd.services.sync.script = ''\n    cat \${config.age.secrets.sync-token.path} > /tmp/sync-token\n    sync --token-file /tmp/sync-token\n  '';\n}\n`,
      ),
      hostExample(`{\n  system.activationScripts.apikey.text = ''\n    echo "$API_TOKEN" > /tmp/foo-api-key\n  '';\n}\n`),
      hostExample(`{\n  programs.mailsync.accessTokenFile = "/tmp/mail-oauth2-access-token";\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.writeShellScriptBin "login" ''\n    curl -s https://example.org/auth -o /tmp/token\n  '') ];\n}\n`),
    ],
    silent: [
      // disko reads the LUKS passphrase from /tmp once, on the installer.
      hostExample(`{\n  disko.devices.disk.main.content.partitions.luks.content = { type = "luks"; passwordFile = "/tmp/secret.key"; };\n  programs.mailsync.accessTokenFile = "/run/user/1000/token";\n}\n`),
      // The path of a secret (not its content) in a file that is no secret.
      hostExample(`{ config, ... }: {\n  systemd.services.builders.script = ''\n    echo "ssh://root@builder x86_64-linux \${config.sops.secrets.builder-key.path} 4" > /tmp/hydra/machines\n  '';\n}\n`),
      // A file made at run time.
      hostExample(`{ config, ... }: {\n  systemd.services.sync.script = ''\n    f=$(mktemp)\n    cat \${config.age.secrets.sync-token.path} > "$f"\n  '';\n}\n`),
      // The service's own /tmp.
      hostExample(
        `{ config, ... }: {\n  systemd.services.sync = {\n    serviceConfig.PrivateTmp = true;\n    script = ''\n      cat \${config.age.secrets.sync-token.path} > /tmp/sync-token\n    '';\n  };\n}\n`,
      ),
      // Not a secret.
      hostExample(`{\n  systemd.services.report.script = ''\n    date > /tmp/last-run\n    echo done >> /tmp/report.log\n  '';\n}\n`),
      hostExample(`{\n  systemd.services.sync.script = ''\n    cat /run/secrets/token > "$RUNTIME_DIRECTORY/token"\n  '';\n}\n`),
    ],
  },
  name: "Secret written to a fixed path in /tmp",
  category: "secrets",
  severity: "medium",
  rationale:
    "/tmp and /var/tmp are shared by every user and service. A secret written there under a fixed name is readable by other local users with the usual umask, and the name can be taken first (a file or a symlink of theirs), so they read it or redirect the write.",
  fix: "Use $RUNTIME_DIRECTORY or $CREDENTIALS_DIRECTORY (LoadCredential), PrivateTmp=true, or mktemp after umask 077; better, pass the secret file's own path to the program.",
  references: [
    { title: "CWE-377: Insecure Temporary File", url: "https://cwe.mitre.org/data/definitions/377.html" },
    { title: "systemd.exec(5): PrivateTmp=, RuntimeDirectory=, LoadCredential=", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html" },
  ],
  compliance: { cis: ["1.1.2 Ensure /tmp is configured"], nist: ["PR.DS-01", "PR.AA-05"] },
  checkNix(ctx: NixFileContext) {
    secretFileOptions(ctx);
    const sites = scriptsOf(ctx);
    if (sites.length) check(ctx.text, ctx.parsed.source.lines, sites, ctx.report);
  },
  checkFile(ctx: TextFileContext) {
    if (ctx.unparsedNix || ctx.text === undefined || !ctx.text.includes("/tmp/") || !isShellScriptFile(ctx.file, ctx.text)) return;
    const text = ctx.text;
    const offsets = Array.from({ length: text.length + 1 }, (_, i) => i);
    check(text, new LineIndex(text), [{ text, offsets, what: ctx.file }], ctx.report);
  },
};
