// The lossless parser: exact round trip, positions, tree shapes, Nix's grammar quirks, and
// diagnostics (never a throw) on bad input.
import { describe, expect, it } from "vitest";
import { lex, tokenList } from "../../src/nix/lexer.js";
import { parse } from "../../src/nix/parser.js";
import { parseNix, showParsed, SyntaxKind as K, kindName, type SyntaxNode } from "../../src/nix/index.js";
import { ACCEPT, REJECT } from "../fixtures/nix-parse/snippets.js";

function printTree(node: SyntaxNode): string {
  let out = "";
  for (const t of node.tokens()) out += t.text;
  return out;
}

/** A compact s-expression of the node kinds (no trivia), to assert tree shapes. */
function shape(node: SyntaxNode): string {
  const kids = node.childNodes().map(shape);
  const name = kindName(node.kind).replace(/^NODE_/, "");
  return kids.length ? `(${name} ${kids.join(" ")})` : name;
}

function lexKinds(text: string): string[] {
  return tokenList(lex(text))
    .filter((t) => t.kind !== K.TOKEN_WHITESPACE)
    .map((t) => `${kindName(t.kind).replace(/^TOKEN_/, "")}:${text.slice(t.start, t.end)}`);
}

describe("lexer quirks, as Nix's flex lexer has them", () => {
  it("reads `x:x` as a URI and `x: x` as a lambda", () => {
    expect(lexKinds("x:x")).toEqual(["URI:x:x"]);
    expect(lexKinds("x: x")).toEqual(["IDENT:x", "COLON::", "IDENT:x"]);
  });
  it("reads `a/b` and `1/2` as paths, `a / b` as division", () => {
    expect(lexKinds("a/b")[0]).toBe("PATH:a/b");
    expect(lexKinds("1/2")[0]).toBe("PATH:1/2");
    expect(lexKinds("a / b")).toEqual(["IDENT:a", "SLASH:/", "IDENT:b"]);
  });
  it("reads `a->b` as the identifier `a-` then `>`", () => {
    expect(lexKinds("a->b")).toEqual(["IDENT:a-", "MORE:>", "IDENT:b"]);
  });
  it("keeps keywords apart from longer identifiers", () => {
    expect(lexKinds("if iff in inherit or order")).toEqual(["IF:if", "IDENT:iff", "IN:in", "INHERIT:inherit", "OR_KW:or", "IDENT:order"]);
  });
  it("reads `1e5` as an integer and an identifier, `1.5e3` and `1.` as floats", () => {
    expect(lexKinds("1e5")).toEqual(["INT:1", "IDENT:e5"]);
    expect(lexKinds("1.5e3")).toEqual(["FLOAT:1.5e3"]);
    expect(lexKinds("1.")).toEqual(["FLOAT:1."]);
    expect(lexKinds("01.5")).toEqual(["INT:01", "FLOAT:.5"]);
  });
  it("splits interpolated paths like Nix: head, pieces, interpolations, zero-width end", () => {
    expect(lexKinds("./a/${b}/c.nix")).toEqual(["PATH:./a/", "INTERPOL_START:${", "IDENT:b", "R_BRACE:}", "PATH_CONTENT:/c.nix", "PATH_END:"]);
    expect(lexKinds("a/${b}")).toEqual(["PATH:a/", "INTERPOL_START:${", "IDENT:b", "R_BRACE:}", "PATH_END:"]);
  });
  it("treats `$${` in strings as literal text and `''$` in indented strings as an escape", () => {
    expect(lexKinds('"$${x}"')).toEqual(['STRING_START:"', "STRING_CONTENT:$${x}", 'STRING_END:"']);
    expect(lexKinds("''a''$b''")).toEqual(["IND_STRING_START:''", "IND_STRING_CONTENT:a", "IND_STRING_ESCAPE:''$", "IND_STRING_CONTENT:b", "IND_STRING_END:''"]);
  });
  it("swallows spaces and the newline after an opening `''`", () => {
    expect(lexKinds("''   \nx''")[0]).toBe("IND_STRING_START:''   \n");
  });
  it("lexes pipe operators only in the current dialect", () => {
    expect(lexKinds("a |> f")).toContain("PIPE_INTO:|>");
    const old = tokenList(lex("a |> f", { pipes: false })).map((t) => t.kind);
    expect(old).toContain(K.TOKEN_ERROR);
  });
});

describe("lossless round trip", () => {
  it.each([...ACCEPT, ...REJECT])("prints back %j exactly", (text) => {
    expect(printTree(parse(text).root)).toBe(text);
  });
  it("keeps comments and whitespace as trivia tokens", () => {
    const text = "# head\n{ a = 1; /* mid */ b = 2; } # tail\n";
    const { root } = parse(text);
    const kinds = [...root.tokens()].map((t) => t.kind);
    expect(kinds.filter((k) => k === K.TOKEN_COMMENT)).toHaveLength(3);
    expect(printTree(root)).toBe(text);
  });
  it("starts nodes at their first token, leaving leading trivia to the parent", () => {
    const { root } = parse("  # c\n  { a = 1; }");
    const set = root.firstChild(K.NODE_ATTR_SET)!;
    expect(set.start).toBe(8);
    expect(set.line).toBe(2);
    expect(set.column).toBe(3);
  });
});

describe("positions", () => {
  it("counts lines as Nix does (LF, CRLF and lone CR)", () => {
    const text = "{\r\n  a = 1;\r  b = 2;\n  c = 3; }";
    const { root } = parse(text);
    const lines = root
      .firstChild(K.NODE_ATTR_SET)!
      .childNodes()
      .map((b) => b.line);
    expect(lines).toEqual([2, 3, 4]);
  });
  it("gives each binding its line and column", () => {
    const { root } = parse("{\n  services.openssh = {\n    enable = true;\n  };\n}");
    const outer = root.firstChild(K.NODE_ATTR_SET)!.firstChild(K.NODE_ATTRPATH_VALUE)!;
    expect([outer.line, outer.column]).toEqual([2, 3]);
    const inner = outer.childNodes()[1]!.firstChild(K.NODE_ATTRPATH_VALUE)!;
    expect([inner.line, inner.column]).toEqual([3, 5]);
  });
});

describe("tree shapes follow Nix's precedence and associativity", () => {
  const expr = (text: string) => shape(parse(text).root.childNodes()[0]!);
  it("multiplication binds tighter than addition, both left-associative", () => {
    expect(expr("a + b * c - d")).toBe("(BIN_OP (BIN_OP IDENT (BIN_OP IDENT IDENT)) IDENT)");
  });
  it("`++` and `//` and `->` are right-associative", () => {
    expect(expr("a ++ b ++ c")).toBe("(BIN_OP IDENT (BIN_OP IDENT IDENT))");
    expect(expr("a // b // c")).toBe("(BIN_OP IDENT (BIN_OP IDENT IDENT))");
    expect(expr("a -> b -> c")).toBe("(BIN_OP IDENT (BIN_OP IDENT IDENT))");
  });
  it("`!` binds looser than `+` but tighter than `==`; unary minus tighter than `?`", () => {
    expect(expr("!a + b")).toBe("(UNARY_OP (BIN_OP IDENT IDENT))");
    expect(expr("!a == b")).toBe("(BIN_OP (UNARY_OP IDENT) IDENT)");
    expect(expr("-a ? b")).toBe("(HAS_ATTR (UNARY_OP IDENT) (ATTRPATH IDENT))");
    expect(expr("!a ? b")).toBe("(UNARY_OP (HAS_ATTR IDENT (ATTRPATH IDENT)))");
  });
  it("application binds tighter than any operator and is left-nested", () => {
    expect(expr("f a b + c")).toBe("(BIN_OP (APPLY (APPLY IDENT IDENT) IDENT) IDENT)");
  });
  it("select with `or` default, and `f or` as an application", () => {
    expect(expr("a.b or c")).toBe("(SELECT IDENT (ATTRPATH IDENT) IDENT)");
    expect(expr("f or")).toBe("(APPLY IDENT IDENT)");
  });
  it("tells formals from attribute sets the way Nix's GLR parser does", () => {
    expect(expr("{ a, b ? 1, ... }@args: a")).toBe("(LAMBDA (PATTERN (PAT_ENTRY IDENT) (PAT_ENTRY IDENT LITERAL) (PAT_BIND IDENT)) IDENT)");
    expect(expr("{ }: 1")).toBe("(LAMBDA PATTERN LITERAL)");
    expect(expr("{ }")).toBe("ATTR_SET");
    expect(expr("{ a = 1; }")).toBe("(ATTR_SET (ATTRPATH_VALUE (ATTRPATH IDENT) LITERAL))");
  });
  it("parses the legacy let, rec sets, inherit forms, dynamic and string attributes", () => {
    expect(expr("let { body = 1; }")).toBe("(LEGACY_LET (ATTRPATH_VALUE (ATTRPATH IDENT) LITERAL))");
    expect(expr('rec { inherit a; inherit (b) c "d"; ${e} = 1; }')).toBe(
      "(ATTR_SET (INHERIT IDENT) (INHERIT (INHERIT_FROM IDENT) IDENT STRING) (ATTRPATH_VALUE (ATTRPATH (DYNAMIC IDENT)) LITERAL))",
    );
  });
  it("parses pipe operators, left `|>` and right `<|`", () => {
    expect(expr("a |> f |> g")).toBe("(BIN_OP (BIN_OP IDENT IDENT) IDENT)");
    expect(expr("f <| g <| a")).toBe("(BIN_OP IDENT (BIN_OP IDENT IDENT))");
  });
});

describe("diagnostics instead of throws", () => {
  it("reports a syntax error where Nix does, and still covers the whole input", () => {
    const text = "{\n  a = 1;\n  b = ;\n  c = 3;\n}";
    const p = parseNix(text);
    expect(p.error?.message).toMatch(/syntax error, unexpected ';'/);
    expect([p.error?.line, p.error?.column]).toEqual([3, 7]);
    expect(printTree(p.root)).toBe(text);
    // The bindings after the error are still in the tree.
    expect(p.root.text).toContain("c = 3;");
  });
  it("reports duplicate attributes at the second definition", () => {
    const p = parseNix("{\n  a = 1;\n  a = 2;\n}", { path: "/x/f.nix" });
    expect(p.error?.message).toBe("attribute 'a' already defined at /x/f.nix:2:3");
    expect(p.error?.line).toBe(3);
  });
  it("reports undefined variables outside `with`, and not inside one", () => {
    expect(parseNix("x: y").error?.message).toBe("undefined variable 'y'");
    expect(parseNix("with {}; y").error).toBeUndefined();
    expect(parseNix("let a = b; b = 1; in a").error).toBeUndefined();
    expect(parseNix("rec { a = b; b = 1; }").error).toBeUndefined();
    expect(parseNix("{ a = b; b = 1; }").error?.message).toBe("undefined variable 'b'");
  });
  it("accepts nested merges as current Nix does, rejects them in the Nix 2.8 dialect", () => {
    const text = "{ a.b.c = 1; a = { b = { d = 2; }; }; }";
    expect(parseNix(text).error).toBeUndefined();
    expect(parseNix(text, { dialect: "nix-2.8" }).error?.message).toMatch(/already defined/);
  });
  it("survives deep nesting with a diagnostic instead of a stack overflow", () => {
    const deep = "(".repeat(20_000) + "1" + ")".repeat(20_000);
    const p = parseNix(deep);
    expect(p.error?.message).toMatch(/nested more than/);
    expect(printTree(p.root)).toBe(deep);
    const list = "[".repeat(5000) + "]".repeat(5000);
    expect(printTree(parseNix(list).root)).toBe(list);
  });
  it("handles long operator chains (a left-deep tree) in every pass", () => {
    const chain = Array.from({ length: 3000 }, (_, i) => `"s${i}"`).join(" + ");
    const p = parseNix(chain);
    expect(p.error).toBeUndefined();
    expect(showParsed(p).startsWith("(((")).toBe(true);
  });
  it("never throws on binary garbage and keeps every character", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const text = Array.from({ length: 200 }, () => String.fromCharCode(Math.floor(rand() * 200))).join("");
      const p = parseNix(text);
      expect(printTree(p.root)).toBe(text);
    }
  });
});

describe("Nix's desugarings in the printed form", () => {
  const show = (text: string) => {
    const p = parseNix(text, { path: "/base/f.nix", home: "/home/u" });
    expect(p.error).toBeUndefined();
    return showParsed(p);
  };
  it("resolves paths and search paths, and keeps URIs as strings", () => {
    expect(show("[ ./a/../b ~/c <nixpkgs> http://x.org/ ]")).toBe(
      '[ (/base/b) (/home/u/c) ((__findFile __nixPath "nixpkgs")) ("http://x.org/") ]',
    );
  });
  it("turns operators into calls of builtins", () => {
    expect(show("with {}; [ (a - b) (a < b) (a >= b) (-a) ]")).toBe(
      "(with { }; [ ((__sub a b)) ((__lessThan a b)) ((! (__lessThan a b))) ((__sub 0 a)) ])",
    );
  });
  it("merges nested attribute paths and sorts attributes", () => {
    expect(show("{ z = 1; a.c = 2; a.b = 3; }")).toBe("{ a = { b = 3; c = 2; }; z = 1; }");
  });
  it("strips indentation from indented strings", () => {
    expect(show("''\n    a\n      b\n  ''")).toBe('"a\\n  b\\n"');
  });
  it("formats floats as C's %g does", () => {
    expect(show("[ 1.5e3 0.1 123456789.0 1.5e-7 1234565.0 ]")).toBe("[ (1500) (0.1) (1.23457e+08) (1.5e-07) (1.23456e+06) ]");
  });
});

describe("descendants(kind): the nodes of one kind in a subtree, from one pass per tree", () => {
  const byWalk = (node: SyntaxNode, kind: K): SyntaxNode[] => {
    const out: SyntaxNode[] = [];
    node.walk((n) => {
      if (n.kind === kind) out.push(n);
    });
    return out;
  };
  const kinds = [K.NODE_STRING, K.NODE_APPLY, K.NODE_ATTRPATH_VALUE, K.NODE_PATH, K.NODE_WITH, K.NODE_LITERAL, K.NODE_ATTR_SET, K.NODE_SELECT, K.NODE_ERROR];

  it("equals a filtered walk, in the same order, on whole files and on every subtree", () => {
    let compared = 0;
    for (const text of [...ACCEPT, ...REJECT]) {
      const { root } = parse(text);
      for (const kind of kinds) {
        expect(root.descendants(kind)).toEqual(byWalk(root, kind));
        root.walk((sub) => {
          const got = sub.descendants(kind);
          expect(got).toEqual(byWalk(sub, kind));
          compared += got.length;
        });
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it("includes the node itself, and tells whether a node is inside another kind", () => {
    const { root } = parse('{ "a${"b"}" = ./x/${./y}; }');
    const strings = root.descendants(K.NODE_STRING);
    expect(strings.map((s) => s.text)).toEqual(['"a${"b"}"', '"b"']);
    expect(strings[0]!.descendants(K.NODE_STRING)).toEqual(strings);
    expect(strings.every((s) => s.inside(K.NODE_ATTRPATH))).toBe(true);
    const paths = root.descendants(K.NODE_PATH);
    expect(paths.map((p) => [p.text, p.inside(K.NODE_PATH)])).toEqual([
      ["./x/${./y}", false],
      ["./y", true],
    ]);
  });
});
