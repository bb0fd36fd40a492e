// JSON with comments, as Gemini CLI reads its settings.json (it strips // and /* */ comments): parse
// it, and change one property in place so that the user's comments and layout survive.

/** The text with comments replaced by spaces (offsets and line breaks kept); strings untouched. */
export function blankComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      let j = i;
      while (j < text.length && text[j] !== "\n") j++;
      out += " ".repeat(j - i);
      i = j;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const j = end < 0 ? text.length : end + 2;
      out += text.slice(i, j).replace(/[^\n]/g, " ");
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function hasComments(text: string): boolean {
  return blankComments(text) !== text;
}

export function parseJsonc(text: string): unknown {
  return JSON.parse(blankComments(text));
}

interface Node {
  start: number;
  end: number;
  props?: { key: string; value: Node }[];
}

/** Offsets of the values in (comment-free) JSON text, enough to find an object's properties. */
function scan(text: string, pos: { i: number }): Node {
  const ws = () => {
    while (/\s/.test(text[pos.i] ?? "")) pos.i++;
  };
  const str = () => {
    const start = pos.i;
    pos.i++;
    while (text[pos.i] !== '"') pos.i += text[pos.i] === "\\" ? 2 : 1;
    pos.i++;
    return JSON.parse(text.slice(start, pos.i)) as string;
  };
  ws();
  const start = pos.i;
  const c = text[pos.i];
  if (c === "{" || c === "[") {
    const close = c === "{" ? "}" : "]";
    const props: { key: string; value: Node }[] = [];
    pos.i++;
    ws();
    while (text[pos.i] !== close) {
      let key = "";
      if (c === "{") {
        key = str();
        ws();
        pos.i++; // :
      }
      const value = scan(text, pos);
      if (c === "{") props.push({ key, value });
      ws();
      if (text[pos.i] === ",") pos.i++;
      ws();
      if (pos.i >= text.length) throw new Error("unterminated");
    }
    pos.i++;
    return { start, end: pos.i, props: c === "{" ? props : undefined };
  }
  if (c === '"') {
    str();
    return { start, end: pos.i };
  }
  while (pos.i < text.length && !/[\s,}\]]/.test(text[pos.i]!)) pos.i++;
  return { start, end: pos.i };
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function stringifyAt(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}

/**
 * Sets the property at `path` (object keys) to `value` in JSONC text, keeping everything else as it
 * is written: the value is replaced where it stands, or added as the last property of the deepest
 * object on the path that exists.
 */
export function setJsoncProperty(text: string, path: readonly string[], value: unknown): string {
  const clean = blankComments(text);
  let node = scan(clean, { i: 0 });
  for (let depth = 0; depth < path.length; depth++) {
    const prop = node.props?.find((p) => p.key === path[depth]);
    if (!prop || (depth < path.length - 1 && !prop.value.props)) {
      if (!node.props) throw new Error(`${path.slice(0, depth).join(".") || "the file"} is not an object`);
      if (prop) throw new Error(`${path.slice(0, depth + 1).join(".")} is not an object`);
      let nested: unknown = value;
      for (let k = path.length - 1; k > depth; k--) nested = { [path[k]!]: nested };
      const indent = indentAt(clean, node.start) + "  ";
      const close = node.end - 1;
      const last = node.props.at(-1);
      const entry = `${JSON.stringify(path[depth])}: ${stringifyAt(nested, indent)}`;
      if (last) return text.slice(0, last.value.end) + `,\n${indent}${entry}` + text.slice(last.value.end);
      return text.slice(0, node.start + 1) + `\n${indent}${entry}\n${indentAt(clean, node.start)}` + text.slice(close);
    }
    if (depth === path.length - 1) return text.slice(0, prop.value.start) + stringifyAt(value, indentAt(clean, prop.value.start)) + text.slice(prop.value.end);
    node = prop.value;
  }
  return text;
}
