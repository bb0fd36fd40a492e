// The attack: a machine whose shell history, /etc/hosts and unit drop-in hold secrets, and a
// configuration whose unit Environment holds a token. Drift must quote none of them anywhere it
// writes or answers (the library's report, the built CLI's stdout and --output-dir files, the
// declared-state cache, the MCP check_drift answer), and show them the way the scan does.
import { spawnSync } from "node:child_process";
import { appendFile, chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareExample, type ExampleWorkspace } from "../../src/drift/demo.js";
import { checkDrift } from "../../src/drift/index.js";
import { DriftReportX } from "../../src/drift/model.js";
import { redactCommandLine, redactDriftItem } from "../../src/drift/redact.js";
import { item, revert } from "../../src/drift/compare/common.js";
import { renderMarkdown } from "../../src/drift/render/markdown.js";
import { renderScript } from "../../src/drift/render/script.js";
import { renderText } from "../../src/drift/render/text.js";
import { cacheBase } from "../../src/system/state.js";
import { CLI, connect, linkedReport } from "../mcp/helpers.js";
import { nixAvailable } from "../helpers/nix.js";
import { EXAMPLE, tempDir } from "./helpers.js";
import { declaredCacheDir } from "../../src/drift/declared/cache.js";

const HASH = "$6$saltsalt$" + "Xq0bVw3N7rT1yZ8cLm4pK2sD9fG6hJ5aQeRuIoPz.WxYvBnM/1kE3tC7gH0jL2dF4sA6qW8eR0tY2uI4oP6aS8dF0gH2jK4l".slice(0, 86);
const SLACK = "xoxb-1234567890-1234567890123-aBcDeFgHiJkLmNoPqRsTuVwX";
const GH_DECLARED = "ghp_" + "Zk4Qm8Rt2Vx6Bn0Lp3Hs7Jd1Fg5Wc9Ya2U6T";
const GH_DROPIN = "ghp_" + "Pq7Ws2Ed5Rf8Tg1Yh4Uj7Ik0Ol3Zx6Cv9B2M";
const OTHERS = ["MysqlS3cretPw", "CurlS3cretPw", "DeployT0kenValue", "BearerS3cretValue123", "PwFlagS3cret", "ChpasswdS3cret", "hunter2Secret!"];
const SECRETS = [HASH, SLACK, GH_DECLARED, GH_DROPIN, ...OTHERS];

/** Fails naming the secret and where it leaked. */
function expectNoSecret(where: string, text: string): void {
  for (const s of SECRETS) {
    expect(text.includes(s), `${where} contains ${s}`).toBe(false);
    // Not a truncated copy either: the middle of a long value is never shown.
    if (s.length >= 20) expect(text.includes(s.slice(6, -6)), `${where} contains part of ${s}`).toBe(false);
  }
}

let ws: ExampleWorkspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

/** The example machine and configuration with the secrets planted; returns the declared-state file. */
async function plant(w: ExampleWorkspace): Promise<string> {
  const history = [
    `useradd -p '${HASH}' bob`,
    `echo ${SLACK} > /etc/slack-token`,
    `mysql -uroot -p${OTHERS[0]} -e 'FLUSH PRIVILEGES' && systemctl restart redis-imperative.service`,
    `curl -u admin:${OTHERS[1]} -o /tmp/backup.sh https://backup.example.invalid/get && mount /dev/sdb1 /mnt/backup`,
    `export DEPLOY_TOKEN=${OTHERS[2]} && groupadd deploy`,
    `curl -H 'Authorization: Bearer ${OTHERS[3]}' https://api.example.invalid/; sysctl -w net.ipv4.ip_forward=1`,
    `mytool --password=${OTHERS[4]} && systemctl mask --runtime logrotate.service`,
    `echo 'mallory:${OTHERS[5]}' | chpasswd && usermod -aG wheel mallory`,
  ];
  // Later than every line already there, so each becomes its item's cause.
  await appendFile(join(w.root, "root/.bash_history"), history.map((c, i) => `#${1794900000 + i * 60}\n${c}\n`).join(""));
  await appendFile(join(w.root, "etc/passwd"), "bob:x:1002:100::/home/bob:/run/current-system/sw/bin/bash\n");
  await writeFile(join(w.root, "etc/slack-token"), `${SLACK}\n`);
  await appendFile(join(w.root, "etc/hosts"), `10.0.0.9 vault.internal # pw=${OTHERS[6]}\n`);
  await appendFile(join(w.root, "run/systemd/system/prometheus-node-exporter.service.d/override.conf"), `Environment=GITHUB_TOKEN=${GH_DROPIN}\n`);
  // The configuration declares a token in the unit's Environment: in the flake, and in the extractor's output.
  const host = join(w.repo, "hosts", "web1.nix");
  const nix = await readFile(host, "utf8");
  const marker = 'User = "node-exporter";';
  expect(nix).toContain(marker);
  await writeFile(host, nix.replace(marker, `${marker}\n      Environment = "GITHUB_TOKEN=${GH_DECLARED}";`));
  const declared = JSON.parse(await readFile(join(EXAMPLE, "declared.json"), "utf8"));
  declared.services["prometheus-node-exporter"].serviceConfig.Environment = `GITHUB_TOKEN=${GH_DECLARED}`;
  const file = join(w.dir, "declared.json");
  await writeFile(file, JSON.stringify(declared));
  return file;
}

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, "drift", ...args], { cwd, encoding: "utf8", timeout: 120_000, env: process.env });
  if (r.error) throw r.error;
  return r;
}

describe("secrets on the machine and in the configuration never reach drift's output", () => {
  it("the library's report quotes the causes, the /etc/hosts diff and the unit settings with every secret redacted", async () => {
    ws = await prepareExample();
    const declaredFile = await plant(ws);
    const r = await checkDrift({ flake: ws.repo, host: "web1", root: ws.root, declaredFile });
    const by = (category: string, subject: string) => r.items.find((i) => i.category === category && i.subject === subject);

    // The planted lines are what the report quotes (so the absence below means redacted, not missing).
    expect(by("user", "bob")?.cause?.description).toMatch(/ran `useradd -p '\$6\$s…[^ ]{3} \(98 chars\)' bob`/);
    expect(by("file", "/etc/slack-token")?.cause?.description).toContain(`ran \`echo xoxb…VwX (${SLACK.length} chars) > /etc/slack-token\``);
    expect(by("service", "redis-imperative.service")?.cause?.description).toContain("mysql -uroot -p… (13 chars)");
    expect(by("mount", "/mnt/backup")?.cause?.description).toContain("curl -u admin:… (12 chars)");
    expect(by("group", "deploy")?.cause?.description).toContain("export DEPLOY_TOKEN=… (16 chars)");
    expect(by("group", "mallory in wheel")?.cause?.description).toContain("echo 'mallory:… (14 chars)' | chpasswd");
    expect(by("service", "logrotate.service")?.cause?.description).toContain("mytool --password=… (12 chars)");
    expect(r.items.find((i) => i.subject.includes("ip_forward"))?.cause?.description).toContain("Authorization: Bearer Bear…123 (20 chars)");
    expect(by("file", "/etc/hosts")?.evidence).toContain("+ 10.0.0.9 vault.internal # pw=… (14 chars)");
    const dropIn = by("service-config", "prometheus-node-exporter.service")!;
    expect(dropIn.evidence).toContain("GITHUB_TOKEN=ghp_…B2M (40 chars)");
    expect(JSON.stringify(dropIn.declared)).toContain("GITHUB_TOKEN=ghp_…U6T (40 chars)");
    // The adopt step's Nix would have carried the drop-in's token: redacted, and the step says why.
    const adopt = dropIn.remediation.find((x) => x.strategy === "adopt")!;
    expect(adopt.nix).toContain("GITHUB_TOKEN=ghp_…B2M (40 chars)");
    expect(adopt.description).toMatch(/secret .* is redacted/);
    const hostsAdopt = by("file", "/etc/hosts")!.remediation.find((x) => x.strategy === "adopt")!;
    expect(hostsAdopt.nix).toContain("# pw=… (14 chars)");

    expect(DriftReportX.safeParse(r).success).toBe(true);
    expectNoSecret("report", JSON.stringify(r));
    expectNoSecret("drift-report.md", renderMarkdown(r));
    expectNoSecret("remediation-script.sh", renderScript(r));
    expectNoSecret("text", renderText(r));
  });

  it("the built CLI writes no secret to stdout (json, text, markdown) or to any --output-dir file", async () => {
    ws = await prepareExample();
    const declaredFile = await plant(ws);
    const out = join(ws.dir, "out");
    const base = ["--flake", ws.repo, "--host", "web1", "--root", ws.root, "--declared", declaredFile];
    const json = cli([...base, "--format", "json", "--output-dir", out], ws.dir);
    expect(json.status, json.stderr).toBe(0);
    expect(DriftReportX.parse(JSON.parse(json.stdout)).items.some((i) => i.subject === "bob")).toBe(true);
    expectNoSecret("stdout (json)", json.stdout + json.stderr);
    for (const format of ["text", "markdown"]) {
      const r = cli([...base, "--format", format], ws.dir);
      expect(r.status, r.stderr).toBe(0);
      expectNoSecret(`stdout (${format})`, r.stdout + r.stderr);
    }
    const files = await readdir(out);
    expect(files.sort()).toEqual(["drift-metrics.json", "drift-report.json", "drift-report.md", "remediation-script.sh"]);
    for (const f of files) expectNoSecret(f, await readFile(join(out, f), "utf8"));
  });

  it.skipIf(!nixAvailable)("the declared-state cache is owner-only, outside the repository, and holds no secret", async () => {
    ws = await prepareExample();
    await plant(ws);
    const args = ["--flake", ws.repo, "--host", "web1", "--root", ws.root, "--format", "json"];
    const first = cli(args, ws.dir);
    expect(first.status, first.stderr).toBe(0);
    const fresh = DriftReportX.parse(JSON.parse(first.stdout));
    expect(fresh.timing.declaredFromCache).toBe(false);
    expectNoSecret("stdout (evaluated)", first.stdout);

    const dir = join(cacheBase(), "drift");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const entries = (await readdir(dir)).filter((f) => f.endsWith(".json"));
    expect(entries.length).toBeGreaterThan(0);
    let sawToken = false;
    for (const f of entries) {
      expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
      const text = await readFile(join(dir, f), "utf8");
      expectNoSecret(`cache ${f}`, text);
      sawToken ||= text.includes("GITHUB_TOKEN=ghp_…U6T (40 chars)");
    }
    expect(sawToken).toBe(true); // the declared Environment was cached, redacted
    await expect(stat(join(ws.repo, ".nix-warden"))).rejects.toThrow(/ENOENT/);

    const second = cli(args, ws.dir);
    const cached = DriftReportX.parse(JSON.parse(second.stdout));
    expect(cached.timing.declaredFromCache).toBe(true);
    expectNoSecret("stdout (cached)", second.stdout);
    // A cached run reports what a fresh one does.
    const shape = (x: DriftReportX) => x.items.map((i) => [i.id, i.evidence, JSON.stringify(i.declared)]);
    expect(shape(cached)).toEqual(shape(fresh));
  }, 120_000);

  it("the MCP check_drift answer and the stored report hold no secret", async () => {
    ws = await prepareExample();
    await plant(ws);
    const c = await connect({ cwd: ws.dir });
    const r = await c.client.callTool({ name: "check_drift", arguments: { flake: "nixos-config", declaredFile: "declared.json", root: "root", host: "web1" } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(DriftReportX.parse(await linkedReport(c.client, r)).items.some((i) => i.subject === "bob")).toBe(true);
    expectNoSecret("check_drift answer", JSON.stringify(r));
    const stored = await c.client.readResource({ uri: "nix-warden://reports/drift/web1/latest.json" });
    expectNoSecret("stored report", JSON.stringify(stored));
    const md = await c.client.readResource({ uri: "nix-warden://reports/drift/web1/latest.md" });
    expectNoSecret("stored report (markdown)", JSON.stringify(md));
  }, 60_000);
});

describe("a declared-state cache left by an earlier version", () => {
  it("is made owner-only and loses the entries others could read (they held secrets in clear)", async () => {
    const base = await tempDir();
    const dir = join(base, "drift");
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    await writeFile(join(dir, "old.json"), JSON.stringify({ declared: { services: { x: { serviceConfig: { Environment: `GITHUB_TOKEN=${GH_DECLARED}` } } } } }), { mode: 0o644 });
    await writeFile(join(dir, "mine.json"), "{}", { mode: 0o600 });
    const saved = process.env.NIX_WARDEN_CACHE_DIR;
    process.env.NIX_WARDEN_CACHE_DIR = base;
    try {
      await chmod(base, 0o700);
      expect(await declaredCacheDir()).toBe(dir);
    } finally {
      process.env.NIX_WARDEN_CACHE_DIR = saved;
    }
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await readdir(dir)).sort()).toEqual(["mine.json"]);
  });
});

describe("remediation that would need a secret", () => {
  it("is not printed: its commands and guard are withheld and the step is left to a person", () => {
    // No comparison builds a command from a secret today (commands take unit names, paths, users,
    // package names, sysctl keys); a file whose very name is a token is the one way in.
    const path = `/etc/${GH_DROPIN}`;
    const it0 = item({
      category: "file",
      subject: path,
      severity: "medium",
      declared: null,
      actual: { path },
      evidence: `${path} is not managed by NixOS.`,
      remediation: [revert("auto", `Move ${path} aside.`, [["mv", "--", path, `${path}.bak`]], ["test", "-e", path])],
    });
    const shown = redactDriftItem(it0);
    const step = shown.remediation.find((r) => r.strategy === "revert")!;
    expect(step.commands).toBeUndefined();
    expect(step.guard).toBeUndefined();
    expect(step.safety).toBe("manual");
    expect(step.description).toMatch(/not shown: they would carry a secret/);
    expectNoSecret("item", JSON.stringify(shown));
    expect(shown.subject).toBe("/etc/ghp_…B2M (40 chars)");
    expect(shown.id).toBe(it0.id); // the id still names the same item
  });
});

describe("command lines are redacted by the shape of their arguments", () => {
  it("hides passwords and tokens people type", () => {
    const cases: [string, string][] = [
      ["sudo useradd -m -p hunter2pw bob", "sudo useradd -m -p … (9 chars) bob"],
      ["mysql -uroot -pS3cret db", "mysql -uroot -p… (6 chars) db"],
      ["curl --user=admin:'S3cret Pw' https://x", "curl --user=admin:'… (9 chars)' https://x"],
      ["tool --token abc --password-file /run/secrets/x", "tool --token … (3 chars) --password-file /run/secrets/x"],
      ["X_PASS=$HOME ls; export API_KEY=k1", "X_PASS=$HOME ls; export API_KEY=… (2 chars)"],
      ["curl --header='X-Api-Key: k3y' x", "curl --header='X-Api-Key: … (3 chars)' x"],
      ["chpasswd <<< 'bob:hunter2'", "chpasswd <<< 'bob:… (7 chars)'"],
      ["echo hunter2 | passwd --stdin bob", "echo … (7 chars) | passwd --stdin bob"],
      ["htpasswd -bc /etc/htpasswd alice s3cr3t", "htpasswd -bc /etc/htpasswd alice … (6 chars)"],
      ["openssl enc -aes256 -pass pass:hunter2 -in x", "openssl enc -aes256 -pass pass:… (7 chars) -in x"],
      ["docker login -u me -p hunter2 registry.example", "docker login -u me -p … (7 chars) registry.example"],
      ["echo s3cr3tvalue > /root/api-token", "echo … (11 chars) > /root/api-token"],
    ];
    for (const [command, shown] of cases) expect(redactCommandLine(command), command).toBe(shown);
  });

  it("leaves ordinary commands (and words like author or tokenizer) alone", () => {
    for (const command of [
      "systemctl enable --runtime --now redis-imperative.service",
      "nix-env -iA nixpkgs.htop",
      "echo nameserver 1.1.1.1 > /etc/resolv.conf",
      "git config author.name Jane; python3 train.py --tokenizer bpe",
      "mysql -p db",
      "curl -u admin https://x",
    ])
      expect(redactCommandLine(command)).toBe(command);
  });
});
