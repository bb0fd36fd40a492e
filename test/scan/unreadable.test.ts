// Directories and files the scan cannot read are error entries, never silently dropped: a finding in
// a file nobody read would otherwise vanish from the report. Root reads everything, so when the
// tests run as root the built CLI runs as `nobody` (setpriv) on a repository that nobody owns, with
// the one directory made unreadable (mode 000 stops its owner too).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { CLI } from "../helpers/cli.js";

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) {
    restoreModes(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

function restoreModes(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isSymbolicLink()) continue;
    chmodSync(join(dir, e.name), 0o755);
    if (e.isDirectory()) restoreModes(join(dir, e.name));
  }
}

const BOX = `{ ... }: {\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`;

/** A fixture repository (optionally committed), readable by the user the CLI will run as. */
function fixture(files: Record<string, string>, options: { git?: boolean; untracked?: Record<string, string> } = {}): string {
  const root = mkdtempSync(join(tmpdir(), "nw-unreadable-"));
  made.push(root);
  const write = (set: Record<string, string>) => {
    for (const [rel, content] of Object.entries(set)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), content);
    }
  };
  write(files);
  if (options.git) {
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: root, stdio: "pipe", timeout: 30_000 });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "fixture");
  }
  write(options.untracked ?? {});
  chmodSync(root, 0o755);
  if (asRoot) chownTree(root);
  return root;
}

function chownTree(path: string): void {
  chownSync(path, NOBODY, NOBODY);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

/** The built CLI where `nobody` can run it. A checkout under a 0700 directory (`mktemp -d`, a home)
 * cannot be entered by nobody: then the package (dist, src data, package.json, node_modules) is
 * copied once into a world-readable temporary directory, hard-linked where the file system allows. */
let cliForNobody: string | undefined;
const afterAllCleanups: Array<() => void> = [];
afterAll(() => {
  for (const clean of afterAllCleanups.splice(0)) clean();
});
function nobodyCli(): string {
  if (!asRoot) return CLI;
  if (cliForNobody) return cliForNobody;
  const probe = spawnSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, "-e", `require("fs").accessSync(${JSON.stringify(CLI)}, require("fs").constants.R_OK)`], { cwd: "/", encoding: "utf8", timeout: 30_000 });
  if (probe.status === 0) return (cliForNobody = CLI);
  const pkg = join(import.meta.dirname, "..", "..");
  const copy = mkdtempSync(join(tmpdir(), "nw-unreadable-pkg-"));
  chmodSync(copy, 0o755);
  for (const part of ["package.json", "dist", "src", "node_modules"]) {
    const linked = spawnSync("cp", ["-al", join(pkg, part), copy], { encoding: "utf8", timeout: 120_000 });
    if (linked.status !== 0) execFileSync("cp", ["-a", join(pkg, part), copy], { timeout: 300_000 });
  }
  afterAllCleanups.push(() => rmSync(copy, { recursive: true, force: true }));
  return (cliForNobody = join(copy, relative(pkg, CLI)));
}

/** `nix-warden scan --format json` as an unprivileged user: nobody under setpriv when we are root. */
function scanAsOtherUser(root: string, target = root): SecurityReport {
  // Its home and nix-warden's state: writable by it, outside the scanned tree.
  const home = mkdtempSync(join(tmpdir(), "nw-unreadable-home-"));
  made.push(home);
  if (asRoot) chownSync(home, NOBODY, NOBODY);
  const env = { ...process.env, HOME: home, NIX_WARDEN_STATE_DIR: join(home, "state"), NIX_WARDEN_CACHE_DIR: join(home, "cache") };
  const args = [process.execPath, nobodyCli(), "scan", target, "--quick", "--format", "json"];
  const command = asRoot ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...args] : args;
  const r = spawnSync(command[0]!, command.slice(1), { env, cwd: "/", encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  expect(r.stderr).not.toMatch(/Error:/);
  expect(r.status).toBe(0);
  return SecurityReport.parse(JSON.parse(r.stdout));
}

describe("unreadable directories and files are error entries", () => {
  it("has what it needs: the built CLI and, as root, setpriv and a nobody user", () => {
    expect(existsSync(CLI)).toBe(true);
    if (asRoot) expect(spawnSync("setpriv", ["--version"], { encoding: "utf8", timeout: 10_000 }).status).toBe(0);
  });

  it("in a git repository: a tracked directory, an untracked one and a file it cannot read; the scan goes on", () => {
    const root = fixture(
      { "box.nix": BOX, "hosts/locked/secrets.nix": `{ token = "x"; }\n`, "hosts/locked/more.nix": "{ }\n", "locked.nix": "{ }\n", "hosts/open/ok.nix": "{ }\n" },
      { git: true, untracked: { "wip/new-host.nix": "{ }\n", "hosts/open/notes/todo.nix": "{ }\n" } },
    );
    chmodSync(join(root, "hosts/locked"), 0o000); // tracked, its files lost before
    chmodSync(join(root, "wip"), 0o000); // untracked: git skips it with only a warning
    chmodSync(join(root, "hosts/open/notes"), 0o300); // searchable, not listable
    chmodSync(join(root, "locked.nix"), 0o000);
    const report = scanAsOtherUser(root);
    const byFile = new Map(report.errors.map((e) => [e.file, e]));
    expect(byFile.get("hosts/locked")).toMatchObject({ source: "discovery", message: expect.stringMatching(/cannot read directory \(EACCES: permission denied\): nothing under it was scanned \(2 tracked files\)/) });
    expect(byFile.get("wip")).toMatchObject({ source: "discovery", message: expect.stringMatching(/cannot open directory \(EACCES: permission denied\)/) });
    expect(byFile.get("hosts/open/notes")).toMatchObject({ source: "discovery", message: expect.stringMatching(/EACCES/) });
    expect(byFile.get("locked.nix")).toMatchObject({ source: "read", message: expect.stringMatching(/EACCES/) });
    // The rest was scanned.
    expect(report.findings.some((f) => f.file === "box.nix")).toBe(true);
    // No absolute path of the machine in the messages: paths relative to the root.
    expect(JSON.stringify(report.errors)).not.toContain(root);
  });

  it("scanning a subdirectory of a git repository names unreadable directories relative to it, and only those under it", () => {
    const root = fixture({ "nixos/box.nix": BOX, "other/x.nix": "{ }\n" }, { git: true, untracked: { "nixos/private/a.nix": "{ }\n", "other/private/b.nix": "{ }\n" } });
    chmodSync(join(root, "nixos/private"), 0o000);
    chmodSync(join(root, "other/private"), 0o000);
    const report = scanAsOtherUser(root, join(root, "nixos"));
    const discovery = report.errors.filter((e) => e.source === "discovery");
    expect(discovery.map((e) => e.file)).toEqual(["private"]);
    expect(discovery[0]!.message).toMatch(/EACCES/);
  });

  it("outside git (a directory walk): an unreadable directory", () => {
    const root = fixture({ "box.nix": BOX, "hosts/locked/a.nix": "{ }\n" });
    chmodSync(join(root, "hosts/locked"), 0o000);
    const report = scanAsOtherUser(root);
    expect(report.errors).toContainEqual({ source: "discovery", file: "hosts/locked", message: expect.stringMatching(/cannot read directory \(EACCES: permission denied\): nothing under it was scanned/) });
    expect(report.findings.some((f) => f.file === "box.nix")).toBe(true);
  });
});
