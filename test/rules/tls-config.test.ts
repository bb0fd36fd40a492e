// tls-old-protocol and tls-weak-cipher: the parsers (cipher strings checked against the real
// `openssl ciphers`), the rules on options and on directives inside configuration strings, and
// their patches.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { apacheProtocols, findDirectives, fixedProtocols, minimumProtocols, nginxProtocols, oldIn, weakCiphers, withoutWeakCiphers } from "../../src/rules/tls/syntax.js";
import { nixAvailable } from "../helpers/nix.js";
import { hasOpenssl } from "../helpers/openssl.js";
import { applyFix } from "../helpers/patch.js";
import { scanFiles, sites } from "../helpers/scan.js";


/** Weak suites OpenSSL itself enables for a cipher string (at security level 0, so nothing is hidden). */
function opensslWeak(cipherString: string): string[] {
  let out: string;
  try {
    out = execFileSync("openssl", ["ciphers", "-v", `${cipherString}:@SECLEVEL=0`], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch {
    return []; // "no cipher match": nothing enabled
  }
  return out
    .split("\n")
    .filter((l) => /Au=None|Enc=None|Mac=MD5|3DES|RC4|Enc=DES\(/.test(l))
    .map((l) => l.split(/\s+/)[0]!);
}

describe("protocol syntax", () => {
  it("nginx lists protocols", () => {
    expect([...nginxProtocols("TLSv1 TLSv1.1 TLSv1.2")]).toEqual(["TLSv1", "TLSv1.1", "TLSv1.2"]);
    expect(oldIn(nginxProtocols("TLSv1.2 TLSv1.3"))).toEqual([]);
    expect(fixedProtocols("nginx", "TLSv1 TLSv1.1 TLSv1.2")).toBe("TLSv1.2");
    expect(fixedProtocols("nginx", "SSLv3 TLSv1")).toBe("TLSv1.2 TLSv1.3");
  });

  it("Apache adds, removes and replaces (mod_ssl semantics)", () => {
    expect(oldIn(apacheProtocols("All -SSLv2 -SSLv3"))).toEqual(["TLSv1", "TLSv1.1"]);
    expect(oldIn(apacheProtocols("All -SSLv2 -SSLv3 -TLSv1 -TLSv1.1"))).toEqual([]);
    expect(oldIn(apacheProtocols("-all +TLSv1.2 +TLSv1.3"))).toEqual([]);
    expect(oldIn(apacheProtocols("TLSv1.2 TLSv1"))).toEqual(["TLSv1"]); // a bare name replaces the set
    expect(oldIn(apacheProtocols("+SSLv3"))).toEqual(["SSLv3"]);
    expect(fixedProtocols("apache", "All -SSLv3")).toBe("All -SSLv3 -TLSv1 -TLSv1.1");
    expect(oldIn(apacheProtocols(fixedProtocols("apache", "All -SSLv3")))).toEqual([]);
  });

  it("minimum versions (Dovecot, HAProxy)", () => {
    expect(oldIn(minimumProtocols("TLSv1"))).toEqual(["TLSv1", "TLSv1.1"]);
    expect(oldIn(minimumProtocols("TLSv1.0"))).toEqual(["TLSv1", "TLSv1.1"]);
    expect(oldIn(minimumProtocols("TLSv1.2"))).toEqual([]);
  });

  it("finds directives, not commented-out ones", () => {
    const text = `server {\n  # ssl_protocols SSLv3;\n  ssl_protocols TLSv1 TLSv1.2;\n  ssl_ciphers "HIGH:RC4";\n}\nSSLProtocol all -SSLv3\n#SSLCipherSuite RC4\nssl_min_protocol = TLSv1\n`;
    const d = findDirectives(text);
    expect(d.map((x) => `${x.name}=${x.args}`)).toEqual(["ssl_protocols=TLSv1 TLSv1.2", "ssl_ciphers=HIGH:RC4", "SSLProtocol=all -SSLv3", "ssl_min_protocol=TLSv1"]);
    for (const x of d) expect(text.slice(x.start, x.end)).toBe(x.args);
  });
});

describe("cipher strings", () => {
  it("negation removes for good, `-` until re-added, `+` only moves", () => {
    expect(weakCiphers("HIGH:!aNULL:RC4-SHA:DES-CBC3-SHA").map((w) => `${w.element}:${w.families}`)).toEqual(["RC4-SHA:RC4", "DES-CBC3-SHA:3DES"]);
    expect(weakCiphers("HIGH:!aNULL:!MD5:!RC4:RC4-SHA")).toEqual([]);
    expect(weakCiphers("RC4:-RC4").map((w) => w.element)).toEqual([]);
    expect(weakCiphers("-RC4:RC4").map((w) => w.element)).toEqual(["RC4"]);
    expect(weakCiphers("HIGH:!aNULL:+RC4")).toEqual([]);
    expect(weakCiphers("EXP-RC4-MD5:LOW:!aNULL").map((w) => w.families.join("/"))).toEqual(["EXPORT/RC4/MD5", "LOW"]);
    expect(weakCiphers("TLSv1.3 TLS_AES_256_GCM_SHA384")).toEqual([]); // Apache's protocol prefix
    expect(withoutWeakCiphers("HIGH:!aNULL:RC4-SHA:DES-CBC3-SHA", weakCiphers("HIGH:!aNULL:RC4-SHA:DES-CBC3-SHA"))).toBe("HIGH:!aNULL");
    expect(withoutWeakCiphers("HIGH", weakCiphers("HIGH"))).toBe("HIGH:!aNULL");
    expect(withoutWeakCiphers("RC4", weakCiphers("RC4"))).toBe("HIGH:!aNULL:!MD5");
  });

  const STRINGS = [
    "HIGH", "ALL", "DEFAULT", "MEDIUM", "HIGH:!aNULL:!MD5", "ECDHE+AESGCM:!aNULL", "ALL:!aNULL:!eNULL", "eNULL", "NULL-SHA256", "aNULL",
    "ADH-AES128-SHA", "HIGH:!ADH:!AECDH", "ALL:-aNULL", "ALL:-aNULL:aNULL", "NULL-MD5", "HIGH:!aNULL:!MD5:NULL-MD5", "AES", "AES:!aNULL",
    "kEDH+AESGCM", "EECDH+AESGCM:EDH+AESGCM", "HIGH:+MEDIUM:!aNULL", "DH", "ECDH:!aNULL", "CAMELLIA", "RSA", "ECDHE", "SHA256:!eNULL",
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256",
  ];

  it.skipIf(!hasOpenssl())("agrees with the real `openssl ciphers` on which strings enable weak suites, and the fix leaves none", () => {
    for (const s of STRINGS) {
      const weak = weakCiphers(s);
      expect(weak.length > 0, `${s}: openssl enables ${opensslWeak(s).join(",") || "none"}`).toBe(opensslWeak(s).length > 0);
      if (weak.length) expect(opensslWeak(withoutWeakCiphers(s, weak)), `fixed ${s}`).toEqual([]);
    }
  });
});

const NIX = `{ config, lib, pkgs, ... }:
{
  services.nginx = {
    enable = true;
    sslProtocols = "TLSv1 TLSv1.1 TLSv1.2";
    sslCiphers = "HIGH:!aNULL:RC4-SHA:DES-CBC3-SHA";
    virtualHosts."a.example.org".extraConfig = ''
      # ssl_protocols SSLv3;
      ssl_protocols SSLv3 TLSv1.2;
      ssl_ciphers HIGH:!aNULL:!MD5;
    '';
    appendHttpConfig = ''
      proxy_ssl_ciphers ALL:!aNULL:!eNULL:DES-CBC3-SHA;
    '';
  };
  services.httpd = {
    enable = true;
    sslProtocols = "All -SSLv2 -SSLv3";
    sslCiphers = "HIGH:!aNULL:!MD5";
  };
  services.dovecot2.extraConfig = ''
    ssl_min_protocol = TLSv1.2
  '';
}
`;

const SILENT = `{ config, lib, pkgs, ... }:
{
  services.nginx.enable = false;
  services.nginx.sslProtocols = "TLSv1 TLSv1.2";
  services.httpd.sslCiphers = lib.mkIf false "RC4";
  services.foo.description = "we used to run ssl_protocols TLSv1; not any more";
}
`;

describe("tls-old-protocol / tls-weak-cipher rules", () => {
  it("fire on options and directives at the exact place, with severities", async () => {
    const report = await scanFiles({ "web.nix": NIX, "off.nix": SILENT });
    const old = report.findings.filter((f) => f.ruleId === "tls-old-protocol").map((f) => `${f.line}:${f.column} ${f.severity}`);
    expect(old.sort()).toEqual(["18:21 medium", "5:21 medium", "9:21 high"].sort());
    const weak = report.findings.filter((f) => f.ruleId === "tls-weak-cipher").map((f) => `${f.line}:${f.column} ${f.severity}`);
    expect(weak.sort()).toEqual(["13:43 medium", "6:31 high"].sort());
    const directive = report.findings.find((f) => f.ruleId === "tls-old-protocol" && f.line === 9)!;
    expect(directive.optionPath).toBe('services.nginx.virtualHosts."a.example.org".extraConfig');
    expect(directive.message).toContain("ssl_protocols");
    expect(directive.message).toContain("SSLv3");
    expect(sites(report, "tls-old-protocol").some((s) => s.startsWith("off.nix"))).toBe(false);
  });

  it("checks committed server configuration files too", async () => {
    const report = await scanFiles({ "etc/nginx.conf": "http {\n  ssl_protocols TLSv1.1 TLSv1.2;\n}\n", "notes.txt": "ssl_protocols TLSv1;\n" });
    expect(sites(report, "tls-old-protocol")).toEqual(["etc/nginx.conf:2"]);
  });

  it.skipIf(!nixAvailable)("patches apply, parse, and silence the findings", async () => {
    const files = { "web.nix": NIX };
    const report = await scanFiles(files);
    for (const f of report.findings.filter((x) => x.ruleId === "tls-old-protocol" || x.ruleId === "tls-weak-cipher")) {
      expect(f.fix?.safety).toBe("review");
      const { files: patched, rescan } = await applyFix(files, f);
      expect(rescan.findings.some((x) => x.ruleId === f.ruleId && x.line === f.line), `${f.ruleId}:${f.line} still reported`).toBe(false);
      if (f.line === 5) expect(patched["web.nix"]).toContain('sslProtocols = "TLSv1.2";');
      if (f.line === 9) expect(patched["web.nix"]).toContain("ssl_protocols TLSv1.2;");
      if (f.line === 18) expect(patched["web.nix"]).toContain('sslProtocols = "All -SSLv2 -SSLv3 -TLSv1 -TLSv1.1";');
      if (f.line === 6) expect(patched["web.nix"]).toContain('sslCiphers = "HIGH:!aNULL";');
    }
  });
});
