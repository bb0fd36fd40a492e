// The secret-in-nix-store fix: a read or copy of a secret becomes `config.age.secrets.<n>.path`
// with its `age.secrets.<n>.file` declaration, applied in real git repositories, checked by real
// Nix (parse, and evaluation of a flake whose nixosSystem and agenix are offline stand-ins), and
// undone byte for byte.
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
  root = await mkdtemp(join(tmpdir(), "nix-warden-agenix-"));
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

  it.skipIf(!nixAvailable)("rolls back while the encrypted file is missing (evaluation fails), and applies once it exists", async () => {
    const fixture = join(import.meta.dirname, "../fixtures/remediate/agenix-standin");
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
