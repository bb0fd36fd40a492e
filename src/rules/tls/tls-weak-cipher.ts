// tls-weak-cipher: weak cipher suites offered by a server's settings (see ./tls-config.ts).
import { LineIndex } from "../../nix/syntax.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { checkCiphers, fileSettings, nixSettings } from "./tls-config.js";

export const tlsWeakCipher: Rule = {
  id: "tls-weak-cipher",
  examples: {
    fire: [hostExample(`{ services.nginx = { enable = true; sslCiphers = "RC4-SHA:AES128-SHA"; }; }\n`)],
    silent: [hostExample(`{ services.nginx = { enable = true; sslCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"; }; }\n`)],
  },
  name: "weak TLS cipher suites enabled",
  category: "tls",
  severity: "high",
  rationale:
    "NULL and anonymous suites give no encryption or no authentication, EXPORT and single DES are breakable by brute force, RC4 is broken (RFC 7465), 3DES is open to Sweet32 and MD5 MACs to collisions: a server that offers them can be made to use them.",
  fix: "Remove the weak suites from the cipher string (or negate them with `!`), or use the NixOS default.",
  references: [
    { title: "RFC 7465: Prohibiting RC4 Cipher Suites", url: "https://www.rfc-editor.org/rfc/rfc7465" },
    { title: "Sweet32: birthday attacks on 64-bit block ciphers", url: "https://sweet32.info/" },
    { title: "OpenSSL ciphers(1): cipher strings", url: "https://docs.openssl.org/master/man1/openssl-ciphers/" },
    { title: "Mozilla Server Side TLS recommendations", url: "https://wiki.mozilla.org/Security/Server_Side_TLS" },
  ],
  compliance: {
    cis: ["CIS NGINX Benchmark 4.1.5 Disable weak ciphers", "CIS Apache HTTP Server 2.4 Benchmark 7.5 Ensure Weak SSL/TLS Ciphers Are Disabled"],
    nist: ["PR.DS-02"],
  },
  checkNix(ctx) {
    checkCiphers(ctx.file, ctx.parsed.source.lines, nixSettings(ctx), (r) => ctx.report(r));
  },
  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    const settings = fileSettings(ctx);
    if (settings.length) checkCiphers(ctx.file, new LineIndex(ctx.text!), settings, (r) => ctx.report(r));
  },
};
