// Secret values never appear in any output: the SecurityReport as JSON, the text, markdown and
// SARIF renderings, and the remediation patch files, for a repository full of planted secrets
// (every detector's format, in Nix strings, option values, environment variables, scripts, .env,
// YAML, JSON, key files) and fixes whose patches sit next to secret lines.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutputs } from "../../src/report/outputs.js";
import { renderSarifJson } from "../../src/report/sarif.js";
import { renderSecurityMarkdown } from "../../src/report/security-markdown.js";
import { renderSecurityText } from "../../src/report/security-text.js";
import { ruleDocs } from "../../src/report/rule-docs.js";
import { ALL_RULES } from "../../src/rules/index.js";
import { scanFiles } from "../helpers/scan.js";
import { expandTemplate, Gen } from "../secrets/gen.js";

const FIRE = join(import.meta.dirname, "../fixtures/secrets/fire");

function plantedRepository(): { files: Record<string, string>; secrets: string[] } {
  const gen = new Gen(20251122);
  const files: Record<string, string> = {};
  const secrets: string[] = [];
  const add = (name: string, template: string) => {
    const { text, expected } = expandTemplate(template, gen);
    files[name] = text;
    for (const e of expected) {
      // Multi-line values (PEM blocks): every body line must stay hidden.
      const parts = e.value.includes("\n") ? e.value.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----")) : [e.value];
      secrets.push(...parts);
    }
  };
  for (const name of readdirSync(FIRE)) add(`planted/${name}`, readFileSync(join(FIRE, name), "utf8"));
  add(
    "hosts/web/default.nix",
    `{ config, lib, pkgs, ... }:
let
  token = "⟪github-pat⟫";
in
{
  imports = [ ./tls.nix ];
  age.secrets.api = { file = ./api.age; mode = "0644"; }; systemd.services.api-reader.serviceConfig.ExecStart = "/bin/reader \${config.age.secrets.api.path}";
  services.myapp.settings.api_key = "⟪generic-secret⟫";
  services.nginx.virtualHosts.app.basicAuth.admin = "⟪plaintext-password:Sup3r-Secr3t-B4sic⟫";
  services.nginx.virtualHosts.app.extraConfig = ''
    set $token "⟪slack-token⟫";
  '';
  environment.variables.AWS_ACCESS_KEY_ID = "⟪aws-access-key-id⟫";
  systemd.services.worker.serviceConfig.Environment = [ "API_TOKEN=⟪npm-token⟫" ];
  services.grafana.settings.security.admin_password = "⟪plaintext-password:Gr4fana-Adm1n-2024!⟫";
  networking.wireguard.interfaces.wg0.privateKey = "⟪wireguard-private-key⟫";
}
`,
  );
  // Fixes far from any secret: their patches are shown.
  add(
    "hosts/web/tls.nix",
    `{ config, lib, ... }:
{
  services.nginx.enable = true;
  services.nginx.sslProtocols = "TLSv1 TLSv1.2";
  services.nginx.virtualHosts.app.addSSL = true;
}
`,
  );
  add("secrets/smtp-password.txt", "⟪plaintext-password:Sm7p-Pa55w0rd-n0t-s0-s3cret⟫\n");
  add("secrets/deploy_ed25519", "⟪private-key⟫\n");
  add(".env", "DATABASE_URL=postgres://app:⟪url-credentials⟫@db.internal/app\nSTRIPE=⟪stripe-live-key⟫\n");
  return { files, secrets: [...new Set(secrets.filter((s) => s.length >= 8))] };
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

describe("no secret value in any output", () => {
  it("JSON, text, markdown, SARIF and patch files hold none of the planted secrets", async () => {
    const { files, secrets } = plantedRepository();
    expect(secrets.length).toBeGreaterThan(30);
    const report = await scanFiles(files);
    // The planted secrets are found (this is not a test of an empty report).
    const rules = new Set(report.findings.map((f) => f.ruleId));
    for (const id of ["hardcoded-secret", "plaintext-password-option", "secret-in-environment", "committed-secret-file", "world-readable-secret", "tls-old-protocol", "nginx-addssl-without-forcessl"]) {
      expect(rules.has(id), id).toBe(true);
    }
    expect(report.findings.filter((f) => f.fix?.patch).length).toBeGreaterThanOrEqual(2);
    // A fix next to a secret line: the diff's context would show it, so the patch is withheld.
    const nextToSecret = report.findings.find((f) => f.ruleId === "world-readable-secret")!;
    expect(nextToSecret.fix?.patch).toBeUndefined();
    expect(nextToSecret.fix?.description).toContain("withheld");

    const outputs: Array<[string, string]> = [
      ["json", JSON.stringify(report)],
      ["text", renderSecurityText(report)],
      ["markdown", renderSecurityMarkdown(report)],
      ["sarif", renderSarifJson(report, { rules: ruleDocs(ALL_RULES) })],
    ];
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-out-"));
    try {
      await writeOutputs(structuredClone(report), dir);
      for (const file of await allFiles(dir)) outputs.push([file.slice(dir.length + 1), await readFile(file, "utf8")]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(outputs.map(([name]) => name)).toEqual(expect.arrayContaining(["security-issues.json", "security-report.md", "security.sarif"]));
    for (const [name, text] of outputs) {
      for (const s of secrets) expect(text.includes(s), `${name} contains a planted secret (${s.slice(0, 4)}…, ${s.length} chars)`).toBe(false);
    }
  });
});
