// Structured content follows the contract: unknown fields a core adds are left to the stored
// resource, and a report that breaks its contract is an error said plainly.
import { describe, expect, it } from "vitest";
import { contractContent } from "../../src/mcp/context.js";
import { SecurityReport } from "../../src/report/schema.js";

const report = {
  tool: { name: "nix-warden", version: "0" },
  generatedAt: "2026-01-01T00:00:00.000Z",
  root: "/r",
  hosts: [],
  summary: { total: 0, bySeverity: {}, byCategory: {}, score: {} },
  findings: [],
  suppressed: [],
  inventory: { services: [], extra: 1 },
  errors: [],
};

describe("contractContent", () => {
  it("strips what the contract does not know (strict clients validate with additionalProperties: false)", () => {
    const r = contractContent(SecurityReport, { ...report, experimental: { x: 1 } }, [{ type: "text", text: "t" }]);
    expect(r.isError).toBeUndefined();
    expect(r.structuredContent).toEqual(report); // inventory is open (catchall): kept
    expect(r.content).toEqual([{ type: "text", text: "t" }]);
  });

  it("turns a report that breaks its contract into an error result that keeps the links", () => {
    const link = { type: "resource_link" as const, uri: "nix-warden://reports/security/all/latest.json", name: "r" };
    const r = contractContent(SecurityReport, { ...report, findings: [{ id: 1 }] }, [{ type: "text", text: "t" }, link]);
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toBeUndefined();
    expect((r.content[0] as { text: string }).text).toMatch(/^internal error: the report does not match its contract \(findings\.0\.id: /);
    expect(r.content.slice(1)).toEqual([{ type: "text", text: "t" }, link]);
  });
});
