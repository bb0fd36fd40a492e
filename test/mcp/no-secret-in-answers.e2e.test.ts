// No secret value in anything the MCP server says: every tool (security_scan at every detail level
// and every page, check_drift, a remediate dry run whose diffs sit next to a Stripe live key and a
// root password, list_hosts, explain_rule), every prompt, every resource, every log message and the
// server's stderr, over a repository planted with the secrets fixtures. The built server over stdio.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { coreRemediation } from "../../src/remediate/api.js";
import { RemediateOutput } from "../../src/mcp/tools/remediate.js";
import { SecurityAnswer } from "../../src/mcp/summary.js";
import { expandTemplate, Gen } from "../secrets/gen.js";
import { CLI, connect, tempDir } from "./helpers.js";

const FIRE = join(import.meta.dirname, "../fixtures/secrets/fire");

/** A flake repository with planted secrets; fixable lines sit within diff context of two of them. */
function plantedRepository(): { files: Record<string, string>; secrets: string[]; stripe: string; rootPassword: string } {
  const gen = new Gen(20261206);
  const files: Record<string, string> = {};
  const secrets: string[] = [];
  const add = (name: string, template: string) => {
    const { text, expected } = expandTemplate(template, gen);
    files[name] = text;
    for (const e of expected) secrets.push(...(e.value.includes("\n") ? e.value.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----")) : [e.value]));
    return expected;
  };
  for (const name of readdirSync(FIRE)) add(`planted/${name}`, readFileSync(join(FIRE, name), "utf8"));
  files["flake.nix"] = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/web1.nix ./planted/module.nix ]; };
  };
}
`;
  const web = add(
    "hosts/web1.nix",
    `{ pkgs, ... }: {
  services.openssh.enable = true;
  users.users.root.password = "⟪plaintext-password:R00t-Passw0rd-2024!⟫";
  services.openssh.settings.PermitRootLogin = "yes";
  environment.variables.STRIPE_SECRET_KEY = "⟪stripe-live-key⟫";
  services.nginx.enable = true;
  services.nginx.sslProtocols = "TLSv1 TLSv1.2";
  services.myapp.settings.api_key = "⟪generic-secret⟫";
  systemd.services.api.serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello";
}
`,
  );
  add(".env", "STRIPE=⟪stripe-live-key⟫\nGITHUB_TOKEN=⟪github-pat⟫\n");
  return {
    files,
    secrets: [...new Set(secrets.filter((s) => s.length >= 8))],
    rootPassword: web.find((e) => e.detector === "plaintext-password")!.value,
    stripe: web.find((e) => e.detector === "stripe-live-key")!.value,
  };
}

describe("no secret in any MCP answer", () => {
  it("tools at every detail level and page, prompts, resources, logs and stderr hold none of the planted secrets", async () => {
    const { files, secrets, stripe, rootPassword } = plantedRepository();
    expect(secrets.length).toBeGreaterThan(10);
    const ws = await tempDir();
    const repo = join(ws, "repo");
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(repo, name)), { recursive: true });
      await writeFile(join(repo, name), text);
    }
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "pipe", timeout: 30_000 });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "planted");
    const { materializeRoot } = await import("../../src/drift/root-spec.js");
    const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
    await materializeRoot(join(EXAMPLE_DIR, "system"), join(ws, "machine"));
    await writeFile(join(ws, "declared.json"), await readFile(join(EXAMPLE_DIR, "declared.json")));

    const c = await connect({ cwd: repo, args: ["--root", repo, "--root", ws] });
    await c.client.setLoggingLevel("debug");
    const said: Array<[string, string]> = [];
    const tool = async (name: string, args: Record<string, unknown>) => {
      const r = await c.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 300_000 });
      said.push([`${name} ${JSON.stringify(args).slice(0, 80)}`, JSON.stringify(r)]);
      return r;
    };

    // security_scan: every detail level, every page.
    for (const detail of ["summary", "findings", "full"] as const) {
      let r = await tool("security_scan", { detail, limit: 5 });
      expect(r.isError, JSON.stringify(r.content).slice(0, 300)).toBeFalsy();
      let seen = 0;
      for (let a = SecurityAnswer.parse(r.structuredContent); a.nextCursor; a = SecurityAnswer.parse(r.structuredContent)) {
        // summary's cursor starts the findings pages.
        r = await tool("security_scan", { cursor: a.nextCursor, detail: detail === "summary" ? "findings" : detail, limit: 5 });
        seen += SecurityAnswer.parse(r.structuredContent).page.count;
      }
      expect(seen).toBeGreaterThan(0);
    }
    const all = SecurityAnswer.parse((await tool("security_scan", { quick: true })).structuredContent);
    expect(all.summary.bySeverity.critical).toBeGreaterThan(0);
    expect(all.summary.byCategory.secrets).toBeGreaterThan(5);
    await tool("security_scan", { hosts: ["web1"], detail: "full", limit: 200 });

    await tool("check_drift", { declaredFile: join(ws, "declared.json"), root: join(ws, "machine"), host: "web1", detail: "full" });
    await tool("list_hosts", {});
    await tool("explain_rule", { ruleId: "hardcoded-secret" });
    await tool("explain_rule", { category: "secrets" });

    // remediate: the dry run edits the line between the root password and the Stripe key.
    const dry = await tool("remediate", { kind: "security" });
    expect(dry.isError, JSON.stringify(dry.content).slice(0, 300)).toBeFalsy();
    const plan = RemediateOutput.parse(dry.structuredContent).plan!;
    const sshFix = plan.actions.find((a) => a.source.ruleId === "ssh-permit-root-login");
    expect(sshFix?.diff).toContain("PermitRootLogin");
    // The plan the core keeps does show them in its context lines: that is what must not reach the agent.
    const raw = await coreRemediation.getPlan(plan.id, { root: repo });
    expect(raw!.diff).toContain(stripe);
    expect(raw!.diff).toContain(rootPassword);
    expect(sshFix!.diff).toMatch(/STRIPE_SECRET_KEY = "sk_l…/);

    // Every prompt, with and without arguments.
    const { prompts } = await c.client.listPrompts();
    expect(prompts.length).toBeGreaterThanOrEqual(3);
    for (const p of prompts) {
      for (const args of [{}, Object.fromEntries((p.arguments ?? []).map((a) => [a.name, a.name === "host" ? "web1" : "true"]))]) {
        said.push([`prompt ${p.name}`, JSON.stringify(await c.client.getPrompt({ name: p.name, arguments: args }))]);
      }
    }
    // Every resource: the listed ones (reports, rules, catalogue), and the plan.
    const { resources } = await c.client.listResources();
    expect(resources.length).toBeGreaterThan(10);
    for (const r of [...resources.map((x) => x.uri), plan.uri, "nix-warden://reports/security/all/latest.md", "nix-warden://reports/drift/web1/latest.md"]) {
      said.push([`resource ${r}`, JSON.stringify(await c.client.readResource({ uri: r }))]);
    }
    // The CLI's dry run prints the same diff: redacted there too.
    const cliPlan = execFileSync(process.execPath, [CLI, "remediate", repo, "--output-dir", join(ws, "cli-out")], { cwd: repo, encoding: "utf8", stdio: "pipe", timeout: 120_000 });
    expect(cliPlan).toContain("PermitRootLogin");
    said.push(["nix-warden remediate (text)", cliPlan]);
    said.push(["logs", JSON.stringify(c.logs)]);
    said.push(["stderr", c.stderr()]);

    expect(said.length).toBeGreaterThan(30);
    for (const [what, text] of said) for (const s of secrets) expect(text.includes(s), `${what} contains a planted secret (${s.slice(0, 4)}…, ${s.length} chars)`).toBe(false);
  }, 600_000);
});
