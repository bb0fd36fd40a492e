// hardcoded-secret: token formats and keyword-anchored secrets in Nix string literals and other
// text files; one finding per secret; values never shown; other rules' territory left alone.
import { describe, expect, it } from "vitest";
import { scanFiles, sites } from "../helpers/scan.js";
import { expandTemplate, Gen, RECORDED_CRYPT_HASHES } from "../secrets/gen.js";

const RULE = "hardcoded-secret";

function expand(files: Record<string, string>, seed: number): { files: Record<string, string>; values: string[] } {
  const gen = new Gen(seed);
  const out: Record<string, string> = {};
  const values: string[] = [];
  for (const [name, template] of Object.entries(files)) {
    const { text, expected } = expandTemplate(template, gen);
    out[name] = text;
    values.push(...expected.map((e) => e.value).filter((v) => v.length >= 8));
  }
  return { files: out, values };
}

const NIX = `{ config, lib, pkgs, ... }:
let
  apiToken = "⟪github-pat⟫";
  dbPassword = "⟪plaintext-password:s3cr3t-Passw0rd-x⟫";
  nothing = "\${apiToken}";
in
{
  services.tailscale.authKey = "⟪tailscale-auth-key⟫";
  services.foo.extraConfig = ''
    [auth]
    client_secret = ⟪generic-secret⟫
    two = "⟪stripe-live-key⟫"
  '';
  services.grafana.settings.security.admin_password = "⟪plaintext-password:Adm1n-Pa55-word⟫";
  users.users.bob.hashedPassword = "${RECORDED_CRYPT_HASHES.sha512}";
  users.users.alice.initialPassword = "⟪plaintext-password:alice-initial-pw⟫";
  environment.variables.GITHUB_TOKEN = "⟪github-pat⟫";
  users.users.alice.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVeXaMpLeKeYn0tAsEcReTjUsTaPuBlIcKeY alice" ];
  # a token in a comment is never a finding: ghp_Rz8mZpX2vQ7tLk4sWn9cY3bHj6dFa1eGu5oK
  services.x.uuid = "0b9f2a4e-3c1d-4e5f-8a7b-9c0d1e2f3a4b";
  age.secrets.foo.file = ./foo.age;
  services.y.apiKeyFile = config.age.secrets.y.path;
  services.z.settings.api_key = "\${config.sops.placeholder.z}";
  services.w.settings.api_key = "changeme";
  boot.initrd.systemd.emergencyAccess = "${RECORDED_CRYPT_HASHES.sha256}";
}
`;

const FILES = {
  "hosts/a.nix": NIX,
  "scripts/deploy.sh": `#!/usr/bin/env bash
export CACHIX_AUTH_TOKEN="⟪jwt⟫"
STRIPE_KEY=⟪stripe-live-key⟫
PASSWORD_FILE=/run/secrets/x
TOKEN=$(cat /run/secrets/token)
password=changeme
`,
  "README.md": `Set \`password: hunter2-example\` in your config.
Do not commit tokens like ⟪github-pat⟫ (this one is real).
`,
  "config/app.yaml": `server:
  api_key: ⟪generic-secret⟫
  api_key_file: /run/secrets/api
  name: my-service-token
`,
  "web/users.htpasswd": `admin:${RECORDED_CRYPT_HASHES.apr1}\n`,
  "vars/root-password-hash": `${RECORDED_CRYPT_HASHES.sha512}\n`,
  "secrets/app.env": "API_TOKEN=⟪github-pat⟫\n",
};

describe(RULE, () => {
  it("reports each secret in Nix strings and text files at its exact place, and nothing else", async () => {
    const { files, values } = expand(FILES, 7);
    const report = await scanFiles(files);
    const got = report.findings.filter((f) => f.ruleId === RULE).map((f) => `${f.file}:${f.line}:${f.column} ${f.severity}`);
    expect(got.sort()).toEqual(
      [
        "hosts/a.nix:3:15 critical", // GitHub token in a let binding
        "hosts/a.nix:4:17 high", // a password in a let binding (no option rule sees it)
        "hosts/a.nix:8:33 high", // tailscale auth key as an option value
        "hosts/a.nix:11:21 high", // client_secret inside extraConfig
        "hosts/a.nix:12:12 critical", // stripe key inside extraConfig
        "scripts/deploy.sh:2:27 medium", // signed JWT
        "scripts/deploy.sh:3:12 critical", // stripe live key
        "README.md:2:27 critical", // a real token format in prose
        "config/app.yaml:2:12 high", // api_key
        "web/users.htpasswd:1:7 low", // a crypt hash in an htpasswd file
      ].sort(),
    );
    const f = report.findings.find((x) => x.ruleId === RULE && x.line === 3 && x.file === "hosts/a.nix")!;
    expect(f.title).toBe("hard-coded github personal access token");
    expect(f.evidence).toMatch(/^apiToken = "ghp_…\S{3} \(40 chars\)";$/);
    expect(f.message).toContain("in 'apiToken'");
    expect(f.fix?.safety).toBe("manual");
    const serialized = JSON.stringify(report);
    for (const v of values) expect(serialized.includes(v), `leaked ${v.slice(0, 6)}`).toBe(false);
  });

  it("leaves option passwords to plaintext-password-option and environment values to secret-in-environment", async () => {
    const { files } = expand({ "hosts/a.nix": NIX }, 9);
    const report = await scanFiles(files);
    expect(sites(report, "plaintext-password-option")).toEqual(["hosts/a.nix:14"]);
    expect(sites(report, "secret-in-environment")).toEqual(["hosts/a.nix:17"]);
  });

  it("does not judge option documentation, and reports test data as low", async () => {
    const { files, values } = expand(
      {
        "modules/app.nix": `{ lib, ... }:
{
  options.services.app.token = lib.mkOption {
    type = lib.types.str;
    example = "⟪generic-secret⟫";
    description = "The token, e.g. ⟪github-pat⟫.";
    default = "⟪stripe-live-key⟫";
  };
  options.services.app.extra = lib.mkOption { example = lib.literalExpression ''{ password = "⟪plaintext-password:hunter2-example⟫"; }''; };
}
`,
        "tests/expected/app.json": '{ "api_key": "⟪generic-secret⟫" }\n',
      },
      11,
    );
    const report = await scanFiles(files);
    const got = report.findings.filter((f) => f.ruleId === RULE).map((f) => `${f.file}:${f.line} ${f.severity}`);
    expect(got.sort()).toEqual(["modules/app.nix:7 critical", "tests/expected/app.json:1 low"]);
    const json = JSON.stringify(report);
    for (const v of values) expect(json.includes(v)).toBe(false);
  });

  it("leaves users.users passwords to the users rules even where the index cannot follow", async () => {
    const report = await scanFiles({
      "m.nix": `{ lib, ... }:
{
  config = lib.recursiveUpdate { } {
    users.users.\${"ta"} = { password = "nixos-initial"; };
  };
}
`,
      "dev/test.nix": `{ pkgs }:
let dummy = { ... }: { users.users.root.initialPassword = "fnord23"; };
in dummy
`,
    });
    expect(sites(report, RULE)).toEqual([]);
  });
});

describe("hardcoded-secret: references and documentation that look like assignments", () => {
  it("leaves Stalwart's %{file:...}% and %{env:...}% references and commented-out placeholder passwords alone, but not a commented-out real one", async () => {
    const gen = new Gen(99);
    const real = gen.chars(14);
    const report = await scanFiles({
      "mail.nix": `{ ... }: {
  services.stalwart-mail.settings.authentication.fallback-admin = {
    user = "admin";
    secret = "%{file:/run/stalwart-mail/admin-hash}%";
  };
  services.stalwart-mail.settings.store.db.password = "%{env:DB_SECRET}%";
}
`,
      "polybar/modules.ini": `[module/mpd]\n;;host = 127.0.0.1\n;;password = mysecretpassword\n# password = your_password\n`,
      "app/settings.ini": `[db]\n; password = ${real}\n`,
    });
    expect(sites(report, RULE)).toEqual(["app/settings.ini:2"]);
    expect(JSON.stringify(report)).not.toContain(real);
  });
});

// clan-lol/clan-infra sops/secrets/<name>/secret: a sops file whose age stanza's base64 ends in
// `\npPw=\n` read as "plaintext password under 'npPw'" (judged wrong at high). An encrypted file is
// ciphertext and sops metadata; a sops file with a plaintext value is still reported (by
// committed-secret-file, as a whole).
describe("hardcoded-secret: encrypted secret files", () => {
  const stanza = (tail: string) =>
    `-----BEGIN AGE ENCRYPTED FILE-----\\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBOZTl5eWZvZHA5R3VOSFRp\\nI5EBvKbAmtohQ0HhEa9PSXUZIXkv3Rfib4\\n${tail}\\n-----END AGE ENCRYPTED FILE-----\\n`;
  const sops = (data: string) => `{
\t"data": ${JSON.stringify(data)},
\t"sops": {
\t\t"age": [
\t\t\t{
\t\t\t\t"recipient": "age1zwte859d9nvg6wy5dugjkf38dqe8w8qkt2as7xcc5pw3285833xs797uan",
\t\t\t\t"enc": "${stanza("npPw=")}"
\t\t\t}
\t\t],
\t\t"lastmodified": "2024-05-01T10:00:00Z",
\t\t"mac": "ENC[AES256_GCM,data:q4k9U0rQ2nDqH1xO1m1gI6yBSeKx,iv:Xr3ZFk4SU+z1XPecVu4/IpH7QZqysaXMKuOp82naf3w=,tag:bYZ7IlDYC+MAvdn77qHObA==,type:str]",
\t\t"unencrypted_suffix": "_unencrypted",
\t\t"version": "3.8.1"
\t}
}
`;
  it("reads nothing in a sops file whose values are all encrypted; a plaintext value in one is still a finding", async () => {
    const encrypted = sops("ENC[AES256_GCM,data:Ggt01QP6hYLo4iqRQ4yEJUK+G/HxOomb2th2WSctpfwy2KDV18Z2i1pt6y20bh,iv:Xr3ZFk4SU+z1XPecVu4/IpH7QZqysaXMKuOp82naf3w=,tag:bYZ7IlDYC+MAvdn77qHObA==,type:str]");
    const quiet = await scanFiles({ "sops/secrets/harmonia/secret": encrypted });
    expect(quiet.findings.filter((f) => f.category === "secrets")).toEqual([]);
    const leaked = await scanFiles({ "sops/secrets/harmonia/secret": sops("hunter2-but-longer-Xq9") });
    expect(leaked.findings.map((f) => f.ruleId)).toContain("committed-secret-file");
  });
});

// wimpysworld home-manager/_mixins/agentic/hooks/.../dispatch.py: `EVENT_PASS = "pass"` among
// EVENT_GATE = "gate", EVENT_FACING = "facing" (an event name), judged wrong at high.
describe("hardcoded-secret: constants whose value is the last word of their name", () => {
  it("are labels, not credentials; a real value under the same kind of name is still a finding", async () => {
    const py = (value: string) => `EVENT_GATE = "gate"\nEVENT_PASS = "${value}"\nEVENT_FACING = "facing"\n`;
    const quiet = await scanFiles({ "hooks/dispatch.py": py("pass") });
    expect(sites(quiet, RULE)).toEqual([]);
    const loud = await scanFiles({ "hooks/dispatch.py": py("Tr0ub4dor&3-horse") });
    expect(sites(loud, RULE)).toEqual(["hooks/dispatch.py:2"]);
  });
});

// Issue 12: values under secret-like keys that are no secret. ivankovnatsky-nixos-config: a GPG
// signingKey that is the public noreply e-mail (home/git/config), a sops entry's name mapped to an
// environment variable (backup-home.py); LiteLLM's `os.environ/NAME` references.
describe("hardcoded-secret: names and references under secret-like keys", () => {
  it("leaves e-mail addresses, secret entry names and os.environ/ references alone; real values beside them are findings", async () => {
    const gen = new Gen(1201);
    const real = gen.chars(24);
    const quiet = await scanFiles({
      "home/git/config": `[user]\n  name = Someone\n  signingKey = 75213+someone@users.noreply.github.com\n`,
      "git.nix": `{ ... }: {\n  programs.git.extraConfig.user.signingKey = "12345+someone@users.noreply.github.com";\n  environment.etc."litellm.yaml".text = ''\n    general_settings:\n      master_key: os.environ/LITELLM_MASTER_KEY\n  '';\n}\n`,
      "backup/backup.py": `SOPS_SECRETS = {\n    "MINISERVE_USER": "miniserve-username",\n    "MINISERVE_PASS": "miniserve-password",\n}\n`,
      "litellm/config.yaml": `model_list:\n  - litellm_params:\n      api_key: os.environ/OPENAI_API_KEY\n`,
    });
    expect(sites(quiet, RULE)).toEqual([]);
    const loud = await scanFiles({
      "litellm/config.yaml": `model_list:\n  - litellm_params:\n      api_key: ${real}\n`,
      "backup/backup.py": `SOPS_SECRETS = {\n    "MINISERVE_PASS": "${real}",\n}\n`,
    });
    expect(sites(loud, RULE).sort()).toEqual(["backup/backup.py:2", "litellm/config.yaml:3"]);
  });

  it("rates a first-login password in a script or template medium, and a stock admin/admin in a config text low", async () => {
    const report = await scanFiles({
      "sh/build.sh": `cat > host.nix <<EOF\n  users.users.\${username} = {\n    isNormalUser = true;\n    initialPassword = "temp123";\n  };\nEOF\n`,
      "grafana.nix": `{ ... }: {\n  environment.etc."grafana.ini".text = ''\n    [security]\n    admin_user = admin\n    admin_password = admin\n  '';\n  environment.etc."app.ini".text = ''\n    [security]\n    admin_password = Xq9-tR4u-Lm2w\n  '';\n}\n`,
    });
    const bySite = Object.fromEntries(report.findings.filter((f) => f.ruleId === RULE).map((f) => [`${f.file}:${f.line}`, f.severity]));
    expect(bySite).toEqual({ "sh/build.sh:4": "medium", "grafana.nix:5": "low", "grafana.nix:9": "high" });
    // As a Nix binding the users rules cannot follow (a helper building users), it is deployed as written: high.
    const bound = await scanFiles({ "users.nix": `{ lib, ... }:\nlet\n  mkUser = name: {\n    isNormalUser = true;\n    initialPassword = "P@ssw0rd01";\n  };\nin { users.users = lib.genAttrs [ "wil" ] mkUser; }\n` });
    expect(bound.findings.filter((f) => f.ruleId === RULE).map((f) => `${f.file}:${f.line} ${f.severity}`)).toEqual(["users.nix:5 high"]);
  });
});

describe("hardcoded-secret: C sources", () => {
  it("judge only token formats in a program's C code, not constants under password-like names", async () => {
    const report = await scanFiles({
      "tools/unlock/main.c": `#define PASSWORD_ENV "UNLOCK_PASSWORD"\nconst char *pass = "hunter22";\nstatic const char *secret_salt = "q8Zr2Lx9PwT4mN7v";\nstatic const char *api_key = "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW";\n`,
    });
    expect(sites(report, RULE)).toEqual(["tools/unlock/main.c:4"]);
  });
});
