// The lossless syntax tree (in the manner of rowan / rnix-parser): every character of the source
// belongs to exactly one token, trivia (whitespace, comments) included, so printing the tree gives
// back the source exactly. Nodes carry offsets; line and column come from the file's line index.

// A const enum: the compiler inlines the numbers into the lexer and parser (measurably faster
// cold parses); `preserveConstEnums` keeps the object for kindName().
export const enum SyntaxKind {
  // Trivia
  TOKEN_WHITESPACE,
  TOKEN_COMMENT,
  /** A character Nix's lexer returns on its own that is no grammar symbol (`|`, `^`, a lone `'`...). */
  TOKEN_ERROR,

  // Keywords
  TOKEN_IF,
  TOKEN_THEN,
  TOKEN_ELSE,
  TOKEN_ASSERT,
  TOKEN_WITH,
  TOKEN_LET,
  TOKEN_IN,
  TOKEN_REC,
  TOKEN_INHERIT,
  TOKEN_OR_KW,
  TOKEN_ELLIPSIS,

  // Operators and punctuation
  TOKEN_EQ,
  TOKEN_NEQ,
  TOKEN_LEQ,
  TOKEN_GEQ,
  TOKEN_AND,
  TOKEN_OR,
  TOKEN_IMPL,
  TOKEN_UPDATE,
  TOKEN_CONCAT,
  TOKEN_PIPE_INTO,
  TOKEN_PIPE_FROM,
  TOKEN_L_PAREN,
  TOKEN_R_PAREN,
  TOKEN_L_BRACE,
  TOKEN_R_BRACE,
  TOKEN_L_BRACK,
  TOKEN_R_BRACK,
  TOKEN_SEMICOLON,
  TOKEN_COLON,
  TOKEN_COMMA,
  TOKEN_DOT,
  TOKEN_AT,
  TOKEN_QUESTION,
  TOKEN_ASSIGN,
  TOKEN_PLUS,
  TOKEN_MINUS,
  TOKEN_STAR,
  TOKEN_SLASH,
  TOKEN_LESS,
  TOKEN_MORE,
  TOKEN_BANG,

  // Literals
  TOKEN_IDENT,
  TOKEN_INT,
  TOKEN_FLOAT,
  TOKEN_URI,
  /** `./a/b`, `/etc/x`, `a/b/` (the head of an interpolated path ends with `/`). */
  TOKEN_PATH,
  /** `~/x` */
  TOKEN_HPATH,
  /** `<nixpkgs>` */
  TOKEN_SPATH,
  /** A literal piece of a path after an interpolation: `${a}/b.nix` has `/b.nix`. */
  TOKEN_PATH_CONTENT,
  /** Zero-width: where a path literal ends (Nix's lexer emits the same). */
  TOKEN_PATH_END,
  TOKEN_STRING_START,
  TOKEN_STRING_END,
  TOKEN_STRING_CONTENT,
  /** `''`, with the rest of its line when that is only spaces (Nix drops that line). */
  TOKEN_IND_STRING_START,
  TOKEN_IND_STRING_END,
  TOKEN_IND_STRING_CONTENT,
  /** `''$`, `'''`, `''\x`, and a lone `$` or `'` that Nix's lexer returns on its own. */
  TOKEN_IND_STRING_ESCAPE,
  /** `${` */
  TOKEN_INTERPOL_START,
  /** End of input: only the parser's lookahead sees it, never the tree. */
  TOKEN_EOF,

  // Nodes
  NODE_ROOT,
  NODE_ERROR,
  NODE_LAMBDA,
  NODE_IDENT_PARAM,
  NODE_PATTERN,
  NODE_PAT_ENTRY,
  NODE_PAT_BIND,
  NODE_ASSERT,
  NODE_WITH,
  NODE_LET_IN,
  NODE_LEGACY_LET,
  NODE_IF_ELSE,
  NODE_BIN_OP,
  NODE_UNARY_OP,
  NODE_HAS_ATTR,
  NODE_APPLY,
  NODE_SELECT,
  NODE_ATTR_SET,
  NODE_ATTRPATH_VALUE,
  NODE_ATTRPATH,
  NODE_DYNAMIC,
  NODE_INHERIT,
  NODE_INHERIT_FROM,
  NODE_LIST,
  NODE_PAREN,
  NODE_IDENT,
  NODE_LITERAL,
  NODE_STRING,
  NODE_INTERPOL,
  NODE_PATH,
  NODE_SEARCH_PATH,
}

import { checkDeadline } from "./deadline.js";

// The enum object preserveConstEnums keeps, read through the module namespace for its names.
import * as self from "./syntax.js";
const KIND_NAMES = (self as unknown as { SyntaxKind: Record<number, string> }).SyntaxKind;

export function kindName(kind: SyntaxKind): string {
  return KIND_NAMES[kind] ?? String(kind);
}

export function isTrivia(kind: SyntaxKind): boolean {
  return kind === SyntaxKind.TOKEN_WHITESPACE || kind === SyntaxKind.TOKEN_COMMENT;
}

/** Maps offsets to 1-based lines and columns. Line breaks are counted as Nix counts them: `\n`,
 * `\r\n` and a lone `\r`. Columns count UTF-16 code units (what editors and SARIF use). */
export class LineIndex {
  private starts: number[] | undefined;
  private lastOffset = -1;
  private lastLine = 0;

  constructor(readonly text: string) {}

  /** Offsets of the line starts, found on first use: a text file's index is handed to every rule
   * reading its scripts and most never report (2.4% of a cold scan of olafkfreund/nixos_config went
   * to indexes nothing asked). */
  get lineStarts(): readonly number[] {
    if (this.starts) return this.starts;
    const text = this.text;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    return (this.starts = starts);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.lineStarts;
    let lo = 0;
    // `line` then `column` of one element ask for the same offset twice in a row.
    if (offset === this.lastOffset) lo = this.lastLine;
    else {
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      this.lastOffset = offset;
      this.lastLine = lo;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** Offset of the start of a 1-based line (clamped). */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))]!;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = line < this.lineStarts.length ? this.lineStarts[line]! : this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }
}

export type SyntaxElement = SyntaxNode | SyntaxToken;

const NO_CHILD_NODES: readonly SyntaxNode[] = Object.freeze([]);
const NO_CHILD_TOKENS: readonly SyntaxToken[] = Object.freeze([]);

/** What tokens and nodes share: a span of the source, its text and the position it starts at. */
abstract class SyntaxSpan {
  abstract readonly source: SourceText;
  abstract readonly start: number;
  abstract readonly end: number;

  get text(): string {
    return this.source.text.slice(this.start, this.end);
  }
  get line(): number {
    return this.source.lines.position(this.start).line;
  }
  get column(): number {
    return this.source.lines.position(this.start).column;
  }
  toString(): string {
    return this.text;
  }
}

export class SyntaxToken extends SyntaxSpan {
  constructor(
    readonly kind: SyntaxKind,
    readonly start: number,
    readonly end: number,
    /** The node the token belongs to: every token of a tree has one. */
    readonly parent: SyntaxNode,
  ) {
    super();
  }

  /** The file's text, through the parent: a field of its own was 8 bytes on each of a scan's
   * 200,000 tokens (olafkfreund/nixos_config), all alive to its end. */
  get source(): SourceText {
    return this.parent.source;
  }

  get isToken(): true {
    return true;
  }
}

export class SyntaxNode extends SyntaxSpan {
  parent: SyntaxNode | null = null;
  start = 0;
  end = 0;
  /** Set by the parser; never changed once the tree is built. */
  children: SyntaxElement[] = [];

  constructor(
    readonly kind: SyntaxKind,
    readonly source: SourceText,
  ) {
    super();
  }

  get isToken(): false {
    return false;
  }
  get endPosition(): { line: number; column: number } {
    return this.source.lines.position(this.end);
  }

  /** Child nodes, skipping tokens (do not modify the returned array). Worked out on each call,
   * not kept: kept on every node asked (76,000 of a scan of olafkfreund/nixos_config), each an
   * array alive to the end of the scan, they were 3.4 MB of its peak, for 2% of its CPU time saved. */
  childNodes(): readonly SyntaxNode[] {
    let out: SyntaxNode[] | undefined;
    for (const c of this.children) if (!c.isToken) (out ??= []).push(c);
    return out ?? NO_CHILD_NODES;
  }

  /** Significant child tokens (no trivia). Worked out on each call, not kept: asked of few nodes
   * (an operator's, a binding's), and kept on every node of every tree (a field and an array each)
   * it was 2 MB of a scan's peak on olafkfreund/nixos_config. */
  childTokens(): readonly SyntaxToken[] {
    let out: SyntaxToken[] | undefined;
    for (const c of this.children) if (c.isToken && !isTrivia(c.kind)) (out ??= []).push(c);
    return out ?? NO_CHILD_TOKENS;
  }

  firstChild(kind?: SyntaxKind): SyntaxNode | undefined {
    for (const c of this.children) if (!c.isToken && (kind === undefined || c.kind === kind)) return c;
    return undefined;
  }

  firstToken(kind: SyntaxKind): SyntaxToken | undefined {
    for (const c of this.children) if (c.isToken && c.kind === kind) return c;
    return undefined;
  }

  /** Position in the tree's pre-order, and where this node's subtree ends in it (set by
   * SourceText.nodesInOrder, computed once per tree). */
  preIndex = -1;
  subtreeEnd = -1;

  /** Depth-first walk over nodes (this one included). Return false from `visit` to skip children.
   * Rules walk every file many times, so this runs over the tree's cached pre-order array rather
   * than building a stack each time. */
  walk(visit: (node: SyntaxNode) => boolean | void): void {
    const order = this.source.nodesInOrder(this);
    let i = this.preIndex;
    const end = this.subtreeEnd;
    while (i < end) {
      checkDeadline();
      const node = order[i]!;
      if (visit(node) === false) i = node.subtreeEnd;
      else i++;
    }
  }

  /** The innermost node of this subtree holding `offset` (this node when no child does). */
  nodeAt(offset: number): SyntaxNode {
    // A loop, not recursion: trees can be 100,000 levels deep.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let n: SyntaxNode = this;
    for (;;) {
      const next = n.childNodes().find((c) => c.start <= offset && offset < c.end);
      if (!next) return n;
      n = next;
    }
  }

  /** The nodes of one kind in this subtree (this node included), in pre-order; do not modify.
   * Most rules look for one kind of node (strings, applications, bindings): one pass per tree
   * sorts all nodes by kind, where a walk per rule visited every node each time. */
  descendants(kind: SyntaxKind): readonly SyntaxNode[] {
    const all = this.source.nodesOfKind(this, kind);
    const order = this.source.nodesInOrder(this);
    if (this.preIndex === 0 && this.subtreeEnd === order.length) return all;
    const from = lowerBound(all, this.preIndex);
    const to = lowerBound(all, this.subtreeEnd);
    return all.slice(from, to);
  }

  /** Is some ancestor (not this node) of this kind? */
  inside(kind: SyntaxKind): boolean {
    // Asked of every node by some rules: walking up each time is quadratic in a deep tree (a
    // chain `f a b c …` or `x + y + z …` nests as deep as it is long), so one pass answers all.
    const order = this.source.nodesInOrder(this);
    return this.source.insideKind(kind, order)[this.preIndex] === 1;
  }

  /** Every token under this node in source order. */
  *tokens(): Generator<SyntaxToken> {
    const stack: SyntaxElement[] = [this];
    while (stack.length > 0) {
      const el = stack.pop()!;
      checkDeadline();
      if (el.isToken) yield el;
      else for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
    }
  }

  ancestors(): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let p = this.parent; p; p = p.parent) out.push(p);
    return out;
  }
}

/** The text of one file and its line index, shared by all of its tokens and nodes. */
export class SourceText {
  private index: LineIndex | undefined;
  private order: SyntaxNode[] | undefined;
  private byKind: Map<SyntaxKind, SyntaxNode[]> | undefined;
  private insideByKind: Map<SyntaxKind, Uint8Array> | undefined;
  constructor(
    readonly text: string,
    readonly path?: string,
  ) {}
  get lines(): LineIndex {
    return (this.index ??= new LineIndex(this.text));
  }

  /** Every node of the tree `node` belongs to, in pre-order, with each node's preIndex and
   * subtreeEnd set (computed on first use). */
  nodesInOrder(node: SyntaxNode): SyntaxNode[] {
    if (this.order) return this.order;
    let root = node;
    while (root.parent) root = root.parent;
    const order: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      n.preIndex = order.length;
      order.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) {
        const c = n.children[i]!;
        if (!c.isToken) stack.push(c);
      }
    }
    // Subtree sizes, children before parents.
    const size = new Int32Array(order.length).fill(1);
    for (let i = order.length - 1; i > 0; i--) {
      const n = order[i]!;
      size[n.parent!.preIndex] += size[i]!;
    }
    for (let i = 0; i < order.length; i++) order[i]!.subtreeEnd = i + size[i]!;
    return (this.order = order);
  }

  /** For each node, by preIndex: 1 when some ancestor (not the node itself) is of `kind`. */
  insideKind(kind: SyntaxKind, order: SyntaxNode[]): Uint8Array {
    this.insideByKind ??= new Map();
    let flags = this.insideByKind.get(kind);
    if (flags) return flags;
    flags = new Uint8Array(order.length);
    // Pre-order: a parent is always set before its children.
    for (let i = 1; i < order.length; i++) {
      const parent = order[i]!.parent!;
      flags[i] = parent.kind === kind || flags[parent.preIndex] === 1 ? 1 : 0;
    }
    this.insideByKind.set(kind, flags);
    return flags;
  }

  /** Every node of one kind in the tree `node` belongs to, in pre-order (all kinds are sorted in
   * one pass on first use). */
  nodesOfKind(node: SyntaxNode, kind: SyntaxKind): readonly SyntaxNode[] {
    if (!this.byKind) {
      const byKind = new Map<SyntaxKind, SyntaxNode[]>();
      for (const n of this.nodesInOrder(node)) {
        const list = byKind.get(n.kind);
        if (list) list.push(n);
        else byKind.set(n.kind, [n]);
      }
      this.byKind = byKind;
    }
    return this.byKind.get(kind) ?? NO_NODES;
  }
}

const NO_NODES: readonly SyntaxNode[] = [];

/** The first position in `nodes` (sorted by preIndex) whose preIndex is at least `index`. */
function lowerBound(nodes: readonly SyntaxNode[], index: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nodes[mid]!.preIndex < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
