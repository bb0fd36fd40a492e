// Certificates committed to the repository (PEM files, or PEM blocks in Nix strings such as
// `security.pki.certificates`) that have expired or expire within 30 days of the scan. An expired
// CA or server certificate breaks TLS for everything that trusts or serves it; one close to expiry
// is an outage on a known date. Parsed with node's X509Certificate (OpenSSL).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { certificateExpiry, daysUntilExpiry, EXPIRY_WARNING_DAYS, parseCertificates, type ParsedCertificate } from "../../secrets/index.js";
import { TEST_DATA_DIR } from "../secrets/material.js";
import type { Rule, RuleReport } from "../types.js";


function describeCert(c: ParsedCertificate): string {
  const cn = /CN=([^,]+)/.exec(c.subject)?.[1];
  return `${c.isCA ? "CA certificate" : "certificate"} ${cn ? `'${cn}'` : `'${c.subject}'`}${c.selfSigned ? " (self-signed)" : ""}`;
}

function reports(file: string, text: string, now: Date, lineOffset: number, node?: SyntaxNode): RuleReport[] {
  if (!text.includes("-----BEGIN CERTIFICATE-----")) return [];
  const out: RuleReport[] = [];
  for (const c of parseCertificates(text).certificates) {
    const state = certificateExpiry(c, now);
    if (state === "ok") continue;
    const days = daysUntilExpiry(c, now);
    const date = c.notAfter.slice(0, 10);
    const when = state === "expired" ? `expired on ${date} (${Math.floor(-days)} days ago)` : `expires on ${date} (in ${Math.max(0, Math.floor(days))} days)`;
    let severity: RuleReport["severity"] = state === "expired" ? "high" : "medium";
    let message = `${file}: ${describeCert(c)} ${when}; issuer '${c.issuer}'.`;
    if (TEST_DATA_DIR.test(file)) {
      severity = "low";
      message += " (In a test directory, so reported as low.)";
    }
    out.push({
      node,
      range: { line: lineOffset + c.line, column: 1, endLine: lineOffset + c.endLine, endColumn: 1 },
      title: state === "expired" ? "expired certificate in the repository" : `certificate expires within ${EXPIRY_WARNING_DAYS} days`,
      severity,
      message,
      evidence: `subject ${c.subject}, notAfter ${c.notAfter}, sha256 ${c.fingerprint256}`,
      key: c.fingerprint256,
      fix: {
        safety: "manual",
        description: c.isCA
          ? "Replace the CA certificate with its renewed one (and re-issue what it signed), or remove it from the trusted set if it is no longer used."
          : "Renew the certificate (or switch the service to ACME: `enableACME = true`), replace the file, and deploy.",
      },
    });
  }
  return out;
}

// The examples' certificates (test fixtures of test/fixtures/secrets/certs/, no private keys).
const EXPIRED_2021 = "-----BEGIN CERTIFICATE-----\nMIIBLjCB1QICEAEwCgYIKoZIzj0EAwIwIzEhMB8GA1UEAwwYZXhwaXJlZC1zZWxm\nLmV4YW1wbGUub3JnMB4XDTIxMDEwMTAwMDAwMFoXDTIxMDIwMTAwMDAwMFowIzEh\nMB8GA1UEAwwYZXhwaXJlZC1zZWxmLmV4YW1wbGUub3JnMFkwEwYHKoZIzj0CAQYI\nKoZIzj0DAQcDQgAEhLOApRMoPrBGeAA1Pv1hIWzzqPtWT176FqsO21qzZ3aZQRM5\nT8A+1CNKuLH1Ug1tySBK9YsGwfe7jkxvGWq3pDAKBggqhkjOPQQDAgNIADBFAiEA\nkLe94yeTx9e8Gsw7+SLEogXjgxNAWDEx53fdjtq4R8ICIGSekBTFjlQlq/m+d/JT\n7vc3LvyCxZPs/6mL+gjB9Wry\n-----END CERTIFICATE-----\n";
const VALID_UNTIL_2126 = "-----BEGIN CERTIFICATE-----\nMIIBrTCCAVWgAwIBAgIUAtVEA3Uk9MZdfTabHBhim5ZNmm8wCgYIKoZIzj0EAwIw\nLDEQMA4GA1UECgwHRml4dHVyZTEYMBYGA1UEAwwPRml4dHVyZSBSb290IENBMCAX\nDTI2MTEyMjAwNDAxOFoYDzIxMjYxMDI5MDA0MDE4WjAsMRAwDgYDVQQKDAdGaXh0\ndXJlMRgwFgYDVQQDDA9GaXh0dXJlIFJvb3QgQ0EwWTATBgcqhkjOPQIBBggqhkjO\nPQMBBwNCAATjqvPCG9wz10u6l0GNFB/bqQYL1bpvzTpXaA+p3cQrrW7qZ5V0/o2n\nO2/YOjn+j7MT6V3Jj9aY9SYomrAE7CmUo1MwUTAdBgNVHQ4EFgQU85SEGstFL1T9\n6gsyHfkLq8FQSucwHwYDVR0jBBgwFoAU85SEGstFL1T96gsyHfkLq8FQSucwDwYD\nVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNGADBDAh8WWJO3tVhpnXDA+1O44Dua\n70FNLSVUHYAjaBP/Znn8AiBiWtg5+WlQl1w/4U8WQcyp6uSLQZBkJQ/R03Jzja02\nEg==\n-----END CERTIFICATE-----\n";

export const certificateExpiryRule: Rule = {
  id: "certificate-expiry",
  examples: {
    // A self-signed certificate that expired in 2021; a CA certificate valid until 2126.
    fire: [{ "certs/old.pem": EXPIRED_2021 }],
    silent: [{ "certs/ca.pem": VALID_UNTIL_2126 }],
  },
  name: "expired or expiring certificate",
  category: "tls",
  severity: "high",
  rationale: `An expired certificate fails TLS verification for everything that serves or trusts it; one expiring within ${EXPIRY_WARNING_DAYS} days is an outage on a known date.`,
  fix: "Renew or replace the certificate before it expires (prefer ACME for server certificates), or remove it if unused.",
  references: [
    { title: "RFC 5280 4.1.2.5: Validity", url: "https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5" },
    { title: "NixOS manual: SSL/TLS Certificates with ACME", url: "https://nixos.org/manual/nixos/stable/#module-security-acme" },
  ],
  compliance: { cis: ["CIS NGINX Benchmark 4.1.2 Ensure a trusted certificate and trust chain is installed"], nist: ["PR.DS-02", "ID.AM-08"] },

  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    if (ctx.text === undefined) return;
    for (const r of reports(ctx.file, ctx.text, ctx.now, 0)) ctx.report(r);
  },

  checkNix(ctx) {
    if (!ctx.text.includes("-----BEGIN CERTIFICATE-----")) return;
    const lines = ctx.parsed.source.lines;
    ctx.parsed.root.walk((node) => {
      if (node.kind !== K.NODE_STRING) return;
      const toks = node.childTokens();
      const start = toks[0]?.end ?? node.start;
      const end = toks[toks.length - 1]?.start ?? node.end;
      const text = ctx.text.slice(start, end);
      const lineOffset = lines.position(start).line - 1;
      for (const r of reports(ctx.file, text, ctx.now, lineOffset, node)) ctx.report(r);
      return false;
    });
  },
};

