// Helpers shared by the rules that read values out of Nix source: the source text of a string
// literal (so detector offsets map back to the file), the attribute a value is bound to, whether a
// definition is switched off, and evidence lines with secrets redacted.
import { calleeName, flattenApply, attrpathSegments, unparen, type OptionDefinition, type OptionIndex } from "../nix/options.js";
import { SyntaxKind as K, type LineIndex, type SourceText, type SyntaxNode } from "../nix/syntax.js";
import { staticValue } from "../nix/values.js";
import { redact } from "../secrets/index.js";

/**
 * The source of a string literal's content (between its quotes, escapes as written), with every
 * `${...}` replaced by `${___}` of the same length, and the file offset of its first character.
 * Masking keeps offsets exact, keeps the code inside interpolations (checked as its own strings)
 * out of this one, and leaves a `${` so detectors still see a computed value as a reference.
 */
export function stringSource(node: SyntaxNode): { text: string; offset: number } | undefined {
  if (node.kind !== K.NODE_STRING) return undefined;
  // Several rules read every string; trees are immutable, so the answer is kept per node, for the
  // file last asked about only: the scan runs every rule on one file before the next, and a cache
  // of every file's strings (WeakMap keyed by nodes alive to the scan's end) held them all.
  if (node.source !== cachedSource) {
    cachedSource = node.source;
    sourceCache = new Map();
  }
  let cached = sourceCache.get(node);
  if (cached === undefined) sourceCache.set(node, (cached = computeStringSource(node) ?? null));
  return cached ?? undefined;
}

let cachedSource: SourceText | undefined;
let sourceCache = new Map<SyntaxNode, { text: string; offset: number } | null>();

function computeStringSource(node: SyntaxNode): { text: string; offset: number } | undefined {
  const toks = node.childTokens();
  const open = toks[0];
  const close = toks[toks.length - 1];
  if (!open || !close || (close.kind !== K.TOKEN_STRING_END && close.kind !== K.TOKEN_IND_STRING_END)) return undefined;
  const start = open.end;
  const end = close.start;
  if (end < start) return undefined;
  let text = node.source.text.slice(start, end);
  for (const c of node.childNodes()) {
    if (c.kind !== K.NODE_INTERPOL) continue;
    const a = c.start - start;
    const len = c.end - c.start;
    const mask = len >= 3 ? "${" + "_".repeat(len - 3) + "}" : "_".repeat(len);
    text = text.slice(0, a) + mask + text.slice(a + len);
  }
  return { text, offset: start };
}

const VALUE_WRAPPERS = new Set([
  "mkForce", "mkDefault", "mkOverride", "mkOptionDefault", "mkBefore", "mkAfter", "mkOrder", "mkIf", "mkVMOverride", "optionalAttrs", "optionalString",
]);

export interface ValueSite {
  /** The `name = value;` binding the value belongs to. */
  binding: SyntaxNode;
  /** The binding's last attribute name (`admin_password` in `settings.security.admin_password`). */
  key: string | undefined;
  /** The value is an element of a list (or a piece of a `++`/`+` expression) bound there. */
  partial: boolean;
}

/**
 * The binding a value node is the value of: through parentheses, `mkForce`/`mkDefault`/`mkIf c`
 * wrappers, list elements and `+`/`++` pieces. Undefined for anything else (a function argument,
 * a `let` body, an interpolation).
 */
export function valueSite(node: SyntaxNode): ValueSite | undefined {
  let n = node;
  let partial = false;
  for (let guard = 0; guard < 64; guard++) {
    const p = n.parent;
    if (!p) return undefined;
    switch (p.kind) {
      case K.NODE_PAREN:
        n = p;
        continue;
      case K.NODE_LIST:
        partial = true;
        n = p;
        continue;
      case K.NODE_BIN_OP: {
        const op = p.childTokens()[0]?.kind;
        if (op !== K.TOKEN_CONCAT && op !== K.TOKEN_PLUS) return undefined;
        partial = true;
        n = p;
        continue;
      }
      case K.NODE_APPLY: {
        // Only as the last argument of a wrapper call (`mkForce X`, `mkIf c X`).
        if (p.childNodes()[1] !== n) return undefined;
        let top = p;
        while (top.parent?.kind === K.NODE_APPLY && top.parent.childNodes()[0] === top) top = top.parent;
        if (top !== p) return undefined;
        const name = calleeName(flattenApply(p).fn);
        if (!name || !VALUE_WRAPPERS.has(name)) return undefined;
        n = p;
        continue;
      }
      case K.NODE_ATTRPATH_VALUE: {
        const [path, value] = p.childNodes();
        if (value !== n || !path) return undefined;
        const segs = attrpathSegments(path);
        const last = segs[segs.length - 1];
        return { binding: p, key: last && !last.dynamic ? last.name : undefined, partial };
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

const byBindingCache = new WeakMap<OptionIndex, Map<SyntaxNode, OptionDefinition>>();

/** The option definition a binding makes, if the index has it (first one when several). */
export function definitionOf(index: OptionIndex, binding: SyntaxNode): OptionDefinition | undefined {
  let map = byBindingCache.get(index);
  if (!map) {
    map = new Map();
    for (const d of index.definitions) if (!map.has(d.binding)) map.set(d.binding, d);
    byBindingCache.set(index, map);
  }
  return map.get(binding);
}

/** The innermost option definition whose value contains a node (its binding encloses it). */
export function enclosingDefinition(index: OptionIndex, node: SyntaxNode): OptionDefinition | undefined {
  // Kept per node: asked for every string, walking all ancestors each time is quadratic in a deep
  // tree (`"a" + "b" + …` nests as deep as it is long).
  let known = enclosingCache.get(index);
  if (!known) enclosingCache.set(index, (known = new Map()));
  const path: SyntaxNode[] = [];
  let found: OptionDefinition | null = null;
  for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
    const k = known.get(p);
    if (k !== undefined) {
      found = k;
      break;
    }
    const d = p.kind === K.NODE_ATTRPATH_VALUE ? definitionOf(index, p) : undefined;
    if (d) {
      found = d;
      known.set(p, d);
      break;
    }
    path.push(p);
  }
  for (const p of path) known.set(p, found);
  return found ?? undefined;
}

/** For each node asked about: the innermost definition at or above it (null: none). */
const enclosingCache = new WeakMap<OptionIndex, Map<SyntaxNode, OptionDefinition | null>>();

/** A definition under `lib.mkIf false`, `optionalAttrs false` or `if false then`: never applied. */
export function isStaticallyDisabled(def: OptionDefinition): boolean {
  return def.conditions.some((c) => {
    const v = staticValue(c.node);
    if (c.kind === "else") return v === true;
    return v === false;
  });
}

/**
 * The file switches the service at `prefix` off (`services.nginx.enable = false`, unconditionally)
 * and never on. Another file of the host could still enable it; a file that disables a service
 * says its settings are not in use here.
 */
export function serviceDisabledInFile(index: OptionIndex, prefix: string): boolean {
  const defs = index.byPath.get(`${prefix}.enable`) ?? [];
  if (defs.length === 0) return false;
  return defs.every((d) => staticValue(d.value) === false && d.conditions.length === 0);
}

/** The value of a definition is statically `true` (through mkForce/mkDefault...). */
export function isTrue(def: OptionDefinition | undefined): boolean {
  return !!def && staticValue(def.value) === true && !isStaticallyDisabled(def);
}

/** 1-based range of [start, end) offsets. */
export function rangeOf(lines: LineIndex, start: number, end: number): { line: number; column: number; endLine: number; endColumn: number } {
  const a = lines.position(start);
  const b = lines.position(end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

/**
 * The source line holding `offset`, trimmed, with every secret range that touches the line
 * replaced by its redaction (a secret spanning lines is replaced whole where it starts and
 * dropped from the following lines). Long lines are cut around the offset.
 */
export function redactedLine(text: string, lines: LineIndex, offset: number, secrets: ReadonlyArray<{ start: number; end: number }>): string {
  const { line } = lines.position(offset);
  const lineStart = lines.lineStart(line);
  const lineEnd = lineStart + lines.lineText(line).length;
  let out = "";
  let pos = lineStart;
  const sorted = [...secrets].filter((s) => s.end > lineStart && s.start < lineEnd).sort((a, b) => a.start - b.start);
  for (const s of sorted) {
    const from = Math.max(s.start, lineStart);
    if (from < pos) continue;
    out += text.slice(pos, from);
    if (s.start >= lineStart) out += redact(text.slice(s.start, s.end));
    pos = Math.min(s.end, lineEnd);
  }
  out += text.slice(pos, lineEnd);
  out = out.trim();
  return out.length > 200 ? out.slice(0, 200) + "…" : out;
}

/** Strip parentheses and priority/condition wrappers from a value (`mkForce (x)` -> `x`). */
export function unwrapped(node: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = unparen(node);
  for (let guard = 0; n && n.kind === K.NODE_APPLY && guard < 16; guard++) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if (!name || !VALUE_WRAPPERS.has(name)) break;
    n = unparen(args[args.length - 1]);
  }
  return n;
}

/**
 * The attribute names leading to a binding as written, outer to inner, through every enclosing
 * binding (`users.users.${name}` then `password` gives `users`, `users`, `*`, `password`), whether
 * or not the option index could follow the expression (a module inside `recursiveUpdate`, a module
 * bound in a `let`). Dynamic names are `*`.
 */
export function syntacticPath(binding: SyntaxNode): string[] {
  const out: string[] = [];
  for (let p: SyntaxNode | null = binding; p; p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = p.childNodes()[0];
    if (path?.kind !== K.NODE_ATTRPATH) continue;
    out.unshift(...attrpathSegments(path).map((s) => (s.dynamic ? "*" : s.name)));
  }
  return out;
}

const DOC_CALLS = new Set(["literalExpression", "literalExample", "literalMD", "literalDocBook", "mdDoc"]);
// Whether a file calls any of DOC_CALLS or a mk*Option at all (most configurations declare no
// options): decided once per file, so their strings skip the walk up the tree.
const DOC_CALL_TEXT = new RegExp(`\\b(?:${[...DOC_CALLS].join("|")}|mk\\w*Option)\\b`);
const docFiles = new WeakMap<SourceText, boolean>();
function mayDocumentOptions(source: SourceText): boolean {
  let may = docFiles.get(source);
  if (may === undefined) docFiles.set(source, (may = DOC_CALL_TEXT.test(source.text)));
  return may;
}
const DOC_KEYS = new Set(["example", "description", "longDescription"]);

/**
 * The node is documentation of an option declaration: inside `literalExpression`/`mdDoc`, or the
 * `example`/`description` of a `mkOption`-like call. (A `default` is deployed, so it is not.)
 */
export function inOptionDocumentation(node: SyntaxNode): boolean {
  if (!mayDocumentOptions(node.source)) return false;
  let docKey = false;
  for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
    if (p.kind === K.NODE_APPLY) {
      const name = calleeName(flattenApply(p).fn);
      if (name && DOC_CALLS.has(name)) return true;
      if (docKey && name && /^mk\w*Option$/.test(name)) return true;
    }
    if (p.kind === K.NODE_ATTRPATH_VALUE) {
      const path = p.childNodes()[0];
      const last = path?.kind === K.NODE_ATTRPATH ? attrpathSegments(path).at(-1) : undefined;
      docKey = !!last && !last.dynamic && DOC_KEYS.has(last.name);
    }
  }
  return false;
}
