// The paging and naming helpers of bounded answers, and diff redaction, on their own.
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, fitPage, jsonBytes, nearestName, unknownHostsMessage } from "../../src/mcp/answer.js";
import { redactDiffSecrets } from "../../src/scan/findings.js";

describe("cursors", () => {
  it("round-trip, and refuse altered offsets, other kinds and garbage", () => {
    const c = encodeCursor({ ref: "security/all/20261206T205336584Z-4425a3", offset: 40 });
    expect(decodeCursor(c, "security")).toEqual({ ref: "security/all/20261206T205336584Z-4425a3", offset: 40 });
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(c, "base64url").toString()), o: 0 })).toString("base64url");
    expect(() => decodeCursor(altered, "security")).toThrow(/not a cursor of this server/);
    expect(() => decodeCursor(c, "drift")).toThrow(/pages a security answer, not a drift one/);
    expect(() => decodeCursor("not base64 {", "security")).toThrow(/not a cursor/);
  });
});

describe("host names", () => {
  it("suggest the near miss, case-insensitively, and list every host", () => {
    expect(nearestName("NAS", ["nas", "web1"])).toBe("nas");
    expect(nearestName("wbe1", ["db1", "web1"])).toBe("web1");
    expect(nearestName("mailserver", ["nas", "web1"])).toBeUndefined();
    expect(unknownHostsMessage(["nsa"], ["web1", "nas"], "/repo")).toBe("unknown host 'nsa' (did you mean 'nas'?). The hosts /repo declares: nas, web1. (list_hosts shows them.)");
    expect(unknownHostsMessage(["nas"], ["web1", "nas"], "/repo")).toBeUndefined();
  });
});

describe("fitPage", () => {
  it("takes as many items as fit the budget, at most the limit, at least one", () => {
    const items = Array.from({ length: 100 }, (_, i) => "x".repeat(90) + i);
    const build = (page: readonly string[]) => ({ page: [...page] });
    const { page, count } = fitPage(items, 10, 50, build, 2000);
    expect(jsonBytes(page)).toBeLessThanOrEqual(2000);
    expect(count).toBeGreaterThan(10);
    expect(jsonBytes(build(items.slice(10, 11 + count)))).toBeGreaterThan(2000);
    expect(fitPage(items, 0, 5, build, 1_000_000).count).toBe(5);
    expect(fitPage(items, 0, 50, build, 10).count).toBe(1);
  });

  it("finds the count that trying every count finds, for any offset, limit and budget", () => {
    const items = Array.from({ length: 60 }, (_, i) => "y".repeat((i * 37) % 50) + i);
    const build = (page: readonly string[]) => ({ page: [...page] });
    for (const budget of [10, 200, 700, 3000, 100_000])
      for (const offset of [0, 7, 59, 60])
        for (const limit of [1, 2, 3, 17, 60, 200]) {
          const max = Math.max(0, Math.min(limit, items.length - offset));
          let want = Math.min(1, max);
          for (let n = 1; n <= max; n++) if (jsonBytes(build(items.slice(offset, offset + n))) <= budget) want = n;
          expect(fitPage(items, offset, limit, build, budget).count, `${budget} ${offset} ${limit}`).toBe(want);
        }
  });
});

describe("redactDiffSecrets", () => {
  it("redacts secrets in context, removed and added lines, also a removed line that starts with '-- '", () => {
    const key = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc";
    const diff = [
      "--- a/hosts/web1.nix",
      "+++ b/hosts/web1.nix",
      "@@ -1,4 +1,4 @@",
      ` environment.variables.STRIPE_SECRET_KEY = "${key}";`,
      '-  services.openssh.settings.PermitRootLogin = "yes";',
      '+  services.openssh.settings.PermitRootLogin = "no";',
      `--- STRIPE=${key}`,
      "",
    ].join("\n");
    const out = redactDiffSecrets(diff);
    expect(out).not.toContain(key);
    expect(out).toContain('PermitRootLogin = "no"');
    expect(out.split("\n").slice(0, 3)).toEqual(diff.split("\n").slice(0, 3));
  });
});
