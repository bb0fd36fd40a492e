// Prints Nix's abstract syntax exactly as `nix-instantiate --parse` (Nix 2.8, Expr::show in
// nixexpr.cc) does: its parenthesisation, sorted attributes, string escaping, `%g` floats.
// One thing cannot be reproduced from the source: Nix 2.8 prints `let` bindings and a lambda's
// formals in the order of its symbols' heap addresses. We print them in source order; see
// docs/parser.md and scripts/parse-diff.ts for how comparisons account for that.
import type { AttrName, Expr, ExprAttrs } from "./ast.js";
import { showId, showString } from "./lower.js";

export function showExpr(e: Expr): string {
  // Iterative (a work stack of text and expressions): operator chains thousands of terms long
  // would overflow the call stack of a recursive printer.
  const out: string[] = [];
  const work: Array<Expr | string> = [e];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === "string") out.push(item);
    else {
      const parts = pieces(item);
      for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i]!);
    }
  }
  return out.join("");
}

/** How one expression prints: text, and sub-expressions to print in their place. */
function pieces(e: Expr): Array<Expr | string> {
  switch (e.type) {
    case "int":
      return [e.value.toString()];
    case "float":
      return [formatFloatG(e.value)];
    case "string":
      return [showString(e.value)];
    case "path":
      return [e.value];
    case "var":
      return [showId(e.name)];
    case "pos":
      return ["__curPos"];
    case "select": {
      const out: Array<Expr | string> = ["(", e.e, ").", ...attrPathPieces(e.path)];
      if (e.def) out.push(" or (", e.def, ")");
      return out;
    }
    case "hasAttr":
      return ["((", e.e, ") ? ", ...attrPathPieces(e.path), ")"];
    case "attrs":
      return attrsPieces(e);
    case "list": {
      const out: Array<Expr | string> = ["[ "];
      for (const x of e.elems) out.push("(", x, ") ");
      out.push("]");
      return out;
    }
    case "lambda": {
      const out: Array<Expr | string> = ["("];
      if (e.formals) {
        out.push("{ ");
        let first = true;
        for (const f of e.formals.list) {
          if (first) first = false;
          else out.push(", ");
          out.push(showId(f.name));
          if (f.def) out.push(" ? ", f.def);
        }
        if (e.formals.ellipsis) {
          if (!first) out.push(", ");
          out.push("...");
        }
        out.push(" }");
        if (e.arg) out.push(" @ ");
      }
      if (e.arg) out.push(showId(e.arg));
      out.push(": ", e.body, ")");
      return out;
    }
    case "call": {
      const out: Array<Expr | string> = ["(", e.fn];
      for (const a of e.args) out.push(" ", a);
      out.push(")");
      return out;
    }
    case "let": {
      const out: Array<Expr | string> = ["(let "];
      for (const [name, def] of e.attrs.attrs) {
        if (def.inherited) out.push(`inherit ${showId(name)}; `);
        else out.push(`${showId(name)} = `, def.e, "; ");
      }
      out.push("in ", e.body, ")");
      return out;
    }
    case "with":
      return ["(with ", e.attrs, "; ", e.body, ")"];
    case "if":
      return ["(if ", e.cond, " then ", e.then, " else ", e.else, ")"];
    case "assert":
      return ["assert ", e.cond, "; ", e.body];
    case "not":
      return ["(! ", e.e, ")"];
    case "binop":
      return ["(", e.a, ` ${e.op} `, e.b, ")"];
    case "concat": {
      const out: Array<Expr | string> = ["("];
      e.parts.forEach((p, i) => {
        if (i > 0) out.push(" + ");
        out.push(p);
      });
      out.push(")");
      return out;
    }
    case "error":
      return ["<error>"];
  }
}

function attrsPieces(e: ExprAttrs): Array<Expr | string> {
  const out: Array<Expr | string> = [e.rec ? "rec { " : "{ "];
  const names = [...e.attrs.keys()].sort(compareBytes);
  for (const name of names) {
    const def = e.attrs.get(name)!;
    if (def.inherited) out.push(`inherit ${showId(name)} ; `);
    else out.push(`${showId(name)} = `, def.e, "; ");
  }
  for (const d of e.dynamic) out.push('"${', d.nameExpr, '}" = ', d.valueExpr, "; ");
  out.push("}");
  return out;
}

function attrPathPieces(path: AttrName[]): Array<Expr | string> {
  const out: Array<Expr | string> = [];
  path.forEach((a, i) => {
    if (i > 0) out.push(".");
    if (a.name !== undefined) out.push(showId(a.name));
    else out.push('"${', a.expr, '}"');
  });
  return out;
}

/** std::string's `<`: byte order of the UTF-8 encoding. */
export function compareBytes(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** C++'s default `ostream << double`: printf("%g") with precision 6, rounding ties to even on the
 * exact binary value, as glibc does. */
export function formatFloatG(v: number, precision = 6): string {
  if (Number.isNaN(v)) return v < 0 ? "-nan" : "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const negative = v < 0;
  const { digits, exponent } = exactDecimal(Math.abs(v));
  // Round `digits` (value = 0.d1d2d3... * 10^exponent) to `precision` significant digits.
  let kept = digits.slice(0, precision);
  let exp10 = exponent - 1; // exponent of the first digit
  if (digits.length > precision) {
    const rest = digits.slice(precision);
    const first = rest.charCodeAt(0) - 48;
    const tail = rest.slice(1);
    const roundUp = first > 5 || (first === 5 && (/[1-9]/.test(tail) || (kept.charCodeAt(kept.length - 1) - 48) % 2 === 1));
    if (roundUp) {
      const n = (BigInt(kept) + 1n).toString();
      if (n.length > kept.length) {
        kept = n.slice(0, precision);
        exp10++;
      } else kept = n;
    }
  }
  kept = kept.padEnd(precision, "0");
  let body: string;
  if (exp10 < -4 || exp10 >= precision) {
    let mant = kept[0]! + (precision > 1 ? "." + kept.slice(1) : "");
    mant = mant.replace(/\.?0+$/, "");
    const ae = Math.abs(exp10);
    body = `${mant}e${exp10 < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  } else if (exp10 >= 0) {
    const intPart = kept.slice(0, exp10 + 1);
    const frac = kept.slice(exp10 + 1).replace(/0+$/, "");
    body = frac ? `${intPart}.${frac}` : intPart;
  } else {
    const frac = ("0".repeat(-exp10 - 1) + kept).replace(/0+$/, "");
    body = `0.${frac}`;
  }
  return negative ? `-${body}` : body;
}

/** The exact decimal expansion of a positive finite double: value = 0.<digits> * 10^exponent. */
function exactDecimal(v: number): { digits: string; exponent: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mantissa |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let digits: string;
  let exponent: number;
  if (e2 >= 0) {
    digits = (mantissa << BigInt(e2)).toString();
    exponent = digits.length;
  } else {
    // mantissa / 2^k = mantissa * 5^k / 10^k
    const k = -e2;
    digits = (mantissa * 5n ** BigInt(k)).toString();
    exponent = digits.length - k;
  }
  const trimmed = digits.replace(/0+$/, "");
  return { digits: trimmed || "0", exponent };
}
