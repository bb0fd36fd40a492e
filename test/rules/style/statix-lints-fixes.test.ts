// The style rules carried over from statix (second half): each reports the places statix reports
// in a file of our own, each automatic fix applies with `git apply`, the result parses with the real
// nix-instantiate, and the file evaluates (strict) to the same value before and after.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ruleById } from "../../../src/rules/index.js";
import { nixAvailable } from "../../helpers/nix.js";
import { sites } from "../../helpers/scan.js";
import { scanMemory } from "../../helpers/memory.js";
import { applyPatch } from "../../helpers/patch.js";
import { findingsOf, nixEval, nixEvalError, scanWith } from "../anti-patterns/helpers.js";

interface Case {
  file: string;
  /** The lines reported, in order. */
  lines: number[];
  /** The safety of each reported fix, in the same order. */
  safety: string[];
}

// Closed expressions (no free variables), so nix-instantiate can evaluate them before and after.
const CASES: Record<string, Case> = {
  "empty-pattern": {
    file: "{\n  a = ({ ... }: 42) { x = 1; };\n  b = map ({ ... }: 1) [ { } ];\n  named = ({ x, ... }: x) { x = 3; };\n  module = ({ ... }: { imports = [ ]; }) { };\n}\n",
    lines: [2, 3],
    safety: ["auto", "auto"],
  },
  "redundant-pattern-bind": {
    file: "{\n  a = ({ ... }@args: args.x) { x = 1; };\n  b = (args @ { ... }: args) { y = 2; };\n  c = ({ y, ... }@args: args) { y = 2; };\n}\n",
    lines: [2, 3],
    safety: ["auto", "auto"],
  },
  "deprecated-is-null": {
    file: "let\n  v = null;\n  w = 1;\nin\n{\n  a = isNull v;\n  b = builtins.isNull w && true;\n  c = [ (isNull w) ];\n  d = !(isNull v);\n  e = map isNull [ v w ];\n  f = let isNull = x: 7; in isNull v;\n}\n",
    lines: [6, 7, 8, 9],
    safety: ["auto", "auto", "auto", "auto"],
  },
  "deprecated-to-path": {
    file: '{\n  a = builtins.toPath "/etc/./nixos/";\n  b = (with builtins; toPath "//x/../y");\n  c = builtins.toPath (toString /tmp);\n}\n',
    lines: [2, 3, 4],
    safety: ["auto", "auto", "manual"],
  },
  "faster-groupby": {
    file: 'let\n  lib = { groupBy = builtins.groupBy or null; };\nin\n{\n  a = lib.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ];\n  b = builtins.groupBy (x: "all") [ 1 ];\n}\n',
    lines: [5],
    safety: ["review"],
  },
  "faster-zipattrswith": {
    file: "let\n  pkgs.lib = { zipAttrsWith = builtins.zipAttrsWith; };\nin\n{\n  a = pkgs.lib.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ];\n}\n",
    lines: [5],
    safety: ["review"],
  },
  "useless-has-attr": {
    file: "let\n  x = { a = { b = 1; }; };\n  y = 5;\nin\n{\n  a = if x ? a then x.a else 0;\n  b = if x ? a.b then x.a.b else 0;\n  c = if x ? a.c then x.a.c else -1;\n  d = if y ? a then y.a else [ 1 ];\n  e = if x ? z then x.z else if true then 2 else 3;\n  f = if x ? a then x.a.b else 0;\n  g = (if x ? a then (x.a) else { }).b;\n  h = if x.a ? b then x.a.b else 0;\n}\n",
    lines: [6, 7, 8, 9, 10, 12, 13],
    safety: ["auto", "auto", "auto", "auto", "auto", "auto", "auto"],
  },
  "repeated-keys": {
    file: '{\n  foo.a = 1;\n  bar = 2;\n  foo.b = {\n    c = 3;\n  };\n  foo.d."e f" = "two\n  lines"; # kept\n  inner = { k.a = 1; k.b = 2; k.c = 3; };\n  twice.a = 1;\n  twice.b = 2;\n}\n',
    lines: [2, 9],
    safety: ["auto", "auto"],
  },
  "empty-list-concat": {
    file: "{\n  a = [ ] ++ [ 1 2 ];\n  b = [ 1 ] ++ [ ];\n  c = [ ] ++ [ ];\n  d = [ ] ++ [ ] ++ [ 3 ];\n  e = [ 0 ] ++ [ ] ++ [ 4 ];\n  f = [ [ ] ] ++ [ 5 ];\n}\n",
    lines: [2, 3, 4, 5, 5, 6],
    safety: ["auto", "auto", "auto", "auto", "auto", "auto"],
  },
  "unquoted-splice": {
    file: 'let\n  s = "a";\n  set = { a = 1; };\nin\n{\n  x = set.${s};\n  ${s} = 2;\n  y = { ${s}.z = 3; };\n  quoted = set."${s}";\n}\n',
    lines: [6, 7, 8],
    safety: ["review", "review", "review"],
  },
};

describe("style rules from statix: places, fixes that parse and keep the value", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nix-warden-style-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [ruleId, c] of Object.entries(CASES)) {
    it(`${ruleId}: reports the expected lines with an info (maintenance), style-group finding`, async () => {
      expect(ruleById(ruleId)).toMatchObject({ category: "anti-pattern", severity: "info", group: "style" });
      const report = await scanWith(ruleId, { "style.nix": c.file });
      expect(sites(report, ruleId)).toEqual(c.lines.map((l) => `style.nix:${l}`));
      expect(findingsOf(report, ruleId).map((f) => f.fix?.safety)).toEqual(c.safety);
    });

    it.skipIf(!nixAvailable)(`${ruleId}: every fix applies, parses and evaluates to the same value`, async () => {
      const files = { "style.nix": c.file };
      await writeFile(join(dir, "before.nix"), c.file);
      const before = nixEval("import ./before.nix", dir);
      const report = await scanWith(ruleId, files);
      const fixable = findingsOf(report, ruleId).filter((f) => f.fix?.patch);
      expect(fixable.length).toBe(c.safety.filter((s) => s !== "manual").length);
      const fixed: string[] = [];
      for (const f of fixable) {
        const patched = (await applyPatch(files, f.fix!.patch!))["style.nix"]!;
        expect(patched).not.toBe(c.file);
        await writeFile(join(dir, `after${fixed.length}.nix`), patched);
        fixed.push(patched);
        // The fixed place is no longer reported.
        const again = await scanWith(ruleId, { "style.nix": patched });
        expect(findingsOf(again, ruleId).length).toBeLessThan(findingsOf(report, ruleId).length);
      }
      // Each fixed file parses and evaluates to the same value: one nix-instantiate over all of
      // them (evaluating parses); file by file, naming the fix, when that one fails.
      let all: unknown;
      try {
        all = nixEval(`[ ${fixed.map((_, i) => `(import ./after${i}.nix)`).join(" ")} ]`, dir);
      } catch {
        all = undefined;
      }
      if (Array.isArray(all)) all.forEach((value, i) => expect(value, fixed[i]).toEqual(before));
      else fixed.forEach((patched, i) => expect(nixEvalError(`import ./after${i}.nix`, dir) ?? nixEval(`import ./after${i}.nix`, dir), patched).toEqual(before));
    });
  }
});

describe("style rules on a file Nix rejects only for names (as statix lints it)", () => {
  it("run on a file with an unbound name or a repeated attribute, while the other rules do not", async () => {
    // `x` is unbound and `_` is defined twice: nix-instantiate rejects the file, but its tree is whole.
    const report = await scanMemory({
      "lint.nix": "{\n  _ = if x ? a then x.a else null;\n  _ = [ ] ++ x;\n  services.openssh.settings.PermitRootLogin = \"yes\";\n}\n",
      ".nix-warden.yaml": "style: on\n",
    });
    expect(report.findings.map((f) => `${f.ruleId} ${f.line}`).sort()).toEqual(["empty-list-concat 3", "useless-has-attr 2"]);
    expect(report.errors.map((e) => e.file)).toEqual(["lint.nix"]);
  });

  it("do not run on a file with a syntax error", async () => {
    const report = await scanMemory({ "broken.nix": "{\n  a = [ ] ++ x\n" });
    expect(report.findings.filter((f) => f.ruleId === "empty-list-concat")).toEqual([]);
  });
});
