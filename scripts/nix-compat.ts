// Agreement with Nix itself: run the real `nix-instantiate --parse` over files and compare what it
// prints and rejects with what our parser prints and rejects. Used by `npm run parse:diff` and the
// tests. The only normalisation: Nix 2.8 prints `let` bindings and lambda formals in the order of
// its symbols' heap addresses (not a property of the source), so both sides have those two lists
// sorted before comparing; everything else must agree byte for byte.
import { readFile } from "node:fs/promises";
import { run } from "../src/system/run.js";
import { parseNix, showParsed, type Dialect } from "../src/nix/index.js";
import { lex } from "../src/nix/lexer.js";
import { parse } from "../src/nix/parser.js";
import { SyntaxKind as K, type SyntaxNode } from "../src/nix/syntax.js";

export interface NixVerdict {
  file: string;
  accepted: boolean;
  /** What nix-instantiate printed (accepted) or its error message (rejected). */
  output: string;
  errorLine?: number;
  errorColumn?: number;
}

/** Run nix-instantiate --parse on files, in batches (one process per batch). Nix prints each file's
 * expression on a line of its own and stops at the first file it rejects: the files it printed are
 * accepted, the rejected one's error is what the batch said (asked again alone when the batch
 * ended otherwise: a timeout, an error that names no place in that file), and the batch goes on
 * after it. */
export async function nixParse(files: string[], options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<NixVerdict[]> {
  const batchSize = options.batchSize ?? 200;
  const out: NixVerdict[] = [];
  for (let i = 0; i < files.length; ) {
    const batch = files.slice(i, i + batchSize);
    const r = await run("nix-instantiate", ["--parse", ...batch], { timeoutMs: 120_000, signal: options.signal });
    if (r.notFound) throw new Error("nix-instantiate is not installed");
    const lines = r.stdout.split("\n");
    if (r.ok && lines.length >= batch.length) {
      batch.forEach((file, k) => out.push({ file, accepted: true, output: lines[k]! }));
      i += batch.length;
      continue;
    }
    // Only whole lines count: a line without its newline was cut short.
    const printed = Math.min(lines.length - 1, batch.length - 1);
    batch.slice(0, printed).forEach((file, k) => out.push({ file, accepted: true, output: lines[k]! }));
    const failed = batch[printed]!;
    const verdict = r.timedOut || r.cancelled ? undefined : rejected(failed, r.stderr);
    out.push(verdict?.errorLine !== undefined && r.stderr.includes(failed) ? verdict : await nixParseOne(failed, options.signal));
    i += printed + 1;
  }
  return out;
}

async function nixParseOne(file: string, signal?: AbortSignal): Promise<NixVerdict> {
  const r = await run("nix-instantiate", ["--parse", file], { timeoutMs: 60_000, signal });
  if (r.ok) return { file, accepted: true, output: r.stdout.replace(/\n$/, "") };
  return rejected(file, r.stderr, r.error);
}

/** The verdict on a file Nix rejected, from what it wrote to stderr. */
function rejected(file: string, stderrText: string, runError?: string): NixVerdict {
  // eslint-disable-next-line no-control-regex
  const stderr = stderrText.replace(/\x1b\[[0-9;]*m/g, "");
  const msg = /error: (.*)/.exec(stderr)?.[1] ?? (runError ?? "failed");
  const at = /at (?:«[^»]*»|.*?):(\d+):(\d+):/.exec(stderr);
  return { file, accepted: false, output: msg, errorLine: at ? Number(at[1]) : undefined, errorColumn: at ? Number(at[2]) : undefined };
}

export interface FileComparison {
  file: string;
  nix: NixVerdict;
  ours: { accepted: boolean; output: string; errorLine?: number; errorColumn?: number; allErrors: Array<{ line: number; message: string }> };
  status:
    | "identical"
    | "identical-after-ordering"
    | "different-output"
    | "both-reject-same-line"
    /** Nix reports the first unbound variable in the order of its symbols' heap addresses; when a
     * file has several, ours lists them all and Nix's is among them (same name, same line). */
    | "both-reject-nix-error-among-ours"
    | "both-reject-different-line"
    | "we-reject-nix-accepts"
    | "we-accept-nix-rejects";
  /** Current Nix (recursive attribute-set merging) accepts a file Nix 2.8 rejects. */
  nestedMergeDifference?: boolean;
  firstDifference?: { offset: number; nix: string; ours: string };
}

export async function compareFile(nix: NixVerdict, dialect: Dialect = "nix-2.8"): Promise<FileComparison> {
  const text = await readFile(nix.file, "utf8");
  const parsed = parseNix(text, { path: nix.file, dialect });
  const ours = parsed.error
    ? {
        accepted: false,
        output: parsed.error.message,
        errorLine: parsed.error.line,
        errorColumn: parsed.error.column,
        allErrors: parsed.diagnostics.map((d) => ({ line: d.line, message: d.message })),
      }
    : { accepted: true, output: showParsed(parsed), allErrors: [] };
  const base = { file: nix.file, nix, ours };
  let nestedMergeDifference: boolean | undefined;
  if (!nix.accepted && /already defined/.test(nix.output)) {
    nestedMergeDifference = !parseNix(text, { path: nix.file, dialect: "current" }).error;
  }
  if (nix.accepted && ours.accepted) {
    if (nix.output === ours.output) return { ...base, status: "identical" };
    const a = canonicalizeShow(nix.output);
    const b = canonicalizeShow(ours.output);
    if (a === b) return { ...base, status: "identical-after-ordering" };
    return { ...base, status: "different-output", firstDifference: firstDifference(a, b) };
  }
  if (!nix.accepted && !ours.accepted) {
    const same = nix.errorLine === undefined || nix.errorLine === ours.errorLine;
    if (same) return { ...base, status: "both-reject-same-line", nestedMergeDifference };
    const among = nix.output.startsWith("undefined variable") && ours.allErrors.some((e) => e.line === nix.errorLine && e.message === nix.output);
    return { ...base, status: among ? "both-reject-nix-error-among-ours" : "both-reject-different-line", nestedMergeDifference };
  }
  return { ...base, status: nix.accepted ? "we-reject-nix-accepts" : "we-accept-nix-rejects", nestedMergeDifference };
}

function firstDifference(a: string, b: string): { offset: number; nix: string; ours: string } {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  return { offset: i, nix: a.slice(from, i + 60), ours: b.slice(from, i + 60) };
}

/** Sort the bindings of every `let` and the formals of every lambda in `nix-instantiate --parse`
 * output (both are printed in heap-address order by Nix 2.8). The text is itself Nix syntax, so it
 * is parsed with our lossless parser and reassembled. */
export function canonicalizeShow(text: string): string {
  // The path `/` prints as a bare `/` (`(/ + x)`), which does not lex back as a path. Nix's output
  // never divides (that prints as `__div`), so every `/` token is such a path: stand it in by a
  // name for parsing and put it back after (the same substitution on both sides keeps it exact).
  const toks = lex(text, { pipes: false });
  let standIn = "";
  let last = 0;
  for (let i = 0; i < toks.kinds.length; i++) {
    if (toks.kinds[i] !== K.TOKEN_SLASH) continue;
    standIn += text.slice(last, toks.starts[i]) + ROOT_STAND_IN;
    last = toks.ends[i]!;
  }
  standIn += text.slice(last);
  const tree = parse(standIn, { pipes: false });
  // Nix prints an interpolated path's head with its trailing slash (`/a/b/ + x`): not valid input,
  // but the tree around it is intact.
  if (tree.diagnostics.some((d) => d.kind !== "lexer" || d.message !== "path has a trailing slash")) return text;
  try {
    return canon(tree.root).replaceAll(ROOT_STAND_IN, "/");
  } catch (e) {
    if (e instanceof RangeError) return text;
    throw e;
  }
}

const ROOT_STAND_IN = "__nix_warden_root_path";

function canon(node: SyntaxNode): string {
  if (node.kind === K.NODE_LET_IN) {
    const binds: string[] = [];
    let body = "";
    for (const c of node.childNodes()) {
      if (c.kind === K.NODE_ATTRPATH_VALUE || c.kind === K.NODE_INHERIT) binds.push(canon(c));
      else body = canon(c);
    }
    binds.sort();
    return `let ${binds.map((b) => b + " ").join("")}in ${body}`;
  }
  if (node.kind === K.NODE_PATTERN) {
    const entries: string[] = [];
    let bind = "";
    for (const c of node.childNodes()) {
      if (c.kind === K.NODE_PAT_ENTRY) entries.push(canon(c));
      else if (c.kind === K.NODE_PAT_BIND) bind = c.firstChild(K.NODE_IDENT)?.text ?? "";
    }
    entries.sort();
    if (node.firstToken(K.TOKEN_ELLIPSIS)) entries.push("...");
    return `{ ${entries.join(", ")} }${bind ? ` @ ${bind}` : ""}`;
  }
  let out = "";
  for (const c of node.children) out += c.isToken ? c.text : canon(c);
  return out;
}
