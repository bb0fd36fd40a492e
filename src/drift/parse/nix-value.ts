// A reader for values as Nix prints them (manifest.nix of a nix-env profile is such a printout):
// attribute sets, lists, strings with Nix's escapes, numbers, booleans, null, paths. Values Nix
// cannot print as data (functions, «repeated», <CODE>) read as null. Reading it here instead of
// with nix-instantiate keeps a profile scan free of processes.

export type NixValue = null | boolean | number | string | NixValue[] | { [k: string]: NixValue };

export class NixValueError extends Error {}

export function parseNixValue(text: string): NixValue {
  const p = new Reader(text);
  p.skipSpace();
  const v = p.value();
  p.skipSpace();
  if (!p.atEnd()) p.fail("trailing text after the value");
  return v;
}

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  fail(msg: string): never {
    const line = this.s.slice(0, this.i).split("\n").length;
    throw new NixValueError(`${msg} (line ${line}, offset ${this.i})`);
  }

  skipSpace(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\n" || c === "\t" || c === "\r") this.i++;
      else if (c === "#") while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      else if (c === "/" && this.s[this.i + 1] === "*") {
        const end = this.s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? this.s.length : end + 2;
      } else return;
    }
  }

  value(): NixValue {
    const c = this.s[this.i];
    if (c === "{") return this.attrs();
    if (c === "[") return this.list();
    if (c === '"') return this.string();
    if (c === "<" || c === "«") return this.opaque();
    if (c === "/" || (c === "." && this.s[this.i + 1] === "/")) return this.path();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    const word = this.identifier();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    return this.fail(`unexpected '${word || c || "end of input"}'`);
  }

  private attrs(): { [k: string]: NixValue } {
    this.i++; // {
    const out: { [k: string]: NixValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      if (this.atEnd()) this.fail("unterminated attribute set");
      const key = this.s[this.i] === '"' ? this.string() : this.identifier();
      if (!key) this.fail("expected an attribute name");
      this.skipSpace();
      if (this.s[this.i] !== "=") this.fail(`expected '=' after '${key}'`);
      this.i++;
      this.skipSpace();
      const v = this.value();
      this.skipSpace();
      if (this.s[this.i] !== ";") this.fail(`expected ';' after the value of '${key}'`);
      this.i++;
      // Object.defineProperty keeps a key like "__proto__" an ordinary property.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  private list(): NixValue[] {
    this.i++; // [
    const out: NixValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === "]") {
        this.i++;
        return out;
      }
      if (this.atEnd()) this.fail("unterminated list");
      out.push(this.value());
    }
  }

  private string(): string {
    this.i++; // "
    let out = "";
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") {
        const n = this.s[this.i + 1];
        if (n === undefined) this.fail("unterminated escape");
        out += n === "n" ? "\n" : n === "r" ? "\r" : n === "t" ? "\t" : n;
        this.i += 2;
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private number(): number {
    const m = /^-?(\d+\.?\d*(e[+-]?\d+)?|\.\d+)/i.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a number");
    this.i += m[0].length;
    return Number(m[0]);
  }

  private path(): string {
    const m = /^[./][A-Za-z0-9._+\-/]*/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a path");
    this.i += m[0].length;
    return m[0];
  }

  // «lambda @ ...», «repeated», <LAMBDA>, <CODE>: not data.
  private opaque(): null {
    const close = this.s[this.i] === "<" ? ">" : "»";
    const end = this.s.indexOf(close, this.i + 1);
    if (end < 0) this.fail("unterminated opaque value");
    this.i = end + 1;
    return null;
  }

  identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_'-]*/.exec(this.s.slice(this.i));
    if (!m) return "";
    this.i += m[0].length;
    return m[0];
  }
}
