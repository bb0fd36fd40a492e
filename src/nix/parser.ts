// A recursive-descent parser for the complete Nix grammar, accepting exactly what Nix's bison
// grammar (src/libexpr/parser.y) accepts, with the same operator precedence and associativity.
// It never throws: it records diagnostics and keeps building, so the tree always covers the input.
// Parsing emits events (start node / token / finish node, as rust-analyzer does) that are then
// built into the lossless tree with whitespace and comments attached.
import { checkDeadline } from "./deadline.js";
import { lex, type LexOptions, type LexResult } from "./lexer.js";
import { SourceText, SyntaxKind as K, SyntaxNode, SyntaxToken, kindName } from "./syntax.js";

export interface SyntaxDiagnostic {
  message: string;
  /** Offset of the token Nix would report the error at. */
  offset: number;
  kind: "syntax" | "lexer";
}

export interface ParseOptions extends LexOptions {
  path?: string;
  /** false: whitespace inside the expression is not kept as tokens (the text still is: every node
   * keeps its range, and the root its leading and trailing whitespace). A third of a tree's tokens,
   * each an object alive while the tree is; the scan's rules read none. Default true (lossless). */
  whitespace?: boolean;
}

export interface ParsedTree {
  root: SyntaxNode;
  source: SourceText;
  diagnostics: SyntaxDiagnostic[];
}

// Binary operator precedence, as declared in parser.y (higher binds tighter).
const PREC_IMPL = 1,
  PREC_OR = 2,
  PREC_AND = 3,
  PREC_EQ = 4,
  PREC_CMP = 5,
  PREC_UPDATE = 6,
  PREC_NOT = 7,
  PREC_ADD = 8,
  PREC_MUL = 9,
  PREC_CONCAT = 10,
  PREC_HAS_ATTR = 11,
  PREC_NEGATE = 12;

const enum Assoc {
  Left,
  Right,
  None,
}

/** Binary operator precedence (0: not a binary operator). Numbers, not tuples: this runs after
 * every operand and must not allocate. */
function binaryPrec(kind: K): number {
  switch (kind) {
    case K.TOKEN_IMPL:
      return PREC_IMPL;
    case K.TOKEN_OR:
      return PREC_OR;
    case K.TOKEN_AND:
      return PREC_AND;
    case K.TOKEN_EQ:
    case K.TOKEN_NEQ:
      return PREC_EQ;
    case K.TOKEN_LESS:
    case K.TOKEN_MORE:
    case K.TOKEN_LEQ:
    case K.TOKEN_GEQ:
      return PREC_CMP;
    case K.TOKEN_UPDATE:
      return PREC_UPDATE;
    case K.TOKEN_PLUS:
    case K.TOKEN_MINUS:
      return PREC_ADD;
    case K.TOKEN_STAR:
    case K.TOKEN_SLASH:
      return PREC_MUL;
    case K.TOKEN_CONCAT:
      return PREC_CONCAT;
    case K.TOKEN_QUESTION:
      return PREC_HAS_ATTR;
    default:
      return 0;
  }
}

function binaryAssoc(prec: number): Assoc {
  switch (prec) {
    case PREC_IMPL:
    case PREC_UPDATE:
    case PREC_CONCAT:
      return Assoc.Right;
    case PREC_EQ:
    case PREC_CMP:
    case PREC_HAS_ATTR:
      return Assoc.None;
    default:
      return Assoc.Left;
  }
}

/** Bison's names for tokens, used in messages so they read like Nix's own. */
export function tokenDisplayName(kind: K | undefined): string {
  switch (kind) {
    case undefined:
    case K.TOKEN_EOF:
      return "end of file";
    case K.TOKEN_IDENT:
      return "ID";
    case K.TOKEN_INT:
      return "INT";
    case K.TOKEN_FLOAT:
      return "FLOAT";
    case K.TOKEN_URI:
      return "URI";
    case K.TOKEN_PATH:
      return "PATH";
    case K.TOKEN_HPATH:
      return "HPATH";
    case K.TOKEN_SPATH:
      return "SPATH";
    case K.TOKEN_PATH_CONTENT:
    case K.TOKEN_STRING_CONTENT:
      return "STR";
    case K.TOKEN_IND_STRING_CONTENT:
    case K.TOKEN_IND_STRING_ESCAPE:
      return "IND_STR";
    case K.TOKEN_PATH_END:
      return "PATH_END";
    case K.TOKEN_IND_STRING_START:
      return "IND_STRING_OPEN";
    case K.TOKEN_IND_STRING_END:
      return "IND_STRING_CLOSE";
    case K.TOKEN_INTERPOL_START:
      return "DOLLAR_CURLY";
    case K.TOKEN_STRING_START:
    case K.TOKEN_STRING_END:
      return "'\"'";
    case K.TOKEN_IF:
      return "IF";
    case K.TOKEN_THEN:
      return "THEN";
    case K.TOKEN_ELSE:
      return "ELSE";
    case K.TOKEN_ASSERT:
      return "ASSERT";
    case K.TOKEN_WITH:
      return "WITH";
    case K.TOKEN_LET:
      return "LET";
    case K.TOKEN_IN:
      return "IN";
    case K.TOKEN_REC:
      return "REC";
    case K.TOKEN_INHERIT:
      return "INHERIT";
    case K.TOKEN_OR_KW:
      return "OR_KW";
    case K.TOKEN_ELLIPSIS:
      return "ELLIPSIS";
    case K.TOKEN_EQ:
      return "EQ";
    case K.TOKEN_NEQ:
      return "NEQ";
    case K.TOKEN_LEQ:
      return "LEQ";
    case K.TOKEN_GEQ:
      return "GEQ";
    case K.TOKEN_AND:
      return "AND";
    case K.TOKEN_OR:
      return "OR";
    case K.TOKEN_IMPL:
      return "IMPL";
    case K.TOKEN_UPDATE:
      return "UPDATE";
    case K.TOKEN_CONCAT:
      return "CONCAT";
    case K.TOKEN_PIPE_INTO:
      return "PIPE_INTO";
    case K.TOKEN_PIPE_FROM:
      return "PIPE_FROM";
    case K.TOKEN_ERROR:
      return "invalid token";
    default: {
      const ch = PUNCT[kind];
      return ch ? `'${ch}'` : kindName(kind);
    }
  }
}

const PUNCT: Partial<Record<K, string>> = {
  [K.TOKEN_L_PAREN]: "(",
  [K.TOKEN_R_PAREN]: ")",
  [K.TOKEN_L_BRACE]: "{",
  [K.TOKEN_R_BRACE]: "}",
  [K.TOKEN_L_BRACK]: "[",
  [K.TOKEN_R_BRACK]: "]",
  [K.TOKEN_SEMICOLON]: ";",
  [K.TOKEN_COLON]: ":",
  [K.TOKEN_COMMA]: ",",
  [K.TOKEN_DOT]: ".",
  [K.TOKEN_AT]: "@",
  [K.TOKEN_QUESTION]: "?",
  [K.TOKEN_ASSIGN]: "=",
  [K.TOKEN_PLUS]: "+",
  [K.TOKEN_MINUS]: "-",
  [K.TOKEN_STAR]: "*",
  [K.TOKEN_SLASH]: "/",
  [K.TOKEN_LESS]: "<",
  [K.TOKEN_MORE]: ">",
  [K.TOKEN_BANG]: "!",
};

// Events, three small integers each in one flat array (type, kind, forward parent): no object
// per event. forwardParent (for START) is the distance to a node that must start before this one.
const EV_START = 0,
  EV_TOKEN = 1,
  EV_FINISH = 2,
  EV_TOMBSTONE = 3;

/** Nesting beyond this becomes a diagnostic instead of a stack overflow. Nix's own parser stack
 * gives out at a similar depth ("memory exhausted"). */
const MAX_DEPTH = 1000;

class Parser {
  /** [type, kind, forwardParent] triples. */
  readonly events: number[] = [];
  readonly diagnostics: SyntaxDiagnostic[] = [];
  /** Indices into `tokens` of the significant (non-trivia) tokens. */
  private readonly sig: number[] = [];
  private pos = 0;
  private depth = 0;
  /** After a depth overflow everything left is swallowed into one error node. */
  private bailed = false;

  /** Kinds of the significant tokens, by position. */
  private readonly sigKinds: K[] = [];

  constructor(
    private readonly tokens: LexResult,
    private readonly textLength: number,
  ) {
    const kinds = tokens.kinds;
    for (let i = 0; i < kinds.length; i++) {
      const k = kinds[i]!;
      if (k !== K.TOKEN_WHITESPACE && k !== K.TOKEN_COMMENT) {
        this.sig.push(i);
        this.sigKinds.push(k);
      }
    }
    // Lookahead past the end reads EOF, never a hole (reading past a packed array's end would
    // deoptimize the parser's hottest functions).
    this.sigKinds.push(K.TOKEN_EOF, K.TOKEN_EOF, K.TOKEN_EOF);
  }

  // ---- token access

  private peek(k = 0): K {
    return this.sigKinds[this.pos + k]!;
  }

  private at(kind: K): boolean {
    return this.peek() === kind;
  }

  private bump(): void {
    checkDeadline();
    this.events.push(EV_TOKEN, this.sigKinds[this.pos]!, 0);
    this.pos++;
  }

  /** Offset where Nix reports an error at the current token; at end of input, the start of the
   * last thing its lexer matched (trailing whitespace or comment included). */
  private errorOffset(): number {
    const { kinds, starts } = this.tokens;
    const idx = this.sig[this.pos];
    if (idx !== undefined) return starts[idx]!;
    let k = kinds.length - 1;
    // A path that runs to the end of input: Nix's lexer rewinds its location to the token before
    // the path's last one when it emits the final PATH_END.
    if (k >= 0 && kinds[k] === K.TOKEN_PATH_END) k -= 2;
    const last = starts[Math.max(k, 0)];
    return last ?? this.textLength;
  }

  private error(message: string): void {
    this.diagnostics.push({ message, offset: this.errorOffset(), kind: "syntax" });
  }

  private unexpected(expecting?: string): void {
    const got = tokenDisplayName(this.peek());
    this.error(`syntax error, unexpected ${got}${expecting ? `, expecting ${expecting}` : ""}`);
  }

  private expect(kind: K): boolean {
    if (this.at(kind)) {
      this.bump();
      return true;
    }
    this.unexpected(tokenDisplayName(kind));
    return false;
  }

  // ---- markers

  private open(): number {
    this.events.push(EV_TOMBSTONE, K.NODE_ERROR, 0);
    return this.events.length - 3;
  }

  private close(marker: number, kind: K): number {
    this.events[marker] = EV_START;
    this.events[marker + 1] = kind;
    this.events.push(EV_FINISH, kind, 0);
    return marker;
  }

  /** Start a node that wraps an already completed one (for left-recursive constructs). */
  private precede(completed: number): number {
    const m = this.open();
    this.events[completed + 2] = m - completed;
    return m;
  }

  /** Consume tokens into an error node until one of `stop` (not consumed) or end of input. */
  private recover(stop: readonly K[]): void {
    if (this.peek() === K.TOKEN_EOF || stop.includes(this.peek())) return;
    const m = this.open();
    while (this.peek() !== K.TOKEN_EOF && !stop.includes(this.peek())) this.bump();
    this.close(m, K.NODE_ERROR);
  }

  private enter(): boolean {
    if (this.bailed) return false;
    if (++this.depth > MAX_DEPTH) {
      this.error(`expression nested more than ${MAX_DEPTH} levels deep`);
      this.bailed = true;
      return false;
    }
    return true;
  }

  private leave(): void {
    this.depth--;
  }

  // ---- grammar

  parseRoot(): void {
    const root = this.open();
    if (!this.parseExpr()) this.missingExpr();
    if (this.peek() !== K.TOKEN_EOF) {
      if (!this.bailed) this.unexpected("end of file");
      const m = this.open();
      while (this.peek() !== K.TOKEN_EOF) this.bump();
      this.close(m, K.NODE_ERROR);
    }
    this.close(root, K.NODE_ROOT);
  }

  /** expr: expr_function. Returns false when no expression could start here. */
  private parseExpr(): boolean {
    if (!this.enter()) return false;
    try {
      return this.parseExprFunction();
    } finally {
      this.leave();
    }
  }

  private parseExprFunction(): boolean {
    const t = this.peek();
    if (t === K.TOKEN_IDENT) {
      const t1 = this.peek(1);
      if (t1 === K.TOKEN_COLON) {
        const m = this.open();
        const p = this.open();
        this.parseIdent();
        this.close(p, K.NODE_IDENT_PARAM);
        this.bump(); // :
        this.parseBody();
        this.close(m, K.NODE_LAMBDA);
        return true;
      }
      if (t1 === K.TOKEN_AT) {
        const m = this.open();
        this.parsePattern(true);
        this.expect(K.TOKEN_COLON);
        this.parseBody();
        this.close(m, K.NODE_LAMBDA);
        return true;
      }
    } else if (t === K.TOKEN_L_BRACE && this.isFormals()) {
      const m = this.open();
      this.parsePattern(false);
      this.expect(K.TOKEN_COLON);
      this.parseBody();
      this.close(m, K.NODE_LAMBDA);
      return true;
    } else if (t === K.TOKEN_ASSERT || t === K.TOKEN_WITH) {
      const m = this.open();
      this.bump();
      this.requireExpr();
      this.expect(K.TOKEN_SEMICOLON);
      this.parseBody();
      this.close(m, t === K.TOKEN_ASSERT ? K.NODE_ASSERT : K.NODE_WITH);
      return true;
    } else if (t === K.TOKEN_LET && this.peek(1) !== K.TOKEN_L_BRACE) {
      const m = this.open();
      this.bump();
      this.parseBinds(K.TOKEN_IN);
      this.expect(K.TOKEN_IN);
      this.parseBody();
      this.close(m, K.NODE_LET_IN);
      return true;
    }
    return this.parseExprIf();
  }

  /** The body of a lambda, assert, with or let: another expr_function. */
  private parseBody(): void {
    if (!this.enter()) return;
    try {
      if (!this.parseExprFunction()) this.missingExpr();
    } finally {
      this.leave();
    }
  }

  private requireExpr(): void {
    if (!this.parseExpr() && !this.bailed) this.missingExpr();
  }

  private missingExpr(): void {
    if (this.bailed) return;
    this.unexpected();
    // An empty error node keeps the tree's shape (an operand is always there).
    const m = this.open();
    this.close(m, K.NODE_ERROR);
  }

  /** After `{`: is this a lambda's formals rather than an attribute set? Decided the way the GLR
   * parser ends up deciding: the reading that survives longest. */
  private isFormals(): boolean {
    const t1 = this.peek(1);
    if (t1 === K.TOKEN_R_BRACE) {
      const t2 = this.peek(2);
      return t2 === K.TOKEN_COLON || t2 === K.TOKEN_AT;
    }
    if (t1 === K.TOKEN_ELLIPSIS) return true;
    if (t1 === K.TOKEN_IDENT) {
      const t2 = this.peek(2);
      return t2 === K.TOKEN_COMMA || t2 === K.TOKEN_QUESTION || t2 === K.TOKEN_R_BRACE;
    }
    return false;
  }

  /** `{ a, b ? d, ... }` with an optional `@ name` after, or `name @` before when `bindFirst`. */
  private parsePattern(bindFirst: boolean): void {
    const m = this.open();
    if (bindFirst) {
      const b = this.open();
      this.parseIdent();
      this.bump(); // @
      this.close(b, K.NODE_PAT_BIND);
    }
    this.expect(K.TOKEN_L_BRACE);
    for (;;) {
      const t = this.peek();
      if (t === K.TOKEN_R_BRACE) break;
      if (t === K.TOKEN_ELLIPSIS) {
        this.bump();
        break;
      }
      if (t === K.TOKEN_IDENT) {
        const e = this.open();
        this.parseIdent();
        if (this.at(K.TOKEN_QUESTION)) {
          this.bump();
          this.requireExpr();
        }
        this.close(e, K.NODE_PAT_ENTRY);
        if (this.at(K.TOKEN_COMMA)) {
          this.bump();
          continue;
        }
        break;
      }
      this.unexpected();
      this.recover([K.TOKEN_R_BRACE, K.TOKEN_COLON, K.TOKEN_SEMICOLON]);
      break;
    }
    this.expect(K.TOKEN_R_BRACE);
    if (!bindFirst && this.at(K.TOKEN_AT)) {
      const b = this.open();
      this.bump();
      if (this.at(K.TOKEN_IDENT)) this.parseIdent();
      else this.unexpected("ID");
      this.close(b, K.NODE_PAT_BIND);
    }
    this.close(m, K.NODE_PATTERN);
  }

  private parseIdent(): void {
    const m = this.open();
    this.bump();
    this.close(m, K.NODE_IDENT);
  }

  private parseExprIf(): boolean {
    if (this.at(K.TOKEN_IF)) {
      const m = this.open();
      this.bump();
      this.requireExpr();
      this.expect(K.TOKEN_THEN);
      this.requireExpr();
      this.expect(K.TOKEN_ELSE);
      this.requireExpr();
      this.close(m, K.NODE_IF_ELSE);
      return true;
    }
    return this.parsePipes();
  }

  /** `|>` (left-associative) and `<|` (right-associative) bind loosest and do not mix. */
  private parsePipes(): boolean {
    const lhs = this.parseExprOp(0);
    if (lhs < 0) return false;
    const t = this.peek();
    if (t === K.TOKEN_PIPE_INTO) {
      let left = lhs;
      while (this.at(K.TOKEN_PIPE_INTO)) {
        const m = this.precede(left);
        this.bump();
        if (this.parseExprOp(0) < 0) this.missingExpr();
        left = this.close(m, K.NODE_BIN_OP);
      }
      if (this.at(K.TOKEN_PIPE_FROM)) this.unexpected();
    } else if (t === K.TOKEN_PIPE_FROM) {
      const chain = (left: number): void => {
        const m = this.precede(left);
        this.bump();
        const rhs = this.parseExprOp(0);
        if (rhs < 0) this.missingExpr();
        else if (this.at(K.TOKEN_PIPE_FROM)) chain(rhs);
        this.close(m, K.NODE_BIN_OP);
      };
      chain(lhs);
      if (this.at(K.TOKEN_PIPE_INTO)) this.unexpected();
    }
    return true;
  }

  /** Operators by precedence climbing. Returns the completed marker, or -1 when no operand. */
  private parseExprOp(minPrec: number): number {
    if (!this.enter()) return -1;
    try {
      let lhs: number;
      const t = this.peek();
      if (t === K.TOKEN_BANG || t === K.TOKEN_MINUS) {
        const m = this.open();
        this.bump();
        // `!` binds looser than arithmetic, unary minus tighter than every binary operator.
        if (this.parseExprOp(t === K.TOKEN_BANG ? PREC_NOT + 1 : PREC_NEGATE + 1) < 0) this.missingExpr();
        lhs = this.close(m, K.NODE_UNARY_OP);
      } else {
        lhs = this.parseExprApp();
        if (lhs < 0) return -1;
      }
      let lastPrec = -1;
      let lastNonAssoc = false;
      for (;;) {
        const op = this.peek();
        const prec = binaryPrec(op);
        if (prec === 0 || prec < minPrec) break;
        const assoc = binaryAssoc(prec);
        if (lastNonAssoc && prec === lastPrec) {
          // `a == b == c`, `a < b < c`, `a ? b ? c`: bison rejects a non-associative chain here.
          this.unexpected();
        }
        const m = this.precede(lhs);
        this.bump();
        if (op === K.TOKEN_QUESTION) {
          this.parseAttrpath();
          lhs = this.close(m, K.NODE_HAS_ATTR);
        } else {
          if (this.parseExprOp(assoc === Assoc.Right ? prec : prec + 1) < 0) this.missingExpr();
          lhs = this.close(m, K.NODE_BIN_OP);
        }
        lastPrec = prec;
        lastNonAssoc = assoc === Assoc.None;
      }
      return lhs;
    } finally {
      this.leave();
    }
  }

  private canStartSelect(t: K | undefined): boolean {
    switch (t) {
      case K.TOKEN_IDENT:
      case K.TOKEN_INT:
      case K.TOKEN_FLOAT:
      case K.TOKEN_URI:
      case K.TOKEN_PATH:
      case K.TOKEN_HPATH:
      case K.TOKEN_SPATH:
      case K.TOKEN_STRING_START:
      case K.TOKEN_IND_STRING_START:
      case K.TOKEN_L_PAREN:
      case K.TOKEN_L_BRACE:
      case K.TOKEN_L_BRACK:
      case K.TOKEN_REC:
      case K.TOKEN_LET:
        return true;
      default:
        return false;
    }
  }

  /** Function application: a sequence of selects. */
  private parseExprApp(): number {
    let lhs = this.parseExprSelect();
    if (lhs < 0) return -1;
    while (!this.bailed && this.canStartSelect(this.peek())) {
      const m = this.precede(lhs);
      this.parseExprSelect();
      lhs = this.close(m, K.NODE_APPLY);
    }
    return lhs;
  }

  private parseExprSelect(): number {
    if (!this.enter()) return -1;
    try {
      return this.parseExprSelectInner();
    } finally {
      this.leave();
    }
  }

  private parseExprSelectInner(): number {
    const simple = this.parseExprSimple();
    if (simple < 0) return -1;
    if (this.at(K.TOKEN_DOT)) {
      const m = this.precede(simple);
      this.bump();
      this.parseAttrpath();
      if (this.at(K.TOKEN_OR_KW)) {
        this.bump();
        if (this.parseExprSelect() < 0) this.missingExpr();
      }
      return this.close(m, K.NODE_SELECT);
    }
    if (this.at(K.TOKEN_OR_KW)) {
      // Backwards compatibility in Nix: `f or` applies f to a variable named `or`.
      const m = this.precede(simple);
      this.parseIdent();
      return this.close(m, K.NODE_APPLY);
    }
    return simple;
  }

  private parseExprSimple(): number {
    const t = this.peek();
    switch (t) {
      case K.TOKEN_IDENT: {
        const m = this.open();
        this.bump();
        return this.close(m, K.NODE_IDENT);
      }
      case K.TOKEN_INT:
      case K.TOKEN_FLOAT:
      case K.TOKEN_URI: {
        const m = this.open();
        this.bump();
        return this.close(m, K.NODE_LITERAL);
      }
      case K.TOKEN_SPATH: {
        const m = this.open();
        this.bump();
        return this.close(m, K.NODE_SEARCH_PATH);
      }
      case K.TOKEN_STRING_START:
        return this.parseString();
      case K.TOKEN_IND_STRING_START:
        return this.parseIndString();
      case K.TOKEN_PATH:
      case K.TOKEN_HPATH:
        return this.parsePath();
      case K.TOKEN_L_PAREN: {
        const m = this.open();
        this.bump();
        this.requireExpr();
        this.expect(K.TOKEN_R_PAREN);
        return this.close(m, K.NODE_PAREN);
      }
      case K.TOKEN_LET: {
        // `let { ...; body = ...; }`: the legacy let.
        const m = this.open();
        this.bump();
        if (this.expect(K.TOKEN_L_BRACE)) {
          this.parseBinds(K.TOKEN_R_BRACE);
          this.expect(K.TOKEN_R_BRACE);
        }
        return this.close(m, K.NODE_LEGACY_LET);
      }
      case K.TOKEN_REC:
      case K.TOKEN_L_BRACE: {
        const m = this.open();
        if (t === K.TOKEN_REC) {
          this.bump();
          if (!this.expect(K.TOKEN_L_BRACE)) return this.close(m, K.NODE_ATTR_SET);
        } else this.bump();
        this.parseBinds(K.TOKEN_R_BRACE);
        this.expect(K.TOKEN_R_BRACE);
        return this.close(m, K.NODE_ATTR_SET);
      }
      case K.TOKEN_L_BRACK: {
        const m = this.open();
        this.bump();
        while (!this.bailed && this.canStartSelect(this.peek())) this.parseExprSelect();
        this.expect(K.TOKEN_R_BRACK);
        return this.close(m, K.NODE_LIST);
      }
      default:
        return -1;
    }
  }

  private parseString(): number {
    return this.parseParts(K.NODE_STRING, K.TOKEN_STRING_CONTENT, K.TOKEN_STRING_CONTENT, K.TOKEN_STRING_END);
  }

  private parseIndString(): number {
    return this.parseParts(K.NODE_STRING, K.TOKEN_IND_STRING_CONTENT, K.TOKEN_IND_STRING_ESCAPE, K.TOKEN_IND_STRING_END);
  }

  private parsePath(): number {
    // Nix's grammar: path_start (PATH_END | string_parts_interpolated PATH_END), where the parts
    // begin with `${..}` or with one literal piece and then `${..}`: a path head followed by a
    // piece that is not followed by `${` is an error at the token after that piece.
    const t1 = this.peek(1);
    const t2 = this.peek(2);
    const misplaced = t1 === K.TOKEN_PATH_CONTENT && t2 !== K.TOKEN_INTERPOL_START;
    return this.parseParts(K.NODE_PATH, K.TOKEN_PATH_CONTENT, K.TOKEN_PATH_CONTENT, K.TOKEN_PATH_END, misplaced);
  }

  /** The opening token, literal pieces and `${..}` interpolations, then the closing token (a
   * string's quote, a path's zero-width end). */
  private parseParts(kind: K, content: K, escape: K, end: K, misplacedPiece = false): number {
    const m = this.open();
    this.bump(); // opening quote, or the path's head
    let reported = false;
    for (;;) {
      const t = this.peek();
      if (t === content || t === escape) {
        this.bump();
        if (misplacedPiece && !reported) {
          this.unexpected("DOLLAR_CURLY");
          reported = true;
        }
      } else if (t === K.TOKEN_INTERPOL_START) this.parseInterpol(K.NODE_INTERPOL);
      else if (t === end) {
        this.bump();
        break;
      } else {
        if (!reported) this.unexpected();
        break;
      }
    }
    return this.close(m, kind);
  }

  /** `${ expr }`, as a string or path part (NODE_INTERPOL) or an attribute name (NODE_DYNAMIC). */
  private parseInterpol(kind: K): void {
    const m = this.open();
    this.bump(); // ${
    this.requireExpr();
    this.expect(K.TOKEN_R_BRACE);
    this.close(m, kind);
  }

  private parseAttrpath(): void {
    const m = this.open();
    this.parseAttr();
    while (this.at(K.TOKEN_DOT)) {
      this.bump();
      this.parseAttr();
    }
    this.close(m, K.NODE_ATTRPATH);
  }

  private isAttrStart(t: K | undefined): boolean {
    return t === K.TOKEN_IDENT || t === K.TOKEN_OR_KW || t === K.TOKEN_STRING_START || t === K.TOKEN_INTERPOL_START;
  }

  /** attr: ID | OR_KW | "string" | ${ expr } */
  private parseAttr(): boolean {
    const t = this.peek();
    if (t === K.TOKEN_IDENT || t === K.TOKEN_OR_KW) {
      this.parseIdent();
      return true;
    }
    if (t === K.TOKEN_STRING_START) {
      this.parseString();
      return true;
    }
    if (t === K.TOKEN_INTERPOL_START) {
      this.parseInterpol(K.NODE_DYNAMIC);
      return true;
    }
    this.unexpected();
    return false;
  }

  /** Bindings up to `end` (`}` of a set, `in` of a let), not consuming it. */
  private parseBinds(end: K): void {
    for (;;) {
      if (this.bailed) return;
      const t = this.peek();
      if (t === K.TOKEN_EOF || t === end) return;
      if (t === K.TOKEN_INHERIT) {
        this.parseInherit();
        continue;
      }
      if (this.isAttrStart(t)) {
        const m = this.open();
        this.parseAttrpath();
        if (this.expect(K.TOKEN_ASSIGN)) {
          this.requireExpr();
          this.expect(K.TOKEN_SEMICOLON);
        } else this.recoverBinding(end);
        this.close(m, K.NODE_ATTRPATH_VALUE);
        continue;
      }
      this.unexpected();
      const before = this.pos;
      this.recoverBinding(end);
      // A closing token that is not ours (`)`, `]`, or `}` when we wait for `in`) ends the list.
      if (this.pos === before) return;
    }
  }

  /** Skip to just after the next `;`, or to the end of the binding list. */
  private recoverBinding(end: K): void {
    this.recover([K.TOKEN_SEMICOLON, end, K.TOKEN_R_BRACE, K.TOKEN_IN]);
    if (this.at(K.TOKEN_SEMICOLON)) this.bump();
  }

  private parseInherit(): void {
    const m = this.open();
    this.bump(); // inherit
    if (this.at(K.TOKEN_L_PAREN)) {
      const f = this.open();
      this.bump();
      this.requireExpr();
      this.expect(K.TOKEN_R_PAREN);
      this.close(f, K.NODE_INHERIT_FROM);
    }
    while (this.isAttrStart(this.peek())) this.parseAttr();
    if (!this.expect(K.TOKEN_SEMICOLON)) {
      this.recover([K.TOKEN_SEMICOLON, K.TOKEN_R_BRACE, K.TOKEN_IN]);
      if (this.at(K.TOKEN_SEMICOLON)) this.bump();
    }
    this.close(m, K.NODE_INHERIT);
  }
}

/** Parse Nix source into a lossless syntax tree. Never throws. */
export function parse(text: string, options: ParseOptions = {}): ParsedTree {
  const source = new SourceText(text, options.path);
  const tokens = lex(text, options);
  const lexDiagnostics = tokens.diagnostics;
  const parser = new Parser(tokens, text.length);
  parser.parseRoot();
  const root = buildTree(parser.events, tokens, source, options.whitespace !== false);
  const diagnostics: SyntaxDiagnostic[] = [
    ...lexDiagnostics.map((d) => ({ message: d.message, offset: d.offset, kind: "lexer" as const })),
    ...parser.diagnostics,
  ].sort((a, b) => a.offset - b.offset);
  return { root, source, diagnostics };
}

/** Turn the event list into the tree, attaching trivia: leading trivia goes to the parent before a
 * node starts, so a node's range begins at its first significant token. */
function buildTree(events: number[], tokens: LexResult, source: SourceText, whitespace: boolean): SyntaxNode {
  const { kinds, starts, ends } = tokens;
  const count = kinds.length;
  const textLength = source.text.length;
  const stack: SyntaxNode[] = [];
  let root: SyntaxNode | undefined;
  let tokenIndex = 0;

  const attach = (parent: SyntaxNode, i: number) => {
    parent.children.push(new SyntaxToken(kinds[i]!, starts[i]!, ends[i]!, parent));
  };
  const flushTrivia = (parent: SyntaxNode) => {
    while (tokenIndex < count) {
      const k = kinds[tokenIndex]!;
      if (k !== K.TOKEN_WHITESPACE && k !== K.TOKEN_COMMENT) break;
      // Trivia never starts or ends a node but the root: left out below it, no range changes.
      if (k === K.TOKEN_WHITESPACE && !whitespace && parent.parent !== null) tokenIndex++;
      else attach(parent, tokenIndex++);
    }
  };
  const startNode = (kind: K) => {
    const node = new SyntaxNode(kind, source);
    const parent = stack[stack.length - 1];
    if (parent) {
      // The root keeps leading trivia of the file; other nodes start at their first token.
      flushTrivia(parent);
      node.parent = parent;
      parent.children.push(node);
    } else root = node;
    // Where an empty node (a missing operand) sits: the next token.
    node.start = node.end = tokenIndex < count ? starts[tokenIndex]! : textLength;
    stack.push(node);
  };

  const forwardKinds: K[] = [];
  for (let i = 0; i < events.length; i += 3) {
    const type = events[i]!;
    checkDeadline();
    if (type === EV_START) {
      // Follow forward parents (precede) so outer nodes start first.
      forwardKinds.length = 0;
      let j = i;
      for (;;) {
        forwardKinds.push(events[j + 1]!);
        const fp = events[j + 2]!;
        events[j] = EV_TOMBSTONE;
        if (fp === 0) break;
        j += fp;
      }
      for (let k = forwardKinds.length - 1; k >= 0; k--) startNode(forwardKinds[k]!);
    } else if (type === EV_TOKEN) {
      const parent = stack[stack.length - 1]!;
      flushTrivia(parent);
      attach(parent, tokenIndex++);
    } else if (type === EV_FINISH) {
      // Arrays grown by push keep room for 16 more: every tree of a scan is alive at once (the
      // host and repository rules read them all), so each node keeps an exact copy.
      const done = stack.pop()!;
      done.children = done.children.slice();
    }
    // EV_TOMBSTONE: an abandoned or already-started marker
  }
  const top = root!;
  flushTrivia(top);
  computeRanges(top);
  return top;
}

function computeRanges(root: SyntaxNode): void {
  // Post-order without recursion: a node spans its first to last child.
  const order: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const c of n.children) if (!c.isToken) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    if (n.children.length > 0) {
      n.start = n.children[0]!.start;
      n.end = n.children[n.children.length - 1]!.end;
    }
  }
}
