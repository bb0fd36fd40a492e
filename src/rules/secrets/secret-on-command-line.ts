// secret-on-command-line: a password or token passed as a program argument in a script or an
// `ExecStart`. Arguments are world-readable in /proc/<pid>/cmdline (`ps aux`) for as long as the
// program runs (NixOS mounts /proc without hidepid), and journald logs a failed unit's command
// line. Three grades:
//   - a literal, or a Nix value (`${cfg.password}`, `${builtins.readFile ./token}`): high or
//     medium, the secret is also in the world-readable Nix store;
//   - a value the shell or systemd expands at run time (`"$(cat /run/secrets/x)"`, `$TOKEN`): low,
//     the store is clean but the argument is still readable by every local user.
// Not reported: `--password-file`, `--token-path`, stdin, LoadCredential, an environment variable
// exported and read by the program (environ is private to its owner). Literals written as
// `--password=value` are left to hardcoded-secret, which reports them already. Container CLIs
// (docker, podman, nerdctl) with `-e NAME=value` under a secret name: the value is also in
// `docker inspect`; `--env-file` is the fix (literals the detectors know are hardcoded-secret's).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Severity } from "../../report/schema.js";
import { commandName, type ShellWord } from "../../shell/parse.js";
import { commandEvidence, rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "../anti-patterns/scripts.js";
import { classifyKey, detectSecrets, isPlaceholder } from "../../secrets/index.js";
import { hostExample } from "../shared/examples.js";
import type { Rule, RuleReport } from "../types.js";

const INTERPOLATION = "__nix_interpolation__";
const SECRET_FLAG = /^--(?:[\w-]*-)?(?:password|passwd|pass|token|secret|api-?key|passphrase|client-secret|secret-key|auth-key)$/i;
// Switches that name a secret but take no value (`--ask-password`, `--no-password`).
const BOOLEAN_FLAG = /^--(?:no|clear|unset|remove|delete|revoke|ask|prompt|read|use|require|change|reset|generate|random|empty|with|without|show|hide|print|stdin)-/i;
// Options that take the path of a file holding the secret (`--password-file`, `--token-path`,
// `--passwordFile`), not the secret.
const FILE_FLAG = /^-{1,2}[\w-]*(?:[-_](?:file|path|dir)|File|Path)$/i;
const MYSQL = new Set(["mysql", "mysqldump", "mysqladmin", "mysqlcheck", "mysqlimport", "mariadb", "mariadb-dump", "mariadb-admin"]);
const PLACEHOLDER = /^(?:<[^>]*>|\.\.\.|x+|\*+|changeme|secret|password|-)$/i;

interface Hit {
  word: ShellWord;
  /** The part of the word that is the secret (for `-pVALUE`, `user:VALUE`). */
  value: string;
  flag: string;
  /** `--flag=value` (hardcoded-secret's, for literals). */
  attached: boolean;
  /** A container's environment variable (`docker run -e TOKEN=value`): its name. */
  env?: string;
  /** A URL argument of an HTTP client or git holding a secret-named variable (`https://api.example/bot$TOKEN/send`): its name. */
  urlVar?: string;
  /** Where the secret starts in the word (a URL's password part). */
  valueAt?: number;
  /** Found by the value alone (`-t ${cfg.githubToken}`, a URL's `user:${password}@`): a literal is not enough. */
  byValue?: boolean;
}

// The last part of a Nix value that names a secret itself, not a file or a key's name
// (`settings.githubToken`, `cfg.password`, `secrets.transmissionPassword`).
const SECRET_VALUE = /(?:^|[._])(?:[A-Za-z]*(?:[Pp]assword|[Pp]asswd|[Tt]oken|[Ss]ecret|[Aa]pi[Kk]ey|api_key)|password|passwd|token|secret|apikey)$/;

/** The Nix value an argument consists of (`${settings.githubToken}`), when it is a plain attribute path. */
function soleInterpolation(w: ShellWord, root: SyntaxNode | undefined): string | undefined {
  if (!root || w.value !== INTERPOLATION) return undefined;
  const interp = interpolationAt(root, w.source.offsets[0]!);
  const expr = interp?.text.slice(2, -1).trim() ?? "";
  return /^[A-Za-z_][\w'-]*(?:\.[A-Za-z_][\w'-]*)*$/.test(expr) ? expr : undefined;
}

// `scheme://user:password@host`: the password part of a URL argument.
const URL_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^\s/@:]+:([^\s/@]+)@/i;

// Programs whose URL argument is the request: a token in its path, query or user part is on the
// command line like any other argument.
const URL_CLIENTS = new Set(["curl", "wget", "http", "https", "xh", "curlie", "git"]);

/** The secret-named shell variable (`$TG_TOKEN`, `${api_key}`) or Nix value (`${cfg.token}`) a URL argument expands. */
function urlSecret(w: ShellWord): string | undefined {
  const v = w.value;
  if (!/^(?:https?|ftp):\/\//i.test(v)) return undefined;
  for (const m of v.matchAll(/\$\{?([A-Za-z_]\w*)\}?/g)) {
    const kind = classifyKey(m[1]!);
    if (kind === "secret" || kind === "password") return m[1]!;
  }
  return undefined;
}

const CONTAINER_CLIS = new Set(["docker", "podman", "nerdctl"]);

/** `-e NAME=value`, `--env NAME=value`, `--env=NAME=value` of a container CLI, under a secret name. */
function containerEnv(argv: ShellWord[], i: number): { hit: Hit; next: number } | undefined {
  const v = argv[i]!.value;
  let word: ShellWord | undefined;
  let assignment: string;
  let next = i;
  if (v === "-e" || v === "--env") {
    word = argv[i + 1];
    if (!word) return undefined;
    assignment = word.value;
    next = i + 1;
  } else if (v.startsWith("--env=")) {
    word = argv[i];
    assignment = v.slice("--env=".length);
  } else return undefined;
  const eq = assignment.indexOf("=");
  if (eq <= 0) return undefined;
  const name = assignment.slice(0, eq);
  const kind = classifyKey(name);
  if (kind !== "secret" && kind !== "password") return undefined;
  return { hit: { word: word!, value: assignment.slice(eq + 1), flag: `${v === "--env" || v.startsWith("--env=") ? "--env" : "-e"} ${name}`, attached: false, env: name }, next };
}

/** The arguments of a command that carry a secret. */
function secretArguments(argv: ShellWord[], root?: SyntaxNode): Hit[] {
  const name = commandName(argv[0]);
  const out: Hit[] = [];
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (v === "--") break;
    if (CONTAINER_CLIS.has(name)) {
      const env = containerEnv(argv, i);
      if (env) {
        out.push(env.hit);
        i = env.next;
        continue;
      }
    }
    if (URL_CLIENTS.has(name)) {
      const urlVar = urlSecret(w);
      if (urlVar) {
        out.push({ word: w, value: v, flag: "URL", attached: false, urlVar });
        continue;
      }
    }
    const eq = v.indexOf("=");
    const flag = eq > 0 ? v.slice(0, eq) : v;
    // A URL with a password in its user part, whichever option takes it
    // (`--transmission_url http://user:${cfg.password}@127.0.0.1:9091`).
    const userinfo = URL_USERINFO.exec(eq > 0 && /^-/.test(v) ? v.slice(eq + 1) : v);
    if (userinfo) {
      const at = v.indexOf(userinfo[0]) + userinfo[0].length - 1 - userinfo[1]!.length;
      out.push({ word: w, value: userinfo[1]!, flag: "URL password", attached: false, valueAt: at, byValue: true });
      continue;
    }
    if (SECRET_FLAG.test(flag) && !BOOLEAN_FLAG.test(flag)) {
      if (eq > 0) out.push({ word: w, value: v.slice(eq + 1), flag, attached: true });
      else if (argv[i + 1] && !argv[i + 1]!.value.startsWith("-")) out.push({ word: argv[++i]!, value: argv[i]!.value, flag, attached: false });
      continue;
    }
    if (MYSQL.has(name) && /^-p.+/.test(v)) out.push({ word: w, value: v.slice(2), flag: "-p", attached: false });
    else if (name === "sshpass" && v.startsWith("-p")) {
      if (v.length > 2) out.push({ word: w, value: v.slice(2), flag: "-p", attached: false });
      else if (argv[i + 1]) out.push({ word: argv[++i]!, value: argv[i]!.value, flag: "-p", attached: false });
    } else if (name === "redis-cli" && v === "-a" && argv[i + 1]) out.push({ word: argv[++i]!, value: argv[i]!.value, flag: "-a", attached: false });
    else if (name === "curl" && (v === "-u" || v === "--user") && argv[i + 1]) {
      const cred = argv[++i]!;
      const colon = cred.value.indexOf(":");
      if (colon > 0 && colon < cred.value.length - 1) out.push({ word: cred, value: cred.value.slice(colon + 1), flag: v, attached: false });
    } else if (!/^-/.test(v)) {
      // An argument that is a Nix value naming a secret, after any option (`-t ${settings.githubToken}`):
      // the option's name says nothing, the value says what it is.
      const expr = soleInterpolation(w, root);
      const prev = argv[i - 1]!.value;
      // After an option that takes a file (`--password-file ${resticPassword}`, the Nix value an
      // agenix path: Nebucatnetzer-nixos restic): the argument is the path, the safe way.
      if (expr && SECRET_VALUE.test(expr) && !FILE_FLAG.test(prev)) {
        out.push({ word: w, value: v, flag: /^-/.test(prev) && i > 1 ? prev : "argument", attached: false, byValue: true });
      }
    }
  }
  return out;
}

/** The interpolation (`${...}`) at an offset of the file. */
function interpolationAt(root: SyntaxNode, offset: number): SyntaxNode | undefined {
  let n: SyntaxNode | undefined = root;
  for (;;) {
    if (n.kind === K.NODE_INTERPOL && n.start === offset) return n;
    const next: SyntaxNode | undefined = n.childNodes().find((c) => c.start <= offset && offset < c.end);
    if (!next) return undefined;
    n = next;
  }
}

type Grade = { severity: Severity; how: string } | undefined;

/** How bad a secret argument is, from what its value is made of. */
function grade(hit: Hit, root: SyntaxNode | undefined): Grade {
  const v = hit.value;
  if (hit.urlVar) return { severity: "low", how: `$${hit.urlVar} is expanded into the URL at run time (the Nix store stays clean), but the URL with it is on the command line` };
  if (v === "" || PLACEHOLDER.test(v)) return undefined;
  // `--secret "$dir/client_secret.json"` names a file; `--token "agents=$n"` is a key=value pair.
  if (/\//.test(v) && !/\$\(|`/.test(v)) return undefined;
  if (/^[A-Za-z_][\w-]*=/.test(v)) return undefined;
  if (v.includes(INTERPOLATION)) {
    if (!root) return undefined;
    const at = hit.word.source.text.indexOf(INTERPOLATION, hit.valueAt ?? 0);
    const interp = at >= 0 ? interpolationAt(root, hit.word.source.offsets[at]!) : undefined;
    const expr = interp?.text.slice(2, -1).trim() ?? "";
    if (/\breadFile\b/.test(expr)) return { severity: "high", how: `\`${expr}\` reads the file when Nix evaluates, so its content is copied into the world-readable Nix store and onto the command line` };
    if (/(?:File|Path|\.path|Dir|Directory)$/.test(expr)) {
      // `--password "$(tr -d '\n' < ${cfg.passwordFile})"`: the command substitution reads the
      // file at run time and its content is the argument (ibizaman/selfhostblocks forgejo.nix).
      const sub = /\$\(([^)]*)\)|`([^`]*)`/.exec(v);
      if (sub && (sub[1] ?? sub[2] ?? "").includes(INTERPOLATION)) return { severity: "low", how: `the value is read from the file \`${expr}\` at run time (the Nix store stays clean), but the expanded argument is still on the command line` };
      return undefined; // a path, not the secret
    }
    if (/(?:pass(?:word|wd)?|token|secret|apikey|api_key|apiKey|key)$/i.test(expr)) return { severity: "medium", how: `the Nix value \`${expr}\` is written into the script in the world-readable Nix store and onto the command line` };
    return undefined;
  }
  if (/\$\(|`|\$\{?[A-Za-z_]/.test(v)) return { severity: "low", how: "the value is read at run time (the Nix store stays clean), but the expanded argument is still on the command line" };
  if (hit.attached) return undefined; // a literal `--password=value`: hardcoded-secret reports it
  // A literal password in a URL is hardcoded-secret's (its detectors know URL credentials).
  if (hit.flag === "URL password") return undefined;
  if (hit.byValue && (isPlaceholder(v) || v.length < 6 || /^(?:pass(?:word)?|secret|token)$/i.test(v))) return undefined;
  if (hit.env) {
    // `-e TOKEN=literal`: hardcoded-secret reports the literals its detectors recognise in the word.
    if (isPlaceholder(v) || v.length < 6) return undefined;
    if (detectSecrets(hit.word.value).some((m) => m.kind === "secret")) return undefined;
  }
  return { severity: "high", how: "the literal is in the repository, in the world-readable Nix store and on the command line" };
}

/** Commands every shell runs itself (bash, dash and zsh have them built in): no process is started,
 * so their arguments never reach /proc/<pid>/cmdline (bobvanderlinden-nixos-config's
 * `printf '${password}' | gnome-keyring-daemon --unlock` in a writeShellApplication, judged wrong). */
const SHELL_BUILTINS = new Set(["printf", "echo"]);
const LOWER = { critical: "high", high: "medium", medium: "low", low: "low", info: "info" } as const;

/** The shell's tests: `[ "$arg" = "--passphrase" ]` compares a word with a flag's name, nothing is
 * passed to a program (ivankovnatsky-nixos-config, judged wrong). */
const SHELL_TESTS = new Set(["[", "[[", "test"]);

/** The innermost node of the tree holding an offset. */
function nodeAt(root: SyntaxNode, offset: number): SyntaxNode {
  let n = root;
  for (;;) {
    const next: SyntaxNode | undefined = n.childNodes().find((c) => c.start <= offset && offset < c.end);
    if (!next) return n;
    n = next;
  }
}

function check(cmds: ScriptCommand[], { text, root, lines, report: reportAny, moduleClass, inTest }: ScriptFile): void {
  // A secret of a NixOS VM test is a fixture of machines that exist only while the test runs
  // (bobvanderlinden-nixos-config tests/greetd-autologin-keyring.nix's "supersecret": judged info;
  // the scan alone caps tests at low).
  const report = (r: RuleReport) => {
    const at = r.range && root && inTest ? nodeAt(root, lines.lineStarts[r.range.line - 1]! + r.range.column - 1) : undefined;
    reportAny(at && r.severity !== "info" && inTest!(at) ? { ...r, severity: "info", message: `${r.message} It belongs to a NixOS VM test: a throwaway fixture for machines that exist only while the test runs (maintenance, not a leak: make sure no real machine uses it).` } : r);
  };
  // macOS shows a process's arguments only to its own user and root (no world-readable
  // /proc/<pid>/cmdline): a value read at run time and passed as an argument in a nix-darwin
  // launchd job reaches nobody else (ivankovnatsky-nixos-config's darwin *-mgmt modules: judged
  // info). A literal or Nix value stays in the store, readable by every account, as on Linux.
  const darwin = moduleClass === "darwin";
  for (const { argv, what } of cmds) {
    if (SHELL_TESTS.has(commandName(argv[0]))) continue;
    for (const hit of secretArguments(argv, root)) {
      const g0 = grade(hit, root);
      if (!g0) continue;
      const prog = commandName(argv[0]);
      let g = g0;
      const builtin = SHELL_BUILTINS.has(prog);
      if (builtin) {
        // Read at run time: nothing is left, neither in the store nor on a command line.
        if (!/Nix store and|in the repository/.test(g0.how) || /stays clean/.test(g0.how)) continue;
        // Written into the script by Nix: the copy in the store stays.
        g = { severity: LOWER[g0.severity], how: `${g0.how.replace(/ and (?:onto|on) the command line$/, "").replace(/, in the world-readable Nix store and on the command line$/, " and in the world-readable Nix store")}; ${prog} is a shell builtin, so the value is on no process's command line, only in the script` };
        report({
          ...(g0.severity === "high" && !hit.value.includes(INTERPOLATION) ? { evidence: commandEvidence(text, argv).split(hit.value).join("****"), secret: hit.value } : {}),
          range: rangeOf(lines, hit.word.start, hit.word.end),
          key: `${what}: ${prog} ${hit.flag}`,
          severity: g.severity,
          title: `Secret written into a script (${prog} ${hit.flag})`,
          message: `${what === "shell script" ? "This script" : `The script in ${what}`} gives a secret to ${prog}: ${g.how}. Whoever reads the script (every local user, in the store) has it.`,
          fix: { safety: "manual", description: `Read the secret at run time from a file only the service can read (an agenix/sops-nix secret, or systemd LoadCredential) instead of writing it into the script: \`${prog} '%s' "$(cat "$CREDENTIALS_DIRECTORY/<name>")"\` or a redirect from the file.` },
        });
        continue;
      }
      // The scan's redaction knows secret shapes, not `-pVALUE`: a literal is masked here.
      const literal = g.severity === "high" && !hit.value.includes(INTERPOLATION);
      if (darwin && /stays clean/.test(g.how)) {
        report({
          range: rangeOf(lines, hit.word.start, hit.word.end),
          key: `${what}: ${prog} ${hit.flag}${hit.urlVar ? ` ${hit.urlVar}` : ""}`,
          severity: "info",
          title: `Secret passed on the command line (${prog} ${hit.flag})`,
          message: `${what === "shell script" ? "This script" : `The script in ${what}`} passes a secret to ${prog} as an argument (${hit.urlVar ? `$${hit.urlVar} inside the URL` : hit.flag}): ${g.how}. This is a nix-darwin configuration: macOS shows a process's arguments only to its own user and root, so no other account reads it there; it is still in the logs of a failed job and would leak on a Linux host.`,
          fix: { safety: "manual", description: `Give ${prog} the secret through a file (a --password-file/--token-file option), its standard input, or an environment variable, rather than an argument.` },
        });
        continue;
      }
      report({
        ...(literal ? { evidence: commandEvidence(text, argv).split(hit.value).join("****"), secret: hit.value } : {}),
        range: rangeOf(lines, hit.word.start, hit.word.end),
        key: `${what}: ${prog} ${hit.flag}${hit.urlVar ? ` ${hit.urlVar}` : ""}`,
        severity: g.severity,
        title: `Secret passed on the command line (${prog} ${hit.flag})`,
        message: `${what === "shell script" ? "This script" : `The script in ${what}`} passes a secret to ${prog} as an argument (${hit.urlVar ? `$${hit.urlVar} inside the URL` : hit.flag}): ${g.how}. Every local user can read a running process's arguments in /proc/<pid>/cmdline (ps aux), and systemd logs the command line of a unit that fails.${hit.env ? ` The container's environment is also shown by \`${prog} inspect\` to everyone who may talk to the ${prog} daemon.` : ""}`,
        fix: {
          safety: "manual",
          description: hit.env
            ? `Put ${hit.env}=... into a file only root can read (an agenix/sops-nix secret) and pass it with \`${prog} run --env-file <path>\` (with virtualisation.oci-containers: \`environmentFiles = [ config.sops.secrets.<name>.path ];\`), never as -e on the command line.`
            : hit.urlVar
              ? `Keep the secret out of the URL: send it in a header or body read from a file (curl -H @file, --data @file, --config file; git: a credential helper), or, where the service wants it in the URL (a bot token), write the URL into a curl --config file only the service can read.`
              : `Give ${prog} the secret through a file (a --password-file/--token-file option with a path from agenix/sops-nix or systemd LoadCredential), its standard input, or an environment variable set from an EnvironmentFile, never as an argument.`,
        },
      });
    }
  }
}

export const secretOnCommandLine: Rule = {
  id: "secret-on-command-line",
  examples: {
    fire: [
      hostExample(`{ pkgs, ... }: {\n  systemd.services.backup.script = ''\n    mysqldump -uroot -pXk92jdkA83jd --all-databases > /var/backup/all.sql\n  '';\n}\n`),
      hostExample(`{ config, pkgs, ... }:\nlet cfg = config.services.myapp; in {\n  systemd.services.myapp.serviceConfig.ExecStart = "\${pkgs.myapp}/bin/myapp --api-key \${cfg.apiKey}";\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.sync.serviceConfig.ExecStart = "\${pkgs.app}/bin/app --token \${builtins.readFile ./token.txt}";\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.push.script = ''\n    curl -u bot:"$(cat /run/secrets/bot)" https://example.org/push\n  '';\n}\n`),
      hostExample(`{ config, pkgs, ... }:\nlet cfg = config.services.runner; in {\n  systemd.services.runner.script = ''\n    \${pkgs.docker}/bin/docker run --rm -e TZ=UTC -e RUNNER_TOKEN=\${cfg.token} ghcr.io/org/runner\n  '';\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.db.serviceConfig.ExecStart = "\${pkgs.podman}/bin/podman run --env=ADMIN_TOKEN=vaultwarden2024 vaultwarden/server";\n}\n`),
      // A bot token in the URL of a request (low: read at run time, still in /proc/<pid>/cmdline).
      { "notify.sh": '#!/usr/bin/env bash\ncurl -s -X POST -d "text=done" "https://api.telegram.org/bot${TG_TOKEN}/sendMessage"\n' },
      // One command per user, generated by concatMapStringsSep, reading each password file into an argument.
      hostExample(
        `{ config, lib, ... }:\nlet cfg = config.my.forgejo; in {\n  systemd.services.forgejo.preStart = lib.concatMapStringsSep "\\n" (u: ''\n    forgejo admin user create --username \${u.name} --password "$(tr -d '\\n' < \${u.passwordFile})"\n  '') cfg.users;\n}\n`,
      ),
      // A short option whose name says nothing, with a Nix value naming a token (medium).
      hostExample(`{ pkgs, ... }:\nlet settings = import ./settings.nix; in {\n  systemd.services.notifier.serviceConfig.ExecStart = ''\n    \${pkgs.notifier}/bin/notify \\\n        -r \${settings.repository} \\\n        -t \${settings.githubToken}\n  '';\n}\n`),
      // A password in the user part of a URL given to any option.
      hostExample(`{ pkgs, ... }:\nlet secrets = import ./secrets.nix; in {\n  systemd.services.pmp.serviceConfig.ExecStart = "\${pkgs.pmp}/bin/pmp --rpc_url http://admin:\${secrets.rpcPassword}@127.0.0.1:9091 --gateway 10.2.0.1";\n}\n`),
    ],
    silent: [
      // The file's path, not its content, on the command line.
      hostExample(`{ config, lib, ... }: {\n  systemd.services.app.preStart = lib.concatMapStrings (u: ''\n    app user add \${u.name} --password-file \${u.passwordFile}\n    app user add \${u.name} --password \${u.passwordFile}\n  '') config.my.users;\n}\n`),
      hostExample(`{ config, pkgs, ... }: {\n  systemd.services.app.serviceConfig = {\n    LoadCredential = "pw:\${config.sops.secrets.pw.path}";\n    ExecStart = "\${pkgs.app}/bin/app --password-file %d/pw";\n  };\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.app.script = ''\n    export TOKEN="$(cat /run/secrets/token)"\n    exec app --ask-password --no-password-prompt serve\n    mysql -p mydb < /var/lib/init.sql\n  '';\n}\n`),
      hostExample(`{ config, pkgs, ... }: {\n  systemd.services.app.serviceConfig.ExecStart = "\${pkgs.app}/bin/app --token \${config.sops.secrets.token.path}";\n}\n`),
      hostExample(`{ config, pkgs, ... }: {\n  systemd.services.runner.script = ''\n    docker run --env-file \${config.sops.secrets.runner-env.path} -e TZ=UTC -e TOKEN_FILE=/run/secrets/token -e API_KEY -e PASSWORD=changeme -e SECRET= img\n  '';\n}\n`),
      // Look-alikes: a URL with a chat id or a host variable, a token kept out of the URL (header from a file).
      { "notify2.sh": '#!/usr/bin/env bash\ncurl -H @/run/secrets/auth-header "https://api.example.org/chats/${CHAT_ID}/send"\nwget "https://$HOST/download/$VERSION.tar.gz"\necho "https://example.org/?token=$TOKEN"\n' },
      // Look-alikes: values that name a file, a user or a path; a URL with a user and no password; a URL password read from a file.
      hostExample(`{ config, pkgs, ... }:\nlet cfg = config.services.notifier; in {\n  systemd.services.notifier.serviceConfig.ExecStart = "\${pkgs.notifier}/bin/notify -t \${cfg.tokenFile} -i \${cfg.sshKey} -u \${cfg.user} -k \${config.sops.secrets.token.path} --url http://\${cfg.user}@127.0.0.1:9091 --db postgres://app:\${cfg.passwordFile}@db/app";\n}\n`),
      { "sync.sh": '#!/usr/bin/env bash\ngphotos-sync --secret "$ROOT/client_secret.json" "$ROOT"\nherdr pane report --token "agents=$n" --clear-token agents\n' },
      // A shell test comparing an argument with a flag's name: nothing is passed to a program.
      hostExample(`{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.writeShellScriptBin "unlock" ''\n    for arg in "$@"; do\n      if [ "$arg" = "--passphrase" ]; then exit 1; fi\n      if [[ "$arg" == "--password" ]]; then exit 1; fi\n    done\n  '') ];\n}\n`),
    ],
  },
  // In a file no host imports (dead code) only the repository's copy is left: the scan reports low.
  literalOutlivesUse: true,
  name: "Secret passed on the command line",
  category: "secrets",
  severity: "medium",
  rationale:
    "A program's arguments are readable by every local user in /proc/<pid>/cmdline (ps aux) while it runs, and end up in logs when the unit fails. A password or token given as an argument leaks to every account and service on the machine; when it is a literal or a Nix value it is also in the world-readable Nix store.",
  fix: "Pass secrets through a file option (--password-file, agenix/sops-nix paths, systemd LoadCredential), standard input or an environment variable from an EnvironmentFile.",
  references: [
    { title: "proc(5): /proc/pid/cmdline is readable by all users unless hidepid is set", url: "https://man7.org/linux/man-pages/man5/proc.5.html" },
    { title: "systemd.exec: LoadCredential=", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Credentials" },
    { title: "MySQL: end-user guidelines for password security (-p on the command line is insecure)", url: "https://dev.mysql.com/doc/refman/8.0/en/password-security-user.html" },
    { title: "CWE-214: Invocation of Process Using Visible Sensitive Information", url: "https://cwe.mitre.org/data/definitions/214.html" },
  ],
  compliance: { cis: [], nist: ["PR.DS-01", "PR.AA-01"] },
  ...scriptCommandHooks(check),
};
