// Static values: what a rule can know about an option's value without evaluating Nix. Literals
// (strings without interpolation, numbers, booleans, null, lists and sets of those) through
// parentheses and priority wrappers; anything else is `unknown`, with its source text.
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";
import { attrpathSegments, calleeName, flattenApply, staticString, unparen } from "./options.js";

export interface Unknown {
  unknown: true;
  text: string;
}

export type StaticValue = string | number | boolean | null | StaticValue[] | { [key: string]: StaticValue } | Unknown;

const WRAPPERS = new Set(["mkForce", "mkDefault", "mkOverride", "mkOptionDefault", "mkBefore", "mkAfter", "mkOrder", "mkVMOverride", "mkImageMediaOverride"]);

export function isUnknownValue(v: unknown): v is Unknown {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as { unknown?: unknown }).unknown === true;
}

export function staticValue(node: SyntaxNode | undefined, depth = 0): StaticValue {
  const n = unparen(node);
  if (!n) return { unknown: true, text: "" };
  if (depth > 32) return { unknown: true, text: n.text };
  switch (n.kind) {
    case K.NODE_LITERAL: {
      const tok = n.childTokens()[0]!;
      if (tok.kind === K.TOKEN_INT) return Number(tok.text);
      if (tok.kind === K.TOKEN_FLOAT) return Number(tok.text);
      return tok.text; // URI
    }
    case K.NODE_STRING: {
      const s = staticString(n);
      return s !== undefined ? s : { unknown: true, text: n.text };
    }
    case K.NODE_IDENT:
      if (n.text === "true") return true;
      if (n.text === "false") return false;
      if (n.text === "null") return null;
      return { unknown: true, text: n.text };
    case K.NODE_LIST:
      return n.childNodes().map((c) => staticValue(c, depth + 1));
    case K.NODE_UNARY_OP: {
      const op = n.childTokens()[0];
      const v = staticValue(n.firstChild(), depth + 1);
      if (op?.kind === K.TOKEN_MINUS && typeof v === "number") return -v;
      if (op?.kind === K.TOKEN_BANG && typeof v === "boolean") return !v;
      return { unknown: true, text: n.text };
    }
    case K.NODE_ATTR_SET: {
      if (n.firstToken(K.TOKEN_REC)) return { unknown: true, text: n.text };
      const out: { [key: string]: StaticValue } = {};
      for (const b of n.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) return { unknown: true, text: n.text };
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (segs.length === 0 || segs.some((s) => s.dynamic)) return { unknown: true, text: n.text };
        let cur = out;
        for (const s of segs.slice(0, -1)) {
          const next = cur[s.name];
          if (next === undefined) cur = cur[s.name] = {};
          else if (typeof next === "object" && next !== null && !Array.isArray(next) && !isUnknownValue(next)) cur = next;
          else return { unknown: true, text: n.text };
        }
        cur[segs[segs.length - 1]!.name] = staticValue(value, depth + 1);
      }
      return out;
    }
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(n);
      const name = calleeName(fn);
      if (name && WRAPPERS.has(name) && args.length >= 1) return staticValue(args[args.length - 1], depth + 1);
      return { unknown: true, text: n.text };
    }
    default:
      return { unknown: true, text: n.text };
  }
}

/** A boolean value if statically known. */
export function staticBool(node: SyntaxNode | undefined): boolean | undefined {
  const v = staticValue(node);
  return typeof v === "boolean" ? v : undefined;
}

/** A string value if statically known. */
export function staticStringValue(node: SyntaxNode | undefined): string | undefined {
  const v = staticValue(node);
  return typeof v === "string" ? v : undefined;
}
