// certificate-expiry on a data file: one finding per certificate however often the file repeats it
// (a leaf and the chain that begins with it), and a file Nix code reads is not "used by nothing".
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const CERTS = join(import.meta.dirname, "../fixtures/rules/certificate-expiry/fire/unused/certs");
const PEM = readFileSync(join(CERTS, readdirSync(CERTS)[0]!), "utf8");

describe("certificate-expiry on data files", () => {
  it("reports a leaf repeated at the head of its chain once", async () => {
    const data = JSON.stringify({ leaf: PEM, chain: PEM + PEM }, null, 2);
    const report = await scanMemory({ "data/certs.json": data });
    const found = report.findings.filter((f) => f.ruleId === "certificate-expiry");
    expect(found.map((f) => `${f.file}:${f.line} ${f.severity}`)).toEqual(["data/certs.json:2 info"]);
    expect(found[0]!.message).toContain("Nothing uses it");
  });

  it("says a file read with fromJSON (readFile ...) is read by Nix code, low", async () => {
    const report = await scanMemory({
      "data/certs.json": JSON.stringify({ leaf: PEM }),
      "lib.nix": "{ }: builtins.fromJSON (builtins.readFile ./data/certs.json)\n",
    });
    const found = report.findings.filter((f) => f.ruleId === "certificate-expiry");
    expect(found.map((f) => f.severity)).toEqual(["low"]);
    expect(found[0]!.message).toContain("lib.nix:1 (readFile)");
    expect(found[0]!.message).not.toContain("Nothing uses it");
  });
});
