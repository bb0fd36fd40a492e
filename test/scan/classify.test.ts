// Libraries and test trees: a repository without hosts (nixpkgs' lib/) and the test code in it are
// not judged as a host's configuration (src/scan/classify.ts).
import { describe, expect, it } from "vitest";
import { isGeneratedFile, isTestPath } from "../../src/scan/classify.js";
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
    // The same file in a configuration repository that asks for the style lints: one finding for
    // the file (67 on one repository).
    const config = await scanFiles({ ".nix-warden.yaml": "style: on\n", "flake.nix": flake, "configuration.nix": "{ imports = [ ./modules/service.nix ./modules/one.nix ./lib/opts.nix ]; }\n", "modules/service.nix": moduleTest(20), "modules/one.nix": moduleTest(0), "lib/opts.nix": moduleTest(3) });
    const docs = config.findings.filter((f) => f.ruleId === "mkoption-without-description");
    expect(docs.map((f) => [f.file, f.severity])).toEqual([["modules/one.nix", "info"], ["modules/service.nix", "info"]]);
    expect(docs[1]!.message).toMatch(/^21 options in this file are declared without a description \(opt0, opt1, .* and 13 more\)/);
    // Documented options (the look-alike) give nothing.
    const documented = await scanFiles({ ".nix-warden.yaml": "style: on\n", "flake.nix": flake, "configuration.nix": "{ imports = [ ./m.nix ]; }\n", "m.nix": `{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; description = "x"; }; }\n` });
    expect(sites(documented, "mkoption-without-description")).toEqual([]);
  });

  it("security findings in a library's unit tests stay, low, and are not said to be in a VM test", async () => {
    const report = await scanFiles({ "lib/tests/users.nix": `{ users.users.root.password = "hunter2"; services.openssh.settings.PermitRootLogin = "yes"; }\n` });
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) {
      // A test's own password is a note (info); the rest stay low.
      expect(f.severity).toBe(f.title === "passwords set by a test" ? "info" : "low");
      expect(f.message).not.toContain("VM test");
    }
    expect(report.findings.some((f) => f.message.includes("in a test file no host includes"))).toBe(true);
  });

  it("a file under tests/ that a host includes is configuration: its findings keep their severity", async () => {
    const report = await scanFiles({
      "flake.nix": flake,
      // Immutable users and an sshd taking passwords: nothing in the host lowers the password's rating.
      "configuration.nix": "{ imports = [ ./tests/users.nix ]; users.mutableUsers = false; services.openssh.enable = true; }\n",
      "tests/users.nix": `{ users.users.root.password = "hunter2"; }\n`,
    });
    const f = report.findings.find((x) => x.ruleId === "user-plaintext-password");
    expect(f?.severity).toBe("critical");
    expect(f?.message).not.toContain("test");
    expect(f?.host).toEqual(["web"]);
  });

  it("passwords a test sets for its throwaway machines: one low finding per file naming them; a token recognised by its shape stays; a test unit's hardening is not asked for", async () => {
    const token = ["ghp", "_", "R8x2QpL7mN4vK9sT1wZ5yB3cD6fG0hJ2kE8a"].join("");
    const report = await scanFiles({
      "flake.nix": flake,
      "configuration.nix": "{ }\n",
      "tests/login.nix": `{ pkgs, ... }: pkgs.testers.runNixOSTest {
  name = "login";
  nodes.m = {
    services.app.settings.password = "correct-horse-battery";
    services.app.settings.admin_password = "Tr0ub4dor&3x";
    services.ci.githubToken = "${token}";
    systemd.services.fixture = { wantedBy = [ "multi-user.target" ]; script = "sleep infinity"; };
  };
  testScript = ''
    m.succeed("login --password='s3cr3t-Passw0rd'")
  '';
}
`,
    });
    const inTest = report.findings.filter((f) => f.file === "tests/login.nix");
    const options = inTest.filter((f) => f.ruleId === "plaintext-password-option");
    expect(options.length, JSON.stringify(inTest.map((f) => [f.ruleId, f.message]))).toBe(1);
    expect(options[0]!.title).toBe("passwords set by a test");
    expect(options[0]!.message).toMatch(/^2 passwords set in plaintext by this test \(services\.app\.settings\.password, services\.app\.settings\.admin_password\)/);
    expect(options[0]!.message).toContain("make sure none of them is also used on a real machine");
    expect(options[0]!.severity).toBe("info");
    expect(options[0]!.fix?.description).not.toMatch(/rotate this/i);
    const secrets = inTest.filter((f) => f.ruleId === "hardcoded-secret");
    // The password in the test script: one finding for the file; the GitHub token on its own.
    expect(secrets.filter((f) => f.title === "passwords set by a test").length).toBe(1);
    const tokens = secrets.filter((f) => f.title !== "passwords set by a test");
    expect(tokens.length).toBe(1);
    expect(tokens[0]!.message).toMatch(/GitHub/i);
    expect(report.findings.filter((f) => f.ruleId === "systemd-service-exposure" && f.file === "tests/login.nix")).toEqual([]);
  });

  it("the same passwords in a host's configuration are reported one by one at their own severity", async () => {
    const report = await scanFiles({
      "flake.nix": flake,
      "configuration.nix": `{ services.app.settings.password = "correct-horse-battery"; services.app.settings.admin_password = "Tr0ub4dor&3x"; }\n`,
    });
    const secrets = report.findings.filter((f) => f.ruleId === "plaintext-password-option");
    expect(secrets.length).toBe(2);
    for (const f of secrets) {
      expect(f.title).not.toBe("passwords set by a test");
      expect(f.severity).toBe("high");
    }
  });

  it("a setting under virtualisation.vmVariant* (the build-vm VM, not the host) is at most low, and says why", async () => {
    const report = await scanFiles({
      "flake.nix": flake,
      "configuration.nix": `{ pkgs, ... }: {
  virtualisation.vmVariantWithDisko.disko.devices.mdadm.stripe.content.passwordFile = toString (pkgs.writeText "password" "apple-pie-42");
  disko.devices.mdadm.stripe.content.passwordFile = toString (pkgs.writeText "password" "apple-pie-42");
}
`,
    });
    const all = JSON.stringify(report.findings.map((f) => [f.ruleId, f.optionPath, f.severity]));
    const vm = report.findings.find((f) => f.optionPath?.startsWith("virtualisation.vmVariantWithDisko."));
    // At most low (secret-in-config-text rates a password of the test VM info itself: it guards a throwaway disk).
    expect(["low", "info"], all).toContain(vm?.severity);
    expect(vm?.message).toContain("not the real system");
    const real = report.findings.find((f) => f.ruleId === vm?.ruleId && f.optionPath === "disko.devices.mdadm.stripe.content.passwordFile");
    expect(real?.severity, all).not.toBe("low");
    expect(real?.message).not.toContain("vmVariant");
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

describe("files a tool generated", () => {
  it("knows them by path (npins, niv) or by a header saying a tool wrote them, not by a comment further down", () => {
    expect(isGeneratedFile("npins/default.nix", "/* MIT licence */\n")).toBe(true);
    expect(isGeneratedFile("nix/sources.nix", "# This file has been generated by Niv.\n\nlet\n")).toBe(true);
    expect(isGeneratedFile("hosts/a/hardware-configuration.nix", "# Do not modify this file!  It was generated by ‘nixos-generate-config’\n# and may be overwritten by future invocations.\n{ ... }: { }\n")).toBe(true);
    expect(isGeneratedFile("pkgs/titan/node-env.nix", "# This file has been generated by node2nix 1.11.1. Do not edit!\n")).toBe(true);
    // Look-alikes: a sources.nix that is not niv's, a comment about a generated key further down,
    // a note in the first lines that is not about this file.
    expect(isGeneratedFile("pkgs/sources.nix", "{ fetchurl }:\n{ src = fetchurl { url = \"x\"; }; }\n")).toBe(false);
    expect(isGeneratedFile("modules/n8n.nix", "{ config, ... }:\n{\n  # Encryption key auto-generated on first boot\n  services.n8n.enable = true;\n}\n")).toBe(false);
    expect(isGeneratedFile("modules/vars.nix", "# webhook secret and identity key are generated by clan vars.\n{ }\n")).toBe(false);
  });

  it("code-quality findings are left out there (the tool would overwrite the edit); security findings stay", async () => {
    const header = "# Do not modify this file!  It was generated by 'nixos-generate-config'\n# and may be overwritten by future invocations.\n";
    const body = `{ lib, ... }:\n{\n  users.users.root.password = "hunter2";\n  boot.loader.grub.enable = lib.mkIf true true;\n}\n`;
    const report = await scanFiles({ "flake.nix": flake, "configuration.nix": "{ imports = [ ./hardware-configuration.nix ./mine.nix ]; }\n", "hardware-configuration.nix": header + body, "mine.nix": body });
    const byFile = (file: string) => [...new Set(report.findings.filter((f) => f.file === file).map((f) => f.category === "anti-pattern" ? "anti-pattern" : f.ruleId))].sort();
    expect(byFile("mine.nix")).toEqual(["anti-pattern", "user-plaintext-password"]);
    expect(byFile("hardware-configuration.nix")).toEqual(["user-plaintext-password"]);
  });
});
