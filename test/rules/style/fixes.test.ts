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

function parses(path: string): void {
  execFileSync("nix-instantiate", ["--parse", path], { stdio: "pipe", timeout: 30_000 });
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
          const before = evaluate(await fileWith(text));
          // Each fix alone, as the patch a user gets.
          for (const f of findings.filter((x) => x.file === file && x.fix?.patch)) {
            const repo = await mkdtemp(join(dir, "repo-"));
            await writeFile(join(repo, file), text);
            await writeFile(join(repo, "fix.patch"), f.fix!.patch!);
            execFileSync("git", ["apply", "fix.patch"], { cwd: repo, stdio: "pipe", timeout: 30_000 });
            const fixedPath = join(repo, file);
            expect((await readFile(fixedPath, "utf8")) !== text, `${rule.id} ${file}:${f.line} changes the file`).toBe(true);
            parses(fixedPath);
            fixesApplied++;
            if (before !== undefined) {
              expect(evaluate(fixedPath), `${rule.id} ${file}:${f.line}: ${f.fix!.patch}`).toBe(before);
              evaluated++;
            }
          }
          // All of them at once, as remediate applies the edits.
          const all = findings.filter((x) => x.file === file).flatMap((x) => (edits.get(x.id) ?? []).filter((e) => e.file === file));
          if (all.length === 0) continue;
          const together = await fileWith(applyEdits(text, all));
          parses(together);
          if (before !== undefined) expect(evaluate(together)).toBe(before);
        }
      });
    });
  }

  it("applied and evaluated enough fixes to mean something", () => {
    expect(fixesApplied).toBeGreaterThanOrEqual(20);
    expect(evaluated).toBeGreaterThanOrEqual(15);
  });
});
