// Unified diffs as nix-warden writes them (hunks from jsdiff, headers ours): the exact text the
// hand-written Myers diff produced before jsdiff replaced it (empty sides, missing final newlines,
// created files, separate hunks), and each applies with the real `git apply`.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/text/diff.js";

const H = (f: string) => `diff --git a/${f} b/${f}\n--- a/${f}\n+++ b/${f}\n`;

const CASES: Array<{ what: string; file: string; old: string | null; new: string; diff: string }> = [
  { what: "a deleted line", file: "f.nix", old: "a\nb\nc\n", new: "a\nc\n", diff: `${H("f.nix")}@@ -1,3 +1,2 @@\n a\n-b\n c\n` },
  { what: "the final newline removed", file: "f.nix", old: "a\n", new: "a", diff: `${H("f.nix")}@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n` },
  { what: "a final newline added", file: "f.nix", old: "a", new: "a\nb\n", diff: `${H("f.nix")}@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n` },
  { what: "a created file", file: "new.nix", old: null, new: "x\ny\n", diff: "diff --git a/new.nix b/new.nix\nnew file mode 100644\n--- /dev/null\n+++ b/new.nix\n@@ -0,0 +1,2 @@\n+x\n+y\n" },
  { what: "a file emptied", file: "f.nix", old: "x\n", new: "", diff: `${H("f.nix")}@@ -1 +0,0 @@\n-x\n` },
  {
    what: "two changes far apart (two hunks)",
    file: "f.nix",
    old: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
    new: "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\nTWELVE\n",
    diff: `${H("f.nix")}@@ -1,5 +1,5 @@\n 1\n-2\n+TWO\n 3\n 4\n 5\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+TWELVE\n`,
  },
];

describe("unifiedDiff", () => {
  it("is empty when nothing changed", () => {
    expect(unifiedDiff("f.nix", "a\n", "a\n")).toBe("");
  });

  for (const c of CASES) {
    it(`writes ${c.what} as before, and git applies it`, async () => {
      const diff = unifiedDiff(c.file, c.old, c.new);
      expect(diff).toBe(c.diff);
      const dir = await mkdtemp(join(tmpdir(), "nix-warden-diff-"));
      try {
        if (c.old !== null) await writeFile(join(dir, c.file), c.old);
        await writeFile(join(dir, "change.patch"), diff);
        execFileSync("git", ["apply", "--unsafe-paths", "change.patch"], { cwd: dir, stdio: "pipe", timeout: 30_000 });
        expect(await readFile(join(dir, c.file), "utf8")).toBe(c.new);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
