// A lexer that splits Nix source exactly as Nix's own flex lexer (src/libexpr/lexer.l) does:
// longest match, the same start-condition stack (strings, indented strings, paths), the same quirks
// (`x:x` is a URI, `a/b` a path, `a->b` the identifier `a-` then `>`). Unlike Nix it keeps whitespace
// and comments as tokens and never stops: bad input yields diagnostics and error tokens.
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
}

/** The tokens as objects, for callers that prefer them (tests, the fuzzer). */
export function tokenList(r: LexResult): Token[] {
  return r.kinds.map((kind, i) => ({ kind, start: r.starts[i]!, end: r.ends[i]! }));
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
  const pipes = options.pipes ?? true;
  const n = src.length;
  const kinds: K[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const diagnostics: LexDiagnostic[] = [];
  const modes: Mode[] = [Mode.INITIAL];
  let i = 0;

  const code = (j: number): number => (j < n ? src.charCodeAt(j) : -1);
  const is = (table: Uint8Array, c: number): boolean => c >= 0 && c < 128 && table[c] === 1;
  const push = (kind: K, end: number) => {
    kinds.push(kind);
    starts.push(i);
    ends.push(end);
    i = end;
  };

  // {PATH_CHAR}*(\/{PATH_CHAR}+)+\/?  -> length or 0
  const matchPath = (j: number): number => {
    let k = j;
    while (is(PATH_CHAR, code(k))) k++;
    let segments = 0;
    while (code(k) === CH_SLASH && is(PATH_CHAR, code(k + 1))) {
      k += 2;
      while (is(PATH_CHAR, code(k))) k++;
      segments++;
    }
    if (segments === 0) return 0;
    if (code(k) === CH_SLASH) k++;
    return k - j;
  };
  // {PATH_CHAR}*\/  -> length or 0
  const matchPathSeg = (j: number): number => {
    let k = j;
    while (is(PATH_CHAR, code(k))) k++;
    return code(k) === CH_SLASH ? k + 1 - j : 0;
  };
  // \~(\/{PATH_CHAR}+)+\/?
  const matchHPath = (j: number): number => {
    if (code(j) !== CH_TILDE) return 0;
    let k = j + 1;
    let segments = 0;
    while (code(k) === CH_SLASH && is(PATH_CHAR, code(k + 1))) {
      k += 2;
      while (is(PATH_CHAR, code(k))) k++;
      segments++;
    }
    if (segments === 0) return 0;
    if (code(k) === CH_SLASH) k++;
    return k - j;
  };
  // \<{PATH_CHAR}+(\/{PATH_CHAR}+)*\>
  const matchSPath = (j: number): number => {
    let k = j + 1;
    if (!is(PATH_CHAR, code(k))) return 0;
    while (is(PATH_CHAR, code(k))) k++;
    while (code(k) === CH_SLASH && is(PATH_CHAR, code(k + 1))) {
      k += 2;
      while (is(PATH_CHAR, code(k))) k++;
    }
    return code(k) === CH_GT ? k + 1 - j : 0;
  };
  // [a-zA-Z][a-zA-Z0-9\+\-\.]*\:[URI_CHAR]+
  const matchUri = (j: number): number => {
    let k = j + 1;
    while (is(URI_SCHEME_CHAR, code(k))) k++;
    if (code(k) !== CH_COLON || !is(URI_CHAR, code(k + 1))) return 0;
    k++;
    while (is(URI_CHAR, code(k))) k++;
    return k - j;
  };
  // (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
  const matchFloat = (j: number): number => {
    let k = j;
    const c = code(k);
    if (c >= 49 && c <= 57) {
      while (is(DIGIT, code(k))) k++;
      if (code(k) !== CH_DOT) return 0;
      k++;
      while (is(DIGIT, code(k))) k++;
    } else {
      if (c === 48) k++;
      if (code(k) !== CH_DOT || !is(DIGIT, code(k + 1))) return 0;
      k++;
      while (is(DIGIT, code(k))) k++;
    }
    const e = code(k);
    if (e === CH_E || e === CH_e) {
      let m = k + 1;
      if (code(m) === CH_PLUS || code(m) === CH_MINUS) m++;
      if (is(DIGIT, code(m))) {
        while (is(DIGIT, code(m))) m++;
        k = m;
      }
    }
    return k - j;
  };

  /** Path-like rules that compete in longest match: PATH_SEG${ / HPATH_START${ (start of an
   * interpolated path), PATH, HPATH. Returns true when it produced a token. */
  const lexPathLike = (minLen: number): boolean => {
    const segDollar = (() => {
      const seg = matchPathSeg(i);
      return seg > 0 && code(i + seg) === CH_DOLLAR && code(i + seg + 1) === CH_LBRACE ? seg + 2 : 0;
    })();
    const hstartDollar =
      code(i) === CH_TILDE && code(i + 1) === CH_SLASH && code(i + 2) === CH_DOLLAR && code(i + 3) === CH_LBRACE ? 4 : 0;
    const path = matchPath(i);
    const hpath = matchHPath(i);
    const best = Math.max(segDollar, hstartDollar, path, hpath);
    if (best === 0 || best <= minLen) return false;
    if (segDollar === best) {
      // Nix re-lexes this as PATH_SEG in the PATH_START state: the head up to and including `/`.
      push(K.TOKEN_PATH, i + segDollar - 2);
      modes.push(Mode.INPATH_SLASH);
    } else if (hstartDollar === best) {
      push(K.TOKEN_HPATH, i + 2);
      modes.push(Mode.INPATH_SLASH);
    } else if (path === best) {
      const end = i + path;
      push(K.TOKEN_PATH, end);
      modes.push(src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
    } else {
      const end = i + hpath;
      push(K.TOKEN_HPATH, end);
      modes.push(src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
    }
    return true;
  };

  const lexDefault = (mode: Mode) => {
    const c = src.charCodeAt(i);
    // Whitespace
    if (c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR) {
      let k = i + 1;
      for (;;) {
        const d = code(k);
        if (d === CH_SPACE || d === CH_TAB || d === CH_LF || d === CH_CR) k++;
        else break;
      }
      push(K.TOKEN_WHITESPACE, k);
      return;
    }
    if (c === CH_HASH) {
      let k = i + 1;
      while (k < n) {
        const d = src.charCodeAt(k);
        if (d === CH_LF || d === CH_CR) break;
        k++;
      }
      push(K.TOKEN_COMMENT, k);
      return;
    }
    if (c === CH_SLASH && code(i + 1) === CH_STAR) {
      const close = src.indexOf("*/", i + 2);
      if (close >= 0) {
        push(K.TOKEN_COMMENT, close + 2);
        return;
      }
      // Unterminated: Nix's comment rule does not match; `/` is lexed on its own below.
    }

    // Identifiers, keywords, numbers, URIs and paths compete by length.
    if (c < 128 && (ID_START[c] === 1 || DIGIT[c] === 1 || c === CH_DOT || c === CH_MINUS || c === CH_PLUS || c === CH_SLASH || c === CH_TILDE)) {
      let bestLen = 0;
      let bestKind: K | undefined;
      // Keywords and fixed operators come first in lexer.l, so they win ties.
      if (c === CH_DOT && code(i + 1) === CH_DOT && code(i + 2) === CH_DOT) {
        bestLen = 3;
        bestKind = K.TOKEN_ELLIPSIS;
      } else if (c === CH_MINUS && code(i + 1) === CH_GT) {
        bestLen = 2;
        bestKind = K.TOKEN_IMPL;
      } else if (c === CH_SLASH && code(i + 1) === CH_SLASH) {
        bestLen = 2;
        bestKind = K.TOKEN_UPDATE;
      } else if (c === CH_PLUS && code(i + 1) === CH_PLUS) {
        bestLen = 2;
        bestKind = K.TOKEN_CONCAT;
      }
      if (ID_START[c] === 1) {
        let k = i + 1;
        while (k < n) {
          const d = src.charCodeAt(k);
          if (d < 128 && ID_CHAR[d] === 1) k++;
          else break;
        }
        const len = k - i;
        let kind = K.TOKEN_IDENT;
        if (len >= 2 && len <= 7 && KEYWORD_FIRST[c] === 1) kind = KEYWORDS[src.slice(i, k)] ?? K.TOKEN_IDENT;
        if (len > bestLen) {
          bestLen = len;
          bestKind = kind;
        }
      } else if (DIGIT[c] === 1) {
        let k = i + 1;
        while (k < n && DIGIT[src.charCodeAt(k)] === 1) k++;
        if (k - i > bestLen) {
          bestLen = k - i;
          bestKind = K.TOKEN_INT;
        }
      }
      if (DIGIT[c] === 1 || c === CH_DOT) {
        const f = matchFloat(i);
        if (f > bestLen) {
          bestLen = f;
          bestKind = K.TOKEN_FLOAT;
        }
      }
      // Path-like rules can only match when a `/` follows the run of path characters (or for `~/`).
      let run = i;
      while (run < n) {
        const d = src.charCodeAt(run);
        if (d < 128 && PATH_CHAR[d] === 1) run++;
        else break;
      }
      if ((code(run) === CH_SLASH || (c === CH_TILDE && code(i + 1) === CH_SLASH)) && lexPathLike(bestLen)) return;
      if (ID_START[c] === 1 && c !== 95 /* _ */) {
        // A URI needs `:` right after its scheme characters.
        let k = i + 1;
        while (k < n) {
          const d = src.charCodeAt(k);
          if (d < 128 && URI_SCHEME_CHAR[d] === 1) k++;
          else break;
        }
        if (code(k) === CH_COLON) {
          const u = matchUri(i);
          if (u > bestLen) {
            bestLen = u;
            bestKind = K.TOKEN_URI;
          }
        }
      }
      if (bestKind !== undefined) {
        push(bestKind, i + bestLen);
        return;
      }
      if (c === CH_TILDE) {
        push(K.TOKEN_ERROR, i + 1);
        return;
      }
      // Otherwise a single character: `.`, `-`, `+`, `/` below.
    }

    switch (c) {
      case CH_DOLLAR:
        if (code(i + 1) === CH_LBRACE) {
          push(K.TOKEN_INTERPOL_START, i + 2);
          modes.push(Mode.DEFAULT);
          return;
        }
        break;
      case CH_LBRACE:
        push(K.TOKEN_L_BRACE, i + 1);
        modes.push(Mode.DEFAULT);
        return;
      case CH_RBRACE:
        push(K.TOKEN_R_BRACE, i + 1);
        if (mode !== Mode.INITIAL) modes.pop();
        return;
      case CH_DQUOTE:
        push(K.TOKEN_STRING_START, i + 1);
        modes.push(Mode.STRING);
        return;
      case CH_QUOTE:
        if (code(i + 1) === CH_QUOTE) {
          // \'\'(\ *\n)?
          let k = i + 2;
          while (code(k) === CH_SPACE) k++;
          push(K.TOKEN_IND_STRING_START, code(k) === CH_LF ? k + 1 : i + 2);
          modes.push(Mode.IND_STRING);
          return;
        }
        break;
      case CH_EQ:
        if (code(i + 1) === CH_EQ) return push(K.TOKEN_EQ, i + 2);
        return push(K.TOKEN_ASSIGN, i + 1);
      case CH_BANG:
        if (code(i + 1) === CH_EQ) return push(K.TOKEN_NEQ, i + 2);
        return push(K.TOKEN_BANG, i + 1);
      case CH_LT:
        if (code(i + 1) === CH_EQ) return push(K.TOKEN_LEQ, i + 2);
        if (pipes && code(i + 1) === CH_PIPE) return push(K.TOKEN_PIPE_FROM, i + 2);
        {
          const sp = matchSPath(i);
          if (sp > 0) return push(K.TOKEN_SPATH, i + sp);
        }
        return push(K.TOKEN_LESS, i + 1);
      case CH_GT:
        if (code(i + 1) === CH_EQ) return push(K.TOKEN_GEQ, i + 2);
        return push(K.TOKEN_MORE, i + 1);
      case CH_AMP:
        if (code(i + 1) === CH_AMP) return push(K.TOKEN_AND, i + 2);
        break;
      case CH_PIPE:
        if (code(i + 1) === CH_PIPE) return push(K.TOKEN_OR, i + 2);
        if (pipes && code(i + 1) === CH_GT) return push(K.TOKEN_PIPE_INTO, i + 2);
        break;
      case CH_LPAREN:
        return push(K.TOKEN_L_PAREN, i + 1);
      case CH_RPAREN:
        return push(K.TOKEN_R_PAREN, i + 1);
      case CH_LBRACK:
        return push(K.TOKEN_L_BRACK, i + 1);
      case CH_RBRACK:
        return push(K.TOKEN_R_BRACK, i + 1);
      case CH_SEMI:
        return push(K.TOKEN_SEMICOLON, i + 1);
      case CH_COLON:
        return push(K.TOKEN_COLON, i + 1);
      case CH_COMMA:
        return push(K.TOKEN_COMMA, i + 1);
      case CH_DOT:
        return push(K.TOKEN_DOT, i + 1);
      case CH_AT:
        return push(K.TOKEN_AT, i + 1);
      case CH_QMARK:
        return push(K.TOKEN_QUESTION, i + 1);
      case CH_PLUS:
        return push(K.TOKEN_PLUS, i + 1);
      case CH_MINUS:
        return push(K.TOKEN_MINUS, i + 1);
      case CH_STAR:
        return push(K.TOKEN_STAR, i + 1);
      case CH_SLASH:
        return push(K.TOKEN_SLASH, i + 1);
    }
    // Any other character: Nix returns it to the parser as an invalid token. Keep surrogate pairs
    // together so the tree never splits a character.
    const hi = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    push(K.TOKEN_ERROR, i + hi);
  };

  const lexString = () => {
    const c = src.charCodeAt(i);
    if (c === CH_DQUOTE) {
      push(K.TOKEN_STRING_END, i + 1);
      modes.pop();
      return;
    }
    if (c === CH_DOLLAR && code(i + 1) === CH_LBRACE) {
      push(K.TOKEN_INTERPOL_START, i + 2);
      modes.push(Mode.DEFAULT);
      return;
    }
    // ([^\$\"\\]|\$[^\{\"\\]|\\{ANY}|\$\\{ANY})+  and the same ending in `$` before `"`.
    let k = i;
    while (k < n) {
      const d = src.charCodeAt(k);
      if (d === CH_DQUOTE) break;
      if (d === CH_BACKSLASH) {
        if (k + 1 < n) {
          k += 2;
          continue;
        }
        break;
      }
      if (d === CH_DOLLAR) {
        const e = code(k + 1);
        if (e === CH_LBRACE) break;
        if (e === CH_DQUOTE) {
          k++;
          break;
        }
        if (e === CH_BACKSLASH) {
          if (k + 2 < n) {
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
    push(K.TOKEN_STRING_CONTENT, k > i ? k : n);
  };

  const lexIndString = () => {
    const c = src.charCodeAt(i);
    if (c === CH_QUOTE && code(i + 1) === CH_QUOTE) {
      const d = code(i + 2);
      if (d === CH_QUOTE || d === CH_DOLLAR) {
        push(K.TOKEN_IND_STRING_ESCAPE, i + 3); // `'''` or `''$`
        return;
      }
      if (d === CH_BACKSLASH && i + 3 < n) {
        // `''\x`: the escaped character may be a surrogate pair
        push(K.TOKEN_IND_STRING_ESCAPE, i + (isHighSurrogate(src.charCodeAt(i + 3)) && i + 4 < n ? 5 : 4));
        return;
      }
      push(K.TOKEN_IND_STRING_END, i + 2);
      modes.pop();
      return;
    }
    if (c === CH_DOLLAR && code(i + 1) === CH_LBRACE) {
      push(K.TOKEN_INTERPOL_START, i + 2);
      modes.push(Mode.DEFAULT);
      return;
    }
    // ([^\$\']|\$[^\{\']|\'[^\'\$])+
    let k = i;
    while (k < n) {
      const d = src.charCodeAt(k);
      if (d === CH_DOLLAR) {
        const e = code(k + 1);
        if (e < 0 || e === CH_LBRACE || e === CH_QUOTE) break;
        k += 2;
        continue;
      }
      if (d === CH_QUOTE) {
        const e = code(k + 1);
        if (e < 0 || e === CH_QUOTE || e === CH_DOLLAR) break;
        k += 2;
        continue;
      }
      k++;
    }
    if (k > i) {
      push(K.TOKEN_IND_STRING_CONTENT, k);
      return;
    }
    // A lone `$` (before `'` or at the end) or `'` (before `$` or at the end).
    push(K.TOKEN_IND_STRING_ESCAPE, i + 1);
  };

  const lexInPath = (mode: Mode) => {
    if (i < n && src.charCodeAt(i) === CH_DOLLAR && code(i + 1) === CH_LBRACE) {
      push(K.TOKEN_INTERPOL_START, i + 2);
      modes.pop();
      modes.push(Mode.INPATH);
      modes.push(Mode.DEFAULT);
      return;
    }
    if (i < n) {
      // {PATH}|{PATH_SEG}|{PATH_CHAR}+
      let chars = 0;
      while (is(PATH_CHAR, code(i + chars))) chars++;
      const len = Math.max(matchPath(i), matchPathSeg(i), chars);
      if (len > 0) {
        const end = i + len;
        push(K.TOKEN_PATH_CONTENT, end);
        modes.pop();
        modes.push(src.charCodeAt(end - 1) === CH_SLASH ? Mode.INPATH_SLASH : Mode.INPATH);
        return;
      }
    }
    if (mode === Mode.INPATH_SLASH) {
      // Nix reports it at the offending character, or at the path itself at end of input.
      const offset = i < n ? i : (starts[starts.length - 1] ?? i);
      diagnostics.push({ message: "path has a trailing slash", offset });
    }
    kinds.push(K.TOKEN_PATH_END);
    starts.push(i);
    ends.push(i);
    modes.pop();
  };

  while (i < n) {
    const mode = modes[modes.length - 1]!;
    switch (mode) {
      case Mode.INITIAL:
      case Mode.DEFAULT:
        lexDefault(mode);
        break;
      case Mode.STRING:
        lexString();
        break;
      case Mode.IND_STRING:
        lexIndString();
        break;
      case Mode.INPATH:
      case Mode.INPATH_SLASH:
        lexInPath(mode);
        break;
    }
  }
  // A path at the very end still gets its PATH_END (Nix: <INPATH><<EOF>>).
  while (modes.length > 0) {
    const mode = modes[modes.length - 1]!;
    if (mode !== Mode.INPATH && mode !== Mode.INPATH_SLASH) break;
    lexInPath(mode);
  }
  return { kinds, starts, ends, diagnostics };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
