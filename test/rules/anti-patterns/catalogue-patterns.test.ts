// The patterns of the source catalogue added as rules with their metadata in their modules:
// config/options confusion, user packages in systemPackages, monolithic host files, insecure binary
// caches, packages installed twice, blocks copied between hosts. Their examples run in
// examples.test.ts; here, every fix is applied for real (git apply, nix-instantiate --parse, a
// rescan that no longer reports it), every example parses, and the edges the examples do not show.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_RULES } from "../../../src/rules/index.js";
import { DUPLICATE_DEFINITIONS } from "../../../src/rules/anti-patterns/duplicated-host-block.js";
import { applyFix, flake } from "../../helpers/fix.js";
import { exampleFiles, runExample, scanMemory } from "../../helpers/memory.js";
import { hasNix } from "../../helpers/nix.js";

const IDS = ["config-options-confusion", "user-packages-in-system", "monolithic-configuration", "insecure-binary-cache", "package-managed-twice", "duplicated-host-block"];
const RULES = IDS.map((id) => ALL_RULES.find((r) => r.id === id)!);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nix-warden-catalogue-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("catalogue patterns: registration and metadata", () => {
  it("registers each rule once, with metadata in its module", () => {
    for (const [i, rule] of RULES.entries()) {
      expect(rule, IDS[i]).toBeDefined();
      expect(ALL_RULES.filter((r) => r.id === rule.id)).toHaveLength(1);
      expect(rule.examples!.silent.length, rule.id).toBeGreaterThanOrEqual(2);
      expect(rule.compliance.nist.length).toBeGreaterThan(0);
    }
    // Only the binary-cache rule is a security matter; the rest are anti-patterns: low where the
    // mistake breaks evaluation (options/config confusion), info (maintenance) otherwise.
    expect(Object.fromEntries(RULES.filter((r) => r.category === "anti-pattern").map((r) => [r.id, r.severity]))).toEqual({
      "config-options-confusion": "low",
      "user-packages-in-system": "info",
      "monolithic-configuration": "info",
      "package-managed-twice": "info",
      "duplicated-host-block": "info",
    });
    expect(RULES.find((r) => r.id === "insecure-binary-cache")!.category).toBe("access");
  });
});

describe.skipIf(!hasNix)("catalogue patterns: examples and fixes with the real Nix", () => {
  it("every example of every rule parses with nix-instantiate", async () => {
    const paths: string[] = [];
    for (const rule of RULES) {
      for (const example of [...rule.examples!.fire, ...rule.examples!.silent]) {
        for (const [rel, text] of Object.entries(exampleFiles(example))) {
          if (!rel.endsWith(".nix")) continue;
          const path = join(dir, `e${paths.length + 1}-${rule.id}.nix`);
          await writeFile(path, text);
          paths.push(path);
        }
      }
    }
    expect(paths.length).toBeGreaterThan(20);
    // One nix-instantiate over every file: it fails naming the first file (and so its rule) that
    // does not parse.
    execFileSync("nix-instantiate", ["--parse", ...paths], { stdio: "pipe", timeout: 60_000 });
  });

  it("every fix a fire example gets applies, parses and removes its finding", async () => {
    let applied = 0;
    for (const rule of RULES) {
      for (const example of rule.examples!.fire) {
        const { findings } = await runExample(rule, example);
        for (const f of findings.filter((x) => x.fix?.patch)) {
          const { rescan } = await applyFix(exampleFiles(example), f);
          expect(rescan.findings.filter((x) => x.ruleId === rule.id && x.file === f.file && x.line === f.line && x.message === f.message), `${rule.id} ${f.file}:${f.line}`).toEqual([]);
          applied++;
        }
      }
    }
    // require-sigs, options read as a value, a package removed from a home-manager list.
    expect(applied).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe("config-options-confusion", () => {
  const rule = RULES[0]!;
  it("offers `config.` only when the module takes `config`", async () => {
    const { findings } = await runExample(rule, `{ lib, options, ... }:\n{\n  networking.firewall.enable = !options.services.nginx.enable;\n}\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.fix?.safety).toBe("manual");
    expect(findings[0]!.fix?.patch).toBeUndefined();
  });

  it("reads options in interpolations and boolean operators, not in option-record attributes", async () => {
    const fire = await runExample(rule, `{ config, options, lib, ... }:\n{\n  environment.etc.x.text = "\${options.networking.hostName}";\n  services.x.enable = options.services.y.enable || false;\n}\n`);
    expect(fire.findings.map((f) => f.line).sort()).toEqual([3, 4]);
    const silent = await runExample(rule, `{ config, options, lib, ... }:\n{\n  environment.etc.x.text = lib.showOption options.networking.hostName.loc;\n  services.x.enable = options.services.y.enable.isDefined || options.services.y.enable.highestPrio < 100;\n}\n`);
    expect(silent.findings).toEqual([]);
  });
});

describe("insecure-binary-cache", () => {
  const rule = RULES[3]!;
  it("ranks plain http on a private network low, on a public address medium, and leaves loopback alone", async () => {
    const { findings } = await runExample(rule, {
      "flake.nix": flake({ box: ["./box.nix"] }),
      "box.nix": `{\n  nix.settings.substituters = [\n    "http://192.168.1.5:5000"\n    "http://nas.lan:5000"\n    "http://cache.example.org"\n    "http://localhost:8080"\n  ];\n  nix.settings.trusted-public-keys = [ "nas:AAAA" ];\n}\n`,
    });
    expect(findings.map((f) => `${f.line} ${f.severity}`).sort()).toEqual(["3 low", "4 low", "5 medium"]);
  });

  it("is one finding for a cache two hosts share, and a self-hosted cache with some key is not called keyless", async () => {
    const files = {
      "flake.nix": flake({ a: ["./common.nix"], b: ["./common.nix"] }),
      "common.nix": `{\n  nix.settings.extra-substituters = [ "https://foo.cachix.org" "https://attic.example.org/x" ];\n  nix.settings.extra-trusted-public-keys = [ "x:AAAA" ];\n}\n`,
    };
    const { findings } = await runExample(rule, files);
    expect(findings.map((f) => `${f.line} ${f.title}`)).toEqual(["2 Binary cache without a trusted key"]);
    expect(findings[0]!.message).toContain("https://foo.cachix.org");
    expect(findings[0]!.host).toEqual(["a", "b"]);
  });
});

describe("duplicated-host-block", () => {
  const rule = RULES[5]!;
  const block = Array.from({ length: DUPLICATE_DEFINITIONS + 2 }, (_, i) => `  services.s${i}.enable = true;`).join("\n");
  const host = (name: string) => `{ ... }:\n{\n  networking.hostName = "${name}";\n${block}\n}\n`;

  it("reports a group of copies once, at the largest copy, naming the other copies and every host", async () => {
    const files = { "flake.nix": flake({ a: ["./hosts/a/default.nix"], b: ["./hosts/b/default.nix"], c: ["./hosts/c/default.nix"] }), "hosts/a/default.nix": host("a"), "hosts/b/default.nix": host("b"), "hosts/c/default.nix": host("c") };
    const { findings } = await runExample(rule, files);
    expect(findings.map((f) => f.file)).toEqual(["hosts/b/default.nix"]);
    expect(findings[0]!.message).toMatch(/repeat lines 4-\d+ of hosts\/a\/default\.nix.*copied in hosts\/c\/default\.nix too\. Hosts holding a copy: a, b, c\./);
  });

  it("leaves shared modules (not a host's own file) and templates alone", async () => {
    const files = {
      "flake.nix": flake({ a: ["./modules/web.nix"], b: ["./modules/web2.nix"], t: ["./templates/starter/t.nix"], u: ["./templates/other/u.nix"] }),
      "modules/web.nix": host("a"),
      "modules/web2.nix": host("b"),
      "templates/starter/t.nix": host("t"),
      "templates/other/u.nix": host("u"),
    };
    expect((await runExample(rule, files)).findings).toEqual([]);
  });
});

describe("the noise rules: grouped, and maintenance (info)", () => {
  it("a repository with many user apps in one list gets one finding naming them all", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ desk: ["./desk.nix"] }),
      "desk.nix": `{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ firefox discord spotify vscode steam thunderbird ];\n  users.users.me.packages = [ pkgs.hello ];\n}\n`,
    });
    const mine = report.findings.filter((f) => f.ruleId === "user-packages-in-system");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.severity).toBe("info");
    expect(mine[0]!.message).toContain("discord, firefox, spotify, steam, thunderbird, vscode");
    expect(mine[0]!.message).toContain("Maintenance, not security");
  });
});
