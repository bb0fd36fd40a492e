// security_scan with `vulnerabilities: true` over the real MCP SDK client and the built server
// (stdio): the vulnerable package of a flake host is in the SecurityReport with the data's age.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import type { SecurityReport } from "../../src/report/schema.js";
import { cacheDir } from "../../src/system/state.js";
import { importNvdFiles } from "../../src/vulns/update.js";
import { connect, linkedReport } from "../mcp/helpers.js";

const NVD = join(import.meta.dirname, "..", "fixtures", "vulns", "nvd");
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("MCP security_scan vulnerabilities", () => {
  it("adds the vulnerable packages and the advisory status to the report", async () => {
    dir = await mkdtemp(join(tmpdir(), "nw-vulns-mcp-"));
    const repo = join(dir, "repo");
    await mkdir(repo);
    await writeFile(
      join(repo, "flake.nix"),
      `{ outputs = { self }: let mk = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; }; in {
  nixosConfigurations.web1 = { config.environment.systemPackages = [ (mk "curl-8.4.0") (mk "flex-2.6.4") ]; };
}; }
`,
    );
    execFileSync("git", ["-C", repo, "init", "-q"], { timeout: 30_000 });
    execFileSync("git", ["-C", repo, "add", "-A"], { timeout: 30_000 });
    const cache = join(dir, "nvd.cache");
    await importNvdFiles(["full-page-1.json", "full-page-2.json", "full-page-3.json"].map((f) => join(NVD, f)), cache, { updatedAt: "2025-08-01T00:00:00.000Z" });
    await copyFile(cache, join(await cacheDir("advisories"), "nvd.cache"));

    const c = await connect({ cwd: repo, roots: [repo] });
    const r = (await c.client.callTool({ name: "security_scan", arguments: { path: repo, vulnerabilities: true } }, CallToolResultSchema, { timeout: 120_000 })) as { isError?: boolean };
    expect(r.isError).not.toBe(true);
    // The answer is bounded; the whole report is the resource it links.
    const report = (await linkedReport(c.client, r)) as SecurityReport;
    const vulns = report.findings.filter((f) => f.ruleId === "vulnerable-package");
    expect(vulns.map((f) => [f.optionPath, f.host])).toEqual([["packages.curl", ["web1"]]]);
    expect((report.inventory.vulnerabilities as { advisories: { note: string } }).advisories.note).toMatch(/updated 2025-08-01T00:00:00\.000Z \(\d+ days old\)/);
    await c.close();
  }, 180_000);
});
