// The rule contract: every rule in the registry is the one rule of its own module,
// src/rules/<family>/<rule-id>.ts, with complete metadata (what the anti-pattern catalogue's schema
// used to check for 14 of them, now for all) and examples whose Nix is real Nix.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { antiPatternCatalogue } from "../../src/report/rule-docs.js";
import { ALL_RULES } from "../../src/rules/index.js";
import type { Rule } from "../../src/rules/types.js";
import { exampleFiles } from "../helpers/memory.js";
import { nixAvailable } from "../helpers/nix.js";
import { nixParseError } from "./anti-patterns/helpers.js";

const RULES_DIR = fileURLToPath(new URL("../../src/rules/", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

// A compliance entry is a benchmark section / CSF category id (with its title), or an explicit
// "n/a: <why>" when no control of that framework fits. CIS sections without a benchmark's name are
// the Distribution Independent Linux benchmark's; others name theirs ("CIS NGINX Benchmark 4.1.4 ...").
const CIS_ENTRY = /^((CIS .+ )?\d+(\.\d+)* \S.*|n\/a: .{20,})$/;
const NIST_ENTRY = /^([A-Z]{2}\.[A-Z]{2}-\d{2}|n\/a: .{20,})$/;

describe("the rule contract", () => {
  it("registers each rule once, under a unique kebab-case id", () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(new Set(ALL_RULES).size).toBe(ALL_RULES.length);
  });

  it("keeps every rule in its own module, src/rules/<family>/<rule-id>.ts, and every module holds at most one rule", async () => {
    const registered = new Set<Rule>(ALL_RULES);
    const home = new Map<Rule, string>();
    const crowded: string[] = [];
    for (const file of tsFiles(RULES_DIR)) {
      const mod = (await import(file)) as Record<string, unknown>;
      const rules = [...new Set(Object.values(mod).filter((v): v is Rule => registered.has(v as Rule)))];
      if (rules.length > 1) crowded.push(`${relative(RULES_DIR, file)}: ${rules.map((r) => r.id).join(", ")}`);
      for (const r of rules) if (!home.has(r)) home.set(r, relative(RULES_DIR, file));
    }
    expect(crowded).toEqual([]);
    const misplaced = ALL_RULES.filter((r) => {
      const file = home.get(r);
      return !file || basename(file, ".ts") !== r.id || file.split("/").length !== 2;
    }).map((r) => `${r.id} in ${home.get(r) ?? "(no module under src/rules)"}`);
    expect(misplaced).toEqual([]);
  });

  it("gives every rule checks of the three kinds only, all synchronous (what a rule needs the scan computes first)", () => {
    const HOOKS = new Set(["checkNix", "checkFile", "checkHost", "checkRepository"]);
    for (const r of ALL_RULES) {
      const checks = Object.entries(r).filter(([, v]) => typeof v === "function");
      expect(checks.length, r.id).toBeGreaterThan(0);
      for (const [name, fn] of checks) {
        expect(HOOKS.has(name), `${r.id}.${name}`).toBe(true);
        expect((fn as () => unknown).constructor.name, `${r.id}.${name}`).toBe("Function");
      }
    }
  });

  it("gives every rule its metadata: name, rationale, fix, references, CIS and NIST CSF entries or a justified n/a", () => {
    for (const r of ALL_RULES) {
      // The anti-pattern rules keep the bar their YAML schema set; the others have always had no CIS
      // section where none applies (shown as "n/a").
      const strict = r.category === "anti-pattern" && r.group !== "style";
      expect(r.name.length, r.id).toBeGreaterThan(0);
      expect(r.rationale.length, r.id).toBeGreaterThanOrEqual(40);
      expect(r.fix.length, r.id).toBeGreaterThanOrEqual(strict ? 20 : 1);
      expect(r.references.length, r.id).toBeGreaterThan(0);
      for (const ref of r.references) {
        expect(ref.title.length, r.id).toBeGreaterThan(0);
        if (ref.url !== undefined) expect(() => new URL(ref.url!), `${r.id} ${ref.url}`).not.toThrow();
      }
      if (strict) expect(r.compliance.cis.length, r.id).toBeGreaterThan(0);
      expect(r.compliance.nist.length, r.id).toBeGreaterThan(0);
      for (const c of r.compliance.cis) expect(c, r.id).toMatch(CIS_ENTRY);
      for (const c of r.compliance.nist) expect(c, r.id).toMatch(NIST_ENTRY);
    }
  });

  it("builds the anti-pattern catalogue from the modules: every anti-pattern rule with a bad and a good example", () => {
    const all = antiPatternCatalogue(ALL_RULES).anti_patterns;
    const entries = all.filter((e) => e.recognised !== false);
    // The patterns no rule reports are listed with the reason.
    for (const e of all.filter((x) => x.recognised === false)) expect(String(e.reason).length, String(e.id)).toBeGreaterThan(100);
    expect(all.some((e) => e.id === "module-without-assertions" && e.recognised === false)).toBe(true);
    expect(entries.map((e) => e.id)).toEqual(ALL_RULES.filter((r) => r.category === "anti-pattern" && r.group !== "style").map((r) => r.id));
    expect(entries.length).toBeGreaterThanOrEqual(14);
    for (const e of entries) {
      expect(typeof e.bad, String(e.id)).toBe("string");
      expect(typeof e.good, String(e.id)).toBe("string");
    }
  });

  it.skipIf(!nixAvailable)("has Nix examples that the real nix-instantiate parses", async () => {
    const examples: Array<{ what: string; text: string }> = [];
    for (const r of ALL_RULES) {
      for (const [kind, list] of [["fire", r.examples?.fire ?? []], ["silent", r.examples?.silent ?? []]] as const) {
        for (const [i, example] of list.entries()) {
          for (const [file, text] of Object.entries(exampleFiles(example))) if (file.endsWith(".nix")) examples.push({ what: `${r.id} ${kind} ${i + 1} ${file}`, text });
        }
      }
    }
    // One nix-instantiate for all of them; only when it fails, one per example to name the culprits.
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-examples-"));
    try {
      const files = await Promise.all(examples.map(async (e, i) => (await writeFile(join(dir, `${i}.nix`), e.text), join(dir, `${i}.nix`))));
      let allParse = true;
      try {
        execFileSync("nix-instantiate", ["--parse", ...files], { stdio: "pipe", timeout: 60_000 });
      } catch {
        allParse = false;
      }
      const failures = allParse ? [] : (await Promise.all(examples.map(async (e) => [e.what, await nixParseError(e.text)] as const))).filter(([, error]) => error !== undefined);
      expect(failures).toEqual([]);
      expect(examples.length).toBeGreaterThan(ALL_RULES.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
