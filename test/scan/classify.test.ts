// Libraries and test trees: a repository without hosts (nixpkgs' lib/) and the test code in it are
// not judged as a host's configuration (src/scan/classify.ts).
import { describe, expect, it } from "vitest";
import { isTestPath } from "../../src/scan/classify.js";
import { scanFiles, sites } from "../helpers/scan.js";

const flake = `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; };
  };
}
`;

/** A module-system test of the kind lib/tests/modules/ is full of. */
const moduleTest = (n: number) => `{ lib, config, ... }:
{
  options = {
${Array.from({ length: n }, (_, i) => `    opt${i} = lib.mkOption { type = lib.types.int; };`).join("\n")}
    enable = lib.mkOption { type = lib.types.bool; default = false; };
  };
  config.attrsOfSub.foo.enable = lib.mkIf config.enable true;
}
`;

describe("test trees and libraries", () => {
  it("classifies test and fixture paths, not look-alikes", () => {
    for (const p of ["tests/a.nix", "lib/tests/modules/x.nix", "test/default.nix", "checks/vm.nix", "pkgs/foo/fixtures/m.nix", "testdata/x.nix", "nixos/vm-test.nix", "lib/services/test.nix", "foo.test.nix"]) {
      expect(isTestPath(p), p).toBe(true);
    }
    for (const p of ["hosts/testbed/configuration.nix", "modules/attestation.nix", "latest.nix", "contest/x.nix", "modules/testing-tools.nix"]) {
      expect(isTestPath(p), p).toBe(false);
    }
  });

  it("a library's module-system tests give no option-documentation or mkIf findings (nixpkgs lib/ gave 315)", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`lib/tests/modules/t${i}.nix`] = moduleTest(10);
    const report = await scanFiles(files);
    expect(sites(report, "mkoption-without-description")).toEqual([]);
    expect(sites(report, "mkif-constant")).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  it("a library's own modules give no documentation findings; a configuration gets one per file, naming the options", async () => {
    const library = await scanFiles({ "modules/service.nix": moduleTest(20) });
    expect(sites(library, "mkoption-without-description")).toEqual([]);
    // The same file in a configuration repository: one finding for the file (67 on one repository).
    const config = await scanFiles({ "flake.nix": flake, "configuration.nix": "{ imports = [ ./modules/service.nix ./modules/one.nix ./lib/opts.nix ]; }\n", "modules/service.nix": moduleTest(20), "modules/one.nix": moduleTest(0), "lib/opts.nix": moduleTest(3) });
    const docs = config.findings.filter((f) => f.ruleId === "mkoption-without-description");
    expect(docs.map((f) => [f.file, f.severity])).toEqual([["modules/one.nix", "low"], ["modules/service.nix", "low"]]);
    expect(docs[1]!.message).toMatch(/^21 options in this file are declared without a description \(opt0, opt1, .* and 13 more\)/);
    // Documented options (the look-alike) give nothing.
    const documented = await scanFiles({ "flake.nix": flake, "configuration.nix": "{ imports = [ ./m.nix ]; }\n", "m.nix": `{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; description = "x"; }; }\n` });
    expect(sites(documented, "mkoption-without-description")).toEqual([]);
  });

  it("security findings in a library's unit tests stay, low, and are not said to be in a VM test", async () => {
    const report = await scanFiles({ "lib/tests/users.nix": `{ users.users.root.password = "hunter2"; services.openssh.settings.PermitRootLogin = "yes"; }\n` });
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) {
      expect(f.severity).toBe("low");
      expect(f.message).not.toContain("VM test");
    }
    expect(report.findings.some((f) => f.message.includes("in a test file no host includes"))).toBe(true);
  });

  it("a file under tests/ that a host includes is configuration: its findings keep their severity", async () => {
    const report = await scanFiles({
      "flake.nix": flake,
      "configuration.nix": "{ imports = [ ./tests/users.nix ]; }\n",
      "tests/users.nix": `{ users.users.root.password = "hunter2"; }\n`,
    });
    const f = report.findings.find((x) => x.ruleId === "user-plaintext-password");
    expect(f?.severity).toBe("critical");
    expect(f?.message).not.toContain("test");
    expect(f?.host).toEqual(["web"]);
  });

  it("a NixOS VM test is still named as one", async () => {
    const report = await scanFiles({
      "flake.nix": flake,
      "configuration.nix": "{ }\n",
      "checks/login.nix": `{ pkgs, ... }: pkgs.testers.runNixOSTest { name = "x"; nodes.m = { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; services.openssh.settings.PasswordAuthentication = true; }; testScript = ""; }\n`,
    });
    const f = report.findings.find((x) => x.ruleId === "ssh-permit-root-login");
    expect(f?.severity).toBe("low");
    expect(f?.message).toContain("inside a NixOS VM test");
  });
});
