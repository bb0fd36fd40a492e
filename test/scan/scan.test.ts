// The scan as a whole: the report contract, errors instead of crashes, stable fingerprints,
// filters, cancellation and the repeat-scan cache.
import { describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { scanFiles, withRepo } from "../helpers/scan.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const SERVICE = `{ ... }: {
  systemd.services.job = {
    description = "x";
    script = "run-job --loop";
  };
}
`;

describe("runScan", () => {
  it("produces a report that satisfies the SecurityReport schema", async () => {
    const report = await scanFiles({ "a.nix": SERVICE });
    expect(() => SecurityReport.parse(report)).not.toThrow();
    expect(report.summary.total).toBe(report.findings.length);
  });

  it("turns a file that does not parse into an error entry with its position and scans the rest", async () => {
    const report = await scanFiles({ "broken.nix": "{\n  a = ;\n}\n", "a.nix": SERVICE });
    const err = report.errors.find((e) => e.file === "broken.nix")!;
    expect(err.source).toBe("parse");
    expect([err.line, err.column]).toEqual([2, 7]);
    expect(err.message).toMatch(/syntax error/);
    expect(report.findings.map((f) => f.file)).toEqual(["a.nix"]);
  });

  it("skips binary .nix files with a note", async () => {
    const report = await scanFiles({ "bin.nix": Buffer.from([0x7b, 0x00, 0x01, 0x7d]), "a.nix": SERVICE });
    expect(report.errors.find((e) => e.file === "bin.nix")?.message).toMatch(/binary/);
  });

  it("keeps a finding's id when unrelated lines move", async () => {
    const a = await scanFiles({ "a.nix": SERVICE });
    const b = await scanFiles({ "a.nix": SERVICE.replace("{ ... }: {", "{ ... }: {\n  # a new comment\n  networking.hostName = \"x\";\n") });
    expect(a.findings[0]!.line).not.toBe(b.findings[0]!.line);
    expect(a.findings[0]!.id).toBe(b.findings[0]!.id);
  });

  it("filters by severity threshold", async () => {
    const report = await scanFiles({ "a.nix": SERVICE }, { severityThreshold: "critical" });
    expect(report.findings).toHaveLength(0);
  });

  it("stops when cancelled", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(scanFiles({ "a.nix": SERVICE }, { signal: ac.signal })).rejects.toThrow();
  });

  it("re-scans quickly in the same process, redoing only what changed", async () => {
    clearScanCache();
    await withRepo({ "a.nix": SERVICE, "b.nix": "{ ... }: { networking.hostName = \"b\"; }" }, async (root) => {
      const first = await runScan({ root, quick: true });
      await writeFile(join(root, "b.nix"), "{ ... }: { networking.hostName = \"c\"; }");
      const second = await runScan({ root, quick: true });
      expect(second.findings.map((f) => f.id)).toEqual(first.findings.map((f) => f.id));
    });
  });
});
