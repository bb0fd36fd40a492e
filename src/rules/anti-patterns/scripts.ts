// Where shell scripts live in a NixOS repository: script files (`*.sh`, a shell shebang, `.envrc`),
// and Nix strings that are scripts: the text of writeShellScript / writeShellApplication /
// writeScript / runCommand, systemd `script`/`preStart`/... and `ExecStart*`, activation scripts
// (NixOS and home-manager), and any string that starts with a shell shebang. Each becomes a
// ShellSource whose characters keep their offsets in the file, for exact locations and edits.
import { LineIndex, SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { globToRegExp } from "../../text/glob.js";
import type { NixFileContext, Rule, RuleReport, TextEdit, TextFileContext } from "../types.js";
import { effectiveCommands, sourceOf, type ShellSource, type ShellWord } from "../../shell/parse.js";
import { applications, calleeName, dottedName, flattenApply, unparen } from "../shared/syntax.js";
import { cookLiteral } from "../shared/string-lines.js";

export interface ScriptSite {
  source: ShellSource;
  /** What the script is, for messages: `systemd.services.deploy.script`, `writeShellScript`, ... */
  what: string;
}

const SCRIPT_WRITERS: Record<string, number> = {
  // name -> index of the script argument
  writeShellScript: 1,
  writeShellScriptBin: 1,
  writeScript: 1,
  writeScriptBin: 1,
  writeBash: 1,
  writeBashBin: 1,
  writeDash: 1,
  writeDashBin: 1,
  runCommand: 2,
  runCommandLocal: 2,
  runCommandNoCC: 2,
  runCommandCC: 2,
};

const SCRIPT_OPTIONS: RegExp[] = [
  "systemd.services.*.script",
  "systemd.services.*.preStart",
  "systemd.services.*.postStart",
  "systemd.services.*.preStop",
  "systemd.services.*.postStop",
  "systemd.services.*.reload",
  "systemd.user.services.*.script",
  "systemd.user.services.*.preStart",
  "systemd.user.services.*.postStart",
  "system.activationScripts.*",
  "system.activationScripts.*.text",
  "system.userActivationScripts.*",
  "system.userActivationScripts.*.text",
  "home.activation.*",
  "home-manager.users.*.home.activation.*",
  "systemd.services.*.serviceConfig.Exec*",
  "systemd.user.services.*.serviceConfig.Exec*",
].map((p) => globToRegExp(p, "."));

const SHELL_SHEBANG = /^#!\s*(\S*\/)?(env\s+(-\S+\s+)*)?(ba|da|z|k|mk|a)?sh(\s|$)/;
const NIX_SHELL_SHEBANG = /^#!\s*nix-shell\s.*-i\s+(ba|da|z|k)?sh\b/m;

/** Is this text file a shell script? */
export function isShellScriptFile(file: string, text: string): boolean {
  const base = file.slice(file.lastIndexOf("/") + 1);
  if (/\.(sh|bash|zsh|ksh|dash)$/.test(base) || base === ".envrc") return true;
  if (!text.startsWith("#!")) return false;
  const first = text.slice(0, text.indexOf("\n") >>> 0);
  if (SHELL_SHEBANG.test(first)) return true;
  return /nix-shell/.test(first) && NIX_SHELL_SHEBANG.test(text.split("\n").slice(0, 5).join("\n"));
}

/** A placeholder word for an interpolation: the program's name where the expression says it
 * (`${lib.getExe pkgs.nixos-rebuild}`, `${lib.getExe' pkgs.nix "nix-env"}`), else a neutral word. */
function interpolationWord(interpol: SyntaxNode): string {
  const expr = unparen(interpol.firstChild());
  if (expr?.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(expr);
    const name = calleeName(fn);
    if (name === "getExe" && args.length === 1) {
      const pkg = dottedName(args[0]);
      if (pkg) return pkg.slice(pkg.lastIndexOf(".") + 1).replace(/[^\w.+-]/g, "");
    }
    if (name === "getExe'" && args.length === 2) {
      const bin = unparen(args[1]);
      const s = bin?.kind === K.NODE_STRING && !bin.firstChild(K.NODE_INTERPOL) ? bin.text.slice(1, -1) : undefined;
      if (s) return s.replace(/[^\w.+-]/g, "");
    }
  }
  return "__nix_interpolation__";
}

/** The text of a Nix string literal as the shell will see it, with each character's offset. */
export function stringSource(str: SyntaxNode): ShellSource {
  const { text, offsets } = cookLiteral(str, interpolationWord, false);
  offsets.push(str.end);
  return { text, offsets };
}

/** The string literals an option value is made of (`''a'' + ''b''`, `mkAfter ''x''`, a DAG entry). */
export function stringPieces(node: SyntaxNode | undefined, depth = 0): SyntaxNode[] {
  const n = unparen(node);
  if (!n || depth > 16) return [];
  if (n.kind === K.NODE_STRING) return [n];
  if (n.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_PLUS) return n.childNodes().flatMap((c) => stringPieces(c, depth + 1));
  if (n.kind === K.NODE_LIST) return n.childNodes().flatMap((c) => stringPieces(c, depth + 1));
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn) ?? "";
    if (/^(mkBefore|mkAfter|mkOrder|mkForce|mkDefault|mkOverride|entryAfter|entryBefore|entryAnywhere|entryBetween)$/.test(name)) return stringPieces(args.at(-1), depth + 1);
    // Lines generated per item: `concatMapStringsSep "\n" (u: ''cmd ${u.name}'') users`, `concatStrings
    // (map (u: ''...'') xs)`, `optionalString cond ''...''` (ibizaman/selfhostblocks forgejo.nix:
    // the `--password "$(tr ... < file)"` lines of preStart are such a template).
    if (/^(concatMapStrings|concatMapStringsSep|concatImapStrings|concatImapStringsSep|map|forEach)$/.test(name) && args.length >= 2) {
      const f = unparen(args[name === "forEach" ? 1 : name.endsWith("Sep") ? 1 : 0]);
      return f?.kind === K.NODE_LAMBDA ? stringPieces(lambdaBody(f), depth + 1) : [];
    }
    if (/^(concatStrings|concatStringsSep|concatLines)$/.test(name) && args.length >= 1) return stringPieces(args.at(-1), depth + 1);
    if (name === "optionalString" && args.length === 2) return stringPieces(args[1], depth + 1);
  }
  return [];
}

/** The body of a (possibly curried) function: `u: i: ''...''` gives the string. */
function lambdaBody(f: SyntaxNode): SyntaxNode | undefined {
  let b: SyntaxNode | undefined = f;
  while (b?.kind === K.NODE_LAMBDA) b = unparen(b.childNodes().at(-1));
  return b;
}

/** Does this string start with a shell shebang? */
function startsWithShellShebang(str: SyntaxNode): boolean {
  // Cheap test first (most strings are not scripts): a shebang is in the string's first piece.
  const firstPiece = str.childTokens()[1];
  if (!firstPiece || (firstPiece.kind !== K.TOKEN_IND_STRING_CONTENT && firstPiece.kind !== K.TOKEN_STRING_CONTENT) || !/^\s*#!/.test(firstPiece.text)) return false;
  const src = stringSource(str).text.replace(/^\s+/, "");
  if (!src.startsWith("#!")) return false;
  const first = src.slice(0, src.indexOf("\n") >>> 0);
  if (SHELL_SHEBANG.test(first)) return true;
  // `#!${pkgs.bash}/bin/bash`, `#!${pkgs.runtimeShell}`: look at the interpolation's text.
  const interp = str.firstChild(K.NODE_INTERPOL);
  return !!interp && /\b(bash|dash|zsh|runtimeShell|stdenv\.shell)\b/.test(interp.text) && /^#!__nix_interpolation__(\/bin\/(ba|da|z)?sh)?(\s|$)/.test(first);
}

/** The shell scripts written in a Nix file. */
export function nixScripts(ctx: NixFileContext): ScriptSite[] {
  const seen = new Set<SyntaxNode>();
  const out: ScriptSite[] = [];
  const push = (str: SyntaxNode, what: string) => {
    if (seen.has(str)) return;
    seen.add(str);
    out.push({ source: stringSource(str), what });
  };
  for (const app of applications(ctx.parsed.root)) {
    const name = app.name ?? "";
    const at = SCRIPT_WRITERS[name];
    if (at !== undefined && app.args.length > at) {
      const pieces = stringPieces(app.args[at]);
      // writeScript with another interpreter (`#!${python}/bin/python`) is not a shell script.
      if (name.startsWith("writeScript") && pieces[0] && stringSource(pieces[0]).text.trimStart().startsWith("#!") && !startsWithShellShebang(pieces[0])) continue;
      for (const s of pieces) push(s, name);
    } else if (name === "writeShellApplication" && app.args.length >= 1) {
      const set = unparen(app.args[0]);
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      for (const b of set.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        if (path?.text === "text") for (const s of stringPieces(value)) push(s, name);
      }
    }
  }
  for (const d of ctx.index.definitions) {
    if (SCRIPT_OPTIONS.some((re) => re.test(d.path))) for (const s of stringPieces(d.inner)) push(s, d.path);
  }
  for (const n of ctx.parsed.root.descendants(K.NODE_STRING)) if (!seen.has(n) && startsWithShellShebang(n)) push(n, "script (shebang)");
  return out;
}

export interface ScriptCommand {
  argv: ShellWord[];
  what: string;
}

// Both script rules read the same commands, one after the other while the scan runs the rules of
// one file: the commands of the file being checked are kept, and let go when the next file's are
// asked for. (Kept per context for the whole scan, every word with its source map, they were 4 MB
// of a cold scan's peak on olafkfreund/nixos_config; no host or repository rule reads them.)
// The one entry is held in a WeakMap made afresh for each file, so it does not hold the context
// (and through its closures the whole scan) once the scan is over.
let lastCommands = new WeakMap<NixFileContext | TextFileContext, ScriptCommand[]>();
function commandsOf(ctx: NixFileContext | TextFileContext, compute: () => ScriptCommand[]): ScriptCommand[] {
  let cmds = lastCommands.get(ctx);
  if (!cmds) (lastCommands = new WeakMap()).set(ctx, (cmds = compute()));
  return cmds;
}

/** Every command the scripts of a file run (after looking through sudo, ssh, sh -c ...). */
export function commandsInNix(ctx: NixFileContext): ScriptCommand[] {
  return commandsOf(ctx, () => nixScripts(ctx).flatMap((s) => effectiveCommands(s.source).map((argv) => ({ argv, what: s.what }))));
}

export function commandsInTextFile(ctx: TextFileContext): ScriptCommand[] {
  if (ctx.text === undefined || !isShellScriptFile(ctx.file, ctx.text)) return [];
  const text = ctx.text;
  return commandsOf(ctx, () => effectiveCommands(sourceOf(text)).map((argv) => ({ argv, what: "shell script" })));
}

/** The file a script-command check reads the commands of. */
export interface ScriptFile {
  file: string;
  text: string;
  lines: LineIndex;
  report: (r: RuleReport) => void;
  /** The parsed Nix file the scripts are strings of; undefined for a shell script file. */
  root?: SyntaxNode;
  /** Whose configuration the Nix file belongs to (NixFileContext.moduleClass). */
  moduleClass?: NixFileContext["moduleClass"];
  /** Is a node of the Nix file inside a NixOS VM test (NixFileContext.inTest)? */
  inTest?: (node: SyntaxNode) => boolean;
}

/**
 * The per-file hooks of a rule that checks the commands scripts run: those of the scripts in each
 * Nix file (`checkNix`) and of each shell script file (`checkFile`). A rule that also checks
 * options of a Nix file passes that check as `options`, run before the commands or, with
 * `commandsFirst`, after them.
 */
export function scriptCommandHooks(
  check: (cmds: ScriptCommand[], f: ScriptFile) => void,
  options?: (ctx: NixFileContext) => void,
  order: "options-first" | "commands-first" = "options-first",
): Required<Pick<Rule, "checkNix" | "checkFile">> {
  return {
    checkNix(ctx) {
      if (options && order === "options-first") options(ctx);
      check(commandsInNix(ctx), { file: ctx.file, text: ctx.text, lines: ctx.parsed.source.lines, report: ctx.report, root: ctx.parsed.root, moduleClass: ctx.moduleClass, inTest: ctx.inTest });
      if (options && order === "commands-first") options(ctx);
    },
    checkFile(ctx) {
      if (ctx.unparsedNix) return;
      if (ctx.text === undefined) return;
      check(commandsInTextFile(ctx), { file: ctx.file, text: ctx.text, lines: new LineIndex(ctx.text), report: ctx.report });
    },
  };
}

/** A report range from original offsets. */
export function rangeOf(lines: LineIndex, start: number, end: number): NonNullable<RuleReport["range"]> {
  const a = lines.position(start);
  const b = lines.position(end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

/** The source text of a command, for evidence (one line, as written). */
export function commandEvidence(text: string, argv: ShellWord[]): string {
  const start = argv[0]!.start;
  const end = argv.at(-1)!.end;
  const raw = start < end && end - start < 400 ? text.slice(start, end) : argv.map((w) => w.value).join(" ");
  return raw.replace(/\s*\\?\n\s*/g, " ");
}

/** An edit removing one word and the blank before it, when the word is written literally. */
export function removeWordEdit(file: string, text: string, word: ShellWord): TextEdit | undefined {
  if (!word.contiguous || text.slice(word.start, word.end) !== word.value) return undefined;
  let start = word.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  return { file, start, end: word.end, text: "" };
}

