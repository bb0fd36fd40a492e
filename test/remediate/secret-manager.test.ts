// The secret-in-nix-store fix: a read or copy of a secret becomes the run-time path of the
// repository's secret manager, with its declaration: `config.age.secrets.<n>.path` and
// `age.secrets.<n>.file` (agenix), or `config.sops.secrets.<n>.path` and
// `sops.secrets.<n>.sopsFile` (sops-nix). Applied in real git repositories, checked by real Nix
// (parse, and evaluation of a flake whose nixosSystem, agenix and sops-nix are offline stand-ins),
// and undone byte for byte.
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyPlan, planRemediation, undoPlan } from "../../src/remediate/index.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { nixAvailable } from "../helpers/nix.js";
import { Gen } from "../secrets/gen.js";

const RULE = "secret-in-nix-store";
const gen = new Gen(4242);
const TOKEN = gen.chars(32);
const AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBaczRwMWdCT0VIQWtyeVB0\n-----END AGE ENCRYPTED FILE-----\n";

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=t@example.org", ...args], { cwd: dir, encoding: "utf8", stdio: "pipe" });
}

async function repo(files: Record<string, string>, from?: string): Promise<string> {
  root = await mkdtemp(join(tmpdir(), "nix-warden-secret-edit-"));
  if (from) await cp(from, root, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  git(root, "init", "-q", "-b", "main");
  git(root, "add", "-A");
  git(root, "commit", "-qm", "init");
  clearScanCache();
  return root;
}

async function secretFindings(dir: string) {
  clearScanCache();
  const report = await runScan({ root: dir, quick: true });
  return report.findings.filter((f) => f.ruleId === RULE);
}

const MAIL = `# Mail relay.
{ lib, pkgs, ... }:
let
  password = builtins.readFile ./secrets/smtp-password.txt;
in
{
  services.relay = {
    enable = true;
    # Both read the same secret: one declaration serves them.
    password = password;
    backupPassword = lib.fileContents ./secrets/smtp-password.txt;
  };
  environment.etc."deploy/key".text = "\${./secrets/deploy-key}";
}
`;

const PACKAGE = `{ stdenv }:
stdenv.mkDerivation {
  name = "x";
  token = builtins.readFile ./secrets/package-token.txt;
}
`;

const SHADOWED = `{ config, lib, ... }:
let
  config = { };
in
{
  services.y.token = builtins.readFile ./secrets/shadowed-token.txt;
  services.z.settings = builtins.fromJSON (builtins.readFile ./secrets/z-token.json);
  services.w.value = lib.importJSON ./secrets/w-token.json;
}
`;

describe("remediate: a secret read at evaluation becomes an agenix secret", () => {
  it("edits reads, interpolations and the module's arguments exactly, parses with Nix, clears the findings, and undoes byte for byte", async () => {
    const dir = await repo({
      "mail.nix": MAIL,
      "package.nix": PACKAGE,
      "shadowed.nix": SHADOWED,
      // `config` names the whole argument set here, not the configuration.
      "at-config.nix": "{ lib, ... }@config:\n{\n  services.v.token = builtins.readFile ./secrets/v-token.txt;\n}\n",
      "secrets/v-token.txt": `${gen.chars(32)}\n`,
      "secrets/smtp-password.txt": `${TOKEN}\n`,
      "secrets/deploy-key": `${gen.secretFor("private-key")}\n`,
      "secrets/package-token.txt": `${gen.chars(32)}\n`,
      "secrets/shadowed-token.txt": `${gen.chars(32)}\n`,
      "secrets/z-token.json": `{"token":"${gen.chars(32)}"}\n`,
      "secrets/w-token.json": `{"token":"${gen.chars(32)}"}\n`,
    });
    const before = await secretFindings(dir);
    const byFile = (file: string) => before.filter((f) => f.file === file);
    expect(byFile("mail.nix").map((f) => [f.line, f.fix?.safety])).toEqual([
      [4, "review"],
      [11, "review"],
      [13, "review"],
    ]);
    // Not a module (callPackage would not pass `config`), `config` rebound, content parsed: the steps only.
    expect(byFile("package.nix").map((f) => f.fix?.safety)).toEqual(["manual"]);
    expect(byFile("shadowed.nix").map((f) => f.fix?.safety)).toEqual(["manual", "manual", "manual"]);
    expect(byFile("at-config.nix").map((f) => f.fix?.safety)).toEqual(["manual"]);
    const read = byFile("mail.nix")[0]!;
    expect(read.fix?.description).toContain("`agenix -e smtp-password.age` in secrets/");
    expect(read.fix?.description).toContain("Check every use: the value is now the path of the decrypted file");
    expect(byFile("mail.nix")[2]!.fix?.description).not.toContain("Check every use");

    const { plan } = await planRemediation({ root: dir, ids: byFile("mail.nix").map((f) => f.id) });
    expect(plan.actions.map((a) => a.safety)).toEqual(["review", "review", "review"]);
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    if (nixAvailable) expect(r.validation.find((v) => v.check === "nix-instantiate --parse mail.nix")?.ok).toBe(true);
    expect(await readFile(join(dir, "mail.nix"), "utf8")).toBe(`# Mail relay.
{ config, lib, pkgs, ... }:
let
  password = config.age.secrets.smtp-password.path;
in
{
  services.relay = {
    enable = true;
    # Both read the same secret: one declaration serves them.
    password = password;
    backupPassword = config.age.secrets.smtp-password.path;
  };
  environment.etc."deploy/key".text = "\${config.age.secrets.deploy-key.path}";
  age.secrets.smtp-password.file = ./secrets/smtp-password.age;
  age.secrets.deploy-key.file = ./secrets/deploy-key.age;
}
`);
    expect((await secretFindings(dir)).filter((f) => f.file === "mail.nix")).toEqual([]);

    const u = await undoPlan(dir, plan.id);
    expect(u.status).toBe("undone");
    expect(await readFile(join(dir, "mail.nix"), "utf8")).toBe(MAIL);
  });

  it("gives two secrets with one file name two names, and never reuses a name the module declares for another file", async () => {
    const TWO = `{ config, ... }:
{
  services.a.passwordFile = toString ./a/token.txt;
  services.b.passwordFile = toString ./b/token.txt;
  services.c.passwordFile = toString ./c/api.txt;
  age.secrets.api.file = ./c/other.age;
}
`;
    const dir = await repo({
      "two.nix": TWO,
      "a/token.txt": `${gen.secretFor("private-key")}\n`,
      "b/token.txt": `${gen.secretFor("private-key")}\n`,
      "c/api.txt": `${gen.secretFor("private-key")}\n`,
    });
    const findings = await secretFindings(dir);
    expect(findings.map((f) => f.fix?.safety)).toEqual(["review", "review", "review"]);
    const { plan } = await planRemediation({ root: dir, ids: findings.map((f) => f.id) });
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    expect(await readFile(join(dir, "two.nix"), "utf8")).toBe(`{ config, ... }:
{
  services.a.passwordFile = config.age.secrets.token.path;
  services.b.passwordFile = config.age.secrets.token-2.path;
  services.c.passwordFile = config.age.secrets.api-2.path;
  age.secrets.api.file = ./c/other.age;
  age.secrets.token.file = ./a/token.age;
  age.secrets.token-2.file = ./b/token-2.age;
  age.secrets.api-2.file = ./c/api-2.age;
}
`);
  });

  it.skipIf(!nixAvailable)("rolls back while the encrypted file is missing (evaluation fails), and applies once it exists", async () => {
    const fixture = join(import.meta.dirname, "../fixtures/remediate/secrets-standin");
    const dir = await repo({ "secrets/smtp-password.txt": `${TOKEN}\n` }, fixture);
    const config = await readFile(join(dir, "configuration.nix"), "utf8");
    const [finding] = await secretFindings(dir);
    expect(finding?.host).toEqual(["box"]);
    const { plan } = await planRemediation({ root: dir, ids: [finding!.id] });

    const first = await applyPlan(dir, plan.id);
    expect(first.status).toBe("rolled-back");
    expect(first.reason).toMatch(/host box no longer evaluates: .*secrets\/smtp-password\.age/);
    expect(await readFile(join(dir, "configuration.nix"), "utf8")).toBe(config);
    expect(git(dir, "status", "--porcelain").trim()).toBe("");
    expect(git(dir, "branch", "--list", "nix-warden/*").trim()).toBe("");

    // The user encrypts the secret (agenix -e), commits it, and applies the same plan.
    await writeFile(join(dir, "secrets/smtp-password.age"), AGE_ARMOR);
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "encrypt the smtp password");
    const second = await applyPlan(dir, plan.id);
    expect(second.status, second.reason).toBe("applied");
    expect(second.validation.find((v) => v.check === "nix eval box")).toMatchObject({ ok: true });
    expect(await readFile(join(dir, "configuration.nix"), "utf8")).toBe(
      config.replace("toString ./secrets/smtp-password.txt;", "config.age.secrets.smtp-password.path;\n  age.secrets.smtp-password.file = ./secrets/smtp-password.age;"),
    );
    expect(await secretFindings(dir)).toEqual([]);
  });
});

const SOPS_RULES = `creation_rules:
  - path_regex: secrets/[^/]+\\.yaml$
    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
`;

/** A sops-encrypted YAML file as sops 3.8 writes it (values and MAC encrypted; made-up ciphertext). */
function sopsFile(key: string): string {
  const enc = (data: string) => `ENC[AES256_GCM,data:${data},iv:${gen.chars(22)}=,tag:${gen.chars(22)}==,type:str]`;
  return `${key}: ${enc(gen.chars(44))}
sops:
    kms: []
    gcp_kms: []
    azure_kv: []
    hc_vault: []
    age:
        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBaczRwMWdCT0VIQWtyeVB0
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2026-11-22T03:00:00Z"
    mac: ${enc(gen.chars(88))}
    pgp: []
    unencrypted_suffix: _unencrypted
    version: 3.8.1
`;
}

const DB = `{ lib, ... }:
{
  services.db.passwordFile = toString ./secrets/db-password.txt;
  services.db.token = builtins.readFile ./secrets/db-token.txt;
}
`;

describe("remediate: in a sops-nix repository the secret becomes a sops-nix secret", () => {
  it("edits to config.sops.secrets.<n>.path and declares sops.secrets.<n>.sopsFile, parses with Nix, clears the findings, and undoes byte for byte", async () => {
    const dir = await repo({
      ".sops.yaml": SOPS_RULES,
      "db.nix": DB,
      "secrets/db-password.txt": `${TOKEN}\n`,
      "secrets/db-token.txt": `${gen.chars(32)}\n`,
    });
    const before = await secretFindings(dir);
    expect(before.map((f) => [f.file, f.line, f.fix?.safety])).toEqual([
      ["db.nix", 3, "review"],
      ["db.nix", 4, "review"],
    ]);
    expect(before[0]!.fix?.description).toContain("config.sops.secrets.db-password.path, the file sops-nix decrypts");
    expect(before[0]!.fix?.description).toContain("`sops db-password.yaml` in secrets/");
    expect(before[0]!.fix?.description).toContain("`sops.secrets.db-password.owner`");
    expect(before[0]!.fix?.description).not.toContain("agenix");
    expect(before[1]!.fix?.description).toContain("Check every use");

    const { plan } = await planRemediation({ root: dir, ids: before.map((f) => f.id) });
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    if (nixAvailable) expect(r.validation.find((v) => v.check === "nix-instantiate --parse db.nix")?.ok).toBe(true);
    expect(await readFile(join(dir, "db.nix"), "utf8")).toBe(`{ config, lib, ... }:
{
  services.db.passwordFile = config.sops.secrets.db-password.path;
  services.db.token = config.sops.secrets.db-token.path;
  sops.secrets.db-password.sopsFile = ./secrets/db-password.yaml;
  sops.secrets.db-token.sopsFile = ./secrets/db-token.yaml;
}
`);
    expect(await secretFindings(dir)).toEqual([]);
    const u = await undoPlan(dir, plan.id);
    expect(u.status).toBe("undone");
    expect(await readFile(join(dir, "db.nix"), "utf8")).toBe(DB);
  });

  it("picks the manager the module or the repository already uses, and leaves the fix manual when .sops.yaml has no rule for the file", async () => {
    const MODULE = (extra: string) => `{ config, ... }:\n{\n  services.db.passwordFile = toString ./secrets/db-password.txt;\n${extra}}\n`;
    const fixOf = async (files: Record<string, string>) => {
      const dir = await repo({ "secrets/db-password.txt": `${TOKEN}\n`, ...files });
      const [finding] = await secretFindings(dir);
      await rm(dir, { recursive: true, force: true });
      return finding!.fix!;
    };
    const sopsEdit = "config.sops.secrets.db-password.path, the file sops-nix decrypts";
    const ageEdit = "config.age.secrets.db-password.path, the file agenix decrypts";
    // The module configures agenix already: agenix, even with a .sops.yaml.
    expect((await fixOf({ ".sops.yaml": SOPS_RULES, "db.nix": MODULE('  age.secrets.other.file = ./secrets/other.age;\n') })).description).toContain(ageEdit);
    // The module configures sops-nix (its default file): sops-nix, even without a .sops.yaml.
    expect((await fixOf({ "db.nix": MODULE("  sops.defaultSopsFile = ./secrets/default.yaml;\n") })).description).toContain(sopsEdit);
    // agenix's recipients file beside the secrets wins over a .sops.yaml.
    expect((await fixOf({ ".sops.yaml": SOPS_RULES, "secrets/secrets.nix": "{ }\n", "db.nix": MODULE("") })).description).toContain(ageEdit);
    // Nothing says: agenix.
    expect((await fixOf({ "db.nix": MODULE("") })).description).toContain(ageEdit);
    // .sops.yaml only encrypts files under hosts/: `sops secrets/db-password.yaml` would refuse, so the steps only.
    const manual = await fixOf({ ".sops.yaml": SOPS_RULES.replace("secrets/", "hosts/"), "db.nix": MODULE("") });
    expect(manual.safety).toBe("manual");
    expect(manual.description).toContain("`sops.secrets.db-password.sopsFile = ./secrets/db-password.yaml;`");
  });

  it("does not declare a sops file for a secret the module already declares (it may take the default file)", async () => {
    const dir = await repo({
      ".sops.yaml": SOPS_RULES,
      "db.nix": `{ config, ... }:\n{\n  services.db.passwordFile = toString ./secrets/db-password.txt;\n  sops.secrets.db-password.owner = "db";\n}\n`,
      "secrets/db-password.txt": `${TOKEN}\n`,
    });
    const [finding] = await secretFindings(dir);
    const { plan } = await planRemediation({ root: dir, ids: [finding!.id] });
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    expect(await readFile(join(dir, "db.nix"), "utf8")).toBe(
      `{ config, ... }:\n{\n  services.db.passwordFile = config.sops.secrets.db-password.path;\n  sops.secrets.db-password.owner = "db";\n}\n`,
    );
  });

  it.skipIf(!nixAvailable)("rolls back while the sops file is missing (sops-nix's assertion), and applies once it exists", async () => {
    const fixture = join(import.meta.dirname, "../fixtures/remediate/secrets-standin");
    const dir = await repo({ ".sops.yaml": SOPS_RULES, "secrets/smtp-password.txt": `${TOKEN}\n` }, fixture);
    const config = await readFile(join(dir, "configuration.nix"), "utf8");
    const [finding] = await secretFindings(dir);
    const { plan } = await planRemediation({ root: dir, ids: [finding!.id] });

    const first = await applyPlan(dir, plan.id);
    expect(first.status).toBe("rolled-back");
    expect(first.reason).toMatch(/host box no longer evaluates: .*Cannot find path .*secrets\/smtp-password\.yaml/);
    expect(await readFile(join(dir, "configuration.nix"), "utf8")).toBe(config);
    expect(git(dir, "status", "--porcelain").trim()).toBe("");

    // The user writes the secret with sops, commits the encrypted file, and applies the same plan.
    await writeFile(join(dir, "secrets/smtp-password.yaml"), sopsFile("smtp-password"));
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "the smtp password, encrypted with sops");
    clearScanCache();
    const scan = await runScan({ root: dir, quick: true });
    expect(scan.findings.filter((f) => f.file === "secrets/smtp-password.yaml")).toEqual([]);
    const second = await applyPlan(dir, plan.id);
    expect(second.status, second.reason).toBe("applied");
    expect(second.validation.find((v) => v.check === "nix eval box")).toMatchObject({ ok: true });
    expect(await readFile(join(dir, "configuration.nix"), "utf8")).toBe(
      config.replace("toString ./secrets/smtp-password.txt;", "config.sops.secrets.smtp-password.path;\n  sops.secrets.smtp-password.sopsFile = ./secrets/smtp-password.yaml;"),
    );
    expect(await secretFindings(dir)).toEqual([]);
  });
});

describe("the bundled sops-nix example (examples/sops-parts, shown by npm run demo)", () => {
  it("finds the hosts its flake-parts module declares, and fixes its one store read the sops-nix way", async () => {
    const example = join(import.meta.dirname, "../../examples/sops-parts");
    const dir = await repo({}, example);
    clearScanCache();
    const report = await runScan({ root: dir, quick: true });
    expect(report.hosts).toEqual(["git", "mail"]);
    expect(report.findings.map((f) => [f.ruleId, f.file, f.line, f.host])).toEqual([
      [RULE, "hosts/mail.nix", 8, ["mail"]],
      ["committed-secret-file", "secrets/restic-password", 1, ["mail"]],
      // (statix's repeated_keys, `settings.*` three times in modules/common.nix, runs with style: all.)
    ]);
    const { plan } = await planRemediation({ root: dir, ids: [report.findings[0]!.id] });
    const r = await applyPlan(dir, plan.id);
    expect(r.status, r.reason).toBe("applied");
    if (nixAvailable) expect(r.validation.find((v) => v.check === "nix-instantiate --parse hosts/mail.nix")?.ok).toBe(true);
    const text = await readFile(join(dir, "hosts/mail.nix"), "utf8");
    expect(text).toContain("passwordFile = config.sops.secrets.restic-password.path;");
    expect(text).toContain("sops.secrets.restic-password.sopsFile = ../secrets/restic-password.yaml;");
    expect(text.startsWith("{ config, pkgs, ... }:")).toBe(true);
  });
});
