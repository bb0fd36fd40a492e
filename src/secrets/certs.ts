// Certificates committed to a repository (PEM files, or PEM blocks inside Nix strings): who they are
// for, who issued them, when they expire. Parsed by node's X509Certificate (OpenSSL underneath), so
// what we read is what TLS libraries read.
import { X509Certificate } from "node:crypto";

export interface ParsedCertificate {
  /** Distinguished name, RDNs joined by ", " (`CN=web.example.org, O=Example`). */
  subject: string;
  issuer: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Issuer equals subject and the certificate's own key verifies its signature. */
  selfSigned: boolean;
  isCA: boolean;
  subjectAltName?: string;
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint256: string;
  /** 1-based line and column of the BEGIN marker; endLine of the END marker. */
  line: number;
  column: number;
  endLine: number;
}

export interface CertificateParseError {
  line: number;
  message: string;
}

export interface CertificateParseResult {
  certificates: ParsedCertificate[];
  errors: CertificateParseError[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function distinguishedName(dn: string): string {
  return dn.split("\n").filter((p) => p !== "").join(", ");
}

/** openssl's "Nov 22 00:27:32 2026 GMT" as ISO 8601. */
function isoDate(openssl: string): string {
  const ms = Date.parse(openssl.replace(/\s+/g, " "));
  if (Number.isNaN(ms)) throw new Error(`unreadable date '${openssl}'`);
  return new Date(ms).toISOString();
}

function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * Every PEM certificate in `text`. The base64 body may be indented (a Nix '' string) or carry
 * escaped newlines (a JSON string). A block that does not parse becomes an error entry.
 */
export function parseCertificates(text: string): CertificateParseResult {
  const certificates: ParsedCertificate[] = [];
  const errors: CertificateParseError[] = [];
  for (const m of text.matchAll(PEM_CERTIFICATE)) {
    const start = lineAndColumn(text, m.index);
    const endLine = lineAndColumn(text, m.index + m[0].length - 1).line;
    const body = m[1]!.replace(/\\[nr]/g, "").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      errors.push({ line: start.line, message: "certificate block is not base64" });
      continue;
    }
    try {
      const cert = new X509Certificate(Buffer.from(body, "base64"));
      const parsed: ParsedCertificate = {
        subject: distinguishedName(cert.subject),
        issuer: distinguishedName(cert.issuer),
        notBefore: isoDate(cert.validFrom),
        notAfter: isoDate(cert.validTo),
        selfSigned: isSelfSigned(cert),
        isCA: cert.ca,
        serialNumber: cert.serialNumber,
        fingerprint256: cert.fingerprint256,
        line: start.line,
        column: start.column,
        endLine,
      };
      if (cert.subjectAltName) parsed.subjectAltName = cert.subjectAltName;
      certificates.push(parsed);
    } catch (e) {
      errors.push({ line: start.line, message: `certificate could not be parsed: ${(e as Error).message}` });
    }
  }
  return { certificates, errors };
}

export type CertificateExpiry = "expired" | "expiring" | "ok";

/** Certificates expiring within this many days are reported as "expiring". */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days from `now` until notAfter (negative once expired), fractional. */
export function daysUntilExpiry(cert: Pick<ParsedCertificate, "notAfter">, now: Date): number {
  return (Date.parse(cert.notAfter) - now.getTime()) / DAY_MS;
}

/** "expired" once notAfter has passed, "expiring" within `warnDays` of it, else "ok". */
export function certificateExpiry(cert: Pick<ParsedCertificate, "notAfter">, now: Date, warnDays = EXPIRY_WARNING_DAYS): CertificateExpiry {
  const days = daysUntilExpiry(cert, now);
  if (days < 0) return "expired";
  if (days < warnDays) return "expiring";
  return "ok";
}
