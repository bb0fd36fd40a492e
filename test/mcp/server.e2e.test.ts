// End to end: the built server as a child process over stdio, the SDK's Client, a fixture repository.
// Every tool, resource, prompt, completion, progress, logging, list-changed and roots confinement.
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DriftReportX } from "../../src/drift/model.js";
import { DriftAnswer, SecurityAnswer } from "../../src/mcp/summary.js";
import { ListHostsOutput } from "../../src/mcp/tools/list-hosts.js";
import { ExplainRuleOutput } from "../../src/mcp/tools/explain-rule.js";
import { RemediateOutput } from "../../src/mcp/tools/remediate.js";
import { DriftReport, SecurityReport } from "../../src/report/schema.js";
import { ALL_RULES } from "../../src/rules/index.js";
import { cacheBase, repoKey, stateBase } from "../../src/system/state.js";
import { gitIn } from "../helpers/git.js";
import { nixAvailable } from "../helpers/nix.js";
import { fileScoped } from "../helpers/cleanup.js";
import { connect, driftExampleWorkspace, linkedReport, tempDir, workspace, type Connected } from "./helpers.js";

type Result = CallToolResult & { structuredContent?: Record<string, unknown> };

function text(r: Result): string {
  return r.content.filter((c) => c.type === "text").map((c) => (c as { text: string }).text).join("\n");
}

async function call(c: Awaited<ReturnType<typeof connect>>, name: string, args: Record<string, unknown>, opts: Parameters<typeof c.client.callTool>[2] = {}): Promise<Result> {
  return (await c.client.callTool({ name, arguments: args }, CallToolResultSchema, opts)) as Result;
}

const TOOLS = ["check_drift", "explain_rule", "list_hosts", "remediate", "security_scan"];

// The tests that only read what a server offers (its tools, prompts, rule explanations, refusals of
// bad arguments, none of which stores anything) ask one server in one workspace; the others start
// their own.
let reader: Connected;
let stopReader: (() => Promise<void>) | undefined;
beforeAll(async () => {
  [reader, stopReader] = await fileScoped(async () => connect({ cwd: (await workspace()).repo }));
});
afterAll(async () => {
  await stopReader?.();
});

describe("tools/list", () => {
  it("offers five tools, each with a title, an actionable description under 2 KB, flat inputs, the report contract as outputSchema, and annotations", async () => {
    const c = reader;
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(Buffer.byteLength(t.description ?? ""), t.name).toBeLessThan(2048);
      expect(t.description!.length, t.name).toBeGreaterThan(200);
      expect(t.inputSchema.type).toBe("object");
      // Flat: every argument is a scalar, an enum, or an array of scalars.
      for (const [arg, s] of Object.entries(t.inputSchema.properties ?? {}) as [string, Record<string, unknown>][]) {
        expect(["string", "boolean", "integer", "array", undefined], `${t.name}.${arg}`).toContain(s.type);
        if (s.type === "array") expect((s.items as { type?: string }).type, `${t.name}.${arg}`).toBe("string");
        expect(s.description, `${t.name}.${arg} is described`).toBeTruthy();
      }
      expect(t.outputSchema?.type, t.name).toBe("object");
      expect(t.annotations?.title, t.name).toBeTruthy();
    }
    const by = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ["security_scan", "check_drift", "list_hosts", "explain_rule"]) {
      expect(by[name]!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    }
    expect(by.remediate!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(by.remediate!._meta).toEqual({ "anthropic/requiresUserInteraction": true });
    // The outputSchema is the contract's own JSON Schema.
    const contract = (s: z.ZodType) => JSON.parse(JSON.stringify(z.toJSONSchema(s, { target: "draft-7", io: "output" })));
    expect(by.security_scan!.outputSchema).toEqual(contract(SecurityAnswer));
    expect(by.check_drift!.outputSchema).toEqual(contract(DriftAnswer));
    expect(by.remediate!.outputSchema).toEqual(contract(RemediateOutput));
    expect(Object.keys(by.security_scan!.inputSchema.properties!).sort()).toEqual(["cursor", "detail", "formats", "hosts", "limit", "outputDir", "path", "quick", "severityThreshold", "style", "vulnerabilities"]);
    expect(Object.keys(by.check_drift!.inputSchema.properties!).sort()).toEqual(["alertThreshold", "cursor", "declaredFile", "detail", "flake", "force", "host", "hosts", "limit", "noCache", "root"]);
    expect(Object.keys(by.remediate!.inputSchema.properties!).sort()).toEqual(["apply", "category", "confirm", "host", "ids", "kind", "path", "safeOnly", "severity", "undo"]);
  });
});

describe("security_scan", () => {
  it("answers with a bounded summary and page (the text is the same JSON), links the full SecurityReport; reports progress, logs, stores the report and announces it", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const progress: { progress: number; message?: string }[] = [];
    const r = await call(c, "security_scan", {}, { onprogress: (p) => progress.push(p) });
    expect(r.isError).toBeFalsy();
    const answer = SecurityAnswer.parse(r.structuredContent);
    expect(JSON.parse(text(r))).toEqual(r.structuredContent);
    const report = SecurityReport.parse(await linkedReport(c.client, r));
    expect(answer.summary.total).toBe(report.findings.length);
    expect(report.root).toBe(repo);
    expect(report.hosts).toEqual(["db1", "web1"]);
    const exposure = report.findings.filter((f) => f.ruleId === "systemd-service-exposure").map((f) => `${f.file}:${f.line}`);
    expect(exposure).toEqual(expect.arrayContaining(["hosts/web1.nix:5", "hosts/db1.nix:4"]));
    expect(exposure.some((s) => s.startsWith("hosts/web1.nix:11"))).toBe(false); // the hardened service
    // The page lists the findings with their places.
    expect(answer.groups.flatMap((g) => g.places.map((p) => `${g.ruleId} ${p.file}:${p.line}`))).toContain("systemd-service-exposure hosts/web1.nix:5");
    const links = r.content.filter((x) => x.type === "resource_link") as { uri: string; mimeType?: string }[];
    expect(links.map((l) => l.mimeType)).toEqual(["application/json", "text/markdown"]);
    expect(links[0]!.uri).toMatch(/^nix-warden:\/\/reports\/security\/all\/\d{8}T\d{9}Z-[0-9a-f]{6}\.json$/);
    // The link is the same report.
    const read = await c.client.readResource({ uri: links[0]!.uri });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual(report);
    const md = await c.client.readResource({ uri: links[1]!.uri });
    expect((md.contents[0] as { text: string }).text).toMatch(/^# Security report/);
    // Progress: several notifications, strictly increasing.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
    expect(new Set(progress.map((p) => p.progress)).size).toBe(progress.length);
    expect(progress.some((p) => p.message?.startsWith("rules"))).toBe(true);
    // Logging through MCP, and a list_changed for the new report.
    expect(c.logs.some((l) => l.level === "info" && String(l.data).startsWith(`security_scan: scanning ${repo}`))).toBe(true);
    await expect.poll(() => c.listChanged.count).toBeGreaterThanOrEqual(1);
    // Stored on disk in the repository's state directory, not in the repository.
    const stored = await readdir(join(stateBase(), "repos", await repoKey(repo), "reports", "security", "all"));
    expect(stored).toHaveLength(1);
    expect(existsSync(join(repo, ".nix-warden"))).toBe(false);
  });

  it("limits to hosts, filters by severity, writes the requested formats inside the roots", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const r = await call(c, "security_scan", { hosts: ["web1"], severityThreshold: "high", quick: true, formats: ["markdown", "json", "sarif"], outputDir: "out" });
    const report = SecurityReport.parse(await linkedReport(c.client, r));
    expect(report.hosts).toEqual(["web1"]);
    expect(report.findings.every((f) => !f.host || f.host.includes("web1"))).toBe(true);
    expect(report.findings.every((f) => f.severity === "high" || f.severity === "critical")).toBe(true);
    expect((await readdir(join(repo, "out"))).sort()).toEqual(["security-issues.json", "security-report.md", "security.sarif"]);
    const latest = await c.client.readResource({ uri: "nix-warden://reports/security/web1/latest.json" });
    expect(JSON.parse((latest.contents[0] as { text: string }).text).hosts).toEqual(["web1"]);
  });

  it("runs the style lints only when asked (style: true)", async () => {
    const { repo } = await workspace();
    await writeFile(join(repo, "parens.nix"), "{ pkgs, ... }:\n{\n  programs.git.enable = (true);\n}\n");
    const c = await connect({ cwd: repo });
    const ids = async (args: Record<string, unknown>) => SecurityReport.parse(await linkedReport(c.client, await call(c, "security_scan", { quick: true, ...args }))).findings.map((f) => f.ruleId);
    expect(await ids({})).not.toContain("useless-parens");
    expect(await ids({ style: true })).toContain("useless-parens");
  });

  it("refuses bad arguments with a clear error result", async () => {
    const c = reader;
    const bad = await call(c, "security_scan", { hosts: ["web1; rm -rf /"] });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("not a valid host name");
    const invalid = await call(c, "security_scan", { severityThreshold: "urgent" });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toMatch(/Input validation error/);
    const missing = await call(c, "security_scan", { path: "no-such-dir" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("does not exist");
  });
});

describe("logging", () => {
  it("sends warnings about problems in the scan, and honours logging/setLevel", async () => {
    const { repo } = await workspace();
    await writeFile(join(repo, "broken.nix"), "{ services.nginx.enable = true\n");
    const c = await connect({ cwd: repo });
    await c.client.setLoggingLevel("warning");
    await call(c, "security_scan", { quick: true });
    expect(c.logs.some((l) => l.level === "warning" && String(l.data).includes("broken.nix") && String(l.data).includes("does not parse"))).toBe(true);
    expect(c.logs.filter((l) => l.level === "info")).toEqual([]);
    expect(c.logs.every((l) => l.logger === "nix-warden")).toBe(true);
  });
});

describe("roots confinement", () => {
  it("without client roots, confines to the start directory: '..' and symlinks out are refused, nothing is written outside", async () => {
    const { ws, repo } = await workspace();
    const outside = await tempDir("nix-warden-outside-");
    await writeFile(join(outside, "flake.nix"), "{ outputs = { ... }: { }; }\n");
    await symlink(outside, join(repo, "escape"));
    const c = await connect({ cwd: repo });

    const up = await call(c, "security_scan", { path: ".." });
    expect(up.isError).toBe(true);
    expect(text(up)).toContain("outside the allowed roots");
    const abs = await call(c, "security_scan", { path: outside });
    expect(text(abs)).toContain("outside the allowed roots");
    const link = await call(c, "security_scan", { path: "escape" });
    expect(link.isError).toBe(true);
    expect(text(link)).toContain(`resolves through a symlink to ${outside}`);
    const out = await call(c, "security_scan", { quick: true, formats: ["json"], outputDir: join(ws, "elsewhere") });
    expect(text(out)).toContain("outside the allowed roots");
    expect(existsSync(join(ws, "elsewhere"))).toBe(false);
    const outLink = await call(c, "security_scan", { quick: true, formats: ["json"], outputDir: "escape/out" });
    expect(text(outLink)).toContain(`goes through the symbolic link ${join(repo, "escape")}`);
    expect(await readdir(outside)).toEqual(["flake.nix"]);
    const drift = await call(c, "check_drift", { declaredFile: "/etc/passwd" });
    expect(text(drift)).toContain("outside the allowed roots");
    const remote = await call(c, "check_drift", { flake: "github:NixOS/nixpkgs#web1" });
    expect(text(remote)).toContain("not a local directory");
  });

  it("follows the client's roots, and their changes (roots/list_changed)", async () => {
    const { ws, repo } = await workspace();
    const other = join(ws, "other");
    await mkdir(other);
    // Started in the parent; the client narrows the server to the repository.
    const c = await connect({ cwd: ws, roots: [repo] });
    const parent = await call(c, "security_scan", { path: ws, quick: true });
    expect(text(parent)).toContain("outside the allowed roots");
    const inside = await call(c, "security_scan", { quick: true });
    expect(SecurityAnswer.parse(inside.structuredContent).summary.root).toBe(repo); // relative to the first root
    await c.setRoots([other]);
    await expect
      .poll(async () => text(await call(c, "list_hosts", { path: repo })), { timeout: 10_000 })
      .toContain("outside the allowed roots");
    const hosts = await call(c, "list_hosts", {});
    expect(ListHostsOutput.parse(hosts.structuredContent).root).toBe(other);
  });
});

describe("list_hosts and explain_rule", () => {
  it("lists the flake's hosts with their line and latest reports", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const before = ListHostsOutput.parse((await call(c, "list_hosts", {})).structuredContent);
    expect(before.hosts).toEqual([
      { name: "db1", file: "flake.nix", line: 9 },
      { name: "web1", file: "flake.nix", line: 5 },
    ]);
    expect(before.machineHostname).toBeTruthy();
    await call(c, "security_scan", { quick: true, hosts: ["web1"] });
    const after = ListHostsOutput.parse((await call(c, "list_hosts", {})).structuredContent);
    expect(after.hosts.find((h) => h.name === "web1")!.latestSecurity?.uri).toMatch(/^nix-warden:\/\/reports\/security\/web1\//);
    expect(after.hosts.find((h) => h.name === "db1")!.latestSecurity).toBeUndefined();
  });

  it("lists the hosts security_scan finds: a flake-parts module's and a nested flake's, with their file and line", async () => {
    const { ws } = await workspace();
    const repo = join(ws, "parts");
    await mkdir(join(repo, "installer"), { recursive: true });
    await writeFile(join(repo, "flake.nix"), "{\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./hosts.nix ]; };\n}\n");
    await writeFile(join(repo, "hosts.nix"), "{ inputs, ... }: {\n  flake.nixosConfigurations = {\n    nas = inputs.nixpkgs.lib.nixosSystem { modules = [ ./nas.nix ]; };\n  };\n}\n");
    await writeFile(join(repo, "nas.nix"), "{ ... }: { }\n");
    await writeFile(join(repo, "installer", "flake.nix"), "{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.iso = nixpkgs.lib.nixosSystem { modules = [ ]; };\n  };\n}\n");
    const c = await connect({ cwd: repo });
    const out = ListHostsOutput.parse((await call(c, "list_hosts", {})).structuredContent);
    expect(out.hosts).toEqual([
      { name: "installer#iso", file: "installer/flake.nix", line: 3 },
      { name: "nas", file: "hosts.nix", line: 3 },
    ]);
    expect(out.errors).toEqual([]);
  });

  it("explains rules from the registry, by id or category, and suggests ids for typos", async () => {
    const c = reader;
    const r = ExplainRuleOutput.parse((await call(c, "explain_rule", { ruleId: "systemd-service-exposure" })).structuredContent);
    expect(r.rules).toHaveLength(1);
    expect(r.rules[0]!.documentation).toContain("Why it matters");
    expect(r.rules[0]!.uri).toBe("nix-warden://catalogue/systemd-service-exposure");
    // Every rule's examples, from its module: one it reports and a look-alike it does not.
    for (const rule of ALL_RULES) {
      const one = ExplainRuleOutput.parse((await call(c, "explain_rule", { ruleId: rule.id })).structuredContent).rules[0]!;
      expect(one.examples, rule.id).toBeDefined();
      expect(one.documentation, rule.id).toMatch(/Reported \(bad\):[\s\S]*Not reported \(good\):/);
    }
    const nested = ExplainRuleOutput.parse((await call(c, "explain_rule", { ruleId: "nested-with" })).structuredContent).rules[0]!;
    expect(nested.examples?.bad).toMatchObject({ file: "example.nix", host: false, text: expect.stringContaining("with pkgs; with python3Packages;") });
    expect(nested.examples?.good.text).toContain("pkgs.python3Packages.requests");
    const cat = ExplainRuleOutput.parse((await call(c, "explain_rule", { category: "service-hardening" })).structuredContent);
    expect(cat.rules.map((x) => x.id)).toEqual(ALL_RULES.filter((x) => x.category === "service-hardening").map((x) => x.id));
    const typo = await call(c, "explain_rule", { ruleId: "service-exposure" });
    expect(typo.isError).toBe(true);
    expect(text(typo)).toContain("Did you mean: systemd-service-exposure");
  });
});

describe("resources and completion", () => {
  it("lists and reads reports and the catalogue, completes host names, refuses unknown URIs", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    await call(c, "security_scan", { quick: true });
    const { resources } = await c.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(["nix-warden://reports", "nix-warden://catalogue", "nix-warden://reports/security/all/latest.json", "nix-warden://reports/security/all/latest.md"]));
    for (const rule of ALL_RULES) expect(uris).toContain(`nix-warden://catalogue/${rule.id}`);
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["nix-warden://catalogue/{ruleId}", "nix-warden://plans/{planId}", "nix-warden://reports/{kind}/{host}/{report}"]);

    const index = JSON.parse(((await c.client.readResource({ uri: "nix-warden://reports" })).contents[0] as { text: string }).text);
    expect(index.reports).toHaveLength(1);
    expect(index.latest["security/all"]).toBe(index.reports[0].uri);
    const catalogue = ((await c.client.readResource({ uri: "nix-warden://catalogue" })).contents[0] as { text: string }).text;
    for (const rule of ALL_RULES) expect(catalogue).toContain(`[${rule.id}](nix-warden://catalogue/${rule.id})`);
    const doc = await c.client.readResource({ uri: "nix-warden://catalogue/systemd-service-exposure" });
    expect(doc.contents[0]!.mimeType).toBe("text/markdown");
    expect((doc.contents[0] as { text: string }).text).toContain("How to fix");
    for (const rule of ALL_RULES) {
      const md = ((await c.client.readResource({ uri: `nix-warden://catalogue/${rule.id}` })).contents[0] as { text: string }).text;
      expect(md, rule.id).toMatch(/Reported \(bad\):\n\n```[\s\S]*Not reported \(good\):\n\n```/);
    }
    // The anti-pattern catalogue is generated from the rule modules: each anti-pattern rule with its
    // metadata and its bad and good example.
    const yaml = (await c.client.readResource({ uri: "nix-warden://catalogue/anti-patterns.yaml" })).contents[0] as { text: string; mimeType: string };
    expect(yaml.mimeType).toBe("application/yaml");
    const listed = (parseYaml(yaml.text) as { anti_patterns: Array<{ id: string; bad: string; good: string; recognised?: boolean; reason?: string; compliance: { cis: string[]; nist: string[] } }> }).anti_patterns;
    // The patterns no rule reports are listed too, each with the reason.
    const unrecognised = listed.filter((e) => e.recognised === false);
    expect(unrecognised.map((e) => e.id)).toContain("module-without-assertions");
    for (const e of unrecognised) expect(e.reason, e.id).toBeTruthy();
    const antiPatterns = listed.filter((e) => e.recognised !== false);
    expect(antiPatterns.map((e) => e.id)).toEqual(ALL_RULES.filter((x) => x.category === "anti-pattern" && x.group !== "style").map((x) => x.id));
    for (const e of antiPatterns) {
      const rule = ALL_RULES.find((x) => x.id === e.id)!;
      expect(e.compliance).toEqual(rule.compliance);
      expect(e.bad.length * e.good.length, e.id).toBeGreaterThan(0);
    }
    expect(antiPatterns.find((e) => e.id === "nested-with")!.bad).toContain("with pkgs; with python3Packages;");

    await expect(c.client.readResource({ uri: "nix-warden://catalogue/no-such-rule" })).rejects.toThrow(/not found: no rule/);
    await expect(c.client.readResource({ uri: "nix-warden://reports/drift/web1/latest.json" })).rejects.toThrow(/run check_drift first/);
    await expect(c.client.readResource({ uri: "nix-warden://reports/security/all/..%2F..%2Fetc.json" })).rejects.toThrow(/not found/);
    await expect(c.client.readResource({ uri: "nix-warden://reports/secrets/all/latest.json" })).rejects.toThrow(/kind must be one of/);

    const complete = async (ref: { type: "ref/resource"; uri: string } | { type: "ref/prompt"; name: string }, name: string, value: string, args?: Record<string, string>) =>
      (await c.client.complete({ ref, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) })).completion.values;
    const reports = { type: "ref/resource" as const, uri: "nix-warden://reports/{kind}/{host}/{report}" };
    expect(await complete(reports, "host", "")).toEqual(["all", "db1", "web1"]);
    expect(await complete(reports, "host", "w")).toEqual(["web1"]);
    expect(await complete(reports, "kind", "d")).toEqual(["drift"]);
    const names = await complete(reports, "report", "", { kind: "security", host: "all" });
    expect(names.slice(0, 2)).toEqual(["latest.json", "latest.md"]);
    expect(names[2]).toBe(index.reports[0].uri.split("/").pop());
    expect(await complete({ type: "ref/resource", uri: "nix-warden://catalogue/{ruleId}" }, "ruleId", "systemd")).toEqual(["systemd-service-exposure"]);
    expect(await complete({ type: "ref/prompt", name: "nix-check-drift" }, "host", "d")).toEqual(["db1"]);
  });
});

describe("prompts", () => {
  it("offers nix-check-drift, nix-security and nix-remediate, each telling the agent which tools to call and how to present results", async () => {
    const c = reader;
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["nix-check-drift", "nix-remediate", "nix-security"]);
    expect(prompts.find((p) => p.name === "nix-security")!.arguments!.map((a) => a.name)).toEqual(["host", "quick"]);
    expect(prompts.find((p) => p.name === "nix-check-drift")!.arguments!.map((a) => a.name)).toEqual(["host"]);
    const sec = await c.client.getPrompt({ name: "nix-security", arguments: { host: "web1", quick: "true" } });
    const secText = (sec.messages[0]!.content as { text: string }).text;
    expect(secText).toContain("- host: web1");
    expect(secText).toContain("- quick: yes");
    expect(secText).toMatch(/`security_scan`/);
    expect(secText).toMatch(/Critical, High, Medium, Low/);
    const drift = await c.client.getPrompt({ name: "nix-check-drift", arguments: {} });
    const driftText = (drift.messages[0]!.content as { text: string }).text;
    expect(driftText).toContain("- host: not given");
    expect(driftText).toMatch(/`list_hosts`[\s\S]*`check_drift`/);
    const rem = await c.client.getPrompt({ name: "nix-remediate", arguments: { selection: "safe" } });
    expect((rem.messages[0]!.content as { text: string }).text).toMatch(/`remediate` without `apply`/);
  });

  it("offers no prompts with --no-prompts (the Gemini CLI extension's server)", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo, args: ["--no-prompts"] });
    expect((await c.client.listPrompts()).prompts).toEqual([]);
    expect((await c.client.listTools()).tools).toHaveLength(5);
  });
});

describe("remediate", () => {
  it("plans from the latest scan, checks arguments, and applies only with confirm=true and the plan id when the client cannot elicit", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const noReport = await call(c, "remediate", {});
    expect(noReport.isError).toBe(true);
    expect(text(noReport)).toContain("Run security_scan or check_drift first");
    await call(c, "security_scan", { quick: true });
    const before = await readFile(join(repo, "hosts", "web1.nix"), "utf8");
    const dry = await call(c, "remediate", { category: "service-hardening" });
    expect(dry.isError).toBeFalsy();
    const planned = RemediateOutput.parse(dry.structuredContent);
    expect(planned.status).toBe("planned");
    const plan = planned.plan!;
    expect(plan.actions.length).toBeGreaterThan(0);
    expect(plan.actions.every((a) => a.type === "edit" && a.diff)).toBe(true);
    expect(plan.actions.map((a) => a.diff).join("\n")).toContain("ProtectSystem");
    expect(JSON.parse(text(dry))).toEqual(dry.structuredContent);
    // A dry run changes nothing.
    expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).toBe(before);
    const both = await call(c, "remediate", { apply: plan.id, undo: plan.id });
    expect(text(both)).toContain("either apply or undo");
    const stray = await call(c, "remediate", { confirm: true });
    expect(text(stray)).toContain("confirm only goes with apply");
    // A client without elicitation: applying needs confirm=true with the plan id.
    const unconfirmed = await call(c, "remediate", { apply: plan.id });
    expect(unconfirmed.isError).toBe(true);
    expect(text(unconfirmed)).toContain(`call remediate again with apply="${plan.id}" and confirm=true`);
    expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).toBe(before);
    const applied = await call(c, "remediate", { apply: plan.id, confirm: true });
    expect(applied.isError).toBeFalsy();
    const out = RemediateOutput.parse(applied.structuredContent);
    expect(out.status).toBe("applied");
    expect(out.result!.ok).toBe(true);
    expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).toContain("ProtectSystem");
    const undone = await call(c, "remediate", { undo: plan.id, confirm: true });
    expect(RemediateOutput.parse(undone.structuredContent).status).toBe("undone");
    expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).toBe(before);
  });

  it("asks the user through elicitation: an accepting client applies, a declining one changes nothing", async () => {
    // The two clients, each with its own workspace and server, side by side.
    const ask = async (action: "accept" | "decline") => {
      const { repo } = await workspace();
      const c = await connect({ cwd: repo, elicit: () => (action === "accept" ? { action, content: { confirm: true } } : { action }) });
      await call(c, "security_scan", { quick: true });
      const before = await readFile(join(repo, "hosts", "web1.nix"), "utf8");
      const plan = RemediateOutput.parse((await call(c, "remediate", { category: "service-hardening" })).structuredContent).plan!;
      const r = await call(c, "remediate", { apply: plan.id });
      expect(c.elicitations).toHaveLength(1);
      const out = RemediateOutput.parse(r.structuredContent);
      if (action === "accept") {
        expect(out.status).toBe("applied");
        expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).not.toBe(before);
      } else {
        expect(out.status).toBe("declined");
        expect(await readFile(join(repo, "hosts", "web1.nix"), "utf8")).toBe(before);
      }
      await c.close();
    };
    await Promise.all([ask("accept"), ask("decline")]);
  });
});

describe("check_drift", () => {
  it("checks a machine root against a declared state inside the roots, returns and stores the DriftReport", async () => {
    const { materializeRoot } = await import("../../src/drift/root-spec.js");
    const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
    const ws = await tempDir();
    await materializeRoot(join(EXAMPLE_DIR, "system"), join(ws, "machine"));
    await writeFile(join(ws, "declared.json"), await readFile(join(EXAMPLE_DIR, "declared.json")));
    const c = await connect({ cwd: ws });
    const progress: number[] = [];
    const r = await call(c, "check_drift", { declaredFile: "declared.json", root: "machine", host: "web1" }, { onprogress: (p) => progress.push(p.progress) });
    expect(r.isError, text(r)).toBeFalsy();
    const report = DriftReportX.parse(await linkedReport(c.client, r));
    expect(DriftReport.safeParse(report).success).toBe(true);
    expect(DriftAnswer.parse(r.structuredContent).summary.host).toBe("web1");
    expect(report.host).toBe("web1");
    expect(report.actualFrom).toBe(`root directory ${join(ws, "machine")}`);
    expect(report.drifted).toBe(true);
    const subjects = report.items.map((i) => `${i.category}:${i.subject}`);
    expect(subjects).toEqual(expect.arrayContaining(["user:mallory", "package:htop-3.3.0", "file:/etc/hosts"]));
    expect(JSON.parse(text(r))).toEqual(r.structuredContent);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const latest = await c.client.readResource({ uri: "nix-warden://reports/drift/web1/latest.md" });
    expect((latest.contents[0] as { text: string }).text).toContain("mallory");
    // Threshold: fewer items listed, the rest counted.
    const high = DriftReportX.parse(await linkedReport(c.client, await call(c, "check_drift", { declaredFile: "declared.json", root: "machine", host: "web1", alertThreshold: "critical" })));
    expect(high.items.every((i) => i.severity === "critical")).toBe(true);
    expect(high.belowThreshold).toBe(report.items.length - high.items.length);
  });
});

describe.skipIf(!nixAvailable)("check_drift with a real nix eval", () => {
  it("evaluates the flake's host (cached outside the repository and the roots), and finds the example machine's drift", async () => {
    const { ws, flake } = await driftExampleWorkspace("web1");
    const c = await connect({ cwd: ws });
    const r = await call(c, "check_drift", { flake: "nixos-config#web1", root: "machine" }, { timeout: 300_000 });
    expect(r.isError, text(r)).toBeFalsy();
    const report = DriftReportX.parse(await linkedReport(c.client, r));
    expect(report.declaredFrom).toBe(`${flake}#nixosConfigurations.web1`);
    expect(report.errors).toEqual([]);
    expect(report.items.map((i) => `${i.category}:${i.subject}`)).toEqual(expect.arrayContaining(["user:mallory", "package:htop-3.3.0"]));
    // The declared state was cached in nix-warden's owner-only cache, never in the client's workspace.
    expect((await readdir(join(cacheBase(), "drift"))).length).toBeGreaterThan(0);
    expect(existsSync(join(ws, ".nix-warden", "cache"))).toBe(false);
    const again = DriftReportX.parse(await linkedReport(c.client, await call(c, "check_drift", { flake: "nixos-config#web1", root: "machine" })));
    expect(again.timing.declaredFromCache).toBe(true);
    // The declared state was cached, but not in the roots: nothing new in the workspace or the flake.
    expect((await readdir(ws)).sort()).toEqual(["machine", "nixos-config"]);
    expect(gitIn(flake, "status", "--porcelain", "--ignored", "--untracked-files=all")).toBe("");
  }, 300_000);
});
