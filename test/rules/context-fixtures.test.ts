// Fixture sets per rule (test/fixtures/rules/<rule>/{fire,silent}/<case>/): each case is a small
// repository scanned whole. A "fire" case must give the rule at least one finding, and the first
// one matches the case's expect.json (severity, words in the title, words the message contains or
// must not contain); a "silent" case gives none. The cases are the context that decides severity
// (issue 11 point 6): another way to root the user already has, what a certificate is used for, a
// listener on an open port, a secret-looking value, an installer profile enabling sshd.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const ROOT = join(import.meta.dirname, "../fixtures/rules");

interface Expect {
  severity?: string;
  title?: string;
  contains?: string[];
  excludes?: string[];
}

function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!(d === dir && name === "expect.json")) out[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

for (const rule of readdirSync(ROOT)) {
  describe(rule, () => {
    for (const kind of ["fire", "silent"] as const) {
      const dir = join(ROOT, rule, kind);
      const cases = existsSync(dir) ? readdirSync(dir) : [];
      for (const name of cases) {
        it(`${kind}: ${name}`, async () => {
          const caseDir = join(dir, name);
          const report = await scanMemory(filesOf(caseDir));
          const found = report.findings.filter((f) => f.ruleId === rule);
          if (kind === "silent") {
            expect(found.map((f) => `${f.file}:${f.line} ${f.severity} ${f.title}`)).toEqual([]);
            return;
          }
          expect(found.length).toBeGreaterThan(0);
          let want: Expect = {};
          try {
            want = JSON.parse(readFileSync(join(caseDir, "expect.json"), "utf8")) as Expect;
          } catch {
            // no expectations beyond firing
          }
          const f = want.title ? (found.find((x) => x.title.includes(want.title!)) ?? found[0]!) : found[0]!;
          if (want.title) expect(f.title).toContain(want.title);
          if (want.severity) expect(f.severity).toBe(want.severity);
          for (const c of want.contains ?? []) expect(f.message).toContain(c);
          for (const c of want.excludes ?? []) expect(f.message).not.toContain(c);
        });
      }
    }
  });
}
