// The systemd services a repository defines, read from its Nix files: each service's unit settings
// (what `systemd-analyze security` scores), where it is defined, whether it runs as root, and its
// attack surface. The service-hardening rule reports on them; the scan reads the same list first to
// score the services (systemd-analyze) before the rule runs, since rules never run programs.
import type { NixServiceDef, NixValue } from "../../exposure/unit.js";
import { serviceSurface, type ServiceFacts, type SurfaceVerdict } from "../../exposure/surface.js";
import { commandName, effectiveCommands, sourceOf } from "../../shell/parse.js";
import { boundValue } from "../../nix/scope.js";
import { calleeName, flattenApply, unparen, type OptionDefinition } from "../../nix/options.js";
import { StaticEvaluator, isAttrs, isEvalUnknown, type EvalValue } from "../../nix/static-eval.js";
import { staticValue, isUnknownValue, type StaticValue } from "../../nix/values.js";
import { setOf } from "../../nix/edit.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext } from "../types.js";

export interface FoundService {
  ctx: NixFileContext;
  name: string;
  def: NixServiceDef;
  /** The first definition of `systemd.services.<name>...` in the file: where the finding points. */
  anchor: OptionDefinition;
  /** The definition of `systemd.services.<name>.serviceConfig` holding a set, if any. */
  serviceConfigDef?: OptionDefinition;
  /** The definition of `systemd.services.<name>` holding a set, if any. */
  serviceDef?: OptionDefinition;
  runsAsRoot: boolean;
  /** Parts of serviceConfig could not be read and it sets neither User= nor DynamicUser=: who it
   * runs as is not known (never said to be root; its severity is still a bound from above). */
  userUnread?: boolean;
  /** Where the unit's settings are written when that is not the definition itself: the attribute
   * set a function of the same file returns (`mkWorker = name: { serviceConfig = ...; }` called as
   * `systemd.services.w1 = mkWorker "w1"`). Its serviceConfig binding, else the set. */
  builtAt?: SyntaxNode;
  /** What the surface was read from (the rule completes it with what the repository says about
   * firewall ports and option gates, then calls serviceSurface again). */
  facts: ServiceFacts;
  /** Option paths (`services.foo.openFirewall`) that gate the file's firewall openings
   * (`networking.firewall = mkIf cfg.openFirewall { ... }`): they open only where a host sets one. */
  firewallGates: string[];
  /** Absolute paths under /home the unit names (command, WorkingDirectory, environment...). */
  homePaths: string[];
  /** Why the unit needs host devices (it runs VMs: qemu-system-*, microvm, libvirt, /dev/kvm,
   * /dev/net/tun, /dev/vhost-*; or its DeviceAllow / SupplementaryGroups kvm say so): device
   * isolation (PrivateDevices, which implies DevicePolicy=closed) would break it. */
  devices?: string;
  /** Directories the unit shows it writes outside its StateDirectory/CacheDirectory/LogsDirectory
   * (WorkingDirectory, /var/lib/<x>, /srv/<x> ... in its command or environment). */
  writePaths: string[];
  /** Why the directories it writes cannot be known statically (`\${cfg.dataDir}`, a computed
   * WorkingDirectory), else undefined. */
  writePathsUnknown?: string;
  /** Parts merged into serviceConfig that could not be read (`helpers.hardened`): the score is
   * then an upper bound, not the unit's value. */
  partial: string[];
  surface: SurfaceVerdict;
  /** What starts the unit, read from its own file (`wantedBy`, `requiredBy`, `upheldBy`,
   * `startAt`, a timer, socket or path unit of the same name), else undefined; "unknown" when its
   * definition could not be read whole (a function's result). The rule looks at the rest of the
   * repository before calling a unit one nothing starts. */
  startedBy?: string;
  /** The repository's definition gives the unit no command of its own: its script is merged into
   * another definition's (`script = mkAfter ...`), or it sets only `script`, which NixOS appends to
   * the script of a module that defines the same unit. "merged" for the first, "script" for the
   * second; undefined when it sets ExecStart or a whole script of its own. */
  noOwnCommand?: "merged" | "script";
  /** `enable = false` on the unit itself: NixOS generates no unit file for it. */
  disabled?: boolean;
  /** Where the unit's definitions are written in its file: [start, end) of each binding. */
  ownRanges: Array<[number, number]>;
}

function toNixValue(v: StaticValue): NixValue {
  if (isUnknownValue(v)) return { unknown: true, text: v.text };
  if (Array.isArray(v)) return v.map(toNixValue);
  if (v !== null && typeof v === "object") return { unknown: true, text: "{ ... }" };
  return v;
}

function evalToNix(v: EvalValue): NixValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(evalToNix);
  return { unknown: true, text: v.kind === "unknown" ? v.text : "{ ... }" };
}

type Loader = (file: string) => NixFileContext | undefined;

// The option index of an unchanged file is kept between scans: its services are read once (again
// when a file its services' values were read from changed).
const servicesCache = new WeakMap<object, { found: Omit<FoundService, "ctx">[]; deps: Map<string, object | undefined>; texts: Map<string, string | undefined>; args: string }>();

/** Which module arguments a file was read with (their expressions, by file and position). */
function argsKey(ctx: NixFileContext): string {
  return [...(ctx.moduleArgs ?? [])].map(([n, a]) => `${n}\0${a.file}\0${a.node.start}`).join("\n");
}

/** The services a file defines (not those it only adjusts: an upstream module's unit with a few
 * serviceConfig overrides is that module's service, and its hardening is upstream's). */
export function servicesIn(ctx: NixFileContext, load: Loader = () => undefined): FoundService[] {
  // A nix-maid module's `systemd.services` are the user's systemd user units, run as the user in
  // their session, not system services (viperML-dotfiles modules/maid/noctalia, judged wrong as
  // "runs as root").
  if (ctx.moduleClass === "nix-maid") return [];
  let entry = servicesCache.get(ctx.index);
  const args = argsKey(ctx);
  if (!entry || entry.args !== args || [...entry.deps].some(([f, idx]) => load(f)?.index !== idx) || [...entry.texts].some(([f, t]) => ctx.repoFile(f)?.text !== t)) {
    const deps = new Map<string, object | undefined>();
    const texts = new Map<string, string | undefined>();
    const tracked: Loader = (f) => {
      const c = load(f);
      deps.set(f, c?.index);
      return c;
    };
    const readText = (f: string) => {
      const t = ctx.repoFile(f)?.text;
      texts.set(f, t);
      return t;
    };
    servicesCache.set(ctx.index, (entry = { found: readServices(ctx, tracked, readText), deps, texts, args }));
  }
  return entry.found.map((s) => ({ ...s, ctx }));
}

/** A value the option index could not walk into completely (`a // b` with `a` unread, a function
 * call, an import): the static evaluator reads what it can of it. */
function needsEvaluation(value: SyntaxNode | undefined): boolean {
  const n = unparen(value);
  if (!n || n.kind === K.NODE_ATTR_SET) return false;
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) return needsEvaluation(args[1]);
    if (name && /^mk(Force|Default|Override|OptionDefault)$/.test(name)) return needsEvaluation(args[args.length - 1]);
  }
  return true;
}

// Commands that run to completion: a script made only of them is a run-once setup job.
const FINITE = new Set(["curl", "wget", "zpool", "zfs", "logger", "echo", "printf", "cat", "tee", "mkdir", "cp", "install", "chmod", "chown", "chgrp", "ln", "rm", "rmdir", "touch", "mv", "test", "[", "[[", "true", "false", ":", "umask", "set", "export", "exit", "return", "local", "cd", "sysctl", "modprobe", "sed", "grep", "head", "tail", "cut", "tr", "basename", "dirname", "realpath", "readlink", "stat", "id", "date", "setfacl", "for", "do", "done", "if", "then", "fi", "else", "elif", "in", "case", "esac", "ethtool", "hdparm", "cpupower", "iw", "rfkill", "udevadm", "ip", "wg", "systemctl", "chattr", "mount", "truncate", "gpgconf", "gpg-connect-agent", "kill", "pkill", "killall", "aplay", "paplay", "pw-play", "play", "amixer", "pactl", "wpctl", "beep", "adb", "fastboot", "jq", "awk", "gawk", "hostnamectl", "jool"]);
// Of those, the ones that only place files from the configuration.
const PLACES_FILES = new Set(["echo", "printf", "cat", "tee", "mkdir", "cp", "install", "chmod", "chown", "chgrp", "ln", "rm", "rmdir", "touch", "mv", "test", "[", "[[", "true", "false", ":", "umask", "set", "export", "exit", "local", "cd", "if", "then", "fi", "else", "elif", "setfacl", "truncate"]);
// A dynamic serviceConfig key (as the evaluator reports it, cut at 60 characters) that can only be
// a setting no exposure check reads, or nothing.
const NEUTRAL_DYNAMIC_KEY = /^\$\{\s*(?:if\s[^]*?\bthen\s+"(?:EnvironmentFile|Environment|WorkingDirectory|ExecStartPre|ExecStartPost|ExecStop|ExecReload|TimeoutStartSec|TimeoutStopSec|StandardOutput|StandardError|SyslogIdentifier|LimitNOFILE|Nice|KillMode|KillSignal|Restart|RestartSec)"(?:\s+else\s+null\s*\}?|\s*$)|(?:lib\.)?optionalString\s+[^"]*"(?:EnvironmentFile|WorkingDirectory)"\s*\}?)(?:\s*=|$)/;

// Programs that only read and write local text and files: a URL in their arguments is data.
const LOCAL_TOOLS = new Set([...PLACES_FILES, "jq", "yq", "sed", "awk", "gawk", "grep", "cut", "tr", "head", "tail", "sort", "uniq", "wc", "date", "basename", "dirname", "realpath", "readlink", "stat", "id", "for", "do", "done", "case", "esac", "in", "while", "read"]);

/** `${concatMapStringsSep "\n" (x: ''BODY'') xs}` (or concatMapStrings, map): the lines it writes
 * are BODY once per element, so BODY stands for them when the script's commands are read. */
function inlineMappedBodies(text: string): string {
  const head = /\$\{\s*(?:lib\.|builtins\.)?(?:concatMapStringsSep\s+"[^"]*"|concatMapStrings|concatStringsSep\s+"[^"]*"\s*\(\s*(?:lib\.|builtins\.)?map)\s*\(\s*[\w'-]+\s*:\s*''/g;
  let out = "";
  let from = 0;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    // The body ends at a `''` that is no escape (`''$`, `'''`, `''\`), outside its interpolations.
    let i = m.index + m[0].length;
    let depth = 0;
    let end = -1;
    for (; i < text.length - 1; i++) {
      if (text.startsWith("${", i) && text[i - 1] !== "$") {
        depth++;
        i++;
      } else if (text[i] === "}" && depth > 0) depth--;
      else if (depth === 0 && text.startsWith("''", i)) {
        if (/['$\\]/.test(text[i + 2] ?? "")) {
          i += 2;
          continue;
        }
        end = i;
        break;
      }
    }
    // Then the closing brace of the outer interpolation.
    const close = end < 0 ? -1 : text.indexOf("}", end);
    if (close < 0) break;
    out += text.slice(from, m.index) + text.slice(m.index + m[0].length, end);
    from = close + 1;
    head.lastIndex = from;
  }
  return out + text.slice(from);
}

/** The commands a command text runs (a Nix string's source: quotes and `${...}` left as words;
 * `pkgs.writeShellScript "name" ''...''` read as its script). */
/** The program a command word names: `${pkgs.curl}/bin/curl`, `${lib.getExe pkgs.curl}` and
 * `${lib.getExe' pkgs.curl "curl"}` are curl (yomaq-nix-config's nixos-upgrade-success runs
 * `${lib.getExe pkgs.curl} -X POST ...` and exits, and was called a long-running daemon). */
function programOf(word: string): string {
  const exe = /^\$\{\s*(?:lib\.)?getExe'\s+[\w.'-]+\s+"([\w.+-]+)"\s*\}$/.exec(word) ?? /^\$\{\s*(?:lib\.)?getExe\s+(?:[\w'-]+\.)*([\w'-]+)\s*\}$/.exec(word);
  return exe ? exe[1]! : word.replace(/^\$\{[^}]*\}\/bin\//, "");
}

function commandsOf(text: string): string[][] | undefined {
  try {
    const script = text.replace(/^\s*\(?\s*(?:pkgs\.)?write(?:ShellScript|Script|ShellScriptBin|ScriptBin)\s+"[^"]*"\s+/, "");
    const body = inlineMappedBodies(script).replace(/^\s*''|''\s*\)?\s*$/g, "").replace(/^\s*"|"\s*$/g, "");
    return effectiveCommands(sourceOf(body)).map((argv) => [programOf(commandName(argv[0])), ...argv.slice(1).map((w) => w.value)]);
  } catch {
    return undefined;
  }
}

// A command whose first argument is one of these does its work and exits (`zerotier-members allow
// <id>`, `rustic forget`, `rclone sync`): a client's action, not a server waiting for input.
const ACTION_VERB = /^(?:allow|deny|add|remove|delete|rm|set|unset|create|update|upgrade|sync|import|export|forget|prune|copy|backup|restore|check|verify|init|migrate|apply|push|pull|clone|fetch|generate|register|unregister|login|upload|download|send|refresh|renew|rotate|clean|cleanup|gc|vacuum|dump|compact|reindex|invite|accept|approve|revoke|enroll|provision|seed|bootstrap|install|uninstall|reload)$/;

/** The last command of a script (what decides whether the unit keeps running) runs to completion:
 * a finite program, `systemd-notify`, or a client's action verb. */
function endsFinite(commands: string[][]): boolean {
  const last = commands.filter((c) => c[0] !== "" && !/^[A-Za-z_]\w*=/.test(c[0]!)).at(-1);
  if (!last) return false;
  if (FINITE.has(last[0]!) || last[0] === "systemd-notify") return true;
  // `gpgconf --homedir /var/lib/sops --kill gpg-agent`: an option that asks a tool to do one thing
  // and exit (TLATER-dotfiles' shutdownSopsGpg was called "a long-running local daemon").
  if (last.slice(1).some((a) => /^--(?:kill|reload|stop|shutdown|terminate)(?:$|=)/.test(a))) return true;
  const arg = last.slice(1).find((a) => !a.startsWith("-"));
  return arg !== undefined && ACTION_VERB.test(arg);
}

/** Texts of the let-bound values a node's identifiers refer to (one level): the Caddyfile a
 * command names through `${conf}`. */
function boundTexts(node: SyntaxNode | undefined, file?: string, readText?: (file: string) => string | undefined): string[] {
  if (!node) return [];
  const out: string[] = [];
  for (const id of node.descendants(K.NODE_IDENT)) {
    const v = boundValue(id);
    if (v && v.text.length < 20000) {
      out.push(v.text);
      // `writeShellApplication { text = builtins.readFile ./job.sh; }`: the script it runs.
      const rf = file && readText ? /\breadFile\s+\.\/([\w./-]+)/.exec(v.text) : null;
      if (rf) {
        const dir = file!.includes("/") ? file!.slice(0, file!.lastIndexOf("/") + 1) : "";
        const t = readText!(`${dir}${rf[1]!}`.replace(/(?:^|\/)\.\//g, (m) => (m.startsWith("/") ? "/" : "")));
        if (t !== undefined && t.length < 100000) out.push(t);
      }
    }
    if (out.length > 16) break;
  }
  return out;
}

// Where a command or configuration says what it binds: `--listen 127.0.0.1:8080`, `--port 80`,
// `listen 8080;`, a Caddyfile site `:8080` or `http://0.0.0.0:8080`. An address it connects to
// (`proxy / 127.0.0.1:5000`, `https://api.example.org:443`) is not one.
const BIND = /(?:(?<![\w-])--?(?:listen|bind|host|addr|address|http-addr|web\.listen-address|listen-address)[= ]\s*|\blisten\s+|\bbind\s+|(?:^|[\s"'=])(?:https?:\/\/)?)((?:\d{1,3}(?:\.\d{1,3}){3}|\[[\da-f:]*\]|localhost|\*)?):(\d{2,5})\b|(?<![\w-])--?(?:port|listen-port|http-port)[= ](\d{2,5})\b|\blisten\s+(\d{2,5})\b/gi;

// A line that runs an HTTP client (`curl -Ss http://localhost:8000/radio.ogg`): the URLs on it are
// what it fetches, not what it binds (Lassulus-superconfig's radio_watcher, a watchdog curling
// icecast's port 8000, was "as reachable as" the proxy in front of icecast).
const CLIENT_LINE = /^.*\b(?:curl|wget|aria2c|xh|httpie|http|nc|ncat|websocat|grpcurl)\b.*https?:\/\/.*$/gm;
// `JELLYSEERR_URL = "http://localhost:5055"`: a variable naming another service's address, which
// the unit connects to (Lassulus-superconfig's archiver-bot was rated as reachable through the
// proxy in front of jellyseerr's port). Its own address (`LISTEN_ADDR`, `ROOT_URL`, `<UNIT>_URL`)
// is not one of these.
const TARGET_VAR = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)_(?:URL|URI|ENDPOINT|API|HOST_URL)\s*=\s*("[^"\n]*"|'[^'\n]*'|\S+)/g;
const OWN_ADDRESS_VAR = /^(?:ROOT|BASE|PUBLIC|EXTERNAL|SITE|LISTEN|BIND|SERVER|HTTP|APP|WEB|SELF|OWN|CALLBACK|REDIRECT)$/;

/** The text with the addresses it connects to blanked: HTTP clients' URLs, and variables naming
 * another service's URL. */
function withoutConnectTargets(text: string, unit: string): string {
  const own = unit.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
  return text.replace(CLIENT_LINE, (l) => l.replace(/https?:\/\/\S*/g, " ")).replace(TARGET_VAR, (m, name: string) => (OWN_ADDRESS_VAR.test(name) || own.startsWith(name) || name.startsWith(own) ? m : " "));
}

/** The addresses and ports a command or its configuration binds. */
function bindings(text: string): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const m of text.matchAll(BIND)) {
    const port = Number(m[2] ?? m[3] ?? m[4]);
    if (port > 0 && port < 65536) out.push({ host: m[1] ?? "", port });
  }
  return out;
}

const isLoopback = (h: string) => /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(h);

/** `cfg.openFirewall` in `mkIf` around a firewall definition: the option it reads. */
function gateOption(cond: string, fileText: string): string | undefined {
  const m = /^!?\s*\(?\s*([A-Za-z_][\w'-]*)((?:\.[A-Za-z_][\w'-]*|\."[^"]*")*)\.(openFirewall|openPorts?|firewall\w*)\s*\)?$/.exec(cond.trim());
  if (!m) return undefined;
  const [, head, mid, last] = m;
  if (head === "config") return `${mid!.slice(1)}.${last}`;
  const bound = new RegExp(`\\b${head}\\s*=\\s*config\\.([\\w.'"-]+?)\\s*;`).exec(fileText);
  return bound ? `${bound[1]}${mid}.${last}` : `?${mid}.${last}`;
}

// An option or attribute naming a service's account: `cfg.user`, `config.services.x.user`,
// `"${cfg.user}"`, `mkDefault cfg.owner`, `config.users.users.x.name`.
const OPTION_USER = /^(?:\(?\s*(?:lib\.)?mk(?:Default|Force)\s+)?"?(?:\$\{\s*)?(?:[A-Za-z_][\w'-]*(?:\.[A-Za-z_][\w'-]*)*\.(?:user|owner|userName|username|runAs|name)|[A-Za-z_][\w'-]*(?:User|Owner|UserName))(?:\s*\})?"?\s*\)?$/;

/** The account a `User =` / `Group =` value names, through let bindings (`user =
 * config.users.users.murmur.name;` then `User = user;`), `"${x}"` and priority wrappers: a literal
 * name, `config.users.users.<x>.name` (its attribute name, "<x>"), or an option naming the account
 * (non-root, name unknown). Undefined when it cannot be read. Infinisil-system's murmur module was
 * scored as if User were unset ("Missing: User") though it runs as murmur. */
function accountOf(node: SyntaxNode | undefined, depth = 0): NixValue | undefined {
  const n = unparen(node);
  if (!n || depth > 4) return undefined;
  const v = staticValue(n);
  if (typeof v === "string") return v;
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    if (/^mk(?:Default|Force|Override|OptionDefault)$/.test(calleeName(fn) ?? "") && args.length) return accountOf(args[args.length - 1], depth + 1);
    return undefined;
  }
  if (n.kind === K.NODE_IDENT) {
    const bound = boundValue(n);
    return bound ? accountOf(bound, depth + 1) : undefined;
  }
  if (n.kind === K.NODE_STRING) {
    // `"${user}"`: the string is its one interpolation.
    const parts = n.childNodes();
    if (parts.length === 1 && parts[0]!.kind === K.NODE_INTERPOL && /^"\$\{[^}]*\}"$/.test(n.text.trim())) return accountOf(parts[0]!.firstChild(), depth + 1);
    return undefined;
  }
  const named = /^config\.users\.(?:users|groups)\.(?:"([\w.@-]+)"|([A-Za-z_][\w'-]*))\.name$/.exec(n.text.trim());
  if (named) return named[1] ?? named[2];
  if (OPTION_USER.test(n.text.trim())) return { unknown: true, text: n.text, nonRoot: true };
  return undefined;
}

/** The file's firewall opens only literal ports, the file enables a NixOS service other than this
 * unit, and the unit names none of those ports: they are that service's, not this unit's. */
function portsOfAnother(name: string, text: string, ports: number[] | undefined, enabled: Set<string>): boolean {
  if (!ports?.length) return false;
  if (![...enabled].some((x) => x !== name && !name.startsWith(`${x}-`))) return false;
  // A loopback address with the port (`mpd.address = "127.0.0.1:6600"`) is where the unit connects
  // to the other service, not a port it serves (pborzenkov-nix-config's listenbrainz-mpd, an MPD
  // client in the file that opens mpd's 6600, was "its module opens firewall ports"; judged: the
  // port is mpd's, low).
  const own = text.replace(/(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+/g, " ");
  return !ports.some((p) => new RegExp(`(?<![\\w.])${p}(?![\\w.])`).test(own));
}

function isUnknownNix(v: NixValue): v is { unknown: true; text?: string } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `cfg.user` where `cfg = config.a.b;` and this file declares `options.a.b.user` with a literal
 * string default (`default = "site";`): that default. */
function optionDefault(text: string, ctx: NixFileContext, anyString = false): string | undefined {
  const m = /^([A-Za-z_][\w'-]*)\.([A-Za-z_][\w-]*)$/.exec(text.trim());
  if (!m) return undefined;
  const bound = new RegExp(`\\b${m[1]}\\s*=\\s*config\\.([\\w.'"-]+?)\\s*;`).exec(ctx.text);
  if (!bound) return undefined;
  const path = `${bound[1]}.${m[2]}`;
  const decl = ctx.index.declarations.find((d) => d.path === path || d.path === `options.${path}`);
  const def = decl?.value && (anyString ? /\bdefault\s*=\s*"([^"$\\]+)"\s*;/ : /\bdefault\s*=\s*"([\w.@-]+)"\s*;/).exec(decl.value.text);
  return def ? def[1] : undefined;
}

// Targets a unit ordered before runs in early boot: before the file systems, sysinit and the
// basic system are up (or in the initrd).
const EARLY_TARGET = /"(?:sysinit|local-fs|local-fs-pre|cryptsetup|cryptsetup-pre|basic|initrd[\w-]*|sockets|tpm2|swap)\.target"/;

/** Why the unit runs in early boot (DefaultDependencies=false, ordered before sysinit.target, in
 * the initrd), else undefined. */
function earlyBoot(def: NixServiceDef, ordering: string[]): string | undefined {
  const dd = def.unitConfig?.DefaultDependencies;
  if (dd === false || dd === "no" || dd === "false") return "it sets DefaultDependencies = false and runs before the basic system is up";
  const target = ordering.map((t) => EARLY_TARGET.exec(t)?.[0]).find((t) => t !== undefined);
  if (target) return `it is ordered before or wanted by ${target.replace(/"/g, "")}, in early boot`;
  return undefined;
}

// Runtimes that compile code at run time (a JIT) and need writable-and-executable memory:
// MemoryDenyWriteExecute kills them. Read as programs, packages or their environment variables,
// never as the bare word ("a single-node cluster", `rad node status`).
const JIT: Array<[RegExp, string]> = [
  [/\/bin\/node\b|\bnodejs(?:[-_][\w.]+)?\b|(?:^|[\s"'])node\s+(?:--?[\w-]+(?:=\S+)?\s+)*[\w./${}-]+\.(?:m?js|cjs|ts)\b|\bNODE_(?:ENV|OPTIONS|PATH|PORT|EXTRA_CA_CERTS)\b|\b(?:npm|yarn|pnpm)\s+(?:run|start|exec)\b|\bnpx\s/, "Node.js"],
  [/\/bin\/deno\b|\bpkgs\.deno\b|\bdeno\s+(?:run|serve|task)\b/, "Deno"],
  [/\/bin\/bun\b|\bpkgs\.bun\b|\bbun\s+(?:run|start)\b/, "Bun"],
  // A JVM server started by its package's wrapper: the JVM options it passes (`${cfg.jvmOpts}`),
  // or a Minecraft server (MayNiklas-nixos's minecraft-server: MemoryDenyWriteExecute was judged harmful).
  [/\bjvm(?:Opts|Options|Args|Flags)\b|\bminecraft-server\b|\bpapermc\b|\/bin\/java\b|\bjava\s+-|\b(?:jre|jdk|openjdk|temurin[\w-]*|zulu|graalvm)[\w-]*\b|\bJAVA_(?:HOME|OPTS|TOOL_OPTIONS)\b|\.jar\b/, "Java"],
  [/\bdotnet[\w-]*\b|\bDOTNET_\w+|\baspnetcore[\w-]*\b/, ".NET"],
  [/\bluajit\b|\bopenresty\b/, "LuaJIT"],
  [/\bpypy[\w.]*\b/, "PyPy"],
  [/\belectron[\w-]*\b/, "Electron"],
  [/\b(?:chromium|google-chrome[\w-]*|ungoogled-chromium|firefox[\w-]*|flaresolverr|puppeteer|playwright[\w-]*|selenium[\w-]*)\b/, "a web browser engine"],
  [/(?:^|[\s"'/])emacs(?:[\w-]*)?\s|\/bin\/emacs\b|\bpkgs\.emacs[\w-]*\b/, "Emacs (native compilation)"],
  [/\/bin\/julia\b|\bpkgs\.julia[\w-]*\b/, "Julia"],
];

/** The JIT runtime the unit's command, settings or path name, else undefined. */
function jitRuntime(text: string): string | undefined {
  return JIT.find(([re]) => re.test(text))?.[1];
}

/** A secret manager's run-time path as written in Nix (`config.sops.secrets."x".path`, `/run/agenix/x`). */
const SECRET_SOURCE = /\b(?:age|sops)\.(?:secrets|templates)\b|\/run\/(?:agenix|secrets)\//;

/** Files under /etc the module links to a decrypted secret (`environment.etc."app/cert.pem".source
 * = config.sops.secrets.cert.path`): root-only, like the secret itself. */
function etcSecretFiles(ctx: NixFileContext): string[] {
  const out: string[] = [];
  for (const d of ctx.index.definitions) {
    const segs = d.segments;
    if (segs.length !== 4 || segs[0]!.name !== "environment" || segs[1]!.name !== "etc" || segs[3]!.name !== "source" || segs[2]!.dynamic) continue;
    if (d.value && SECRET_SOURCE.test(d.value.text)) out.push(`/etc/${segs[2]!.name.replace(/^\/+/, "")}`);
  }
  return out;
}

function readServices(ctx: NixFileContext, load: Loader, readText: (file: string) => string | undefined): Omit<FoundService, "ctx">[] {
  const etcSecrets = etcSecretFiles(ctx);
  const byName = new Map<string, OptionDefinition[]>();
  const sockets = new Set<string>();
  const timers = new Set<string>();
  const paths = new Set<string>();
  let opensFirewall = false;
  const firewallGates = new Set<string>();
  // `services.<x>.openFirewall = true` opens the ports of NixOS service <x>: they are that
  // service's (its units are named <x>, <x>-setup, <x>d as deluge's deluged), not those of the
  // file's other units (Infinisil-system's minecraft image, whose
  // watchdog units were rated high because minecraft-server's openFirewall sat in the same file).
  const serviceOpenings = new Set<string>();
  // The literal ports the file's firewall opens (undefined once one is computed), and the NixOS
  // services the file enables: a literal port next to an enabled service may well be its.
  let literalPorts: number[] | undefined = [];
  const enabledHere = new Set<string>();
  for (const d of ctx.index.definitions) {
    const s = d.segments;
    if (s.length === 3 && s[0]!.name === "services" && !s[1]!.dynamic && s[2]!.name === "enable" && staticValue(d.inner) === true) enabledHere.add(s[1]!.name);
    const portList = /^networking\.firewall\.(?:interfaces\.[^.]+\.)?(allowedTCPPorts|allowedUDPPorts|allowedTCPPortRanges)$/.test(d.path);
    const openOption = /\.openFirewall$/.test(d.path) && staticValue(d.inner) !== false;
    if (portList || openOption) {
      // An opening behind `mkIf cfg.openFirewall` opens only where a host sets that option.
      const gates = d.conditions.filter((c) => c.kind === "mkIf" || c.kind === "optionalAttrs" || c.kind === "if").map((c) => gateOption(c.text, ctx.text));
      const gate = gates.find((g) => g !== undefined);
      const owner = openOption && s[0]?.name === "services" && s.length >= 3 && !s[1]!.dynamic ? s[1]!.name : undefined;
      if (gate) firewallGates.add(gate);
      else if (owner !== undefined) serviceOpenings.add(owner);
      else {
        opensFirewall = true;
        const v = portList ? staticValue(d.inner) : undefined;
        if (literalPorts && Array.isArray(v) && v.every((x) => typeof x === "number")) literalPorts.push(...(v as number[]));
        else literalPorts = undefined;
      }
    }
    if (s.length < 3 || s[0]!.name !== "systemd" || s[0]!.dynamic || s[1]!.dynamic || s[2]!.dynamic) continue;
    if (s[1]!.name === "sockets") sockets.add(s[2]!.name);
    if (s[1]!.name === "timers") timers.add(s[2]!.name);
    if (s[1]!.name === "paths") paths.add(s[2]!.name);
    if (s[1]!.name !== "services") continue;
    const name = s[2]!.name;
    const list = byName.get(name);
    if (list) list.push(d);
    else byName.set(name, [d]);
  }
  // The module arguments its hosts give (`LT = import ./helpers { ... }`): the files they are
  // written in are dependencies of what is read here.
  const moduleArgs = (f: string) => {
    if (f !== ctx.file || !ctx.moduleArgs) return undefined;
    for (const a of ctx.moduleArgs.values()) load(a.file);
    return ctx.moduleArgs;
  };
  const evaluator = new StaticEvaluator({ load: (f) => load(f)?.parsed.root, readText, moduleArgs });
  const textOf = (v: EvalValue): string => (typeof v === "string" ? v : Array.isArray(v) ? v.map(textOf).join(" ") : isEvalUnknown(v) ? v.text : typeof v === "number" ? String(v) : "");
  const out: Omit<FoundService, "ctx">[] = [];
  for (const [name, defs] of byName) {
    const serviceConfig: Record<string, NixValue> = {};
    const def: NixServiceDef = { serviceConfig };
    let definesService = false;
    let disabled = false;
    let serviceConfigDef: OptionDefinition | undefined;
    let serviceDef: OptionDefinition | undefined;
    const partial: string[] = [];
    const command: string[] = [];
    let scheduled = false;
    let startedBy: string | undefined;
    let ownExec = false;
    let mergedScript = false;
    let plainScript = false;
    let script: string | undefined;
    let scriptText: string | undefined;
    let builtAt: SyntaxNode | undefined;
    const tools: string[] = [];
    const extra: string[] = [];
    // What ExecStart's let-bound names are (`ExecStart = renewCert;` with a writeShellScript).
    const execBound: string[] = [];
    const execWhole: string[] = [];
    const execTexts: string[] = [];
    // `before`, `wantedBy`, `requiredBy` as written: where in the boot the unit runs.
    const ordering: string[] = [];
    // `after`, `wants`, `requires` as written: what it waits for.
    const waits: string[] = [];
    // `serviceConfig.ExecStart = lib.mkForce ...`: another definition of the unit exists.
    let forcedExec = false;
    // Keys read from values the index could not walk (filled in where the index has none).
    const evaluated: Record<string, NixValue> = {};
    const readEvaluated = (v: EvalValue, at: SyntaxNode | undefined) => {
      if (!isAttrs(v)) {
        partial.push(isEvalUnknown(v) ? v.text : (at?.text ?? "").slice(0, 60));
        return;
      }
      partial.push(...v.partial);
      for (const [k, x] of v.attrs) evaluated[k] = evalToNix(x);
    };
    for (const d of defs) {
      const rest = d.segments.slice(3).map((x) => x.name);
      if (rest.length === 0) {
        if (setOf(d.value)) serviceDef ??= d;
        else if (d.value && needsEvaluation(d.value)) {
          const v = evaluator.evalAt(d.value, ctx.file);
          if (isAttrs(v)) {
            const sc = v.attrs.get("serviceConfig");
            if (sc !== undefined) readEvaluated(sc, d.value);
            partial.push(...v.partial);
            if (v.attrs.has("script")) definesService = true;
            if (v.attrs.has("script")) def.script = true;
            if (v.attrs.has("script")) plainScript = true;
            if (v.attrs.has("startAt")) scheduled = true;
            // A set read in part may start it in the part not read.
            const starter = ["wantedBy", "requiredBy", "upheldBy", "startAt"].find((k) => v.attrs.has(k));
            if (starter) startedBy ??= starter;
            else if (v.partial.length) startedBy ??= "unknown";
            const sv = v.attrs.get("script");
            if (typeof sv === "string") script = scriptText = sv;
            else if (sv !== undefined) scriptText = textOf(sv);
            if (scriptText !== undefined) command.push(scriptText);
            const pv = v.attrs.get("path");
            if (pv !== undefined) tools.push(textOf(pv));
            // A function of this file returns the set: the finding and the patch belong there.
            if (v.node && v.file === ctx.file && unparen(d.value)?.kind === K.NODE_APPLY) {
              const scBinding = v.node.childNodes().find((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.firstChild()?.text === "serviceConfig");
              builtAt = scBinding ?? v.node;
            }
          } else {
            partial.push(d.value.text.slice(0, 60));
            startedBy ??= "unknown";
            ownExec = true;
          }
          command.push(d.value.text);
        }
        continue;
      }
      const head = rest[0]!;
      if (head === "serviceConfig") {
        if (rest.length === 1) {
          if (setOf(d.value)) serviceConfigDef ??= d;
          else serviceConfigDef ??= d;
          if (d.value && needsEvaluation(d.value)) readEvaluated(evaluator.evalAt(d.value, ctx.file), d.value);
          continue;
        }
        if (rest.length === 2 && d.isLeaf) {
          let value = toNixValue(staticValue(d.value));
          if ((rest[1] === "User" || rest[1] === "Group") && isUnknownNix(value)) value = accountOf(d.value) ?? value;
          serviceConfig[rest[1]!] = value;
          // `ExecStart = [ "" "..." ]` resets another definition's command: this adjusts a unit
          // defined elsewhere (an upstream module's), it does not define one.
          const resets = Array.isArray(value) && value[0] === "";
          if (rest[1] === "ExecStart" && !resets) definesService = true;
          if (rest[1] === "ExecStart" && !resets) ownExec = true;
          if (rest[1] === "ExecStart") {
            if (/^\(?\s*(?:lib\.)?mkForce\b/.test(d.value?.text ?? "")) forcedExec = true;
            command.push(d.value?.text ?? "");
            // `ExecStart = [ "" "cmd" ]`: its commands, one a line.
            execTexts.push(typeof value === "string" ? value : Array.isArray(value) && value.every((x) => typeof x === "string") ? value.filter((x) => x !== "").join("\n") : (d.value?.text ?? "").replace(/^\s*\[|\]\s*$/g, ""));
            const bound = boundTexts(d.value, ctx.file, readText);
            extra.push(...bound);
            execBound.push(...bound);
            // `ExecStart = fanctl;`: the let-bound script is the whole command.
            if (unparen(d.value)?.kind === K.NODE_IDENT) execWhole.push(...bound);
          }
        }
      } else if (head === "script" && rest.length === 1) {
        def.script = true;
        definesService = true;
        // `script = mkAfter ''...''` (also behind a let): lines added to a script defined elsewhere.
        if (/^\s*(?:let\b[\s\S]*?\bin\s+)?\(?\s*(?:lib\.)?mk(?:After|Before|Order\s+\d+)\b/.test(d.value?.text ?? "")) mergedScript = true;
        else plainScript = true;
        let v: unknown = staticValue(d.inner);
        // `inherit script;`, a let-bound script, `builtins.readFile ./job.bash`.
        if (typeof v !== "string" && d.value) {
          const e = evaluator.evalAt(d.value, ctx.file);
          if (typeof e === "string") v = e;
          // `builtins.readFile "${inputs.self}/modules/job.bash"`: the flake's own tree is the repository.
          const own = /readFile\s+\(?\s*"\$\{(?:inputs\.)?self\}\/([^"$]+)"/.exec(d.value.text);
          if (typeof v !== "string" && own) {
            const t = readText(own[1]!);
            if (t !== undefined) v = t;
          }
        }
        if (typeof v === "string") script = v;
        scriptText = typeof v === "string" ? v : (d.value?.text ?? "");
        command.push(scriptText);
      } else if (head === "path" && rest.length === 1 && d.value) {
        tools.push(textOf(evaluator.evalAt(d.value, ctx.file)));
      } else if (head === "environment" && d.value) {
        // `environment.LISTEN_ADDRESS = "127.0.0.1:8228"`: the variable's name says what it binds.
        extra.push(rest.length > 1 ? `${rest.slice(1).join(".")} = ${d.value.text}` : d.value.text);
      } else if ((head === "after" || head === "wants" || head === "requires") && rest.length === 1 && d.value) {
        waits.push(d.value.text);
      } else if ((head === "before" || head === "wantedBy" || head === "requiredBy" || head === "upheldBy") && rest.length === 1 && d.value) {
        ordering.push(d.value.text);
        if (head !== "before") startedBy ??= head;
      } else if (head === "startAt" && rest.length === 1) {
        scheduled = true;
        startedBy ??= "startAt";
      } else if (head === "unitConfig" && rest.length === 1 && d.value && needsEvaluation(d.value)) {
        startedBy ??= "unknown";
      } else if (head === "enable" && rest.length === 1) {
        if (staticValue(d.value) === false) disabled = true;
      } else if (head === "description" && rest.length === 1) {
        const v = staticValue(d.value);
        if (typeof v === "string") def.description = v;
        definesService = true;
      } else if (head === "unitConfig" && rest.length === 2 && d.isLeaf) {
        def.unitConfig ??= {};
        def.unitConfig[rest[1]!] = toNixValue(staticValue(d.value));
      } else if (head === "confinement" && rest.length === 2 && d.isLeaf) {
        const v = toNixValue(staticValue(d.value));
        def.confinement ??= {};
        if (rest[1] === "enable") def.confinement.enable = typeof v === "boolean" ? v : { unknown: true, text: d.value?.text ?? "" };
        if (rest[1] === "mode") def.confinement.mode = typeof v === "string" ? v : { unknown: true, text: d.value?.text ?? "" };
      }
    }
    for (const [k, v] of Object.entries(evaluated)) if (!(k in serviceConfig)) serviceConfig[k] = v;
    if (!execTexts.length && typeof serviceConfig.ExecStart === "string") execTexts.push(serviceConfig.ExecStart);
    if (typeof evaluated.ExecStart === "string" || Array.isArray(evaluated.ExecStart)) definesService = true;
    if (evaluated.ExecStart !== undefined) ownExec = true;
    if (timers.has(name)) startedBy ??= "a timer of the same name";
    if (paths.has(name)) startedBy ??= "a path unit of the same name";
    // `mkForce` on a part of it (`serviceConfig.ExecStart = lib.mkForce ...`): another definition
    // of the unit exists (nixpkgs' or an input's module), which may well start it.
    if (forcedExec || defs.some((d) => /^\(?\s*(?:lib\.)?mk(?:Force|Override)\b/.test(d.value?.text ?? ""))) startedBy ??= "unknown";
    if (sockets.has(name)) startedBy ??= "a socket of the same name";
    // `unitConfig.WantedBy`-like install keys, `wantedBy` read from an evaluated set.
    if (def.unitConfig && Object.keys(def.unitConfig).some((k) => /^(?:WantedBy|RequiredBy|UpheldBy)$/.test(k))) startedBy ??= "its [Install] section";
    if (!definesService) continue;
    // `User = cfg.user` where this file declares that option with a literal default: the default.
    for (const k of ["User", "Group"]) {
      const v = serviceConfig[k];
      if (v !== undefined && isUnknownNix(v)) {
        const d = optionDefault(v.text ?? "", ctx);
        if (d !== undefined) serviceConfig[k] = d;
      }
    }
    // `User = cfg.user` (an option naming the account, not a literal "root"): set and not root,
    // the way a module's own user option is meant (jakehamilton's toot poster, nix-community's
    // builders). Scored as a static non-root user, never as "Missing: User".
    const optUser = serviceConfig.User;
    if (optUser !== undefined && isUnknownNix(optUser) && OPTION_USER.test((optUser.text ?? "").trim())) serviceConfig.User = { unknown: true, text: optUser.text, nonRoot: true };
    // Only `serviceConfig.ExecStart = mkForce ...` (and a key or two): the unit is defined by a
    // module elsewhere (nixpkgs' or an input's), whose user and sandboxing are not in the repository.
    if (forcedExec && !def.script && def.description === undefined && !ordering.length && Object.keys(serviceConfig).length <= 3)
      partial.push("the module that defines this unit (its ExecStart is set with mkForce, so another definition exists)");
    // `${if cfg.secretFile != null then "EnvironmentFile" else null} = ...`: a key that is either
    // that name or absent, and a name that changes no exposure check (jpetrucciani-nix's palworld
    // and infinity were reported as bounds, "may well be hardened", over an EnvironmentFile).
    for (let k = partial.length - 1; k >= 0; k--) if (NEUTRAL_DYNAMIC_KEY.test(partial[k]!)) partial.splice(k, 1);
    const user = serviceConfig.User;
    const dyn = serviceConfig.DynamicUser;
    // With parts of serviceConfig unread and no User= or DynamicUser= of its own, who it runs as
    // is not known: never "runs as root" then.
    const userUnread = partial.length > 0 && !("User" in serviceConfig) && !("DynamicUser" in serviceConfig);
    const runsAsRoot = !userUnread && (user === undefined || user === "root" || user === "0" || user === null) && !(dyn === true || dyn === "yes" || dyn === "true");
    const type = typeof serviceConfig.Type === "string" ? serviceConfig.Type : undefined;
    // What the unit runs: the script's commands, else ExecStart's (ExecStartPre/Post are setup).
    const commands = scriptText !== undefined ? commandsOf(scriptText) : execTexts.length ? execTexts.map(commandsOf).reduce<string[][] | undefined>((a, p) => (a && p ? [...a, ...p] : undefined), []) : undefined;
    const programs = commands?.map((c) => c[0]!);
    const shellText = `${scriptText ?? ""}\n${execTexts.join("\n")}`;
    const loops = /(?:^|[\s;&|(])(?:while|until)\s|\bsleep\s+(?:infinity|inf)\b|\bexec\s/.test(shellText);
    // A command sent to the background (`server &`) keeps running while the script goes on.
    const background = /[^&>|<\s]\s*&\s*(?:$|\n|;|\bwait\b)/m.test(shellText.replace(/[0-9]?>&[0-9-]|&>>?|&&/g, " "));
    // A script whose every command is a finite one, or a script or ExecStart whose last command
    // runs to completion (with no loop, no `exec`, nothing sent to the background): NixOS runs
    // it as Type=simple (or notify), but it is a job that exits, not a daemon.
    const simpleType = type === undefined || type === "simple" || type === "exec" || type === "notify";
    // Restart=always: systemd starts it again whenever it exits, so it is kept running, a daemon
    // (kradalby-dotfiles' tailscale-restic-proxy, a tsnet proxy, was called "a script that runs once").
    const restartsAlways = serviceConfig.Restart === "always";
    const runsOnce = simpleType && !restartsAlways && !loops && !background && commands !== undefined && commands.length > 0 && ((scriptText !== undefined && type === undefined && programs!.every((p) => FINITE.has(p))) || endsFinite(commands));
    const network = /\b(?:curl|wget|ssh|scp|rsync|git|nc|socat)\b|https?:\/\//.test(shellText);
    const placesFilesOnly = !network && !loops && programs !== undefined && programs.length > 0 && programs.every((p) => PLACES_FILES.has(p));
    // A script that loops, sleeping between rounds, and runs nothing that talks to the network or
    // serves: a watchdog polling local state (a port's connections, a file, a unit), whose only
    // input is what it looks at on the machine.
    const poller = scriptText !== undefined && !execTexts.length && /(?:^|[\s;&|(])(?:while|until)\s/.test(scriptText) && /(?:^|[\s;&|(])sleep\s+\d/.test(scriptText) && !network && !/\b(?:nc|ncat|socat|python3?|node|perl|ruby|exec)\b/.test(scriptText);
    // A program ExecStart runs from /etc that this file writes (`ExecStart = "python
    // /etc/temp-control/temp-control.py"` with `environment.etc."temp-control/temp-control.py".text`):
    // its text is what the unit does (TheMaxMur-NixOS-Configuration's temp-control, a fan loop
    // writing /sys/class/gpio, was called "a long-running local daemon" with nothing needing root).
    for (const m of execTexts.join("\n").matchAll(/\/etc\/([\w.+-]+(?:\/[\w.+-]+)*)/g)) {
      const file = m[1]!;
      const written = ctx.index.definitions.find((d) => d.path.replace(/"/g, "") === `environment.etc.${file}.text` && d.value !== undefined);
      if (written?.value) command.push(written.value.text);
    }
    const configText = [command.join("\n"), ...extra].join("\n");
    const settingsText = Object.entries(serviceConfig).map(([k, v]) => `${k}=${typeof v === "object" && v !== null && !Array.isArray(v) ? v.text : JSON.stringify(v)}`).join("\n");
    const bound = bindings(withoutConnectTargets(configText, name));
    // A loopback address in a bind position (`--listen 127.0.0.1:9000`) with no other bind.
    const loopbackOnly = bound.length > 0 && bound.every((b) => isLoopback(b.host)) && /(?:--?(?:listen|bind|host|addr|address|http-addr|listen-address)[= ]\s*|\blisten\s+|\bbind\s+|\b[\w.]*(?:listen|bind)[\w.]*"?\s*[=:]\s*"?(?:https?:\/\/)?)(?:127\.|localhost|\[::1\])/i.test(configText);
    // Wildcard or unnamed binds only (`:8080`, `0.0.0.0:8080`, `--port 8080`): a named host is
    // more likely an address it connects to.
    const ports = [...new Set(bound.filter((b) => b.host === "" || b.host === "0.0.0.0" || b.host === "[::]" || b.host === "*").map((b) => b.port))];
    const homePaths = [...new Set([...`${configText}\n${settingsText}`.matchAll(/\/home\/[\w.-]+(?:\/[\w./-]*)?/g)].map((m) => m[0]))];
    // What reaches it from the network: a download or a client of a remote host in what it runs,
    // or it waits for the network to be online.
    // Comments say nothing about what it fetches (arianvp-nixos-stuff's resource-attributes job
    // cites semconv URLs in comments), and an option's literal default is where it sends requests.
    const allText = withOptionDefaults(`${configText}\n${settingsText}\n${tools.join(" ")}`.replace(/^\s*#.*$/gm, ""), ctx);
    // Every URL it names is on this machine or the hypervisor's link-local metadata service: its
    // curl is no download from a stranger (ivankovnatsky-nixos-config's syncthing-mgmt-sync calling
    // the local Syncthing API, kclejeune-system's hetzner-ipv6 reading 169.254.169.254).
    const localOnly = onlyLocalUrls(allText);
    // Every program it runs works on local text and files (jq, sed, echo into a file): a URL it
    // names is data it writes, not an address it fetches (hyperparabolic-nix-config's
    // ensure-trusted-settings, a jq edit listing a substituter URL, was called a download).
    const urlsAreData = programs !== undefined && programs.length > 0 && programs.every((p) => LOCAL_TOOLS.has(p)) && !/\b(?:curl|wget|aria2c|xh|httpie)\b/.test(allText);
    // What `echo`, `printf` and `logger` print says nothing about what it runs ("skipping pool4
    // update" in Lassulus-superconfig's jool-pool4-update was read as a command to update).
    const fetches = (text: string) => REMOTE_INPUT.find(([re], i) => re.test(i === 2 ? text.replace(/(?:^|[\s;&|(])(?:echo|printf|logger)\s[^\n;|&]*/gm, " ") : text) && !(i === 0 && (localOnly || urlsAreData)))?.[1];
    const postsStatusOnly = /\bcurl\b/.test(allText) && fetches(allText) !== undefined && fetches(withoutStatusPosts(allText)) === undefined;
    const remote = fetches(allText) ?? (ordering.concat(waits).some((t) => /network-online\.target/.test(t)) ? "it waits for network-online.target" : undefined);
    const homeUse = HOME_USE.exec(`${configText}\n${settingsText}`)?.[0];
    const facts: ServiceFacts = {
      name,
      command: command.join("\n"),
      // RemainAfterExit marks a setup job that runs once at boot, not a scheduled one.
      type: type ?? (serviceConfig.RemainAfterExit === true ? "oneshot" : undefined),
      scheduled: scheduled || timers.has(name),
      socket: sockets.has(name),
      // Ports a file opens are its service's only when the file is that service's module: in a
      // host's configuration with many units they cannot be pinned on any one of them.
      opensFirewall: byName.size <= 2 && ([...serviceOpenings].some((x) => name.startsWith(x)) || (opensFirewall && !portsOfAnother(name, configText, literalPorts, enabledHere))),
      ...(byName.size <= 2 && opensFirewall && literalPorts?.length && !portsOfAnother(name, configText, literalPorts, enabledHere) ? { firewallPorts: [...new Set(literalPorts)] } : {}),
      privateNetwork: serviceConfig.PrivateNetwork === true,
      script,
      scriptText,
      tools: tools.join(" ") || undefined,
      runsOnce,
      placesFilesOnly,
      ...(poller ? { poller } : {}),
      ports,
      loopbackOnly,
      boundPorts: [...new Set(bound.map((b) => b.port))],
      ...(execBound.length ? { execScripts: execBound.join("\n") } : {}),
      ...(execWhole.length ? { execScript: execWhole.join("\n") } : {}),
      portExprs: [...new Set([...`${configText}\n${settingsText}`.matchAll(/(?:toString\s+|\$\{\s*)\(?((?:[A-Za-z_][\w'-]*\.)*(?:[A-Za-z_][\w-]*?)?[pP]ort)\b/g)].map((m) => m[1]!))],
      earlyBoot: earlyBoot(def, ordering),
      jit: jitRuntime(`${configText}\n${settingsText}\n${tools.join(" ")}`),
      remoteInput: remote,
      ...(postsStatusOnly ? { postsStatusOnly } : {}),
      usesHome: homeUse,
      // Short let-bound values only (`backupToolName = "borg-backup-paths"`): a package's whole
      // definition lists tools it merely carries (rsync among its dependencies).
      related: [name, def.description ?? "", ...extra.filter((t) => t.length < 200)].join("\n"),
      etcSecrets: etcSecrets.length ? etcSecrets : undefined,
      ...(!runsAsRoot && !userUnread ? { runsAsOwnUser: true } : {}),
    };
    const surface = serviceSurface(facts);
    const devices = deviceNeeds(`${configText}\n${tools.join(" ")}`, serviceConfig);
    const writes = writtenPaths(configText, serviceConfig);
    const noOwnCommand = ownExec || builtAt ? undefined : mergedScript && !plainScript ? "merged" : plainScript ? "script" : undefined;
    const ownRanges = defs.map((d): [number, number] => [d.binding.start, d.binding.end]);
    out.push({ name, def, anchor: defs[0]!, serviceConfigDef, serviceDef, runsAsRoot, userUnread, partial: [...new Set(partial)], surface, facts, builtAt, firewallGates: byName.size <= 2 ? [...firewallGates] : [], homePaths, devices, writePaths: writes.paths, writePathsUnknown: writes.unknown, startedBy: builtAt ? (startedBy ?? "unknown") : startedBy, noOwnCommand, ownRanges, ...(disabled ? { disabled } : {}) });
  }
  return out;
}

/** The text without the commands that only post a status to a URL and read nothing back (`curl
 * -X POST https://status/api/...`, its output not piped, captured or saved): a notification, which
 * sends and reads nothing a stranger controls back (yomaq-nix-config's nixos-upgrade-success/-fail,
 * fired by onSuccess/onFailure to tell gatus, were rated like a download; judged: info). A response
 * that is used (`| jq`, `$(curl ...)`, `-o file`) still counts. */
export function withoutStatusPosts(text: string): string {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => {
      if (!/\bcurl\b/.test(line) || /\b(?:wget|aria2c|xh|httpie)\b/.test(line)) return true;
      const posts = /\s(?:-X\s*POST|--request\s+POST|-d\s|--data(?:-\w+)?[\s=]|-F\s|--form[\s=])/.test(line);
      const used = /(?<!\|)\|(?!\|)|\$\(|`|\s(?:-o|--output|-O|--remote-name)(?:\s|=|$)|>(?!\s*\/dev\/null)(?!&)/.test(line.replace(/[0-9]?>&[0-9]|&>\s*\/dev\/null|2>\s*\/dev\/null/g, " "));
      return !posts || used;
    })
    .join("\n");
}

// A job that takes input from the network: it downloads, fetches or syncs from a remote host, or
// talks to a remote service (a bot posting, an API), read from what it runs.
// Hosts of URLs that are no remote input: this machine, and link-local addresses (a cloud's
// metadata service at 169.254.169.254, which the hypervisor answers).
const LOCAL_URL_HOST = /^(?:localhost|127(?:\.\d+){3}|\[::1\]|169\.254(?:\.\d+){2}|\[fe80:[^\]]*\])$/i;

/** The text names URLs, and all are local ones (LOCAL_URL_HOST). */
function onlyLocalUrls(text: string): boolean {
  const hosts = [...text.matchAll(/\bhttps?:\/\/(\[[^\]\s]*\]|[^\s/"'`:?#]+)/g)].map((m) => m[1]!);
  return hosts.length > 0 && hosts.every((h) => LOCAL_URL_HOST.test(h));
}

/** `${cfg.baseUrl}` replaced by the option's literal default where this file declares one
 * (`default = "http://localhost:8384";`). */
function withOptionDefaults(text: string, ctx: NixFileContext): string {
  if (!text.includes("${")) return text;
  return text.replace(/\$\{\s*([A-Za-z_][\w'-]*\.[A-Za-z_][\w-]*)\s*\}/g, (m, e: string) => optionDefault(e, ctx, true) ?? m);
}

const REMOTE_INPUT: Array<[RegExp, string]> = [
  [/\b(?:curl|wget|aria2c|xh|httpie)\b|https?:\/\/(?!(?:localhost|127\.|\[::1\]))/, "it downloads or posts to remote URLs"],
  [/\bgit\s+(?:-C\s+\S+\s+)?(?:clone|pull|fetch|remote\s+update)\b|\b(?:icloudpd|gphotos-sync|yt-dlp|youtube-dl|gallery-dl|rclone|mbsync|offlineimap|fetchmail|getmail|lychee|linkchecker|muffet)\b/, "it fetches content from remote services"],
  // `${lib.getExe flakelets} update nixbot`: a program told to update, sync or pull fetches
  // from elsewhere, even when what it is cannot be read.
  [/(?:^|[\s"'}])(?:update|upgrade|sync|pull|fetch|download|mirror|clone|join)(?=[\s"']|$)/m, "its command updates, syncs or pulls from elsewhere"],
  [/\bnix-prefetch[\w-]*\b|\bnix\s+(?:flake\s+(?:update|lock|prefetch|archive)|copy|store\s+prefetch-file)\b|\bnix-channel\s+--update\b/, "it fetches Nix inputs from the network"],
  [/\b(?:ssh|scp|sftp)\s|\brsync\b[^\n]*\s[\w.@-]+:[^\s/]|\b(?:borg|borgmatic|restic|rustic|kopia|duplicity|syncoid)\b/, "it talks to a remote host (ssh, rsync, a backup repository)"],
];

// A script that works in its user's home: `$HOME`, `~/`, `.config/` (a dynamic user has no home,
// and ProtectHome would hide it).
const HOME_USE = /\$\{?HOME\b|(?:^|[\s"'=(])~\/|\.home\s*\}\/\.(?:config|local|cache)\b/m;

// Programs and device nodes of a unit that runs virtual machines or needs host devices.
const VM_RUNNER = /\b(qemu-system-[\w-]+|qemu-kvm|virsh|libvirtd?|microvm(?:-run)?|cloud-hypervisor|firecracker|crosvm|kvmtool|lkvm|system\.build\.vm|run-[\w-]+-vm)\b|(\/dev\/(?:kvm|net\/tun|vhost-[\w-]+|vfio\b[\w/-]*))/;

const HOST_DEVICE: Array<[RegExp, string]> = [
  [/\/dev\/snd\b|(?:^|[\s/"'])(?:aplay|arecord|speaker-test|alsaloop|snapclient|shairport-sync|librespot|spotifyd|squeezelite|mpd|pw-play|pw-cat)(?=[\s"']|$)/m, "it uses the sound card"],
  [/\/dev\/bus\/usb\b|(?:^|[\s/"'])(?:adb|fastboot|usbmuxd|ideviceinfo|heimdall)(?=[\s"']|$)/m, "it talks to USB devices"],
  [/\/dev\/input\b|\/dev\/uinput\b|(?:^|[\s/"'])(?:evtest|evsieve|interception|udevmon)(?=[\s"']|$)/m, "it reads or grabs input devices"],
  [/\/dev\/tty(?:USB|ACM|S|AMA)\d*|\/dev\/serial\//, "it uses a serial port"],
  [/\/dev\/(?:zvol|zd\d|sd[a-z]|nvme\d|disk\/by-)/, "it opens block devices"],
  [/\/dev\/(?:gnss\d|video\d|dri\b|nvidia|i2c-\d|gpiochip|hidraw|watchdog|ttyprintk|mem\b)/, "it opens device nodes"],
];

/** Why the unit needs host devices, or undefined. */
export function deviceNeeds(text: string, serviceConfig: Record<string, NixValue>): string | undefined {
  const m = VM_RUNNER.exec(text);
  if (m) return m[1] ? `it runs virtual machines (${m[1]})` : `it uses ${m[2]}`;
  // Sound cards, USB and input devices, serial ports, block devices it serves: PrivateDevices
  // would hide them and a dynamic user could not open them (cleverca22-nixos-configs' startup-sound
  // playing through /dev/snd, Lassulus-superconfig's usb_tether driving a phone with adb and
  // snapclient's ALSA output, tgtd's zvol backing stores: each fix judged harmful).
  const d = HOST_DEVICE.find(([re]) => re.test(text));
  if (d) return `${d[1]} (${d[0].exec(text)![0].trim().replace(/^["'/]+/, "")})`;
  const allow = serviceConfig.DeviceAllow;
  if (allow !== undefined && allow !== null && allow !== "" && !(Array.isArray(allow) && allow.length === 0)) return `it sets DeviceAllow (${typeof allow === "string" ? allow : Array.isArray(allow) ? allow.filter((x) => typeof x === "string").join(", ") || "computed" : "computed"})`;
  const groups = serviceConfig.SupplementaryGroups;
  const list = Array.isArray(groups) ? groups : [groups];
  if (list.some((g) => typeof g === "string" && /(?:^|\s)kvm(?:\s|$)/.test(g))) return "it is in the kvm group (SupplementaryGroups)";
  return undefined;
}

// Directories a unit names that it may write: state, data, spool and web roots (not a remote
// `host:/srv/x`).
const WRITE_PATH = /(?<![\w$}./:-])(\/(?:var\/(?:lib|cache|log|spool|www|db|backup)|srv|data|mnt|opt|storage|persist|backup|var\/lib\/private)\/[\w.@+-]+)/g;
// An option or variable naming a directory it writes, not known statically.
const DATA_DIR_REF = /\$\{[^}]*\b(dataDir|stateDir|dataPath|dataDirectory|stateDirectory|workDir|workingDir|workingDirectory|storagePath|storageDir|dataFolder|baseDir|home)\}/;

/** The directories a unit shows it writes outside what StateDirectory/CacheDirectory/LogsDirectory
 * give it, and why they cannot be known when a computed directory is named. */
export function writtenPaths(text: string, serviceConfig: Record<string, NixValue>): { paths: string[]; unknown?: string } {
  const managed = new Set<string>();
  for (const [key, base] of [["StateDirectory", "/var/lib"], ["CacheDirectory", "/var/cache"], ["LogsDirectory", "/var/log"]] as const) {
    const v = serviceConfig[key];
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === "string") for (const d of x.split(/\s+/)) if (d) managed.add(`${base}/${d.split("/")[0]}`);
  }
  const paths = new Set<string>();
  const wd = serviceConfig.WorkingDirectory;
  let unknown: string | undefined;
  if (typeof wd === "string") {
    const dir = wd.replace(/^[-~!+]+/, "");
    if (dir.startsWith("/") && !/^\/(?:nix\/store|home|root|run|tmp|proc|sys|dev)(?:\/|$)/.test(dir) && dir !== "/") paths.add(dir.replace(/\/+$/, ""));
  } else if (wd !== undefined && wd !== null) unknown = `its WorkingDirectory is computed (${typeof wd === "object" && !Array.isArray(wd) ? wd.text ?? "an expression" : "an expression"})`;
  for (const m of text.matchAll(WRITE_PATH)) paths.add(m[1]!);
  if (!unknown) {
    const ref = DATA_DIR_REF.exec(text);
    if (ref) unknown = `it names a directory computed from ${ref[0]}`;
  }
  // What its StateDirectory and friends give it needs nothing more; a directory under another
  // listed one is covered by it.
  const listed = [...paths].filter((p) => ![...managed].some((m) => p === m || p.startsWith(`${m}/`)));
  const out = listed.filter((p) => !listed.some((q) => q !== p && p.startsWith(`${q}/`))).sort();
  return { paths: out, ...(unknown ? { unknown } : {}) };
}
