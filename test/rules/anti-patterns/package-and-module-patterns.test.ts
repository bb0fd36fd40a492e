// The anti-patterns of package writing and module structure (let-self-reference, mkif-trivial,
// build-tools-in-buildinputs, override-derivation-attrs, and the rest of their wave): each fix of
// each `fire` example is applied with the real `git apply`, parses with the real
// `nix-instantiate --parse`, and the rule is silent on the fixed file. Where the example
// evaluates, the real evaluator shows the bug and its fix.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_RULES, ruleById } from "../../../src/rules/index.js";
import { UNRECOGNISABLE_PATTERNS } from "../../../src/rules/anti-patterns/unrecognisable.js";
import { exampleFiles, runExample } from "../../helpers/memory.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, scanWith } from "./helpers.js";

const WITH_FIXES = ["let-self-reference", "mkif-trivial", "build-tools-in-buildinputs", "override-derivation-attrs", "mkforce-over-own-definition"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nix-warden-apb-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `nix-instantiate --eval --strict` of an expression, or its error. */
async function evaluate(expr: string): Promise<{ out?: string; err?: string }> {
  try {
    return { out: execFileSync("nix-instantiate", ["--eval", "--strict", "-E", expr], { stdio: "pipe", timeout: 30_000, cwd: dir }).toString().trim() };
  } catch (e) {
    return { err: String((e as { stderr?: Buffer }).stderr ?? e) };
  }
}

describe.skipIf(!nixAvailable)("fixes of the package and module anti-patterns", () => {
  for (const id of WITH_FIXES) {
    const rule = ruleById(id)!;
    rule.examples!.fire.forEach((example, i) => {
      it(`${id}, example ${i + 1}: every patch applies, parses, and leaves nothing to report`, async () => {
        const files = exampleFiles(example);
        const { findings } = await runExample(rule, example);
        for (const f of findings.filter((x) => x.fix?.patch)) {
          const fixed = await applyFix(files, f);
          const again = findingsOf(await scanWith(id, fixed), id).filter((x) => x.file === f.file && x.line === f.line && x.message === f.message);
          expect(again, `${id} ${f.file}:${f.line} after its fix`).toEqual([]);
        }
      });
    });
  }

  it("let-self-reference: the real evaluator loops on the reported binding and not after the fix", async () => {
    const text = "{ version, ... }:\nlet\n  version = version;\nin\n{\n  label = version;\n}\n";
    const files = { "example.nix": text };
    const [finding] = findingsOf(await scanWith("let-self-reference", files), "let-self-reference");
    expect(finding?.fix?.safety).toBe("auto");
    await writeFile(join(dir, "before.nix"), text);
    expect((await evaluate(`(import ./before.nix { version = "1.0"; }).label`)).err).toMatch(/infinite recursion/);
    const fixed = await applyFix(files, finding);
    await writeFile(join(dir, "after.nix"), fixed["example.nix"]!);
    expect((await evaluate(`(import ./after.nix { version = "1.0"; }).label`)).out).toBe('"1.0"');
  });

  it("let-self-reference: every fire example fails to evaluate with infinite recursion, every silent one evaluates (but rec-let-shadow's)", async () => {
    // The examples that stand alone (no module arguments) are evaluated as they are.
    const rule = ruleById("let-self-reference")!;
    const alone = (e: unknown) => typeof e === "string" && !e.startsWith("{");
    for (const e of rule.examples!.fire.filter(alone)) expect((await evaluate(e as string)).err, e as string).toMatch(/infinite recursion/);
    for (const e of rule.examples!.silent.filter(alone)) {
      // An import of a file that is not there, and rec-let-shadow's own finding (it loops too).
      if ((e as string).includes("./overlay.nix") || (e as string).includes("rec {")) continue;
      expect((await evaluate(e as string)).err, e as string).toBeUndefined();
    }
  });
});

describe("patterns no rule can recognise", () => {
  it("each has an id no rule uses, a name and a reason", () => {
    const ids = new Set(ALL_RULES.map((r) => r.id));
    expect(UNRECOGNISABLE_PATTERNS.length).toBeGreaterThan(0);
    for (const p of UNRECOGNISABLE_PATTERNS) {
      expect(ids.has(p.id), p.id).toBe(false);
      expect(p.reason.length).toBeGreaterThan(80);
      expect(p.review.length).toBeGreaterThan(20);
    }
  });
});
