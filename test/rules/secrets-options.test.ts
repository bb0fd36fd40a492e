// plaintext-password-option, secret-in-environment and world-readable-secret: secrets in option
// values, in environment variables, and decrypted with a mode others can read.
import { describe, expect, it } from "vitest";
import { nixAvailable } from "../helpers/nix.js";
import { applyFix } from "../helpers/patch.js";
import { scanFiles, sites } from "../helpers/scan.js";
import { Gen } from "../secrets/gen.js";

const gen = new Gen(4242);
const PAT = gen.secretFor("github-pat");
const SLACK = gen.secretFor("slack-token");

describe("plaintext-password-option", () => {
  const RULE = "plaintext-password-option";
  const FILES = {
    "services.nix": `{ config, lib, ... }:
{
  services.grafana.settings.security.admin_password = "Gr4fana-Adm1n-2024!";
  services.nextcloud.config.adminpass = lib.mkForce "changeme";
  services.nginx.virtualHosts.x.basicAuth.alice = "alice-pw-123";
  services.foo.settings.db.password = "\${config.sops.placeholder.db}";
  services.foo.settings.db.passwordFile = "/run/secrets/db";
  services.bar.rootPassword = config.age.secrets.bar.path;
  services.baz.hashedPassword = "$6$Qx7fKq2LmN0pRs4T$eQXRZXD2IdSTQMwr1gYtXOCJigr3avdmJcpXrfWCzt/GXeUzRS4WycVOWP7BUf2AEfq5FrZsKEUzWubgHstmU1";
  services.qux.settings.password = "%env(DB_PASSWORD)%";
  services.nginx.virtualHosts.y.locations."/".proxyPass = "http://127.0.0.1:8080";
  services.vaultwarden.config.SHOW_PASSWORD_HINT = false;
  programs.password-store.settings.PASSWORD_STORE_CLIP_TIME = "60";
  users.users.alice.initialPassword = "alice-initial";
  services.old = lib.mkIf false { password = "still-in-the-repo"; };
}
`,
  };

  it("fires on password literals outside users.users, not on files, hashes, references or look-alike names", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, RULE).sort()).toEqual(["services.nix:15", "services.nix:3", "services.nix:4", "services.nix:5"]);
    const f = report.findings.filter((x) => x.ruleId === RULE).sort((a, b) => a.line - b.line);
    expect(f.map((x) => x.severity)).toEqual(["high", "high", "high", "high"]);
    expect(f[0]!.optionPath).toBe("services.grafana.settings.security.admin_password");
    expect(f[0]!.column).toBe(56);
    expect(f[0]!.fix?.description).toContain("$__file{");
    expect(f[1]!.message).toContain("placeholder-like");
    const json = JSON.stringify(report);
    for (const v of ["Gr4fana-Adm1n-2024!", "alice-pw-123", "still-in-the-repo"]) expect(json).not.toContain(v);
  });
});

describe("secret-in-environment", () => {
  const RULE = "secret-in-environment";
  const FILES = {
    "secrets/smtp": "Sm7p-Pa55w0rd-n0t-s0-s3cret\n",
    "env.nix": `{ config, lib, pkgs, ... }:
let
  smtpPassword = builtins.readFile ./secrets/smtp;
  motd = builtins.readFile ./motd.txt;
in
{
  environment.variables = {
    EDITOR = "nvim";
    GITHUB_TOKEN = "${PAT}";
    NIXPKGS_ALLOW_UNFREE = "1";
  };
  environment.sessionVariables.SLACK_TOKEN = lib.mkDefault "${SLACK}";
  systemd.services.mailer.environment.SMTP_PASSWORD = smtpPassword;
  systemd.services.mailer.environment.MOTD = motd;
  systemd.services.mailer.environment.SMTP_PASSWORD_FILE = "/run/agenix/smtp";
  systemd.services.mailer.environment.DB_PASSWORD = "\${config.sops.placeholder.db}";
  systemd.services.api.serviceConfig.Environment = [ "LOG_LEVEL=info" "DB_PASSWORD=hunter2-hunter2" ];
  virtualisation.oci-containers.containers.app.environment.API_KEY = "${gen.chars(32)}";
  systemd.services.quiet.environment = lib.mkIf false { TOKEN = "${gen.secretFor("github-pat")}"; };
  home.sessionVariables.OP_TOKEN = "op://Private/x/credential";
}
`,
    "motd.txt": "hello\n",
  };

  it("fires on secrets in variables, Environment= entries and values read from secret files", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, RULE).sort()).toEqual(["env.nix:12", "env.nix:13", "env.nix:17", "env.nix:18", "env.nix:9"]);
    const by = Object.fromEntries(report.findings.filter((f) => f.ruleId === RULE).map((f) => [f.line, f]));
    expect(by[9]!.severity).toBe("critical");
    expect(by[9]!.message).toContain("every login shell");
    expect(by[12]!.severity).toBe("high");
    expect(by[13]!.message).toContain("secrets/smtp");
    expect(by[13]!.fix?.description).toContain("systemd.services.mailer.serviceConfig.EnvironmentFile");
    expect(by[17]!.column).toBe(84);
    expect(by[18]!.fix?.description).toContain("environmentFiles");
    const json = JSON.stringify(report);
    for (const v of [PAT, SLACK, "hunter2-hunter2", "Sm7p-Pa55w0rd"]) expect(json).not.toContain(v);
  });

  it("leaves hardcoded-secret silent on what it reports", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, "hardcoded-secret")).toEqual([]);
  });
});

describe("world-readable-secret", () => {
  const RULE = "world-readable-secret";
  const FILES = {
    "secrets.nix": `{ config, lib, ... }:
{
  age.secrets.restic = { file = ./restic.age; mode = "0644"; };
  age.secrets."api.env".mode = "444";
  sops.secrets.db = { mode = "0440"; group = "users"; };
  sops.templates."app.conf".mode = lib.mkDefault "0604";
  age.secrets.ok1.mode = "0400";
  age.secrets.ok2 = { mode = "0440"; group = "nginx"; };
  sops.secrets.ok3.mode = "0600";
  environment.etc."motd".mode = "0644";
  age.secrets.off = lib.mkIf false { mode = "0644"; };
  services.restic.backups.b.passwordFile = config.age.secrets.restic.path;
}
`,
  };

  it("fires on modes that let others read, and group read by the users group", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, RULE).sort()).toEqual(["secrets.nix:3", "secrets.nix:4", "secrets.nix:5", "secrets.nix:6"]);
    const f = report.findings.filter((x) => x.ruleId === RULE).sort((a, b) => a.line - b.line);
    expect(f.map((x) => x.severity)).toEqual(["high", "high", "medium", "high"]);
    expect(f[1]!.optionPath).toBe('age.secrets."api.env".mode');
    expect(f[0]!.fix?.safety).toBe("review");
  });

  it.skipIf(!nixAvailable)("fixes the mode with a patch that applies, parses and silences the rule", async () => {
    const report = await scanFiles(FILES);
    const f = report.findings.find((x) => x.ruleId === RULE && x.line === 3)!;
    const { files, rescan } = await applyFix(FILES, f);
    expect(files["secrets.nix"]).toContain('age.secrets.restic = { file = ./restic.age; mode = "0640"; };');
    expect(sites(rescan, RULE).sort()).toEqual(["secrets.nix:4", "secrets.nix:5", "secrets.nix:6"]);
  });
});

describe("cluster join tokens (services.k3s.token)", () => {
  it("reports a literal token once, whatever it looks like, and not a token file", async () => {
    const report = await scanFiles({
      "k3s.nix": `{ config, ... }: {\n  services.k3s.enable = true;\n  services.k3s.token = "Lantern4.Orbit.Meadow";\n  services.rke2.agentTokenFile = config.age.secrets.rke2.path;\n}\n`,
    });
    const got = report.findings.filter((f) => f.category === "secrets").map((f) => `${f.ruleId} ${f.file}:${f.line}`);
    expect(got).toEqual(["plaintext-password-option k3s.nix:3"]);
    expect(report.findings.find((f) => f.ruleId === "plaintext-password-option")!.fix?.description).toContain("tokenFile");
  });
});
