// Secret files committed in the clear: private keys, token files, plaintext files in a secrets folder
// or on a sops-managed path, `.age` files that are not age-encrypted, sops files with plaintext
// values. Public keys, certificates and encrypted files are not findings. The file's content is
// never shown: the evidence is what the file is, not what it holds.
import { posix } from "node:path";
import { isSecretLocation, type SecretFileClass, type SecretLocation } from "../../secrets/index.js";
import { classifySecretFile } from "../../secrets/index.js";
import type { Rule, TextFileContext } from "../types.js";
import { AGENIX, NIXOS_WIKI_SECRETS, SECRETS_COMPLIANCE, SOPS_NIX } from "./compliance.js";
import { sopsRulesFor, TEST_DATA_DIR } from "./material.js";

export interface CommittedSecret {
  cls: SecretFileClass;
  location: SecretLocation | null;
}

const verdicts = new WeakMap<Buffer, CommittedSecret | null>();
const classes = new WeakMap<Buffer, SecretFileClass>();

/** What the file is (encrypted, a key, plain text...), memoised per content buffer. */
function classOf(ctx: Pick<TextFileContext, "file" | "content" | "repoFile">): SecretFileClass {
  let cls = classes.get(ctx.content);
  if (!cls) classes.set(ctx.content, (cls = classifySecretFile(ctx.file, ctx.content, { sopsRules: sopsRulesFor(ctx.repoFile, ctx.file) })));
  return cls;
}

/** The file is encrypted as a whole (sops with every value ENC[...], age, gpg): what reads like a
 * key or a password in it is ciphertext or sops metadata (clan-infra's sops/secrets/<name>/secret
 * gave "plaintext password under 'npPw'" from an age stanza's base64, judged wrong at high). */
export function encryptedSecretFile(ctx: Pick<TextFileContext, "file" | "content" | "repoFile">): boolean {
  const cls = classOf(ctx);
  return cls.kind.endsWith("-encrypted") && !cls.secretLike;
}

/**
 * The file is secret material lying unencrypted in the repository, as a whole: a key, a token
 * file, an encrypted-by-contract file that is not encrypted, or a plaintext file where secrets are
 * kept. (Secrets inside ordinary files, a script or a YAML config, are hardcoded-secret's.)
 * Memoised per content buffer: hardcoded-secret asks too.
 */
export function committedSecret(ctx: Pick<TextFileContext, "file" | "content" | "repoFile">): CommittedSecret | undefined {
  const cached = verdicts.get(ctx.content);
  if (cached !== undefined) return cached ?? undefined;
  const cls = classOf(ctx);
  const location = isSecretLocation(ctx.file, { sopsRules: sopsRulesFor(ctx.repoFile, ctx.file) });
  const verdict = cls.secretLike && (cls.kind !== "plain" || location?.expectEncrypted) ? { cls, location } : null;
  verdicts.set(ctx.content, verdict);
  return verdict ?? undefined;
}


function fixFor(file: string, cls: SecretFileClass): string {
  const name = posix.basename(file).replace(/\.(?:age|txt|key|env)$/i, "");
  const rotate = "Rotate it first: it stays readable in git history (purge the history with git filter-repo if the repository was ever shared).";
  if (cls.kind === "sops-encrypted") {
    return `Encrypt the plaintext values in place with \`sops --encrypt --in-place ${file}\` (check .sops.yaml's creation rules and the file's unencrypted_suffix/regex). ${rotate}`;
  }
  if (/\.age$/i.test(file)) {
    return `Replace it with an age-encrypted file: \`agenix -e ${posix.basename(file)}\` (recipients in secrets.nix) or \`age -R recipients.txt -o ${file} plaintext\`. ${rotate}`;
  }
  return (
    `Remove it from the repository (\`git rm --cached ${file}\`, and list it in .gitignore) and keep it encrypted instead: \`agenix -e ${name}.age\` with ` +
    `\`age.secrets.${name.replace(/[^A-Za-z0-9_-]+/g, "-")}.file\`, or a sops file. ${rotate}`
  );
}

export const committedSecretFile: Rule = {
  id: "committed-secret-file",
  examples: {
    // An .age file that was never encrypted; an encrypted one (age's armored format) is fine.
    fire: [
      { "secrets/db-password.age": "hunter2-but-longer-Kq8vTz2mWp9xLr\n" },
      // A plaintext file in a secrets folder whose content is a value, not tooling.
      { "secrets/smtp.conf": "# relay login\nuser = mailer\npassword = Tr0ub4dor-and-3\n" },
      // Nothing the detectors recognise, but a value and not tooling: a passphrase in the secrets folder.
      { "secrets/backup-passphrase": "correct horse battery staple\n" },
      // An .age file holding an age identity (a secret key), not a recipient; a token in a test
      // directory that does not say it is fake.
      { "keys/age/yubi1.age": "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n" },
      { "modules/tests/secrets/api-token": "Zx81QmTr0VbN4kWq2Lp7Hs9D\n" },
      // Look-alikes of the public or encrypted shapes below: a signed JWT (three parts, a bearer
      // token) named .jwe, a TOTP seed in base32 without Syncthing's dashed groups, a token in a
      // file named .gpg-id.
      { "secrets/hosts/web/api.jwe": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiAiZGVwbG95LWJvdCIsICJpYXQiOiAxNzAwMDAwMDAwfQ.lpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq-wsbKztLU\n" },
      { "secrets/users/alice/totp-seed": "JBSWY3DPEHPK3PXPQ4ZTMNRWGQ2DKNJXHE3TGMZSGI2DQOJVGQYTAMZU\n" },
      { "secrets/.gpg-id": "ghp_R8tq2Lm0Xw4Zk9Vb7Nc3Hs6Jd1Fg5Ya2Pq0E\n" },
      // A NixOS VM test's own CA key, used by no host: reported as info, with a fix that keeps it a
      // test key instead of encrypting what the test machines must read.
      {
        "flake.nix": "{ outputs = { self, nixpkgs }: { checks.x86_64-linux.mesh = nixpkgs.legacyPackages.x86_64-linux.testers.runNixOSTest ./tests/mesh; }; }\n",
        "tests/mesh/default.nix": "{ ... }: {\n  name = \"mesh\";\n  nodes.a = { ... }: { services.nebula.networks.mesh.ca = ./keys/ca.crt; };\n  testScript = \"start_all()\";\n}\n",
        "tests/mesh/keys/ca.key": "-----BEGIN NEBULA ED25519 PRIVATE KEY-----\nq3Zx81QmTr0VbN4kWq2Lp7Hs9DZx81QmTr0VbN4kWq2Lp7Hs9D0VbN4kWq2Lp7Hs9D==\n-----END NEBULA ED25519 PRIVATE KEY-----\n",
      },
    ],
    silent: [
      { "secrets/db-password.age": "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBhYmNkZWZnaGlqa2xtbm9w\n-----END AGE ENCRYPTED FILE-----\n" },
      // Tooling beside the encrypted files, judged by what it is: a justfile of agenix recipes, a
      // Makefile without a conventional name, a script, a commented placeholder.
      { "secrets/justfile": "default:\n    @just --list\n\n# Run `agenix -e <file>`\nedit FILE:\n    agenix -e {{ FILE }} -i ~/.ssh/agenix\n\nrekey:\n    agenix -r -i ~/.ssh/agenix\n" },
      { "secrets/recipes": "edit:\n\tagenix -e $(FILE)\nrekey:\n\tagenix -r\n" },
      { "secrets/rotate": "#!/usr/bin/env bash\nset -eu\nagenix -e \"$1\"\n" },
      { "secrets/api-jira-pat.placeholder": "# Jira Personal Access Token placeholder\n# Encrypt the real one: agenix -e secrets/api-jira-pat.age\n\nYOUR_JIRA_PAT_HERE\n" },
      { "secrets/README": "Secrets are age-encrypted; edit them with agenix -e <name>.age.\n" },
      // Age recipients, native and of plugins (YubiKey, TPM, Secure Enclave, FIDO2), in files named
      // .age: public names of the keys secrets are encrypted to, not secrets.
      {
        "keys/age/yubi1.age": "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t\n",
        "keys/age/laptop-tpm.age": "age1tpm1qg86fn5esp30u9h6jy6zvu9gcsvnac09vn8jzjxt8s3qtlcv5h2x287wm36\n",
        "keys/age/mac.age": "age1se1qgg72x2qfk9wg3wh0qg9u0v7l5dkq4jx69fv80p6wp8m9kxskyzyc2ln6sy\n",
        "keys/age/backup.age": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n",
      },
      // Stand-ins for the real secrets in a test directory whose name says they are fake.
      { "modules/tests/dummy-secrets/searx.key": "yolo\n", "modules/tests/dummy-secrets/cache.key": "key-name:blabla123\n", "test/fake-secrets/api-token": "Zx81QmTr0VbN4kWq2Lp7Hs9D\n" },
      // A GPG key's fingerprint beside the public keys: what sops recipients are built from.
      { "secrets/keys/alice.gpg.fp": "3F2A9C41D7E08B56A1C4E9F2730B8D16E5A4C927\n", "secrets/keys/laptop.age.pub": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n" },
      // A pass store's recipient list: public GPG key ids, which pass needs to encrypt.
      { "secrets/.gpg-id": "3F2A9C41D7E08B56A1C4E9F2730B8D16E5A4C927\n", "secrets/hosts/.gpg-id": "0x7A3C91D2E4F05B68\nalice@example.org\n" },
      // A Syncthing device ID (public, shared with the peers) beside the .age holding the device key.
      { "secrets/hosts/nas/syncthing-nas.id": "MFRGGZD-IFBEGRC-JKRLGNZ-QGEZDGN-BVGY3TQ-OJZXE4D-LNBSWY3-DPEHPK3\n" },
      // A Clevis-sealed disk key (JWE compact serialisation, alg dir, TPM2 pin): ciphertext that the
      // initrd opens unattended.
      { "secrets/hosts/nas/zroot-key.jwe": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY2xldmlzIjp7InBpbiI6InRwbTIiLCJ0cG0yIjp7Imhhc2giOiJzaGEyNTYiLCJrZXkiOiJlY2MifX19..ExMTExMTExMTExMT.KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QEFCQ0RFRkc.ZGVmZ2hpamtsbW5vcHFycw" },
    ],
  },
  name: "unencrypted secret file committed",
  category: "secrets",
  severity: "high",
  rationale:
    "A private key, token or password file committed in the clear is readable by everyone with access to the repository and its history, forever; in a flake it is also copied into the world-readable Nix store with the rest of the source on every build.",
  fix: "Rotate the secret, remove the plaintext file from the repository, and keep it encrypted with agenix or sops-nix; the NixOS configuration then references the decrypted file at run time.",
  references: [AGENIX, SOPS_NIX, NIXOS_WIKI_SECRETS, { title: "GitHub: Removing sensitive data from a repository", url: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository" }],
  compliance: SECRETS_COMPLIANCE,

  checkFile(ctx) {
    if (ctx.file.endsWith(".nix")) return;
    const verdict = committedSecret(ctx);
    if (!verdict) return;
    const { cls } = verdict;
    const inTests = TEST_DATA_DIR.test(ctx.file);
    // A value in a test directory whose path says it is fake (`tests/dummy-secrets/searx.key`,
    // `test/fake-secrets/token`): a stand-in the tests use instead of the real secret, not a
    // secret (Lassulus-superconfig 2configs/tests/dummy-secrets, "yolo", judged wrong at low).
    // A private key there stays reported: a real key is sometimes reused as the test one.
    if (inTests && cls.kind !== "private-key" && FAKE_DATA.test(ctx.file)) return;
    let severity: "critical" | "high" | "low" | "info" = cls.kind === "private-key" && cls.encrypted !== true ? "critical" : "high";
    const flake = ctx.repoFile("flake.nix") ? " Because the repository is a flake, the file is also copied into the world-readable Nix store with the rest of the source." : "";
    let message = `${ctx.file}: ${cls.reason}.${flake}`;
    // Who uses it: no host includes it, and every Nix file naming it is test code (a NixOS VM test,
    // a file of tests/ or checks/ no host includes). A key of a test tree that holds Nix code and
    // no path literal names is the tests' too: they name it through an interpolated path
    // (`"${testDir}/keys/${config.networking.hostName}/nebula.key"`).
    const readers = ctx.readBy ?? [];
    const nonTestReader = readers.find((r) => r.test !== true);
    const testOnly = ctx.hosts.length === 0 && !nonTestReader && (readers.length > 0 || (inTests && testTreeHasCode(ctx)));
    if (testOnly && inTests) {
      // SebastianStork-nixos-config tests/*/keys (a nebula CA and host keys of NixOS VM tests, used
      // by no host): judged info, and "encrypt it" harmful, since the test VMs read it as it is.
      severity = "info";
      message += ` (Kept with the tests and used by no host${readers.length ? `; the Nix code naming it is test code (${readers.map((r) => `${r.file}:${r.line}`).join(", ")})` : ""}: a ${cls.kind === "private-key" ? "key" : "secret"} for test machines, reported as info.)`;
    } else if (testOnly) {
      severity = "low";
      message += ` (Used by no host: only NixOS VM tests name it (${readers.map((r) => `${r.file}:${r.line}`).join(", ")}), so reported as low; if it is a real secret, the test must not use it.)`;
    } else if (inTests) {
      severity = "low";
      message += nonTestReader
        ? ` (In a test directory, so reported as low, but ${nonTestReader.file}:${nonTestReader.line}, which is not test code, names it: make sure no real machine uses it.)`
        : " (In a test directory: probably a test key, so reported as low; make sure it is used nowhere else.)";
    }
    // A key named as a throwaway (`test-key.txt`, `fake-secrets/`, `dummy.key`) whose public half
    // is a recipient of no sops rule: a deliberately public test identity, which decrypts only test
    // files (linyinfeng's make-fake-secrets/test-key.txt, judged wrong at critical with a harmful
    // "encrypt it" fix: the tool needs it readable).
    const throwaway = cls.kind === "private-key" && !inTests ? throwawayKey(ctx) : undefined;
    if (throwaway) {
      severity = "info";
      message += ` ${throwaway}`;
    }
    // A FIDO2 security-key handle (`ssh-keygen -t ed25519-sk`) names a key that never leaves its
    // hardware token (MatthewCroughan-nixcfg id_ed25519_sk-*, judged wrong at critical).
    const handle = cls.securityKeyHandle === true;
    if (handle) {
      severity = "info";
      message = `${ctx.file}: ${cls.reason}.`;
    }
    const lines = ctx.text === undefined ? 1 : Math.max(1, ctx.text.split(/\r\n|\r|\n/).length - (/(\r\n|\r|\n)$/.test(ctx.text) ? 1 : 0));
    ctx.report({
      range: { line: 1, column: 1, endLine: lines, endColumn: 1 },
      title: handle ? "FIDO2 security-key handle committed" : cls.kind === "private-key" ? (cls.encrypted ? "keystore with private keys committed" : "unencrypted private key committed") : cls.kind === "sops-encrypted" ? "sops file with plaintext values" : "unencrypted secret file committed",
      severity,
      message,
      // Never the content: what the file is.
      evidence: `${ctx.file}: ${cls.kind}${cls.plaintextKeys?.length ? ` (plaintext keys: ${cls.plaintextKeys.join(", ")})` : ""}`,
      key: cls.kind,
      fix: {
        safety: "manual",
        description: handle
          ? "Nothing to rotate or encrypt: the handle works only with the security key it names. Keep it if ssh should find it on every machine; revoke the key (remove its public half from authorized_keys) only if the token itself is lost."
          : testOnly && inTests
          ? "Nothing to encrypt or rotate: the test machines read it from the repository as it is (agenix or sops would need a key they do not have). Keep it a test key: generated for the tests only, used by no host's configuration, and trusted by none (its public half in no authorized_keys, .sops.yaml or secrets.nix; a test CA's certificate in no host's trust settings)."
          : throwaway
          ? "Nothing to encrypt: a test identity must stay readable for the tools and tests that use it. Keep its public key out of .sops.yaml and secrets.nix, so that no real secret is ever encrypted to it."
          : fixFor(ctx.file, cls),
      },
    });
  },
};

/** The test tree a file lies in (`tests/overlay/keys/server/ssh` -> `tests`, `nixos/checks/x` ->
 * `nixos/checks`) holds Nix files: the test code that uses what is kept there. */
function testTreeHasCode(ctx: Pick<TextFileContext, "file" | "repoFilesUnder">): boolean {
  const m = TEST_DATA_DIR.exec(ctx.file);
  if (!m || !ctx.repoFilesUnder) return false;
  const tree = ctx.file.slice(0, m.index + m[0].length - 1).replace(/^\//, "");
  return ctx.repoFilesUnder(tree).some((f) => f.endsWith(".nix"));
}

/** A file or folder name that says its content is a stand-in: fake, dummy, mock. */
const FAKE_DATA = /(?:^|[-_./])(?:fake|dummy|mock)(?:s|[-_./]|$)/i;
/** A file or folder name that marks a throwaway: test, fake, dummy, example, sample, demo, insecure. */
const THROWAWAY_NAME = /(?:^|[-_./])(?:tests?|testing|fake|dummy|example|sample|demo|insecure)(?:[-_./]|$)/i;
/** The public key an age identity file states in its header (`# public key: age1…`). */
const AGE_PUBLIC_KEY = /^#\s*public key:\s*(age1[0-9a-z]{50,})\s*$/m;
/** Where a repository lists the recipients its secrets are encrypted to. */
const RECIPIENT_FILES = [".sops.yaml", ".sops.yml", "secrets.nix", "secrets/secrets.nix"];

/**
 * Why a committed private key is a throwaway test identity, or undefined: its path names it one,
 * and its public key (when the file states it) is a recipient in none of the repository's
 * recipient lists.
 */
function throwawayKey(ctx: Pick<TextFileContext, "file" | "text" | "repoFile">): string | undefined {
  if (!THROWAWAY_NAME.test(ctx.file)) return undefined;
  const pub = ctx.text === undefined ? undefined : AGE_PUBLIC_KEY.exec(ctx.text)?.[1];
  if (pub) {
    for (const f of RECIPIENT_FILES) if (ctx.repoFile(f)?.text?.includes(pub)) return undefined;
  } else if (ctx.text !== undefined && !/AGE-SECRET-KEY-/.test(ctx.text)) {
    return undefined; // an SSH or TLS key named "test": its use cannot be told from here
  }
  return (
    "Its name marks it a test identity, and its public key is a recipient of no secret in the repository's recipient lists (.sops.yaml, secrets.nix): " +
    "a throwaway key that decrypts only test or placeholder files, so it is reported as info."
  );
}
