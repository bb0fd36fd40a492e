// The helpers the access and firewall rules share: string content mapped back to the source, the
// module system's priorities, the per-file/per-host split, list element removal; and the two
// secret-detector fixes they rely on.
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildOptionIndex } from "../../src/nix/options.js";
import { applyEdits } from "../../src/text/diff.js";
import { cookString, INTERPOLATION, logicalLines, sourceRange, sourceSpan, stringLines } from "../../src/rules/shared/string-lines.js";
import { effectiveValue, priorityOf, type ScopedDef } from "../../src/rules/shared/scope.js";
import { listOf, removeListElements } from "../../src/rules/shared/edits.js";
import { detectSecrets, redact } from "../../src/secrets/index.js";
import type { NixFileContext } from "../../src/rules/types.js";

function valueOf(src: string) {
  const parsed = parseNix(src);
  const index = buildOptionIndex(parsed.root);
  return { parsed, index, def: index.definitions[0]! };
}

describe("cookString", () => {
  it("maps an indented string's characters to their source offsets", () => {
    const src = "{ x = ''\n    host all all 0.0.0.0/0 trust\n    local ''${y} peer\n  ''; }";
    const { def } = valueOf(src);
    const s = cookString(def.inner)!;
    const lines = stringLines(s);
    expect(lines.map((l) => l.text)).toEqual(["    host all all 0.0.0.0/0 trust", "    local ${y} peer", "  "]);
    const i = s.text.indexOf("trust");
    expect(src.slice(s.offsets[i]!, s.offsets[i]! + 5)).toBe("trust");
    expect(sourceSpan(s, i, i + 5)).toEqual({ start: src.indexOf("trust"), end: src.indexOf("trust") + 5 });
    // `''$` is one character mapped to its escape: not a plain span.
    const d = s.text.indexOf("${y}");
    expect(sourceSpan(s, d, d + 4)).toBeUndefined();
    expect(sourceRange(s, i, i + 5)).toEqual({ line: 2, column: 28, endLine: 2, endColumn: 33 });
  });

  it("cooks escapes and interpolations of double-quoted strings", () => {
    const src = '{ x = "a\\tb\\n${c}d\\"e"; }';
    const s = cookString(valueOf(src).def.inner)!;
    expect(s.text).toBe(`a\tb\n${INTERPOLATION}d"e`);
    expect(src[s.offsets[s.text.indexOf("d")]!]).toBe("d");
    expect(stringLines(s).map((l) => l.text)).toEqual(["a\tb", `${INTERPOLATION}d"e`]);
  });

  it("joins backslash continuations", () => {
    const s = cookString(valueOf("{ x = ''\n  a \\\n  b\n  c\n''; }").def.inner)!;
    expect(logicalLines(s).map((l) => l.text.replace(/\s+/g, " ").trim())).toEqual(["a b", "c"]);
  });

  it("is undefined for anything but a string literal", () => {
    expect(cookString(valueOf("{ x = builtins.readFile ./a; }").def.inner)).toBeUndefined();
  });
});

describe("effectiveValue", () => {
  const defs = (src: string): ScopedDef[] => {
    const parsed = parseNix(src);
    const index = buildOptionIndex(parsed.root);
    const file = { file: "m.nix", index, parsed } as unknown as NixFileContext;
    return index.definitions.filter((d) => d.path === "a.b").map((def) => ({ file, def }));
  };
  it("follows the module system's priorities", () => {
    expect(effectiveValue(defs("{ lib, ... }: { a.b = lib.mkDefault false; }"))).toMatchObject({ kind: "known", value: false });
    const forced = effectiveValue(defs("{ lib, ... }: lib.mkMerge [ { a.b = lib.mkDefault false; } { a.b = lib.mkForce true; } { a.b = false; } ]"));
    expect(forced).toMatchObject({ kind: "known", value: true });
    expect(effectiveValue(defs("{ lib, ... }: lib.mkMerge [ { a.b = lib.mkOverride 10 1; } { a.b = lib.mkForce 2; } ]"))).toMatchObject({ value: 1 });
    expect(effectiveValue(defs("{ lib, ... }: { a.b = lib.mkIf false true; }"))).toEqual({ kind: "unset" });
    expect(effectiveValue(defs("{ x, ... }: { a.b = x; }")).kind).toBe("unknown");
    expect(effectiveValue(defs("{ ... }: { }"))).toEqual({ kind: "unset" });
  });
  it("reads priorities", () => {
    const p = (src: string) => priorityOf(defs(src)[0]!.def);
    expect(p("{ lib, ... }: { a.b = lib.mkForce 1; }")).toBe(50);
    expect(p("{ lib, ... }: { a.b = lib.mkDefault 1; }")).toBe(1000);
    expect(p("{ lib, ... }: { a.b = lib.mkOverride 900 1; }")).toBe(900);
    expect(p("{ a.b = 1; }")).toBe(100);
  });
});

describe("removeListElements", () => {
  const run = (src: string, drop: string[]) => {
    const parsed = parseNix(src);
    const list = listOf(buildOptionIndex(parsed.root).definitions[0]!.inner)!;
    const els = list.childNodes().filter((e) => drop.includes(e.text));
    return applyEdits(src, removeListElements("f", src, list, els));
  };
  it("keeps the list's layout", () => {
    expect(run("{ a = [ 22 5432 80 ]; }", ["5432"])).toBe("{ a = [ 22 80 ]; }");
    expect(run("{ a = [ 5432 80 ]; }", ["5432"])).toBe("{ a = [ 80 ]; }");
    expect(run("{ a = [ 5432 ]; }", ["5432"])).toBe("{ a = [ ]; }");
    expect(run("{ a = [ 22 5432 9100 ]; }", ["5432", "9100"])).toBe("{ a = [ 22 ]; }");
    expect(run("{ a = [ 5432 9100 80 ]; }", ["5432", "9100"])).toBe("{ a = [ 80 ]; }");
    expect(run("{\n  a = [\n    22\n    5432 # db\n    80\n  ];\n}", ["5432"])).toBe("{\n  a = [\n    22\n    80\n  ];\n}");
  });
});

describe("secret detection the rules rely on", () => {
  it("does not take a boolean for a password", () => {
    expect(detectSecrets("security.sudo.wheelNeedsPassword = false;")).toEqual([]);
    expect(detectSecrets("passwordAuthentication: true")).toEqual([]);
    expect(detectSecrets('password = "false-but-long-enough"').length).toBe(1);
  });
  it("does not redact a redaction again", () => {
    expect(detectSecrets(`users.users.a.password = "${redact("hunter2hunter2")}"`)).toEqual([]);
    expect(detectSecrets(`users.users.a.password = "${redact("a-much-longer-plaintext-password")}"`)).toEqual([]);
    expect(detectSecrets('users.users.a.password = "hunter2hunter2"').length).toBe(1);
  });
});
