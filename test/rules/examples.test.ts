// Every rule's examples, from its metadata, run in memory: each `fire` example makes the rule
// report, each `silent` look-alike does not. The findings of the fire examples are kept as file
// snapshots (test/rules/__snapshots__/<rule>.json), so a change in what a rule says shows in review.
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../src/rules/index.js";
import { exampleFiles, runExample, scanMemory, snapshotOf } from "../helpers/memory.js";

const WITH_EXAMPLES = ALL_RULES.filter((r) => r.examples);

describe("rule examples (in memory)", () => {
  it("reads a repository from memory, not from the disk", async () => {
    // /memory does not exist: a scan that read the disk would find nothing here.
    const report = await scanMemory({ "flake.nix": '{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; }; }; }', "box.nix": "{ services.openssh.settings.PermitRootLogin = \"yes\"; }" });
    expect(report.root).toBe("/memory");
    expect(report.hosts).toEqual(["box"]);
    expect(report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toContain("ssh-permit-root-login box.nix:1");
  });

  it("every rule carries examples that fire and look-alikes that do not", () => {
    const missing = ALL_RULES.filter((r) => !r.examples?.fire.length || !r.examples.silent.length).map((r) => r.id);
    expect(missing).toEqual(STILL_WITHOUT_EXAMPLES);
  });

  for (const rule of WITH_EXAMPLES) {
    describe(rule.id, () => {
      rule.examples!.fire.forEach((example, i) => {
        it(`fires on example ${i + 1}`, async () => {
          const { findings, errors } = await runExample(rule, example);
          expect(errors, JSON.stringify(exampleFiles(example))).toEqual([]);
          expect(findings.length, JSON.stringify(exampleFiles(example))).toBeGreaterThan(0);
          await expect(JSON.stringify(snapshotOf(findings), null, 2) + "\n").toMatchFileSnapshot(`__snapshots__/${rule.id}.${i + 1}.json`);
        });
      });
      rule.examples!.silent.forEach((example, i) => {
        it(`stays silent on look-alike ${i + 1}`, async () => {
          const { findings, errors } = await runExample(rule, example);
          expect(errors).toEqual([]);
          expect(findings).toEqual([]);
        });
      });
    });
  }
});

const STILL_WITHOUT_EXAMPLES: string[] = [];
