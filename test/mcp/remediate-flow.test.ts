// The remediate tool's confirmation flow, end to end through the SDK (a real Client and the real
// server over an in-memory transport), with the remediation core replaced by a recorder: the core
// does not exist yet (src/remediate/api.ts is its interface), so this checks what the tool does
// around it: which calls reach the core, when, and only after whose consent.
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema, ElicitRequestSchema, type CallToolResult, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/mcp/server.js";
import { RemediateOutput } from "../../src/mcp/tools/remediate.js";
import type { PlanRequest, RemediationApi, RemediationPlan } from "../../src/remediate/api.js";
import { connect, onCleanup, workspace } from "./helpers.js";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Records every call; knows one plan, made by planRemediation. */
function recorder(root: string) {
  const calls: string[] = [];
  const requests: PlanRequest[] = [];
  let plan: RemediationPlan | undefined;
  const api: RemediationApi = {
    async planRemediation(req) {
      calls.push("plan");
      requests.push(req);
      const f = req.security!.findings[0]!;
      plan = {
        id: "plan-7f3a",
        createdAt: "2026-01-01T00:00:00.000Z",
        root,
        actions: [{ id: "a1", source: { kind: "finding", id: f.id, ruleId: f.ruleId, category: f.category, severity: f.severity, title: f.title }, type: "edit", safety: "review", description: "harden shop-api", file: f.file, diff: "--- a/x\n+++ b/x\n", reversible: true }],
        diff: "--- a/x\n+++ b/x\n",
        commands: [],
        skipped: [],
      };
      return plan;
    },
    async getPlan(id) {
      calls.push(`get ${id}`);
      return plan && plan.id === id ? plan : undefined;
    },
    async applyPlan(id) {
      calls.push(`apply ${id}`);
      return { planId: id, journal: "j1", ok: true, outcomes: [{ actionId: "a1", ok: true, message: "edited" }] };
    },
    async previewUndo(id) {
      calls.push(`preview ${id}`);
      // The journal's files, which need not be the plan's: the question must show these.
      return id === "plan-7f3a" ? { planId: id, files: ["hosts/journal-only.nix"], branch: "nix-warden/fix-2026-01-01", previousBranch: "main", interrupted: false } : undefined;
    },
    async undoPlan(id) {
      calls.push(`undo ${id}`);
      return { planId: id, ok: true, outcomes: [{ actionId: "a1", ok: true, message: "reverted" }] };
    },
  };
  return { api, calls, requests };
}

async function setup(elicit?: (message: string) => ElicitResult) {
  const { repo } = await workspace();
  const rec = recorder(repo);
  const { server, cleanup } = createServer({ cwd: repo, remediation: rec.api });
  const client = new Client({ name: "flow-test", version: "1.0.0" }, { capabilities: elicit ? { elicitation: { form: {} } } : {} });
  const asked: string[] = [];
  if (elicit)
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return elicit(req.params.message);
    });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  onCleanup(async () => {
    await client.close();
    await cleanup();
  });
  const call = async (args: Record<string, unknown>) => (await client.callTool({ name: "remediate", arguments: args }, CallToolResultSchema)) as CallToolResult;
  await client.callTool({ name: "security_scan", arguments: { quick: true } });
  return { ...rec, call, asked, repo };
}

const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe("remediate confirmation flow", () => {
  it("dry run: plans from the latest stored report with the filters, changes nothing", async () => {
    const s = await setup();
    const r = await s.call({ severity: "high", safeOnly: true, ids: ["x"] });
    expect(r.isError).toBeFalsy();
    const out = RemediateOutput.parse(r.structuredContent);
    expect(out.status).toBe("planned");
    expect(out.plan!.id).toBe("plan-7f3a");
    expect(out.message).toContain('call remediate with apply="plan-7f3a"');
    expect(JSON.parse(textOf(r))).toEqual(r.structuredContent);
    expect(s.calls).toEqual(["plan"]);
    expect(s.requests[0]).toMatchObject({ root: s.repo, severity: "high", safeOnly: true, ids: ["x"] });
    expect(s.requests[0]!.security!.findings.length).toBeGreaterThan(0);
  });

  it("a client that accepts: the user is asked with the plan's actions, then the plan is applied; undo likewise", async () => {
    const s = await setup(() => ({ action: "accept", content: { confirm: true } }));
    await s.call({});
    const r = await s.call({ apply: "plan-7f3a" });
    const out = RemediateOutput.parse(r.structuredContent);
    expect(out.status).toBe("applied");
    expect(out.result!.ok).toBe(true);
    expect(s.asked).toHaveLength(1);
    expect(s.asked[0]).toContain("apply remediation plan plan-7f3a");
    expect(s.asked[0]).toMatch(/- edit \S+\.nix: harden shop-api \(review\)/);
    expect(s.calls).toEqual(["plan", "get plan-7f3a", "apply plan-7f3a"]);
    const u = await s.call({ undo: "plan-7f3a" });
    expect(RemediateOutput.parse(u.structuredContent).status).toBe("undone");
    expect(s.calls.slice(-3)).toEqual(["get plan-7f3a", "preview plan-7f3a", "undo plan-7f3a"]);
    expect(s.asked).toHaveLength(2);
    // The undo question lists what undo writes (the journal's files and branch), not the plan's actions.
    expect(s.asked[1]).toContain("undo remediation plan plan-7f3a");
    expect(s.asked[1]).toContain("- restore hosts/journal-only.nix to its bytes before the plan");
    expect(s.asked[1]).toContain("switch back to main and delete branch nix-warden/fix-2026-01-01");
    expect(s.asked[1]).not.toContain("harden shop-api");
  });

  it("the agent's confirm=true does not replace asking the user when the client can ask", async () => {
    const s = await setup(() => ({ action: "decline" }));
    await s.call({});
    const r = await s.call({ apply: "plan-7f3a", confirm: true });
    const out = RemediateOutput.parse(r.structuredContent);
    expect(out.status).toBe("declined");
    expect(r.isError).toBeFalsy();
    expect(s.asked).toHaveLength(1);
    expect(s.calls).toEqual(["plan", "get plan-7f3a"]);
  });

  it("accept without ticking the box, or cancel, is not a yes", async () => {
    for (const answer of [{ action: "accept", content: { confirm: false } }, { action: "cancel" }] as ElicitResult[]) {
      const s = await setup(() => answer);
      await s.call({});
      expect(RemediateOutput.parse((await s.call({ apply: "plan-7f3a" })).structuredContent).status).toBe("declined");
      expect(s.calls).not.toContain("apply plan-7f3a");
    }
  });

  it("a client without elicitation: refused without confirm=true (the core is not even asked), applied with it", async () => {
    const s = await setup();
    await s.call({});
    const refused = await s.call({ apply: "plan-7f3a" });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("needs the user's confirmation");
    expect(s.calls).toEqual(["plan"]);
    const unknown = await s.call({ apply: "plan-0000", confirm: true });
    expect(textOf(unknown)).toContain("no plan with id plan-0000");
    expect(s.calls).not.toContain("apply plan-0000");
    const ok = await s.call({ apply: "plan-7f3a", confirm: true });
    expect(RemediateOutput.parse(ok.structuredContent).status).toBe("applied");
    expect(s.calls.slice(-1)).toEqual(["apply plan-7f3a"]);
  });

  it("the real server over stdio: a journal committed in the repository undoes nothing outside the roots; a real undo asks with the journal's files", async () => {
    const { ws, repo } = await workspace();
    const victim = join(ws, "outside-victim.txt");
    await writeFile(victim, "precious\n");
    const sha = (t: string) => createHash("sha256").update(t).digest("hex");
    const id = "0123456789ab";
    await mkdir(join(repo, ".nix-warden", "journal"), { recursive: true });
    await writeFile(
      join(repo, ".nix-warden", "journal", `${id}.json`),
      JSON.stringify({ planId: id, appliedAt: "2026-01-01T00:00:00.000Z", root: repo, gitRoot: repo, files: [{ file: "../outside-victim.txt", beforeHash: sha("owned\n"), afterHash: sha("precious\n"), before: "owned\n" }], commands: [] }),
    );
    const c = await connect({ cwd: repo, elicit: () => ({ action: "accept", content: { confirm: true } }) });
    onCleanup(() => c.client.close());
    const call = async (args: Record<string, unknown>) => (await c.client.callTool({ name: "remediate", arguments: args }, CallToolResultSchema)) as CallToolResult;
    const evil = await call({ undo: id });
    expect(evil.isError).toBe(true);
    expect(textOf(evil)).toContain("was not applied");
    expect(c.elicitations).toHaveLength(0);
    expect(await readFile(victim, "utf8")).toBe("precious\n");

    await c.client.callTool({ name: "security_scan", arguments: { quick: true } });
    const plan = RemediateOutput.parse((await call({ category: "service-hardening" })).structuredContent).plan!;
    const file = plan.actions[0]!.file!;
    expect(RemediateOutput.parse((await call({ apply: plan.id })).structuredContent).status).toBe("applied");
    const undone = await call({ undo: plan.id });
    expect(RemediateOutput.parse(undone.structuredContent).status).toBe("undone");
    expect(c.elicitations[1]).toContain(`- restore ${file} to its bytes before the plan`);
    expect(c.elicitations[1]).toMatch(/switch back to main and delete branch nix-warden\/fix-/);
  });
});
