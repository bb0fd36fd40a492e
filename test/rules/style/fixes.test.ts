// The style lints' fixes, for real: every fix of every `fire` example is applied (each alone, as
// its patch with `git apply`, and all of a rule's together, as `remediate` applies edits), the
// result must parse with the real `nix-instantiate --parse`, and where the example evaluates,
// `nix-instantiate --eval --strict` must print the same before and after.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_RULES } from "../../../src/rules/index.js";
import { runScanWithFixes } from "../../../src/scan/index.js";
import { memorySource } from "../../../src/scan/source.js";
import { applyEdits } from "../../../src/text/diff.js";
import { EXAMPLE_NOW, exampleFiles } from "../../helpers/memory.js";
import { nixAvailable } from "../../helpers/nix.js";

const STYLE = ALL_RULES.filter((r) => r.group === "style");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nix-warden-style-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let written = 0;
async function fileWith(text: string): Promise<string> {
  const path = join(dir, `f${++written}.nix`);
  await writeFile(path, text);
  return path;
}

/** Every file parses: one `nix-instantiate --parse` over all of them, which fails naming the
 * first that does not. */
function parses(...paths: string[]): void {
  if (paths.length) execFileSync("nix-instantiate", ["--parse", ...paths], { stdio: "pipe", timeout: 30_000 });
}

/** What the expression evaluates to, or undefined when it does not evaluate (a module function
 * prints `<LAMBDA>`, which says nothing either). */
function evaluate(path: string): string | undefined {
  try {
    const out = execFileSync("nix-instantiate", ["--eval", "--strict", path], { stdio: "pipe", timeout: 30_000 }).toString();
    return out.includes("<LAMBDA>") ? undefined : out;
  } catch {
    return undefined;
  }
}

/** `evaluate` of the original and of the files made from it, the latter only where the original
 * evaluates (undefined otherwise): one `nix-instantiate --eval --strict` over all of them, which
 * prints one line per file, when every one evaluates; file by file when one does not. */
function evaluateAll(original: string, made: string[]): { before: string | undefined; after: Array<string | undefined> } {
  if (made.length) {
    try {
      const lines = execFileSync("nix-instantiate", ["--eval", "--strict", original, ...made], { stdio: "pipe", timeout: 30_000 }).toString().split("\n");
      if (lines.pop() === "" && lines.length === made.length + 1) {
        const [before, ...after] = lines.map((l) => (l.includes("<LAMBDA>") ? undefined : `${l}\n`));
        return { before, after };
      }
    } catch {
      // One of them does not evaluate: ask for each.
    }
  }
  const before = evaluate(original);
  return { before, after: made.map((p) => (before === undefined ? undefined : evaluate(p))) };
}

let evaluated = 0;
let fixesApplied = 0;

describe.skipIf(!nixAvailable)("style lint fixes parse and keep the meaning", () => {
  for (const rule of STYLE) {
    rule.examples!.fire.forEach((example, i) => {
      it(`${rule.id}, example ${i + 1}`, async () => {
        const files = exampleFiles(example);
        const { report, edits } = await runScanWithFixes({ quick: true, now: EXAMPLE_NOW, root: "/memory", source: memorySource(files), rules: [rule] });
        const findings = report.findings.filter((f) => f.ruleId === rule.id);
        expect(findings.length).toBeGreaterThan(0);
        for (const [file, text] of Object.entries(files)) {
          const original = await fileWith(text);
          // Each fix alone, as the patch a user gets.
          const alone: Array<{ path: string; what: string }> = [];
          for (const f of findings.filter((x) => x.file === file && x.fix?.patch)) {
            const repo = await mkdtemp(join(dir, "repo-"));
            await writeFile(join(repo, file), text);
            await writeFile(join(repo, "fix.patch"), f.fix!.patch!);
            execFileSync("git", ["apply", "fix.patch"], { cwd: repo, stdio: "pipe", timeout: 30_000 });
            const fixedPath = join(repo, file);
            expect((await readFile(fixedPath, "utf8")) !== text, `${rule.id} ${file}:${f.line} changes the file`).toBe(true);
            alone.push({ path: fixedPath, what: `${rule.id} ${file}:${f.line}: ${f.fix!.patch}` });
            fixesApplied++;
          }
          // All of them at once, as remediate applies the edits.
          const all = findings.filter((x) => x.file === file).flatMap((x) => (edits.get(x.id) ?? []).filter((e) => e.file === file));
          const together = all.length ? [await fileWith(applyEdits(text, all))] : [];
          // Every fixed file parses, and evaluates as the original does where that evaluates.
          parses(...alone.map((a) => a.path), ...together);
          const { before, after } = evaluateAll(original, [...alone.map((a) => a.path), ...together]);
          if (before === undefined) continue;
          for (const [i, a] of alone.entries()) {
            expect(after[i], a.what).toBe(before);
            evaluated++;
          }
          if (together.length) expect(after[alone.length]).toBe(before);
        }
      });
    });
  }

  it("applied and evaluated enough fixes to mean something", () => {
    expect(fixesApplied).toBeGreaterThanOrEqual(20);
    expect(evaluated).toBeGreaterThanOrEqual(15);
  });
});

// Look-alikes and corners beyond the examples: each snippet runs through every style lint; all the
// fixes offered are applied together; the result must parse and evaluate the same. `silent` lists
// the rules that must say nothing there.
const CORNERS: Array<{ name: string; text: string; silent?: string[] }> = [
  { name: "parentheses touching names", text: `let f = x: y: x; a = 1; in [ (f(a)a) (f(a)(a)) ]` },
  { name: "nested parentheses", text: `let a = 1; in [ ((a)) (((a))) ]` },
  { name: "parentheses that mean something", text: `let s = { a = { b = 1; }; f = x: x; }; or = 5; in [ ((s.f) or) ((s.a).c or 3) (-1) ]`, silent: ["useless-parens"] },
  { name: "parentheses in odd places", text: `let x = 2; in assert (true); with ({ y = 3; }); ({ a ? (1) }: toString (a + x + y) + ''\${toString (x)}'') { }` },
  // `{ } // { } == false` is false where `!({ } // { })` is an error: that fix is for review only, and
  // only automatic fixes are applied here.
  { name: "boolean sides of every form", text: `let x = true; s = { n = 1; }; in [ (!x == true) (false == s ? n) (s ? n != false) ((x: x) true == true) (true == false) (false != false) ({ } // { } == false) ]` },
  { name: "negated equality in tight places", text: `let a = 1; b = 2; in [ (!(a == b) == true) (!!(a == b)) (if !(a == b) then 1 else 2) ]` },
  { name: "eta reduction touching names", text: `let f = n: n + 1; xs = [ 1 ]; in [ (map(x: f x)xs) (builtins.map (y: f y) xs) ]` },
  { name: "eta reduction of a function's own binding", text: `let f = x: f x; in builtins.isFunction f`, silent: ["eta-reduction"] },
  { name: "let in let, captures and clashes", text: `let x = 1; in (let a = 1; in let b = a; in a + b) + (let y = x; in let x = 2; in y + x) + (let p = 1; in let p = 2; in p)` },
  { name: "inherit in rec and let", text: `let v = 1; in [ (builtins.attrNames (rec { v = v; })) (let w = { v = 1; }; in { v = w.v; }) ({ inherit; }) ]` },
  { name: "legacy let inside an expression", text: `[ (let { body = a; a = 1; }) 2 ]` },
];

describe.skipIf(!nixAvailable)("style lint fixes on corner cases", () => {
  for (const c of CORNERS) {
    it(c.name, async () => {
      const { report } = await runScanWithFixes({ quick: true, now: EXAMPLE_NOW, root: "/memory", source: memorySource({ "example.nix": c.text }), rules: STYLE });
      for (const id of c.silent ?? []) expect(report.findings.filter((f) => f.ruleId === id)).toEqual([]);
      const original = await fileWith(c.text);
      // Fixes of different lints may touch the same place (`!(a == b) == true`): apply them one
      // lint at a time, each on the text the previous one left, as repeated `remediate` runs would.
      let text = c.text;
      const steps: Array<{ path: string; what: string }> = [];
      for (const rule of STYLE) {
        const mine = report.findings.filter((f) => f.ruleId === rule.id && f.fix?.safety === "auto");
        if (mine.length === 0) continue;
        const again = await runScanWithFixes({ quick: true, now: EXAMPLE_NOW, root: "/memory", source: memorySource({ "example.nix": text }), rules: [rule] });
        const all = again.report.findings.filter((f) => f.fix?.safety === "auto").flatMap((f) => again.edits.get(f.id) ?? []);
        if (all.length === 0) continue;
        text = applyEdits(text, all);
        steps.push({ path: await fileWith(text), what: `after ${rule.id}:\n${text}` });
      }
      // Each step's text parses and evaluates as the corner case itself does.
      parses(...steps.map((s) => s.path));
      const { before, after } = evaluateAll(original, steps.map((s) => s.path));
      expect(before, "the corner case itself evaluates").toBeDefined();
      for (const [i, s] of steps.entries()) expect(after[i], s.what).toBe(before);
    });
  }
});
