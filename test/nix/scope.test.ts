// The name resolver: what each identifier refers to (let, rec, with, formals, inherit), and the
// look-alikes that must not resolve the way they seem to.
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { isVariableReference, resolve, resolveLexical, unboundReferences, type Resolution } from "../../src/nix/scope.js";
import { kindName, SyntaxKind as K, type SyntaxNode } from "../../src/nix/syntax.js";

function tree(text: string): SyntaxNode {
  return parseNix(text).root;
}

/** The identifier references named `name`, in source order. */
function refs(root: SyntaxNode, name: string): SyntaxNode[] {
  return root.descendants(K.NODE_IDENT).filter((n) => n.text === name && isVariableReference(n));
}

/** The resolution of the `i`-th reference to `name`, described as kind + binder/value text. */
function at(text: string, name: string, i = 0): { kind: Resolution["kind"]; binder?: string; value?: string; scope?: string } {
  const ref = refs(tree(text), name)[i];
  if (!ref) throw new Error(`no reference ${i} to ${name}`);
  const r = resolve(ref);
  if (!("scope" in r)) return { kind: r.kind };
  return { kind: r.kind, binder: r.binder.text, value: r.value?.text, scope: kindName(r.scope.kind) };
}

describe("let and rec", () => {
  it("resolves a let-bound name to its binding and value", () => {
    expect(at("let a = 1 + 1; in a", "a")).toEqual({ kind: "let", binder: "a = 1 + 1;", value: "1 + 1", scope: "NODE_LET_IN" });
  });
  it("sees the other bindings of a let in its values (a let is recursive)", () => {
    expect(at("let a = b; b = 2; in a", "b")).toMatchObject({ kind: "let", value: "2" });
  });
  it("binds `a.b = …` once, without a known value", () => {
    expect(at("let a.b = 1; a.c = 2; in a", "a")).toEqual({ kind: "let", binder: "a.b = 1;", value: undefined, scope: "NODE_LET_IN" });
  });
  it("resolves names of a rec set in its values, not those of a plain set", () => {
    expect(at("rec { a = 1; b = a; }", "a")).toMatchObject({ kind: "rec", value: "1", scope: "NODE_ATTR_SET" });
    expect(at("{ a = 1; b = a; }", "a").kind).toBe("unbound");
  });
  it("a plain set's attribute does not shadow the let around it", () => {
    expect(at("let a = 1; in { a = 2; b = a; }", "a")).toMatchObject({ kind: "let", value: "1" });
  });
  it("a rec set's attribute shadows the let around it (rec-let shadow)", () => {
    expect(at("let a = 1; in rec { a = 2; b = a; }", "a")).toMatchObject({ kind: "rec", value: "2" });
    // From the set's own position (outside its values) the let is what `a` means.
    const set = tree("let a = 1; in rec { a = 2; b = a; }").descendants(K.NODE_ATTR_SET)[0]!;
    expect(resolveLexical(set, "a")).toMatchObject({ kind: "let", value: { text: "1" } });
  });
  it("dynamic attribute names see a rec set's names, and a plain set's enclosing scope", () => {
    expect(at('rec { ${n} = 1; n = "x"; }', "n")).toMatchObject({ kind: "rec", value: '"x"' });
    expect(at('let n = "y"; in { ${n} = 1; n = "x"; }', "n")).toMatchObject({ kind: "let", value: '"y"' });
  });
  it("resolves the legacy `let { }`", () => {
    expect(at("let { a = 1; body = a; }", "a")).toMatchObject({ kind: "let", value: "1", scope: "NODE_LEGACY_LET" });
  });
});

describe("inherit", () => {
  it("`inherit x;` in a let reads x from the enclosing scope, and binds x for the body", () => {
    const text = "let y = 1; in let inherit y; in y";
    // The `y` of `inherit y;` is the outer binding…
    expect(at(text, "y", 0)).toMatchObject({ kind: "let", value: "1", binder: "y = 1;" });
    // …and the body's `y` is the inner inherit, whose value is not written there.
    expect(at(text, "y", 1)).toEqual({ kind: "let", binder: "inherit y;", value: undefined, scope: "NODE_LET_IN" });
  });
  it("`inherit y;` in a rec set reads the enclosing scope, not the set itself", () => {
    expect(at("let a = 1; in rec { inherit a; b = 2; }", "a")).toMatchObject({ kind: "let", value: "1" });
  });
  it("`inherit (x) y;` binds y with the expression it is selected from; x is read in the let's scope", () => {
    const root = tree("let x = { y = 1; }; inherit (x) y; in y");
    const body = refs(root, "y")[0]!; // `inherit (x) y` names are not references; the body's y is
    const r = resolveLexical(body)!;
    expect(r.binder.kind).toBe(K.NODE_INHERIT);
    expect(r.inheritFrom?.text).toBe("x");
    expect(r.value).toBeUndefined();
    expect(resolveLexical(r.inheritFrom!)).toMatchObject({ kind: "let", value: { text: "{ y = 1; }" } });
  });
  it("the names of `inherit (x) y;` are not references", () => {
    expect(refs(tree("{ inherit (x) y; }"), "y")).toEqual([]);
    expect(refs(tree("{ inherit y; }"), "y")).toHaveLength(1);
  });
});

describe("lambdas", () => {
  it("a parameter shadows a let", () => {
    expect(at("let a = 1; in a: a", "a")).toEqual({ kind: "param", binder: "a", value: undefined, scope: "NODE_LAMBDA" });
  });
  it("a formal shadows a let, and has its default", () => {
    const ref = refs(tree("let a = 1; in { a ? 2 }: a"), "a")[0]!;
    const r = resolveLexical(ref)!;
    expect(r.kind).toBe("formal");
    expect(r.binder.kind).toBe(K.NODE_PAT_ENTRY);
    expect(r.default?.text).toBe("2");
  });
  it("defaults see the other formals and the `@` name", () => {
    expect(at("{ a ? b, b }: a", "b")).toMatchObject({ kind: "formal", binder: "b" });
    expect(at("args@{ a ? args }: a", "args")).toMatchObject({ kind: "formal", binder: "args@" });
    expect(at("{ a ? args }@args: a", "args")).toMatchObject({ kind: "formal", binder: "@args" });
  });
  it("a formal's name is no reference, and a body's let shadows the formal", () => {
    expect(refs(tree("{ a }: 1"), "a")).toEqual([]);
    expect(at("{ a }: let a = 3; in a", "a")).toMatchObject({ kind: "let", value: "3" });
  });
});

describe("with, builtins, unbound", () => {
  it("a name no scope binds may come from the enclosing withs, innermost first", () => {
    const root = tree("with x; with y; z");
    const r = resolve(refs(root, "z")[0]!);
    expect(r.kind).toBe("with");
    expect(r.kind === "with" && r.withs.map((w) => w.text)).toEqual(["with y; z", "with x; with y; z"]);
  });
  it("a with never shadows a lexical binding nor a builtin", () => {
    expect(at("let z = 1; in with x; z", "z")).toMatchObject({ kind: "let", value: "1" });
    expect(at("with { map = 1; }; map", "map").kind).toBe("global");
  });
  it("the expression of a with is not in its own scope", () => {
    expect(at("with a; b", "a").kind).toBe("unbound");
    expect(at("with a; b", "b").kind).toBe("with");
  });
  it("builtins and extra globals are global; other free names are unbound", () => {
    expect(at("builtins.map", "builtins").kind).toBe("global");
    expect(at("x: lib", "lib").kind).toBe("unbound");
    expect(resolve(refs(tree("x: lib"), "lib")[0]!, "lib", new Set(["lib"])).kind).toBe("global");
  });
});

describe("references in strings and paths", () => {
  it("resolves interpolations of strings, indented strings and paths", () => {
    const text = 'let x = "a"; in [ "${x}-${y}" \'\'${x}\'\' ./hosts/${x} ]';
    const root = tree(text);
    expect(refs(root, "x").map((r) => resolveLexical(r)?.value?.text)).toEqual(['"a"', '"a"', '"a"']);
    expect(resolve(refs(root, "y")[0]!).kind).toBe("unbound");
  });
  it("an attribute name and a selected attribute are no references", () => {
    expect(refs(tree("let a = 1; in { a = 2; }.a"), "a")).toEqual([]);
    expect(refs(tree('{ "${a}" = 1; }'), "a")).toHaveLength(1);
  });
  it("a string attribute name in a rec set sees the set's names", () => {
    expect(at('rec { "${n}" = 1; n = "x"; }', "n")).toMatchObject({ kind: "rec", value: '"x"' });
  });
});

describe("unboundReferences (the parser's undefined-variable check)", () => {
  const names = (text: string, globals?: string[]) => unboundReferences(tree(text), globals && new Set(globals)).map((n) => n.text);
  it("lists the references nothing binds, in source order", () => {
    expect(names("x: [ y x z (let y = 1; in y) ]")).toEqual(["y", "z"]);
    expect(names("{ a = b; b = 1; }")).toEqual(["b"]);
    expect(names("rec { a = b; b = 1; }")).toEqual([]);
  });
  it("nothing under a with, nothing bound as a global, not __curPos", () => {
    expect(names("with {}; y")).toEqual([]);
    expect(names("lib.x", ["lib"])).toEqual([]);
    expect(names("[ __curPos true null builtins ]")).toEqual([]);
  });
  it("`inherit x;` in a let reads the enclosing scope (unbound there), the body sees it", () => {
    expect(names("let inherit x; in x")).toEqual(["x"]);
    expect(names("let inherit (x) y; x = {}; in y")).toEqual([]);
  });
  it("agrees with the resolver on every reference", () => {
    const text = "{ a ? b, b ? c }: let d = e; inherit f; in with g; rec { h = i; i = a; ${j} = k; } // { l = h; }";
    const root = tree(text);
    const unbound = new Set(unboundReferences(root));
    for (const n of root.descendants(K.NODE_IDENT)) {
      if (!isVariableReference(n)) continue;
      expect(unbound.has(n), n.text).toBe(resolve(n).kind === "unbound");
    }
    // `g` too: the expression of a with is outside it.
    expect([...unbound].map((n) => n.text)).toEqual(["c", "e", "f", "g"]);
  });
  it("is linear on a long operator chain", () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => `x${i % 7}`).join(" + ");
    const root = tree(`x0: ${chain}`);
    const free = Array.from({ length: 50_000 }, (_, i) => i % 7).filter((k) => k !== 0).length;
    const t = performance.now();
    expect(unboundReferences(root).length).toBe(free);
    // About 30 ms here; a walk up from every reference would take minutes.
    expect(performance.now() - t).toBeLessThan(1_000);
  });
});

describe("caching", () => {
  it("answers a reference once (the same object the second time)", () => {
    const ref = refs(tree("let a = 1; in a"), "a")[0]!;
    expect(resolve(ref)).toBe(resolve(ref));
  });
});

describe("the static evaluator asks the resolver which scope binds a name", () => {
  const evalBody = async (text: string) => {
    const { StaticEvaluator } = await import("../../src/nix/static-eval.js");
    const root = tree(text);
    const body = root.childNodes()[0]!;
    return new StaticEvaluator({ load: () => undefined }).evalAt(body, "f.nix");
  };
  it("`inherit (x) a;` reads x among the let's own names", async () => {
    expect(await evalBody("let x = { a = 1; }; inherit (x) a; in a")).toBe(1);
    const set = await evalBody("rec { x = { y = 2; }; inherit (x) y; }");
    expect(set).toMatchObject({ kind: "attrs" });
    expect((set as { attrs: Map<string, unknown> }).attrs.get("y")).toBe(2);
  });
  it("`inherit a;` reads the enclosing scope; a formal shadows the let", async () => {
    expect(await evalBody("let a = 1; in let inherit a; in a")).toBe(1);
    expect(await evalBody("let a = 1; in ({ a }: a) { a = 5; }")).toBe(5);
    expect(await evalBody("let a = 1; in ({ a ? 3 }: a) { }")).toBe(3);
  });
  it("`map`, `lib.forEach` and `concatMap` apply a lambda over a list it reads; a `map` of the file is not the builtin", async () => {
    expect(await evalBody('builtins.map (x: { c = x; }) [ "a" "b" ]')).toMatchObject([{ kind: "attrs" }, { kind: "attrs" }]);
    expect(await evalBody('let xs = [ 1 2 ]; in lib.forEach xs (x: x)')).toEqual([1, 2]);
    expect(await evalBody('with lib; concatMap (x: [ x x ]) [ 1 2 ]')).toEqual([1, 1, 2, 2]);
    expect(await evalBody('map ({ n, ... }: n) [ { n = "a"; } ]')).toEqual(["a"]);
    expect(await evalBody('let map = f: xs: [ ]; in map (x: x) [ 1 ]')).toEqual([]);
    expect(await evalBody("cfg.map (x: x) [ 1 ]")).toMatchObject({ kind: "unknown" });
    expect(await evalBody("map (x: x) unknownList")).toMatchObject({ kind: "unknown" });
  });
});
