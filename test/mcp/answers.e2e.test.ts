// Answers an agent can read: on a repository of 400+ .nix files and thousands of findings, every
// tool's default answer is at most 32 KB of JSON; paging with cursor visits every finding (and drift
// item) exactly once; the resource link returns the full report; content and structuredContent say
// the same thing. Unknown hosts and the wrong machine are errors, not reports. The built server over
// stdio with the SDK client.
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ANSWER_MAX_BYTES } from "../../src/mcp/answer.js";
import { DriftAnswer, SecurityAnswer } from "../../src/mcp/summary.js";
import { RemediateOutput } from "../../src/mcp/tools/remediate.js";
import { DriftReportX } from "../../src/drift/model.js";
import { SecurityReport } from "../../src/report/schema.js";
import { writeBigRepository } from "../helpers/big-repo.js";
import { CLI, connect, tempDir, workspace, type Connected } from "./helpers.js";

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

async function call(c: Connected, name: string, args: Record<string, unknown>): Promise<Result> {
  return (await c.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 300_000 })) as Result;
}

const text = (r: Result) => r.content.filter((c) => c.type === "text").map((c) => (c as { text: string }).text).join("\n");

/** The answer is bounded, and its text is its structured content. */
function checkAnswer(r: Result, what: string): void {
  expect(r.isError, `${what}: ${text(r).slice(0, 300)}`).toBeFalsy();
  expect(Buffer.byteLength(JSON.stringify(r)), `${what}: answer size`).toBeLessThanOrEqual(ANSWER_MAX_BYTES);
  const first = r.content[0] as { type: string; text: string };
  expect(first.type).toBe("text");
  expect(JSON.parse(first.text), `${what}: content[0] is the JSON of structuredContent`).toEqual(r.structuredContent);
}

async function bigDriftInputs(ws: string): Promise<void> {
  const { materializeRoot } = await import("../../src/drift/root-spec.js");
  const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
  await materializeRoot(join(EXAMPLE_DIR, "system"), join(ws, "machine"));
  // 300 declared groups the machine lacks: 300 drift items.
  const declared = JSON.parse(await readFile(join(EXAMPLE_DIR, "declared.json"), "utf8")) as { groups: Record<string, unknown> };
  for (let i = 0; i < 300; i++) declared.groups[`team${i}`] = { name: `team${i}`, gid: 20000 + i, members: [] };
  await writeFile(join(ws, "declared.json"), JSON.stringify(declared));
}

describe("bounded answers on a large repository", () => {
  it("every tool's default answer is at most 32 KB; cursor paging visits every finding once; the resource link is the full report", async () => {
    const ws = await tempDir();
    const repo = join(ws, "repo");
    await mkdir(repo);
    // 11 hosts of 38 modules: as many files as 20 of 20, at half the scan time; still more hosts
    // than the 10 that perHost lists.
    const { nixFiles } = await writeBigRepository(repo, 11, 38);
    expect(nixFiles).toBeGreaterThanOrEqual(400);
    await bigDriftInputs(ws);
    const c = await connect({ cwd: ws, args: ["--root", repo, "--root", ws] });

    // security_scan, default detail.
    const first = await call(c, "security_scan", { quick: true });
    checkAnswer(first, "security_scan");
    const answer = SecurityAnswer.parse(first.structuredContent);
    expect(answer.summary.total).toBeGreaterThan(1000);
    expect(answer.summary.hostCount).toBe(11);
    expect(answer.summary.perHost.filter((h) => h.host.startsWith("host"))).toHaveLength(10);
    expect(answer.summary.perHost[0]!.score).toBeTypeOf("number");
    expect(answer.page.count).toBeGreaterThan(0);
    expect(answer.page.count).toBeLessThanOrEqual(20);
    expect(answer.nextCursor).toBeTruthy();
    // No references or rationale repeated on findings: that is explain_rule's.
    expect(first.content[0]!.type === "text" && (first.content[0] as { text: string }).text).not.toContain('"references"');

    // The resource link is the full report.
    const link = first.content.find((x) => x.type === "resource_link") as { uri: string };
    expect(link.uri).toBe(answer.report.uri);
    const full = SecurityReport.parse(JSON.parse(((await c.client.readResource({ uri: link.uri })).contents[0] as { text: string }).text));
    expect(full.findings).toHaveLength(answer.summary.total);
    const allIds = full.findings.map((f) => f.id).sort();

    // Paging: every finding exactly once, in each detail level that lists them.
    for (const detail of ["findings", "full"] as const) {
      const seen: string[] = [];
      let r = detail === "findings" ? first : await call(c, "security_scan", { quick: true, detail, limit: 200 });
      for (let pages = 0; ; pages++) {
        checkAnswer(r, `security_scan ${detail} page ${pages}`);
        const a = SecurityAnswer.parse(r.structuredContent);
        expect(a.page.offset).toBe(seen.length);
        for (const g of a.groups) for (const p of g.places) seen.push(p.id);
        if (detail === "full") expect(a.groups.flatMap((g) => g.places).every((p) => p.message !== undefined && p.column !== undefined)).toBe(true);
        if (!a.nextCursor) break;
        expect(pages).toBeLessThan(2000);
        r = await call(c, "security_scan", { cursor: a.nextCursor, detail, limit: detail === "full" ? 200 : 50 });
      }
      expect(seen.length, detail).toBe(allIds.length);
      expect([...seen].sort(), detail).toEqual(allIds);
    }

    // detail summary: no findings, a cursor to start paging.
    const summary = await call(c, "security_scan", { quick: true, detail: "summary" });
    checkAnswer(summary, "security_scan summary");
    const s = SecurityAnswer.parse(summary.structuredContent);
    expect(s.groups).toEqual([]);
    expect(SecurityAnswer.parse((await call(c, "security_scan", { cursor: s.nextCursor })).structuredContent).page.offset).toBe(0);

    // A cursor is tied to its report: a forged or foreign one is refused.
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(answer.nextCursor!, "base64url").toString()), o: 5 })).toString("base64url");
    const bad = await call(c, "security_scan", { cursor: forged });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("not a cursor of this server");
    const otherHosts = await call(c, "security_scan", { cursor: answer.nextCursor, hosts: ["host01"] });
    expect(otherHosts.isError).toBe(true);

    // check_drift: 300+ items, paged by category.
    const drift = await call(c, "check_drift", { declaredFile: join(ws, "declared.json"), root: join(ws, "machine"), host: "web1" });
    checkAnswer(drift, "check_drift");
    const d = DriftAnswer.parse(drift.structuredContent);
    expect(d.summary.total).toBeGreaterThan(300);
    const driftFull = DriftReportX.parse(JSON.parse(((await c.client.readResource({ uri: d.report.uri })).contents[0] as { text: string }).text));
    const driftSeen: string[] = [];
    let dr: Result = drift;
    for (;;) {
      checkAnswer(dr, "check_drift page");
      const a = DriftAnswer.parse(dr.structuredContent);
      for (const g of a.groups) for (const i of g.items) driftSeen.push(i.id);
      if (!a.nextCursor) break;
      dr = await call(c, "check_drift", { cursor: a.nextCursor, limit: 100 });
    }
    expect(driftSeen.sort()).toEqual(driftFull.items.map((i) => i.id).sort());
    const crossed = await call(c, "check_drift", { cursor: answer.nextCursor });
    expect(crossed.isError).toBe(true);
    expect(text(crossed)).toContain("pages a security answer");
    checkAnswer(await call(c, "check_drift", { declaredFile: join(ws, "declared.json"), root: join(ws, "machine"), host: "web1", detail: "full" }), "check_drift full");

    // remediate: a plan of hundreds of actions, bounded; the whole plan is a resource.
    const plan = await call(c, "remediate", { path: repo, kind: "security" });
    checkAnswer(plan, "remediate");
    const p = RemediateOutput.parse(plan.structuredContent).plan!;
    expect(p.totalActions).toBeGreaterThan(p.actions.length);
    const whole = JSON.parse(((await c.client.readResource({ uri: p.uri })).contents[0] as { text: string }).text) as { actions: unknown[] };
    expect(whole.actions).toHaveLength(p.totalActions);

    checkAnswer(await call(c, "list_hosts", { path: repo }), "list_hosts");
    checkAnswer(await call(c, "explain_rule", { ruleId: "systemd-service-exposure" }), "explain_rule");
    for (const category of ["access", "secrets", "service-hardening", "anti-pattern"]) checkAnswer(await call(c, "explain_rule", { category }), `explain_rule ${category}`);
  }, 600_000);
});

describe("errors that look like success", () => {
  it("an unknown host is an error naming the valid hosts, with a did-you-mean for a near miss", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const nope = await call(c, "security_scan", { hosts: ["nope"], quick: true });
    expect(nope.isError).toBe(true);
    expect(text(nope)).toContain("unknown host 'nope'");
    expect(text(nope)).toContain("db1, web1");
    const near = await call(c, "security_scan", { hosts: ["WEB1"], quick: true });
    expect(near.isError).toBe(true);
    expect(text(near)).toContain("did you mean 'web1'?");
    expect(text(await call(c, "security_scan", { hosts: ["wbe1"], quick: true }))).toContain("did you mean 'web1'?");
    const drift = await call(c, "check_drift", { host: "nope" });
    expect(drift.isError).toBe(true);
    expect(text(drift)).toContain("db1, web1");
    // Nothing was stored for the unknown host.
    const index = JSON.parse(((await c.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text) as { reports: unknown[] };
    expect(index.reports).toEqual([]);
    // A real host still scans.
    expect((await call(c, "security_scan", { hosts: ["web1"], quick: true })).isError).toBeFalsy();
  });

  it("check_drift refuses a machine that is not NixOS, or is another host, unless forced (MCP and CLI)", async () => {
    const { materializeRoot } = await import("../../src/drift/root-spec.js");
    const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
    const ws = await tempDir();
    await writeFile(join(ws, "declared.json"), await readFile(join(EXAMPLE_DIR, "declared.json")));
    // A Debian-like root: no /etc/NIXOS, no /run/current-system.
    await mkdir(join(ws, "debian", "etc"), { recursive: true });
    await writeFile(join(ws, "debian", "etc", "hostname"), "web1\n");
    await writeFile(join(ws, "debian", "etc", "os-release"), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    await writeFile(join(ws, "debian", "etc", "group"), "root:x:0:\naudio:x:29:\n");
    await materializeRoot(join(EXAMPLE_DIR, "system"), join(ws, "machine"));
    const c = await connect({ cwd: ws });

    const debian = await call(c, "check_drift", { declaredFile: "declared.json", root: "debian", host: "web1" });
    expect(debian.isError).toBe(true);
    expect(text(debian)).toMatch(/is not NixOS/);
    const other = await call(c, "check_drift", { declaredFile: "declared.json", root: "machine", host: "nas" });
    expect(other.isError).toBe(true);
    expect(text(other)).toContain("is 'web1', not 'nas'");
    const index = JSON.parse(((await c.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text) as { reports: unknown[] };
    expect(index.reports).toEqual([]);
    const forced = await call(c, "check_drift", { declaredFile: "declared.json", root: "debian", host: "web1", force: true });
    expect(forced.isError, text(forced)).toBeFalsy();
    expect(DriftAnswer.parse(forced.structuredContent).summary.host).toBe("web1");
    expect((await call(c, "check_drift", { declaredFile: "declared.json", root: "machine", host: "web1" })).isError).toBeFalsy();

    // The CLI: the same refusal, exit 3, and --force.
    const run = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [CLI, "drift", ...args], { cwd: ws, encoding: "utf8", stdio: "pipe", timeout: 60_000 }), err: "" };
      } catch (e) {
        const x = e as { status: number; stdout: string; stderr: string };
        return { code: x.status, out: x.stdout, err: x.stderr };
      }
    };
    const refused = run(["--declared", "declared.json", "--root", "debian", "--host", "web1"]);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/refused: .*is not NixOS/);
    const mismatch = run(["--declared", "declared.json", "--root", "machine", "--host", "nas"]);
    expect(mismatch.code).toBe(3);
    expect(mismatch.err).toContain("is 'web1', not 'nas'");
    expect(run(["--declared", "declared.json", "--root", "debian", "--host", "web1", "--force", "--format", "json"]).code).toBe(0);
  });
});
