// Certificates committed to the repository (PEM files, or PEM blocks in Nix strings such as
// `security.pki.certificates`) that have expired or expire within 30 days of the scan. An expired
// CA or server certificate breaks TLS for everything that trusts or serves it; one close to expiry
// is an outage on a known date. Parsed with node's X509Certificate (OpenSSL).
// The severity follows what the certificate is used for (NixOS admins judged "every expired
// certificate is high" wrong: Xe's expired CA in security.pki.certificateFiles, badele's stale
// clan var for a feature no machine enables):
// - in use (a host's enabled configuration refers to the file, or the PEM block is in a service's
//   option): expired or expiring, it is an outage, an availability problem: medium;
// - a trust anchor (security.pki.certificateFiles / certificates): an expired one validates
//   nothing, inert; hygiene: low;
// - used by nothing (no host's configuration refers to the file): low, saying so. (The lowest
//   severity there is; "info" in spirit.)
// Files a host refers to are judged per host (checkHost, which finds the reference and its
// option); the per-file pass reports only files no host includes.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { certificateExpiry, daysUntilExpiry, EXPIRY_WARNING_DAYS, parseCertificates, type ParsedCertificate } from "../../secrets/index.js";
import { TEST_DATA_DIR } from "../secrets/material.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { posix } from "node:path";
import { enclosingDefinition } from "../nix-strings.js";
import { hostScope, isDead, isDisabled, type Scope } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import { nixosManual } from "../shared/references.js";
import { fileAnswers } from "../shared/track.js";


function describeCert(c: ParsedCertificate): string {
  const cn = /CN=([^,]+)/.exec(c.subject)?.[1];
  return `${c.isCA ? "CA certificate" : "certificate"} ${cn ? `'${cn}'` : `'${c.subject}'`}${c.selfSigned ? " (self-signed)" : ""}`;
}

/** What the certificate is used for, where that is known. */
type Use = { kind: "in-use"; why: string } | { kind: "trust-anchor"; why: string } | { kind: "unused"; why: string } | { kind: "data"; why: string } | { kind: "named"; why: string };

const TRUST_STORE = /^security\.pki\.certificate(?:File)?s\b/;

function reports(file: string, text: string, now: Date, lineOffset: number, node?: SyntaxNode, use?: Use): RuleReport[] {
  if (!text.includes("-----BEGIN CERTIFICATE-----")) return [];
  const out: RuleReport[] = [];
  // One certificate once per file: a leaf and the chain beginning with it (`cert_pem` and
  // `full_chain_pem` of one JSON file) are the same expiry (linyinfeng's data.json, reported twice).
  const seen = new Set<string>();
  for (const c of parseCertificates(text).certificates) {
    if (seen.has(c.fingerprint256)) continue;
    seen.add(c.fingerprint256);
    const state = certificateExpiry(c, now);
    if (state === "ok") continue;
    const days = daysUntilExpiry(c, now);
    const date = c.notAfter.slice(0, 10);
    const when = state === "expired" ? `expired on ${date} (${Math.floor(-days)} days ago)` : `expires on ${date} (in ${Math.max(0, Math.floor(days))} days)`;
    // Unused, its expiry breaks nothing (info); an expired trust anchor validates nothing, but hosts
    // still carry it (low); in use, TLS fails: an outage (medium).
    let severity: RuleReport["severity"] = use?.kind === "unused" ? "info" : use?.kind === "trust-anchor" || use?.kind === "data" || use?.kind === "named" ? "low" : "medium";
    let message = `${file}: ${describeCert(c)} ${when}; issuer '${c.issuer}'.`;
    if (use?.kind === "trust-anchor") {
      message += ` It is a trust anchor (${use.why}): ${state === "expired" ? "an expired one validates nothing, so it is inert" : "once expired it validates nothing"}; removing or renewing it is hygiene.`;
    } else if (use?.kind === "data") {
      message += ` The file is read by Nix code (${use.why}), so hosts may use the certificate through what reads it, which cannot be followed statically: if one serves or trusts it, ${state === "expired" ? "TLS with it fails now" : "TLS with it fails on that date"} (an outage).`;
    } else if (use?.kind === "named") {
      message += ` It is given to ${use.why}, in code the scan could not place on a host: where that configuration runs, ${state === "expired" ? "TLS with it fails now" : "TLS with it fails on that date"}, an outage rather than an opening.`;
    } else if (use?.kind === "unused") {
      message += ` Nothing uses it (${use.why}): ${state === "expired" ? "its expiry breaks nothing" : "its expiry will break nothing"}; remove it or renew it before it is used.`;
    } else if (use) {
      message += ` It is in use (${use.why}): ${state === "expired" ? "TLS with it fails now" : "TLS with it fails on that date"}, an outage rather than an opening.`;
    }
    if (TEST_DATA_DIR.test(file) && severity !== "info") {
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
          : use?.kind === "data"
            ? "Renew it where this data file is produced (the tool or pipeline that writes it, e.g. a Terraform output or a CA) and commit the new file, or remove the entry if no host uses it any more."
            : "Renew the certificate (or switch the service to ACME: `enableACME = true`), replace the file, and deploy.",
      },
    });
  }
  return out;
}

const CERT_FILE = /\.(?:pem|crt|cer|cert)$/i;
// What a file naming a certificate file (or a clan var's file) holds somewhere in its text.
const CERT_REFERENCE = /\.(?:pem|crt|cer|cert)\b|\.files\./i;
// A clan var: `config.clan.core.vars.generators."step-ca".files."ca.crt".path`.
const CLAN_VAR = /generators\.("?)([\w.-]+)\1\.files\.("?)([\w.-]+)\3/;

/** The certificate files a Nix file refers to: path literals (`./ca.pem`), strings naming a file of
 * the repository (`"${self}/resources/ca.pem"`), and clan vars (for the host's machine or shared),
 * each with the node that refers to it and the certificate text. */
function certificateReferences(file: NixFileContext, host: string): Array<{ path: string; text: string; node: SyntaxNode }> {
  if (!CERT_REFERENCE.test(file.text)) return [];
  const out: Array<{ path: string; text: string; node: SyntaxNode }> = [];
  const dir = posix.dirname(file.file);
  const tryPath = (path: string, node: SyntaxNode) => {
    const norm = posix.normalize(path);
    if (norm.startsWith("..")) return false;
    const text = file.repoFile(norm)?.text;
    if (text === undefined || !text.includes("-----BEGIN CERTIFICATE-----")) return false;
    out.push({ path: norm, text, node });
    return true;
  };
  file.parsed.root.walk((n) => {
    if (n.kind === K.NODE_PATH) {
      const t = n.text;
      if (/^\.\.?\//.test(t) && CERT_FILE.test(t)) tryPath(posix.join(dir, t), n);
      return false;
    }
    if (n.kind === K.NODE_STRING) {
      if (n.inside(K.NODE_ATTRPATH)) return false;
      const m = /((?:[\w.-]+\/)*[\w.-]+\.(?:pem|crt|cer|cert))"?$/i.exec(n.text.replace(/^"|"$/g, ""));
      if (m) {
        // `"${self}/x/ca.pem"`: from the repository's root; a relative string: from the file's directory.
        const rel = m[1]!;
        if (!tryPath(rel, n)) tryPath(posix.join(dir, rel), n);
      }
      return false;
    }
    if (n.kind === K.NODE_SELECT) {
      const m = CLAN_VAR.exec(n.text.replace(/\s+/g, ""));
      if (m) {
        const [gen, name] = [m[2]!, m[4]!];
        if (!tryPath(`vars/per-machine/${host}/${gen}/${name}/value`, n)) tryPath(`vars/shared/${gen}/${name}/value`, n);
        return false;
      }
    }
    return undefined;
  });
  return out;
}

/** What a reference makes of the certificate on a host, or undefined when the reference does not
 * act there (dead code, a module the host does not turn on, a disabled service's option). */
function useOf(scope: Scope, file: NixFileContext, node: SyntaxNode): Use | undefined {
  const def = enclosingDefinition(file.index, node);
  const at = `${file.file}:${node.line}`;
  if (!def) return { kind: "in-use", why: `referred to at ${at}` };
  if (isDead(def) || (scope.applies && !scope.applies({ file, def }))) return undefined;
  if (TRUST_STORE.test(def.path)) return { kind: "trust-anchor", why: `in ${def.path}, ${at}` };
  const service = /^services\.([\w-]+)\./.exec(def.path)?.[1];
  if (service && scope.kind === "host" && isDisabled(scope, `services.${service}.enable`)) return undefined;
  return { kind: "in-use", why: `${def.path}, ${at}` };
}

// The examples' certificates (test fixtures of test/fixtures/secrets/certs/, no private keys).
const EXPIRED_2021 = "-----BEGIN CERTIFICATE-----\nMIIBLjCB1QICEAEwCgYIKoZIzj0EAwIwIzEhMB8GA1UEAwwYZXhwaXJlZC1zZWxm\nLmV4YW1wbGUub3JnMB4XDTIxMDEwMTAwMDAwMFoXDTIxMDIwMTAwMDAwMFowIzEh\nMB8GA1UEAwwYZXhwaXJlZC1zZWxmLmV4YW1wbGUub3JnMFkwEwYHKoZIzj0CAQYI\nKoZIzj0DAQcDQgAEhLOApRMoPrBGeAA1Pv1hIWzzqPtWT176FqsO21qzZ3aZQRM5\nT8A+1CNKuLH1Ug1tySBK9YsGwfe7jkxvGWq3pDAKBggqhkjOPQQDAgNIADBFAiEA\nkLe94yeTx9e8Gsw7+SLEogXjgxNAWDEx53fdjtq4R8ICIGSekBTFjlQlq/m+d/JT\n7vc3LvyCxZPs/6mL+gjB9Wry\n-----END CERTIFICATE-----\n";
const VALID_UNTIL_2126 = "-----BEGIN CERTIFICATE-----\nMIIBrTCCAVWgAwIBAgIUAtVEA3Uk9MZdfTabHBhim5ZNmm8wCgYIKoZIzj0EAwIw\nLDEQMA4GA1UECgwHRml4dHVyZTEYMBYGA1UEAwwPRml4dHVyZSBSb290IENBMCAX\nDTI2MTEyMjAwNDAxOFoYDzIxMjYxMDI5MDA0MDE4WjAsMRAwDgYDVQQKDAdGaXh0\ndXJlMRgwFgYDVQQDDA9GaXh0dXJlIFJvb3QgQ0EwWTATBgcqhkjOPQIBBggqhkjO\nPQMBBwNCAATjqvPCG9wz10u6l0GNFB/bqQYL1bpvzTpXaA+p3cQrrW7qZ5V0/o2n\nO2/YOjn+j7MT6V3Jj9aY9SYomrAE7CmUo1MwUTAdBgNVHQ4EFgQU85SEGstFL1T9\n6gsyHfkLq8FQSucwHwYDVR0jBBgwFoAU85SEGstFL1T96gsyHfkLq8FQSucwDwYD\nVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNGADBDAh8WWJO3tVhpnXDA+1O44Dua\n70FNLSVUHYAjaBP/Znn8AiBiWtg5+WlQl1w/4U8WQcyp6uSLQZBkJQ/R03Jzja02\nEg==\n-----END CERTIFICATE-----\n";

export const certificateExpiryRule: Rule = {
  id: "certificate-expiry",
  examples: {
    // A self-signed certificate that expired in 2021 (used by nothing: low; served by nginx:
    // medium; trusted system-wide: low); a CA certificate valid until 2126.
    fire: [
      { "certs/old.pem": EXPIRED_2021 },
      hostExample(`{ services.nginx.enable = true;\n  services.nginx.virtualHosts."old.example.org" = { onlySSL = true; sslCertificate = ./certs/old.pem; sslCertificateKey = "/run/keys/old.key"; };\n}\n`, "configuration.nix", { "certs/old.pem": EXPIRED_2021 }),
      hostExample(`{ security.pki.certificateFiles = [ ./certs/old.pem ]; }\n`, "configuration.nix", { "certs/old.pem": EXPIRED_2021 }),
    ],
    silent: [
      { "certs/ca.pem": VALID_UNTIL_2126 },
      // Referred to only by a service turned off.
      hostExample(`{ services.nginx.enable = false;\n  services.nginx.virtualHosts."old.example.org".sslCertificate = ./certs/old.pem;\n}\n`, "configuration.nix", { "certs/old.pem": EXPIRED_2021 }),
    ],
  },
  name: "expired or expiring certificate",
  category: "tls",
  severity: "high",
  rationale: `An expired certificate fails TLS verification for everything that serves or trusts it; one expiring within ${EXPIRY_WARNING_DAYS} days is an outage on a known date.`,
  fix: "Renew or replace the certificate before it expires (prefer ACME for server certificates), or remove it if unused.",
  references: [
    { title: "RFC 5280 4.1.2.5: Validity", url: "https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5" },
    nixosManual("SSL/TLS Certificates with ACME", "module-security-acme"),
  ],
  compliance: { cis: ["CIS NGINX Benchmark 4.1.2 Ensure a trusted certificate and trust chain is installed"], nist: ["PR.DS-02", "ID.AM-08"] },

  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    if (ctx.text === undefined) return;
    // A file some host includes is judged with that host's reference to it (checkHost).
    if (ctx.hosts.length > 0) return;
    // Named by Nix code that no host's module list includes (`lib.importJSON ./data/data.json` in
    // a library): read as data, its use cannot be followed, so never "nothing uses it".
    const readers = ctx.readBy ?? [];
    // Given straight to an option (`tls.ca = ../../files/zrepl/ca.crt;`): the use is visible, not
    // something that "cannot be followed" (Shawn8901 nix-configuration's zrepl CA, judged so).
    const options = readers.filter((r) => r.option);
    const shown = (rs: typeof readers) => rs.slice(0, 2).map((r) => `${r.option} (${r.file}:${r.line})`).join(", ") + (rs.length > 2 ? ` and ${rs.length - 2} more` : "");
    const use: Use = options.length
      ? options.every((r) => TRUST_STORE.test(r.option!))
        ? { kind: "trust-anchor", why: `in ${shown(options)}` }
        : { kind: "named", why: shown(options.filter((r) => !TRUST_STORE.test(r.option!))) }
      : readers.length
      ? { kind: "data", why: readers.slice(0, 2).map((r) => `${r.file}:${r.line}${r.how ? ` (${r.how})` : ""}`).join(", ") + (readers.length > 2 ? ` and ${readers.length - 2} more` : "") }
      : { kind: "unused", why: "no host's configuration refers to this file" };
    for (const r of reports(ctx.file, ctx.text, ctx.now, 0, undefined, use)) ctx.report(r);
  },

  checkHost(h) {
    const scope = hostScope(h);
    const found = new Map<string, { text: string; use: Use }>();
    for (const file of h.files) {
      // The test of certificateReferences, on the file's own text (what it names is read after).
      if (!fileAnswers(file, "certificateReferences", (c) => CERT_REFERENCE.test(c.text))) continue;
      for (const ref of certificateReferences(file, h.host)) {
        if (found.get(ref.path)?.use.kind === "in-use") continue;
        const use = useOf(scope, file, ref.node);
        if (!use) continue;
        const known = found.get(ref.path);
        if (!known || (known.use.kind !== "in-use" && use.kind === "in-use")) found.set(ref.path, { text: ref.text, use });
      }
    }
    for (const [path, { text, use }] of found) for (const r of reports(path, text, h.now, 0, undefined, use)) h.report({ ...r, file: path });
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
      const def = enclosingDefinition(ctx.index, node);
      const use: Use | undefined = !def
        ? undefined
        : TRUST_STORE.test(def.path)
          ? { kind: "trust-anchor", why: `in ${def.path}` }
          : { kind: "in-use", why: `in ${def.path}` };
      for (const r of reports(ctx.file, text, ctx.now, lineOffset, node, use)) ctx.report(r);
      return false;
    });
  },
};

