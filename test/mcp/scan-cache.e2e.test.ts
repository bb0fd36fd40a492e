// The MCP server's first security_scan of a repository starts from the scan's persistent cache
// (src/scan/cache.ts), as the CLI's scan does: a fresh server answers an unchanged repository from
// the cache file, and a changed one by scanning it again. Real built server, SDK client over stdio.
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { cacheBase } from "../../src/system/state.js";
import { connect, linkedReport, workspace } from "./helpers.js";

type Result = { content: Array<{ type: string }>; isError?: boolean };

/** One fresh server's first quick scan of the repository: its full report. */
async function firstScan(repo: string): Promise<SecurityReport> {
  const c = await connect({ cwd: repo });
  try {
    const r = (await c.client.callTool({ name: "security_scan", arguments: { quick: true } }, CallToolResultSchema, { timeout: 120_000 })) as Result;
    expect(r.isError).toBeFalsy();
    return SecurityReport.parse(await linkedReport(c.client, r));
  } finally {
    await c.close();
  }
}

/** The cache files of the scan, with the inode each has now (a rewrite is a new file, renamed in). */
async function cacheFiles(): Promise<Map<string, bigint>> {
  const dir = join(cacheBase(), "scan");
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = new Map<string, bigint>();
  for (const n of names.filter((n) => n.endsWith(".json"))) out.set(n, (await stat(join(dir, n), { bigint: true })).ino);
  return out;
}

const withoutTime = (r: SecurityReport) => JSON.stringify({ ...r, generatedAt: undefined });

describe("security_scan and the persistent cache", () => {
  it("a fresh server's first scan of an unchanged repository is answered from the cache file; a changed file is scanned again", async () => {
    const { repo } = await workspace();
    const before = await cacheFiles();
    const first = await firstScan(repo);
    // The first server's scan wrote one cache file (before, the server never used the cache).
    const written = [...(await cacheFiles())].filter(([n]) => !before.has(n));
    expect(written).toHaveLength(1);
    const [name, inode] = written[0]!;

    // A second server: the same report, and the cache file is not rewritten (a hit writes nothing).
    const second = await firstScan(repo);
    expect(withoutTime(second)).toBe(withoutTime(first));
    expect((await cacheFiles()).get(name)).toBe(inode);

    // A change the report must show: a third server scans again (never a stale answer).
    await writeFile(join(repo, "hosts", "web1.nix"), "{ ... }: { services.openssh.settings.PermitRootLogin = \"yes\"; networking.firewall.enable = false; }\n");
    const third = await firstScan(repo);
    expect(withoutTime(third)).not.toBe(withoutTime(first));
    expect(third.findings.some((f) => f.file === "hosts/web1.nix" && f.ruleId === "firewall-disabled")).toBe(true);
    expect((await cacheFiles()).get(name)).not.toBe(inode);
  }, 180_000);
});
