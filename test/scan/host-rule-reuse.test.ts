// Host rules on a repeat scan in the same process (scan/index.ts, rules/shared/track.ts): a rule's
// result is reused while every file it read is unchanged and no changed file may answer a question
// it asked of every file; otherwise it runs again. A repeat scan always equals a fresh scan.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flakeWith } from "../../src/rules/shared/examples.js";
import { filesAnswering } from "../../src/rules/shared/track.js";
import type { Rule } from "../../src/rules/types.js";
import type { SecurityReport } from "../../src/report/schema.js";
import { ALL_RULES } from "../../src/rules/index.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { withRepo } from "../helpers/scan.js";

const body = (r: SecurityReport) => JSON.stringify({ ...r, generatedAt: undefined });

const REPO = {
  "flake.nix": flakeWith(["./hosts/a.nix", "./modules/common.nix", "./modules/desktop.nix"]),
  "hosts/a.nix": `{ ... }:\n{\n  imports = [ ./hardware.nix ];\n  networking.hostName = "a";\n}\n`,
  "hosts/hardware.nix": `{ ... }:\n{\n  boot.loader.systemd-boot.enable = true;\n}\n`,
  "modules/common.nix": `{ lib, ... }:\n{\n  services.openssh.enable = true;\n  security.sudo.wheelNeedsPassword = true;\n}\n`,
  "modules/desktop.nix": `{ pkgs, ... }:\n{\n  programs.firefox.enable = true;\n}\n`,
};

/** Test rules counting their runs: one asks the scan for definitions of a path, one asks every
 * file a question of its own, one reads every file's text. */
function countingRules() {
  const runs = { asks: 0, question: 0, reads: 0 };
  const base = { category: "anti-pattern", severity: "low", rationale: "test", fix: "test", references: [] } as unknown as Omit<Rule, "id" | "name">;
  const asks: Rule = {
    ...base,
    id: "test-asks",
    name: "asks for a path",
    checkHost(h) {
      runs.asks++;
      for (const { file, def } of h.definitions("services.foo.enable")) h.report({ file: file.file, node: def.binding, message: `foo on ${h.host}` });
    },
  };
  const question: Rule = {
    ...base,
    id: "test-question",
    name: "asks every file",
    checkHost(h) {
      runs.question++;
      for (const file of filesAnswering(h.files, "test-question", (c) => c.text.includes("firefox"))) h.report({ file: file.file, node: file.parsed.root, message: `firefox in ${file.file}` });
    },
  };
  const reads: Rule = {
    ...base,
    id: "test-reads",
    name: "reads every file",
    checkHost(h) {
      runs.reads++;
      const lines = h.files.reduce((n, f) => n + f.text.split("\n").length, 0);
      h.report({ file: h.files[0]!.file, node: h.files[0]!.parsed.root, message: `${lines} lines` });
    },
  };
  return { runs, rules: [asks, question, reads] };
}

describe("host rules on a repeat scan", () => {
  it("run again only when a changed file was read by them or may answer what they asked", async () => {
    clearScanCache();
    await withRepo(REPO, async (root) => {
      const { runs, rules } = countingRules();
      const scan = () => runScan({ root, quick: true, rules });
      const fresh = async () => {
        clearScanCache();
        return body(await runScan({ root, quick: true, rules }));
      };
      const edit = async (file: string, change: (t: string) => string) => writeFile(join(root, file), change(await readFile(join(root, file), "utf8")));
      await scan();
      expect(runs).toEqual({ asks: 1, question: 1, reads: 1 });

      // A comment in a file that defines no services.foo.enable and does not mention firefox.
      await edit("hosts/hardware.nix", (t) => `${t}# a comment\n`);
      let warm = body(await scan());
      expect(runs).toEqual({ asks: 1, question: 1, reads: 2 });
      expect(warm).toBe(await fresh());
      Object.assign(runs, { asks: 1, question: 1, reads: 2 });
      await scan();

      // The same file now defines the path one rule asks for: that rule runs again and reports it.
      await edit("hosts/hardware.nix", (t) => t.replace("boot.loader", "services.foo.enable = true;\n  boot.loader"));
      const before = { ...runs };
      warm = body(await scan());
      expect(runs).toEqual({ asks: before.asks + 1, question: before.question, reads: before.reads + 1 });
      expect(warm).toMatch(/foo on \w/);
      expect(warm).toBe(await fresh());
      await scan();

      // A file the question-asking rule read (it mentions firefox): it runs again.
      const was = { ...runs };
      await edit("modules/desktop.nix", (t) => t.replace("programs.firefox.enable = true;", "programs.firefox.enable = false;"));
      warm = body(await scan());
      expect(runs).toEqual({ asks: was.asks, question: was.question + 1, reads: was.reads + 1 });
      expect(warm).toBe(await fresh());
      await scan();

      // Another file starts to mention firefox: the question's answer changed, the rule runs again.
      const then = { ...runs };
      await edit("modules/common.nix", (t) => t.replace("services.openssh.enable = true;", "services.openssh.enable = true; # firefox too"));
      warm = body(await scan());
      expect(runs).toEqual({ asks: then.asks, question: then.question + 1, reads: then.reads + 1 });
      expect(warm).toContain("firefox in modules/common.nix");
      expect(warm).toBe(await fresh());
    });
  }, 120_000);

  it("a repeat scan after edits each rule asks about equals a fresh scan (every rule)", async () => {
    clearScanCache();
    const others = ALL_RULES.filter((r) => r.checkHost).map((r) => r.id);
    expect(others.length).toBeGreaterThan(10);
    await withRepo(REPO, async (root) => {
      await runScan({ root, quick: true });
      const add = (line: string) => async () => {
        const path = join(root, "hosts/hardware.nix");
        const t = await readFile(path, "utf8");
        await writeFile(path, t.replace(/\}\s*$/, `  ${line}\n}\n`));
      };
      // Each edit lands in a file the host rules had no reason to read before: a module that only
      // set the boot loader.
      const steps: Array<[string, () => Promise<void>]> = [
        ["a comment", add("# nothing")],
        ["an import the scan cannot follow (the host becomes opaque)", add("imports = [ (import ./computed.nix { }) ];")],
        ["wheel in a group of a user", add('users.users.bob = { isNormalUser = true; extraGroups = [ "wheel" ]; };')],
        ["passwordless sudo", add("security.sudo.wheelNeedsPassword = false;")],
        ["a value forced over another module's", add("services.openssh.enable = lib.mkForce false;")],
        ["a constant mkIf", add("services.fwupd.enable = lib.mkIf config.services.xserver.enable true;")],
        ["a str option", add('options.my.lines = lib.mkOption { type = lib.types.str; default = "a\\nb\\n"; };')],
        ["a binary cache without a key", add('nix.settings.substituters = [ "https://cache.example.org" ];')],
        ["a trusted user", add('nix.settings.trusted-users = [ "bob" ];')],
        ["garbage collection", add("nix.gc.automatic = true;")],
        ["an installer profile", add('imports = [ "${modulesPath}/installer/cd-dvd/installation-cd-minimal.nix" ];')],
        ["a sensitive port", add("networking.firewall.allowedTCPPorts = [ 5432 ];")],
        ["a package twice", add("environment.systemPackages = [ pkgs.git pkgs.git ];")],
      ];
      const changed: string[] = [];
      for (const [what, step] of steps) {
        const before = body(await runScan({ root, quick: true }));
        await step();
        const warm = body(await runScan({ root, quick: true }));
        clearScanCache();
        const fresh = body(await runScan({ root, quick: true }));
        expect(warm, `after ${what}`).toBe(fresh);
        if (warm !== before) changed.push(what);
      }
      // Edits that change the report (so the comparisons above compare something): the opaque import,
      // passwordless sudo, the forced value and the installer profile at least.
      expect(changed.length, changed.join("; ")).toBeGreaterThanOrEqual(4);
    });
  }, 300_000);

  it("repository rules too: run again only when a changed file was read by them or may answer what they asked", async () => {
    clearScanCache();
    await withRepo(REPO, async (root) => {
      const runs = { question: 0, reads: 0 };
      const base = { category: "anti-pattern", severity: "low", rationale: "test", fix: "test", references: [] } as unknown as Omit<Rule, "id" | "name">;
      const rules: Rule[] = [
        {
          ...base,
          id: "test-repo-question",
          name: "asks every file",
          checkRepository(files, sink) {
            runs.question++;
            for (const f of filesAnswering(files, "test-repo-question", (c) => c.text.includes("openssh"))) sink.report(f, { node: f.parsed.root, message: `openssh in ${f.file}` });
          },
        },
        {
          ...base,
          id: "test-repo-reads",
          name: "reads every file",
          checkRepository(files, sink) {
            runs.reads++;
            sink.report(files[0]!, { node: files[0]!.parsed.root, message: `${files.reduce((n, f) => n + f.text.length, 0)} bytes` });
          },
        },
      ];
      const scan = async () => body(await runScan({ root, quick: true, rules }));
      const fresh = async () => {
        clearScanCache();
        return body(await runScan({ root, quick: true, rules }));
      };
      const edit = async (file: string, change: (t: string) => string) => writeFile(join(root, file), change(await readFile(join(root, file), "utf8")));
      await scan();
      expect(runs).toEqual({ question: 1, reads: 1 });
      await edit("modules/desktop.nix", (t) => `${t}# a comment\n`);
      const afterComment = await scan();
      // The comment is read by the rule reading every file, and answers no question of the other.
      expect(runs).toEqual({ question: 1, reads: 2 });
      expect(afterComment).toBe(await fresh());
      await scan();
      await edit("modules/desktop.nix", (t) => `${t}# openssh as well\n`);
      const warm = await scan();
      expect(runs).toEqual({ question: 3, reads: 4 });
      expect(warm).toContain("openssh in modules/desktop.nix");
      expect(warm).toBe(await fresh());
    });
  }, 120_000);

  it("a question whose test fails on a changed file runs the rule again, which reports the error", async () => {
    clearScanCache();
    await withRepo(REPO, async (root) => {
      const base = { category: "anti-pattern", severity: "low", rationale: "test", fix: "test", references: [] } as unknown as Omit<Rule, "id" | "name">;
      const rules: Rule[] = [
        {
          ...base,
          id: "test-fragile",
          name: "a test that throws",
          checkHost(h) {
            filesAnswering(h.files, "test-fragile", (c) => {
              if (c.text.includes("boom")) throw new Error("boom");
              return false;
            });
          },
        },
      ];
      await runScan({ root, quick: true, rules });
      const path = join(root, "hosts/hardware.nix");
      await writeFile(path, `${await readFile(path, "utf8")}# boom\n`);
      const warm = body(await runScan({ root, quick: true, rules }));
      expect(warm).toContain("internal error on host");
      clearScanCache();
      expect(warm).toBe(body(await runScan({ root, quick: true, rules })));
    });
  }, 120_000);

  // A setting reading the repository's own option (`services.openssh.enable = cfg.sshd.enable;`)
  // takes the host's value of it, which another file decides: a change there is a change of the
  // rule's answer although the rule read no such file.
  it("runs again when a host file changes the value of an option a read setting depends on", async () => {
    clearScanCache();
    const files = {
      "flake.nix": flakeWith(["./hosts/a.nix", "./modules/access.nix"]),
      "hosts/a.nix": `{ ... }:\n{\n  networking.hostName = "a";\n}\n`,
      "modules/access.nix": `{ config, lib, ... }:\nlet cfg = config.site.access; in\n{\n  options.site.access.sshd.enable = lib.mkOption { type = lib.types.bool; default = true; };\n  config.services.openssh.enable = cfg.sshd.enable;\n}\n`,
    };
    await withRepo(files, async (root) => {
      const rules = ALL_RULES.filter((r) => r.id === "ssh-password-authentication");
      const first = await runScan({ root, quick: true, rules });
      expect(first.findings.map((f) => [f.ruleId, f.file, f.host])).toEqual([["ssh-password-authentication", "modules/access.nix", ["example"]]]);
      await writeFile(join(root, "hosts/a.nix"), `{ ... }:\n{\n  networking.hostName = "a";\n  site.access.sshd.enable = false;\n}\n`);
      const warm = await runScan({ root, quick: true, rules });
      expect(warm.findings).toEqual([]);
      clearScanCache();
      expect(body(warm)).toBe(body(await runScan({ root, quick: true, rules })));
    });
  }, 120_000);
});
