import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasOpenssl } from "../helpers/openssl.js";
import { certificateExpiry, daysUntilExpiry, parseCertificates } from "../../src/secrets/certs.js";

const CERTS = join(import.meta.dirname, "../fixtures/secrets/certs");
const read = (name: string) => readFileSync(join(CERTS, name), "utf8");


describe("parseCertificates (recorded OpenSSL certificates)", () => {
  it("reads subject, issuer, validity and self-signedness", () => {
    const { certificates, errors } = parseCertificates(read("expired-self-signed.pem"));
    expect(errors).toEqual([]);
    expect(certificates).toHaveLength(1);
    expect(certificates[0]).toMatchObject({
      subject: "CN=expired-self.example.org",
      issuer: "CN=expired-self.example.org",
      notBefore: "2021-01-01T00:00:00.000Z",
      notAfter: "2021-02-01T00:00:00.000Z",
      selfSigned: true,
      line: 1,
      column: 1,
    });
  });

  it("a CA-signed leaf is not self-signed; the root is, and is a CA", () => {
    const bundle = read("expired-leaf.pem") + read("fixture-root-ca.pem");
    const { certificates } = parseCertificates(bundle);
    expect(certificates.map((c) => [c.subject, c.issuer, c.selfSigned, c.isCA])).toEqual([
      ["CN=old.example.org, O=Fixture", "O=Fixture, CN=Fixture Root CA", false, false],
      ["O=Fixture, CN=Fixture Root CA", "O=Fixture, CN=Fixture Root CA", true, true],
    ]);
    const lines = bundle.split("\n");
    expect(lines[certificates[1]!.line - 1]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines[certificates[0]!.endLine - 1]).toBe("-----END CERTIFICATE-----");
  });

  it("finds a certificate indented inside a Nix string, with its line and column", () => {
    const pem = read("expired-self-signed.pem").trimEnd().split("\n").map((l) => "    " + l).join("\n");
    const nix = `{\n  security.pki.certificates = [ ''\n${pem}\n  '' ];\n}\n`;
    const { certificates } = parseCertificates(nix);
    expect(certificates.map((c) => [c.line, c.column, c.subject])).toEqual([[3, 5, "CN=expired-self.example.org"]]);
  });

  it("reports a broken block as an error entry", () => {
    const { certificates, errors } = parseCertificates("x\n-----BEGIN CERTIFICATE-----\nMIIBnotreally\n-----END CERTIFICATE-----\n");
    expect(certificates).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(2);
    expect(errors[0]!.message).toMatch(/^certificate could not be parsed/);
    expect(parseCertificates("-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----").errors[0]!.message).toBe("certificate block is not base64");
  });
});

describe("certificateExpiry", () => {
  const cert = { notAfter: "2026-03-31T00:00:00.000Z" };
  it("expired, expiring within 30 days, ok", () => {
    expect(certificateExpiry(cert, new Date("2026-04-01T00:00:00Z"))).toBe("expired");
    expect(certificateExpiry(cert, new Date("2026-03-30T23:59:59Z"))).toBe("expiring");
    expect(certificateExpiry(cert, new Date("2026-03-02T00:00:01Z"))).toBe("expiring");
    expect(certificateExpiry(cert, new Date("2026-03-01T00:00:00Z"))).toBe("ok");
    expect(certificateExpiry(cert, new Date("2026-01-01T00:00:00Z"), 120)).toBe("expiring");
    expect(daysUntilExpiry(cert, new Date("2026-03-21T00:00:00Z"))).toBe(10);
  });

  it("the recorded expired certificates are expired today", () => {
    for (const name of ["expired-leaf.pem", "expired-self-signed.pem"]) {
      const [c] = parseCertificates(read(name)).certificates;
      expect(certificateExpiry(c!, new Date())).toBe("expired");
    }
    const [root] = parseCertificates(read("fixture-root-ca.pem")).certificates;
    expect(certificateExpiry(root!, new Date())).toBe("ok");
  });
});

describe.skipIf(!hasOpenssl())("certificates made by openssl now", () => {
  const dir = mkdtempSync(join(tmpdir(), "nw-certs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });

  function selfSigned(name: string, days: number): string {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", String(days), "-subj", `/CN=${name}.example.org`);
    return readFileSync(join(dir, `${name}.pem`), "utf8");
  }

  it("-days 10 is expiring, -days 400 is ok", () => {
    const now = new Date();
    const [soon] = parseCertificates(selfSigned("soon", 10)).certificates;
    const [later] = parseCertificates(selfSigned("later", 400)).certificates;
    expect(soon!.subject).toBe("CN=soon.example.org");
    expect(certificateExpiry(soon!, now)).toBe("expiring");
    expect(certificateExpiry(later!, now)).toBe("ok");
    expect(Math.round(daysUntilExpiry(soon!, now))).toBe(10);
  });

  it("a CA-signed certificate whose validity ended yesterday (openssl ca -enddate) is expired", () => {
    mkdirSync(join(dir, "db"));
    writeFileSync(join(dir, "db/index.txt"), "");
    writeFileSync(join(dir, "db/serial"), "01\n");
    writeFileSync(
      join(dir, "ca.cnf"),
      "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ./db/index.txt\nserial = ./db/serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = p\n[ p ]\ncommonName = supplied\n",
    );
    selfSigned("ca", 365);
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf.example.org");
    const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
    const day = 24 * 3600 * 1000;
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "leaf.csr", "-startdate", stamp(new Date(Date.now() - 90 * day)), "-enddate", stamp(new Date(Date.now() - day)), "-out", "leaf.pem", "-notext");
    const [leaf] = parseCertificates(readFileSync(join(dir, "leaf.pem"), "utf8")).certificates;
    expect(leaf).toMatchObject({ subject: "CN=leaf.example.org", issuer: "CN=ca.example.org", selfSigned: false });
    expect(certificateExpiry(leaf!, new Date())).toBe("expired");
  });
});
