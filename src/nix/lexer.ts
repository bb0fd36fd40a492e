// A lexer that splits Nix source exactly as Nix's own flex lexer (src/libexpr/lexer.l) does:
// longest match, the same start-condition stack (strings, indented strings, paths), the same quirks
// (`x:x` is a URI, `a/b` a path, `a->b` the identifier `a-` then `>`). Unlike Nix it keeps whitespace
// and comments as tokens and never stops: bad input yields diagnostics and error tokens.
import { checkDeadline } from "./deadline.js";
import { SyntaxKind as K } from "./syntax.js";

export interface Token {
  kind: K;
  start: number;
  end: number;
}

export interface LexDiagnostic {
  message: string;
  offset: number;
}

export interface LexOptions {
  /** Lex `|>` and `<|` (Nix's pipe-operators feature). Nix 2.8 has no such tokens. */
  pipes?: boolean;
}

/** Tokens as parallel arrays of small integers (no object per token: parsing large repos is
 * dominated by allocation otherwise). */
export interface LexResult {
  kinds: K[];
  starts: number[];
  ends: number[];
  diagnostics: LexDiagnostic[];
  /** Work done, in character steps and tokens: linear in the input (the tests hold it to that). */
  steps: number;
}

/** The tokens as objects, for callers that prefer them (tests, the fuzzer). */
export function tokenList(r: LexResult): Token[] {
  return r.kinds.map((kind, i) => ({ kind, start: r.starts[i]!, end: r.ends[i]! }));
}

interface RunCache {
  start: number;
  end: number;
}

const enum Mode {
  INITIAL,
  DEFAULT,
  STRING,
  IND_STRING,
  INPATH,
  INPATH_SLASH,
}

const KEYWORD_FIRST = new Uint8Array(128);
for (const ch of "itewlaro") KEYWORD_FIRST[ch.charCodeAt(0)] = 1;

const KEYWORDS: Record<string, K> = {
  if: K.TOKEN_IF,
  then: K.TOKEN_THEN,
  else: K.TOKEN_ELSE,
  assert: K.TOKEN_ASSERT,
  with: K.TOKEN_WITH,
  let: K.TOKEN_LET,
  in: K.TOKEN_IN,
  rec: K.TOKEN_REC,
  inherit: K.TOKEN_INHERIT,
  or: K.TOKEN_OR_KW,
};

// Character classes, as char-code tables for speed.
const ID_START = new Uint8Array(128);
const ID_CHAR = new Uint8Array(128);
const PATH_CHAR = new Uint8Array(128);
const URI_SCHEME_CHAR = new Uint8Array(128);
const URI_CHAR = new Uint8Array(128);
const DIGIT = new Uint8Array(128);
(() => {
  const set = (t: Uint8Array, chars: string) => {
    for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  };
  const lower = "abcdefghijklmnopqrstuvwxyz";
  const upper = lower.toUpperCase();
  const digits = "0123456789";
  set(ID_START, lower + upper + "_");
  set(ID_CHAR, lower + upper + digits + "_'-");
  set(PATH_CHAR, lower + upper + digits + "._-+");
  set(URI_SCHEME_CHAR, lower + upper + digits + "+-.");
  set(URI_CHAR, lower + upper + digits + "%/?:@&=+$,-_.!~*'");
  set(DIGIT, digits);
})();

const CH_TAB = 9,
  CH_LF = 10,
  CH_CR = 13,
  CH_SPACE = 32,
  CH_BANG = 33,
  CH_DQUOTE = 34,
  CH_HASH = 35,
  CH_DOLLAR = 36,
  CH_AMP = 38,
  CH_QUOTE = 39,
  CH_LPAREN = 40,
  CH_RPAREN = 41,
  CH_STAR = 42,
  CH_PLUS = 43,
  CH_COMMA = 44,
  CH_MINUS = 45,
  CH_DOT = 46,
  CH_SLASH = 47,
  CH_COLON = 58,
  CH_SEMI = 59,
  CH_LT = 60,
  CH_EQ = 61,
  CH_GT = 62,
  CH_QMARK = 63,
  CH_AT = 64,
  CH_LBRACK = 91,
  CH_BACKSLASH = 92,
  CH_RBRACK = 93,
  CH_LBRACE = 123,
  CH_PIPE = 124,
  CH_RBRACE = 125,
  CH_TILDE = 126,
  CH_E = 69,
  CH_e = 101;

export function lex(src: string, options: LexOptions = {}): LexResult {
  return new Lexer(src, options.pipes ?? true).run();
}

// A class rather than closures: fields and methods tier up faster in V8 than variables captured
// by many closures, and lexing is most of a cold parse.
class Lexer {
  readonly n: number;
  readonly kinds: K[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly diagnostics: LexDiagnostic[] = [];
  readonly modes: Mode[] = [Mode.INITIAL];
  i = 0;
  // The last run of each character class found, [start, end): the same run is asked for again at
  // every token inside it (`a.b.b.b…` is one run of path characters, one of URI-scheme characters),
  // and rescanning it each time made lexing quadratic. A run's end does not depend on where in it
  // the scan starts, so any query inside the last run is answered at once.
  readonly pathRun: RunCache = { start: -1, end: -1 };
  readonly segRun: RunCache = { start: -1, end: -1 };
  readonly schemeRun: RunCache = { start: -1, end: -1 };
  readonly uriRun: RunCache = { start: -1, end: -1 };
  // The last search for a comment's `*/`: from `from`, found at `at` (-1: none up to the end).
  commentFrom = Number.MAX_SAFE_INTEGER; // nothing searched yet
  commentClose = -1;
  /** Character steps taken (runs scanned and tokens pushed): linear in the input; tests check it. */
  steps = 0;

  constructor(
    readonly src: string,
    readonly pipes: boolean,
  ) {
    this.n = src.length;
  }

  /** End of the run of `table` characters starting at `j`. */
  runEnd(table: Uint8Array, cache: RunCache, j: number): number {
    if (j >= cache.start && j <= cache.end) return cache.end;
    let k = j;
    while (k < this.n) {
      const d = this.src.charCodeAt(k);
      if (d < 128 && table[d] === 1) k++;
      else break;
    }
    this.steps += k - j;
    cache.start = j;
    cache.end = k;
    return k;
  }

  /** End of `{PATH_CHAR}*(\/{PATH_CHAR}+)*` from `j`: the run of characters that are path
   * characters or a `/` followed by one. */
  segmentsEnd(j: number): number {
    const cache = this.segRun;
    if (j >= cache.start && j <= cache.end) return cache.end;
    let k = j;
    for (;;) {
      k = this.runEnd(PATH_CHAR, this.pathRun, k);
      if (this.code(k) === CH_SLASH && this.is(PATH_CHAR, this.code(k + 1))) k++;
      else break;
    }
    cache.start = j;
    cache.end = k;
    return k;
  }

  code(j: number): number {
    return j < this.n ? this.src.charCodeAt(j) : -1;
  }

  is(table: Uint8Array, c: number): boolean {
    return c >= 0 && c < 128 && table[c] === 1;
  }

  /**
   * `${` at the cursor: pushes the interpolation's start and the default mode its expression is lexed
   * in (until its `}` pops it). Strings, indented strings and paths all open one the same way.
   */
  lexInterpolationStart(): boolean {
    if (this.code(this.i) !== CH_DOLLAR || this.code(this.i + 1) !== CH_LBRACE) return false;
    this.push(K.TOKEN_INTERPOL_START, this.i + 2);
    this.modes.push(Mode.DEFAULT);
    return true;
  }

  push(kind: K, end: number): void {
    this.steps++;
    checkDeadline();
    this.kinds.push(kind);
    this.starts.push(this.i);
    this.ends.push(end);
    this.i = end;
  }

  // {PATH_CHAR}*(\/{PATH_CHAR}+)+\/?  -> length or 0
  matchPath(j: number): number {
    const run = this.runEnd(PATH_CHAR, this.pathRun, j);
    if (this.code(run) !== CH_SLASH || !this.is(PATH_CHAR, this.code(run + 1))) return 0;
    let k = this.segmentsEnd(run);
    if (this.code(k) === CH_SLASH) k++;
    return k - j;
  }
  // {PATH_CHAR}*\/  -> length or 0
  matchPathSeg(j: number): number {
    const k = this.runEnd(PATH_CHAR, this.pathRun, j);
    return this.code(k) === CH_SLASH ? k + 1 - j : 0;
  }
  // \~(\/{PATH_CHAR}+)+\/?
  matchHPath(j: number): number {
    if (this.code(j) !== CH_TILDE) return 0;
    if (this.code(j + 1) !== CH_SLASH || !this.is(PATH_CHAR, this.code(j + 2))) return 0;
    let k = this.segmentsEnd(j + 1);
    if (this.code(k) === CH_SLASH) k++;
    return k - j;
  }
  // \<{PATH_CHAR}+(\/{PATH_CHAR}+)*\>
  matchSPath(j: number): number {
    if (!this.is(PATH_CHAR, this.code(j + 1))) return 0;
    const k = this.segmentsEnd(j + 1);
    return this.code(k) === CH_GT ? k + 1 - j : 0;
  }
  // [a-zA-Z][a-zA-Z0-9\+\-\.]*\:[URI_CHAR]+
  matchUri(j: number): number {
    const k = this.runEnd(URI_SCHEME_CHAR, this.schemeRun, j + 1);
    if (this.code(k) !== CH_COLON || !this.is(URI_CHAR, this.code(k + 1))) return 0;
    return this.runEnd(URI_CHAR, this.uriRun, k + 1) - j;
  }
  // (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
  matchFloat(j: number): number {
    let k = j;
    const c = this.code(k);
    if (c >= 49 && c <= 57) {
      while (this.is(DIGIT, this.code(k))) k++;
      if (this.code(k) !== CH_DOT) return 0;
      k++;
      while (this.is(DIGIT, this.code(k))) k++;
    } else {
      if (c === 48) k++;
      if (this.code(k) !== CH_DOT || !this.is(DIGIT, this.code(k + 1))) return 0;
      k++;
      while (this.is(DIGIT, this.code(k))) k++;
    }
    const e = this.code(k);
    if (e === CH_E || e === CH_e) {
      let m = k + 1;
      if (this.code(m) === CH_PLUS || this.code(m) === CH_MINUS) m++;
      if (this.is(DIGIT, this.code(m))) {
        while (this.is(DIGIT, this.code(m))) m++;
        k = m;
      }
    }
    return k - j;
  }

  // Where the star-slash closing a comment opened just before `from` is (-1: nowhere). An
  // unterminated comment is lexed as `/` and `*`, so a run of comment openers asks again at each
  // one: remember the last answer.
  commentEnd(from: number): number {
    if (from >= this.commentFrom && (this.commentClose < 0 || from <= this.commentClose)) return this.commentClose;
    const close = this.src.indexOf("*/", from);
    this.steps += (close < 0 ? this.n : close) - from;
    this.commentFrom = from;
    this.commentClose = close;
    return close;
  }

  /** Path-like rules that compete in longest match: PATH_SEG${ / HPATH_START${ (start of an
   * interpolated path), PATH, HPATH. Returns true when it produced a token. */
  lexPathLike(minLen: number): boolean {
    const segDollar = (() => {
      const seg = this.matchPathSeg(this.i);
      return seg > 0 && this.code(this.i + seg) === CH_DOLLAR && this.code(this.i + seg + 1) === CH_LBRACE ? seg + 2 : 0;
    })();
    const hstartDollar =
      this.code(this.i) === CH_TILDE && this.code(this.i + 1) === CH_SLASH && this.code(this.i + 2) === CH_DOLLAR && this.code(this.i + 3) === CH_LBRACE ? 4 : 0;
    const path = this.matchPath(this.i);
    const hpath = this.matchHPath(this.i);
    const best = Math.max(segDollar, hstartDollar, path, hpath);
    if (best === 0 || best <= minLen) return false;
    if (segDollar === best) {
      // Nix re-lexes this as PATH_SEG in the PATH_START state: the head up to and including `/`.
      this.push(K.TOKEN_PATH, this.i + segDollar - 2);
      this.modes.push(Mode.INPATH_SLASH);
    } else if (hstartDollar === best) {
      this.push(K.TOKEN_HPATH, this.i + 2);
      this.modes.push(Mode.INPATH_SLASH);
    } else if (path === best) {
      const end = this.i + path;
      this.push(K.TOKEN_PATH, end);
      this.modes.push(this.src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
    } else {
      const end = this.i + hpath;
      this.push(K.TOKEN_HPATH, end);
      this.modes.push(this.src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
    }
    return true;
  }

  lexDefault(mode: Mode): void {
    const c = this.src.charCodeAt(this.i);
    // Whitespace
    if (c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR) {
      let k = this.i + 1;
      for (;;) {
        const d = this.code(k);
        if (d === CH_SPACE || d === CH_TAB || d === CH_LF || d === CH_CR) k++;
        else break;
      }
      this.push(K.TOKEN_WHITESPACE, k);
      return;
    }
    if (c === CH_HASH) {
      let k = this.i + 1;
      while (k < this.n) {
        const d = this.src.charCodeAt(k);
        if (d === CH_LF || d === CH_CR) break;
        k++;
      }
      this.push(K.TOKEN_COMMENT, k);
      return;
    }
    if (c === CH_SLASH && this.code(this.i + 1) === CH_STAR) {
      const close = this.commentEnd(this.i + 2);
      if (close >= 0) {
        this.push(K.TOKEN_COMMENT, close + 2);
        return;
      }
      // Unterminated: Nix's comment rule does not match; `/` is lexed on its own below.
    }

    // Identifiers, keywords, numbers, URIs and paths compete by length.
    if (c < 128 && (ID_START[c] === 1 || DIGIT[c] === 1 || c === CH_DOT || c === CH_MINUS || c === CH_PLUS || c === CH_SLASH || c === CH_TILDE)) {
      let bestLen = 0;
      let bestKind: K | undefined;
      // Keywords and fixed operators come first in lexer.l, so they win ties.
      if (c === CH_DOT && this.code(this.i + 1) === CH_DOT && this.code(this.i + 2) === CH_DOT) {
        bestLen = 3;
        bestKind = K.TOKEN_ELLIPSIS;
      } else if (c === CH_MINUS && this.code(this.i + 1) === CH_GT) {
        bestLen = 2;
        bestKind = K.TOKEN_IMPL;
      } else if (c === CH_SLASH && this.code(this.i + 1) === CH_SLASH) {
        bestLen = 2;
        bestKind = K.TOKEN_UPDATE;
      } else if (c === CH_PLUS && this.code(this.i + 1) === CH_PLUS) {
        bestLen = 2;
        bestKind = K.TOKEN_CONCAT;
      }
      if (ID_START[c] === 1) {
        let k = this.i + 1;
        while (k < this.n) {
          const d = this.src.charCodeAt(k);
          if (d < 128 && ID_CHAR[d] === 1) k++;
          else break;
        }
        const len = k - this.i;
        let kind = K.TOKEN_IDENT;
        if (len >= 2 && len <= 7 && KEYWORD_FIRST[c] === 1) kind = KEYWORDS[this.src.slice(this.i, k)] ?? K.TOKEN_IDENT;
        if (len > bestLen) {
          bestLen = len;
          bestKind = kind;
        }
      } else if (DIGIT[c] === 1) {
        let k = this.i + 1;
        while (k < this.n && DIGIT[this.src.charCodeAt(k)] === 1) k++;
        if (k - this.i > bestLen) {
          bestLen = k - this.i;
          bestKind = K.TOKEN_INT;
        }
      }
      if (DIGIT[c] === 1 || c === CH_DOT) {
        const f = this.matchFloat(this.i);
        if (f > bestLen) {
          bestLen = f;
          bestKind = K.TOKEN_FLOAT;
        }
      }
      // Path-like rules can only match when a `/` follows the run of path characters (or for `~/`).
      const run = this.runEnd(PATH_CHAR, this.pathRun, this.i);
      if ((this.code(run) === CH_SLASH || (c === CH_TILDE && this.code(this.i + 1) === CH_SLASH)) && this.lexPathLike(bestLen)) return;
      if (ID_START[c] === 1 && c !== 95 /* _ */) {
        // A URI needs `:` right after its scheme characters.
        const k = this.runEnd(URI_SCHEME_CHAR, this.schemeRun, this.i + 1);
        if (this.code(k) === CH_COLON) {
          const u = this.matchUri(this.i);
          if (u > bestLen) {
            bestLen = u;
            bestKind = K.TOKEN_URI;
          }
        }
      }
      if (bestKind !== undefined) {
        this.push(bestKind, this.i + bestLen);
        return;
      }
      if (c === CH_TILDE) {
        this.push(K.TOKEN_ERROR, this.i + 1);
        return;
      }
      // Otherwise a single character: `.`, `-`, `+`, `/` below.
    }

    switch (c) {
      case CH_DOLLAR:
        if (this.lexInterpolationStart()) return;
        break;
      case CH_LBRACE:
        this.push(K.TOKEN_L_BRACE, this.i + 1);
        this.modes.push(Mode.DEFAULT);
        return;
      case CH_RBRACE:
        this.push(K.TOKEN_R_BRACE, this.i + 1);
        if (mode !== Mode.INITIAL) this.modes.pop();
        return;
      case CH_DQUOTE:
        this.push(K.TOKEN_STRING_START, this.i + 1);
        this.modes.push(Mode.STRING);
        return;
      case CH_QUOTE:
        if (this.code(this.i + 1) === CH_QUOTE) {
          // \'\'(\ *\this.n)?
          let k = this.i + 2;
          while (this.code(k) === CH_SPACE) k++;
          this.push(K.TOKEN_IND_STRING_START, this.code(k) === CH_LF ? k + 1 : this.i + 2);
          this.modes.push(Mode.IND_STRING);
          return;
        }
        break;
      case CH_EQ:
        if (this.code(this.i + 1) === CH_EQ) return this.push(K.TOKEN_EQ, this.i + 2);
        return this.push(K.TOKEN_ASSIGN, this.i + 1);
      case CH_BANG:
        if (this.code(this.i + 1) === CH_EQ) return this.push(K.TOKEN_NEQ, this.i + 2);
        return this.push(K.TOKEN_BANG, this.i + 1);
      case CH_LT:
        if (this.code(this.i + 1) === CH_EQ) return this.push(K.TOKEN_LEQ, this.i + 2);
        if (this.pipes && this.code(this.i + 1) === CH_PIPE) return this.push(K.TOKEN_PIPE_FROM, this.i + 2);
        {
          const sp = this.matchSPath(this.i);
          if (sp > 0) return this.push(K.TOKEN_SPATH, this.i + sp);
        }
        return this.push(K.TOKEN_LESS, this.i + 1);
      case CH_GT:
        if (this.code(this.i + 1) === CH_EQ) return this.push(K.TOKEN_GEQ, this.i + 2);
        return this.push(K.TOKEN_MORE, this.i + 1);
      case CH_AMP:
        if (this.code(this.i + 1) === CH_AMP) return this.push(K.TOKEN_AND, this.i + 2);
        break;
      case CH_PIPE:
        if (this.code(this.i + 1) === CH_PIPE) return this.push(K.TOKEN_OR, this.i + 2);
        if (this.pipes && this.code(this.i + 1) === CH_GT) return this.push(K.TOKEN_PIPE_INTO, this.i + 2);
        break;
      case CH_LPAREN:
        return this.push(K.TOKEN_L_PAREN, this.i + 1);
      case CH_RPAREN:
        return this.push(K.TOKEN_R_PAREN, this.i + 1);
      case CH_LBRACK:
        return this.push(K.TOKEN_L_BRACK, this.i + 1);
      case CH_RBRACK:
        return this.push(K.TOKEN_R_BRACK, this.i + 1);
      case CH_SEMI:
        return this.push(K.TOKEN_SEMICOLON, this.i + 1);
      case CH_COLON:
        return this.push(K.TOKEN_COLON, this.i + 1);
      case CH_COMMA:
        return this.push(K.TOKEN_COMMA, this.i + 1);
      case CH_DOT:
        return this.push(K.TOKEN_DOT, this.i + 1);
      case CH_AT:
        return this.push(K.TOKEN_AT, this.i + 1);
      case CH_QMARK:
        return this.push(K.TOKEN_QUESTION, this.i + 1);
      case CH_PLUS:
        return this.push(K.TOKEN_PLUS, this.i + 1);
      case CH_MINUS:
        return this.push(K.TOKEN_MINUS, this.i + 1);
      case CH_STAR:
        return this.push(K.TOKEN_STAR, this.i + 1);
      case CH_SLASH:
        return this.push(K.TOKEN_SLASH, this.i + 1);
    }
    // Any other character: Nix returns it to the parser as an invalid token. Keep surrogate pairs
    // together so the tree never splits a character.
    const hi = c >= 0xd800 && c <= 0xdbff && this.i + 1 < this.n ? 2 : 1;
    this.push(K.TOKEN_ERROR, this.i + hi);
  }

  lexString(): void {
    const c = this.src.charCodeAt(this.i);
    if (c === CH_DQUOTE) {
      this.push(K.TOKEN_STRING_END, this.i + 1);
      this.modes.pop();
      return;
    }
    if (this.lexInterpolationStart()) return;
    // ([^\$\"\\]|\$[^\{\"\\]|\\{ANY}|\$\\{ANY})+  and the same ending in `$` before `"`.
    let k = this.i;
    while (k < this.n) {
      const d = this.src.charCodeAt(k);
      if (d === CH_DQUOTE) break;
      if (d === CH_BACKSLASH) {
        if (k + 1 < this.n) {
          k += 2;
          continue;
        }
        break;
      }
      if (d === CH_DOLLAR) {
        const e = this.code(k + 1);
        if (e === CH_LBRACE) break;
        if (e === CH_DQUOTE) {
          k++;
          break;
        }
        if (e === CH_BACKSLASH) {
          if (k + 2 < this.n) {
            k += 3;
            continue;
          }
          break;
        }
        if (e < 0) break;
        k += 2;
        continue;
      }
      k++;
    }
    // At end of input a lone `$`, `\` or `$\` is a token of its own (lexer.l's last STRING rule).
    this.push(K.TOKEN_STRING_CONTENT, k > this.i ? k : this.n);
  }

  lexIndString(): void {
    const c = this.src.charCodeAt(this.i);
    if (c === CH_QUOTE && this.code(this.i + 1) === CH_QUOTE) {
      const d = this.code(this.i + 2);
      if (d === CH_QUOTE || d === CH_DOLLAR) {
        this.push(K.TOKEN_IND_STRING_ESCAPE, this.i + 3); // `'''` or `''$`
        return;
      }
      if (d === CH_BACKSLASH && this.i + 3 < this.n) {
        // `''\x`: the escaped character may be a surrogate pair
        this.push(K.TOKEN_IND_STRING_ESCAPE, this.i + (isHighSurrogate(this.src.charCodeAt(this.i + 3)) && this.i + 4 < this.n ? 5 : 4));
        return;
      }
      this.push(K.TOKEN_IND_STRING_END, this.i + 2);
      this.modes.pop();
      return;
    }
    if (this.lexInterpolationStart()) return;
    // ([^\$\']|\$[^\{\']|\'[^\'\$])+
    let k = this.i;
    while (k < this.n) {
      const d = this.src.charCodeAt(k);
      if (d === CH_DOLLAR) {
        const e = this.code(k + 1);
        if (e < 0 || e === CH_LBRACE || e === CH_QUOTE) break;
        k += 2;
        continue;
      }
      if (d === CH_QUOTE) {
        const e = this.code(k + 1);
        if (e < 0 || e === CH_QUOTE || e === CH_DOLLAR) break;
        k += 2;
        continue;
      }
      k++;
    }
    if (k > this.i) {
      this.push(K.TOKEN_IND_STRING_CONTENT, k);
      return;
    }
    // A lone `$` (before `'` or at the end) or `'` (before `$` or at the end).
    this.push(K.TOKEN_IND_STRING_ESCAPE, this.i + 1);
  }

  lexInPath(mode: Mode): void {
    if (this.code(this.i) === CH_DOLLAR && this.code(this.i + 1) === CH_LBRACE) {
      // Back in this path (no longer after a slash) once the interpolation closes.
      this.modes.pop();
      this.modes.push(Mode.INPATH);
      this.lexInterpolationStart();
      return;
    }
    if (this.i < this.n) {
      // {PATH}|{PATH_SEG}|{PATH_CHAR}+
      const chars = this.runEnd(PATH_CHAR, this.pathRun, this.i) - this.i;
      const len = Math.max(this.matchPath(this.i), this.matchPathSeg(this.i), chars);
      if (len > 0) {
        const end = this.i + len;
        this.push(K.TOKEN_PATH_CONTENT, end);
        this.modes.pop();
        this.modes.push(this.src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
        return;
      }
    }
    if (mode === Mode.INPATH_SLASH) {
      // Nix reports it at the offending character, or at the path itself at end of input.
      const offset = this.i < this.n ? this.i : (this.starts[this.starts.length - 1] ?? this.i);
      this.diagnostics.push({ message: "path has a trailing slash", offset });
    }
    this.kinds.push(K.TOKEN_PATH_END);
    this.starts.push(this.i);
    this.ends.push(this.i);
    this.modes.pop();
  }

  run(): LexResult {
  while (this.i < this.n) {
    const mode = this.modes[this.modes.length - 1]!;
    switch (mode) {
      case Mode.INITIAL:
      case Mode.DEFAULT:
        this.lexDefault(mode);
        break;
      case Mode.STRING:
        this.lexString();
        break;
      case Mode.IND_STRING:
        this.lexIndString();
        break;
      case Mode.INPATH:
      case Mode.INPATH_SLASH:
        this.lexInPath(mode);
        break;
    }
  }
  // A path at the very end still gets its PATH_END (Nix: <INPATH><<EOF>>).
  while (this.modes.length > 0) {
    const mode = this.modes[this.modes.length - 1]!;
    if (mode !== Mode.INPATH && mode !== Mode.INPATH_SLASH) break;
    this.lexInPath(mode);
  }
  return { kinds: this.kinds, starts: this.starts, ends: this.ends, diagnostics: this.diagnostics, steps: this.steps };
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
