// The configuration repository, with real git repositories in temporary directories.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareGit } from "../../src/drift/compare/git.js";
import { probeGit } from "../../src/drift/probes/git.js";
import { CTX, declared, tempDir } from "./helpers.js";

const ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** A repository with one pushed commit on main, tracking a bare remote. */
async function pushedRepo(): Promise<{ repo: string; remote: string }> {
  const base = await tempDir();
  const remote = join(base, "remote.git");
  const repo = join(base, "nixos");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote], { env: ENV });
  await mkdir(join(repo, "hosts"), { recursive: true });
  git(base, "init", "-q", "-b", "main", repo);
  await writeFile(join(repo, "flake.nix"), "{ outputs = { self }: { }; }\n");
  await writeFile(join(repo, "hosts", "web1.nix"), "{ }\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "init");
  git(repo, "remote", "add", "origin", remote);
  git(repo, "push", "-q", "-u", "origin", "main");
  return { repo, remote };
}

describe("the configuration repository", () => {
  it("reports nothing for a clean checkout that is pushed", async () => {
    const { repo } = await pushedRepo();
    const r = await probeGit({ root: "/", live: false, flakeDir: repo });
    expect(r.errors).toEqual([]);
    expect(r.facts).toMatchObject({ isRepo: true, branch: "main", upstream: "origin/main", ahead: 0, changes: [], untracked: [] });
    expect(r.facts.head).toBe(git(repo, "rev-parse", "HEAD"));
    expect(compareGit(declared(), r.facts, CTX)).toEqual([]);
  });

  it("reports uncommitted and untracked changes and unpushed commits", async () => {
    const { repo } = await pushedRepo();
    await writeFile(join(repo, "notes.txt"), "x\n");
    git(repo, "add", "notes.txt");
    git(repo, "commit", "-q", "-m", "local only");
    await writeFile(join(repo, "hosts", "web1.nix"), "{ networking.hostName = \"web1\"; }\n");
    await writeFile(join(repo, "hosts", "web2.nix"), "{ }\n");
    await writeFile(join(repo, "staged.nix"), "{ }\n");
    git(repo, "add", "staged.nix");
    const r = await probeGit({ root: "/", live: false, flakeDir: repo });
    expect(r.facts.changes.map((c) => c.path)).toEqual(["hosts/web1.nix", "staged.nix"]);
    expect(r.facts.untracked.map((c) => c.path)).toEqual(["hosts/web2.nix"]);
    const items = compareGit(declared(), r.facts, CTX);
    expect(items.map((i) => `${i.subject}:${i.severity}`)).toEqual(["uncommitted changes:high", "untracked files:high", "unpushed commits:medium"]);
    expect(items[1]?.evidence).toMatch(/Nix flakes ignore untracked files/);
    expect(items[0]?.remediation[0]?.commands?.[0]).toEqual(["git", "-C", repo, "add", "--", "hosts/web1.nix", "staged.nix"]);
    // The dirty content is part of the cache key: change it, and the fingerprint changes.
    const before = r.facts.dirtyFingerprint;
    await writeFile(join(repo, "hosts", "web1.nix"), "{ networking.hostName = \"web9\"; }\n");
    expect((await probeGit({ root: "/", live: false, flakeDir: repo })).facts.dirtyFingerprint).not.toBe(before);
  });

  it("looks only inside the flake's directory when the flake is in a subdirectory", async () => {
    const { repo } = await pushedRepo();
    await mkdir(join(repo, "nixos"), { recursive: true });
    await writeFile(join(repo, "nixos", "flake.nix"), "{ }\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "sub");
    git(repo, "push", "-q");
    await writeFile(join(repo, "README"), "elsewhere\n");
    const r = await probeGit({ root: "/", live: false, flakeDir: join(repo, "nixos") });
    expect(r.facts.flakeSubdir).toBe("nixos");
    expect(compareGit(declared(), r.facts, CTX)).toEqual([]);
  });

  it("reports a branch without upstream (low), and a running system built from a dirty tree or another commit", async () => {
    const base = await tempDir();
    git(base, "init", "-q", "-b", "main", "repo");
    const repo = join(base, "repo");
    await writeFile(join(repo, "flake.nix"), "{ }\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "x");
    const r = await probeGit({ root: "/", live: false, flakeDir: repo });
    expect(compareGit(declared(), r.facts, CTX).map((i) => `${i.subject}:${i.severity}`)).toEqual(["no upstream:low"]);
    const gen = (rev: string) => ({ currentSystem: "/nix/store/x-nixos-system", generations: [], configurationRevision: rev });
    expect(compareGit(declared(), r.facts, CTX, gen(`${r.facts.head}-dirty`)).map((i) => `${i.subject}:${i.severity}`)).toContain("configuration revision:high");
    expect(compareGit(declared(), r.facts, CTX, gen("0123456789abcdef0123456789abcdef01234567")).find((i) => i.subject === "configuration revision")?.severity).toBe("medium");
    expect(compareGit(declared(), r.facts, CTX, gen(r.facts.head as string)).find((i) => i.subject === "configuration revision")).toBeUndefined();
  });

  it("says so when the flake is not in a git repository", async () => {
    const dir = await tempDir();
    const r = await probeGit({ root: "/", live: false, flakeDir: dir });
    expect(r.facts.isRepo).toBe(false);
    expect(r.notes?.[0]).toMatch(/not in a git repository/);
  });
});
