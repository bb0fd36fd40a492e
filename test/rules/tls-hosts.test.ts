// nginx-addssl-without-forcessl, acme-terms-and-contact and certificate-expiry.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nixAvailable } from "../helpers/nix.js";
import { applyFix } from "../helpers/patch.js";
import { scanFiles, sites } from "../helpers/scan.js";

describe("nginx-addssl-without-forcessl", () => {
  const RULE = "nginx-addssl-without-forcessl";
  const FILES = {
    "web.nix": `{ config, lib, ... }:
{
  services.nginx.enable = true;
  services.nginx.virtualHosts."files.example.org" = {
    enableACME = true;
    addSSL = true;
    root = "/srv/files";
  };
  services.nginx.virtualHosts.plain.addSSL = lib.mkDefault true;
  services.nginx.virtualHosts.forced = { forceSSL = true; enableACME = true; };
  services.nginx.virtualHosts.only = { onlySSL = true; };
  services.nginx.virtualHosts.redirected = {
    addSSL = true;
    extraConfig = "if ($scheme = http) { return 301 https://$host$request_uri; }";
  };
  services.nginx.virtualHosts.listens = { addSSL = true; listen = [ { addr = "0.0.0.0"; port = 443; ssl = true; } ]; };
  services.nginx.virtualHosts.off = { addSSL = false; };
  services.nginx.virtualHosts.never = lib.mkIf false { addSSL = true; };
  services.httpd.virtualHosts."intranet.example.org".addSSL = true;
}
`,
  };

  it("fires on addSSL without a redirect, not on forceSSL/onlySSL, redirects, own listeners or disabled hosts", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, RULE).sort()).toEqual(["web.nix:19", "web.nix:6", "web.nix:9"]);
    // files.example.org only serves files (root): low (issue 12, judged on Lassulus-superconfig's
    // static sites); the plain vhost shows no login either: low (corpus11 census, Lassulus-superconfig:
    // pastes, cgit and a proxy to an unknown service judged "should be low" at medium).
    const f = report.findings.find((x) => x.ruleId === RULE && x.line === 6)!;
    expect(f.severity).toBe("low");
    expect(f.optionPath).toBe('services.nginx.virtualHosts."files.example.org".addSSL');
    expect(report.findings.find((x) => x.ruleId === RULE && x.line === 9)!.severity).toBe("low");
  });

  it("is silent when the file turns nginx off", async () => {
    const report = await scanFiles({ "w.nix": "{ ... }: { services.nginx.enable = false; services.nginx.virtualHosts.a.addSSL = true; }\n" });
    expect(sites(report, RULE)).toEqual([]);
  });

  it.skipIf(!nixAvailable)("replaces addSSL with forceSSL; the patch applies, parses and silences the finding", async () => {
    const report = await scanFiles(FILES);
    const f = report.findings.find((x) => x.ruleId === RULE && x.line === 9)!;
    const { files, rescan } = await applyFix(FILES, f);
    expect(files["web.nix"]).toContain("services.nginx.virtualHosts.plain.forceSSL = lib.mkDefault true;");
    expect(sites(rescan, RULE).sort()).toEqual(["web.nix:19", "web.nix:6"]);
  });
});

describe("acme-terms-and-contact", () => {
  const RULE = "acme-terms-and-contact";
  const flake = (hosts: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = {
${hosts}
    };
  };
}
`;

  it("fires per host that uses ACME without terms or contact, at the first use; shared modules count", async () => {
    const report = await scanFiles({
      "flake.nix": flake(`      web = nixpkgs.lib.nixosSystem { modules = [ ./hosts/web.nix ]; };
      mail = nixpkgs.lib.nixosSystem { modules = [ ./hosts/mail.nix ./modules/acme.nix ]; };
      bare = nixpkgs.lib.nixosSystem { modules = [ ./hosts/bare.nix ]; };
      noacme = nixpkgs.lib.nixosSystem { modules = [ ./hosts/noacme.nix ]; };`),
      "hosts/web.nix": `{ ... }:
{
  services.nginx.virtualHosts."www.example.org" = { forceSSL = true; enableACME = true; };
  security.acme.defaults.email = "admin@example.org";
}
`,
      "hosts/mail.nix": `{ ... }:
{
  security.acme.certs."mail.example.org".dnsProvider = "rfc2136";
}
`,
      "modules/acme.nix": `{ ... }:
{
  security.acme.acceptTerms = true;
  security.acme.defaults.email = "admin@example.org";
}
`,
      "hosts/bare.nix": `{ ... }:
{
  services.nginx.virtualHosts.b.useACMEHost = "example.org";
}
`,
      "hosts/noacme.nix": `{ ... }:
{
  services.nginx.virtualHosts.c.enableACME = false;
}
`,
    });
    const f = report.findings.filter((x) => x.ruleId === RULE);
    expect(f.map((x) => `${x.host?.join(",")} ${x.file}:${x.line} ${x.severity}`).sort()).toEqual(["bare hosts/bare.nix:3 low", "web hosts/web.nix:3 low"]);
    const web = f.find((x) => x.host?.includes("web"))!;
    expect(web.message).toContain("security.acme.acceptTerms = true");
    expect(web.message).not.toContain("email");
    expect(web.fix?.safety).toBe("review");
    const bare = f.find((x) => x.host?.includes("bare"))!;
    expect(bare.message).toContain("contact email");
    expect(bare.fix?.safety).toBe("manual");
  });

  it.skipIf(!nixAvailable)("adds acceptTerms with a patch that applies and parses", async () => {
    const files = {
      "flake.nix": flake("      web = nixpkgs.lib.nixosSystem { modules = [ ./web.nix ]; };"),
      "web.nix": `{ ... }:
{
  services.nginx.virtualHosts."www.example.org" = { forceSSL = true; enableACME = true; };
  security.acme.defaults.email = "admin@example.org";
}
`,
    };
    const report = await scanFiles(files);
    const f = report.findings.find((x) => x.ruleId === RULE)!;
    const { files: patched, rescan } = await applyFix(files, f);
    expect(patched["web.nix"]).toContain("acceptTerms = true;");
    expect(sites(rescan, RULE)).toEqual([]);
  });
});

describe("certificate-expiry", () => {
  const RULE = "certificate-expiry";
  const CERTS = join(import.meta.dirname, "../fixtures/secrets/certs");
  const expiredLeaf = readFileSync(join(CERTS, "expired-leaf.pem"), "utf8"); // notAfter 2020-04-01
  const root = readFileSync(join(CERTS, "fixture-root-ca.pem"), "utf8"); // valid for 100 years
  const indented = expiredLeaf.trimEnd().split("\n").map((l) => `    ${l}`).join("\n");

  it("reports expired and soon-expiring certificates in files and Nix strings, by the scan's date, rated by their use", async () => {
    const files = {
      "certs/old.pem": expiredLeaf,
      "certs/root.crt": root,
      "certs/bundle.pem": `${root}${expiredLeaf}`,
      "pki.nix": `{ ... }:
{
  security.pki.certificates = [ ''
${indented}
  '' ];
}
`,
      "tests/fixtures/old.pem": expiredLeaf,
    };
    const report = await scanFiles(files, { now: new Date("2020-03-20T00:00:00Z") });
    const got = report.findings.filter((f) => f.ruleId === RULE).map((f) => `${f.file}:${f.line} ${f.severity}`);
    // No host here: the files are used by nothing (info), and the Nix string is a trust anchor (low).
    expect(got.sort()).toEqual(["certs/bundle.pem:" + (root.trimEnd().split("\n").length + 1) + " info", "certs/old.pem:1 info", "pki.nix:4 low", "tests/fixtures/old.pem:1 info"].sort());
    const later = await scanFiles(files, { now: new Date("2024-01-01T00:00:00Z") });
    const f = later.findings.find((x) => x.ruleId === RULE && x.file === "certs/old.pem")!;
    expect(f.severity).toBe("info");
    expect(f.message).toContain("Nothing uses it");
    expect(f.title).toBe("expired certificate in the repository");
    expect(f.message).toContain("'old.example.org'");
    expect(f.message).toContain("expired on 2020-04-01");
    const fine = await scanFiles(files, { now: new Date("2019-01-01T00:00:00Z") });
    expect(sites(fine, RULE)).toEqual([]);
  });
});

describe("addSSL on a name of a private zone outside public DNS", () => {
  it("a single-letter zone (retiolum's .r) is rated info and the redirect is left to the owner; a public name of a login application (Grafana) keeps medium and the review fix", async () => {
    const { scanMemory } = await import("../helpers/memory.js");
    const flake = `{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; }; }; }`;
    const vhost = (name: string) => `{ services.nginx = { enable = true; virtualHosts."${name}" = { addSSL = true; enableACME = true; }; }; }\n`;
    const internal = (await scanMemory({ "flake.nix": flake, "configuration.nix": vhost("loki.r") })).findings.find((f) => f.ruleId === "nginx-addssl-without-forcessl")!;
    expect(internal.severity).toBe("info");
    expect(internal.fix).toMatchObject({ safety: "manual" });
    expect(internal.fix!.patch).toBeUndefined();
    const pub = (await scanMemory({ "flake.nix": flake, "configuration.nix": vhost("grafana.example.org") })).findings.find((f) => f.ruleId === "nginx-addssl-without-forcessl")!;
    expect(pub.severity).toBe("medium");
    expect(pub.fix).toMatchObject({ safety: "review" });
  });
});
