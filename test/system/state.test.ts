import { chmod, mkdir, mkdtemp, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheBase, localKey, repoKey, repoStateDir, repoStateSubdir, stateBase, UnsafeStateError, writeFileAtomic } from "../../src/system/state.js";

let dir: string;
const saved = { ...process.env };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nw-state-test-"));
  process.env.NIX_WARDEN_STATE_DIR = join(dir, "state");
  process.env.NIX_WARDEN_CACHE_DIR = join(dir, "cache");
});
afterEach(() => {
  process.env = { ...saved };
});

describe("state directory", () => {
  it("follows NIX_WARDEN_STATE_DIR, then XDG_STATE_HOME, ignoring a relative XDG path", () => {
    expect(stateBase()).toBe(join(dir, "state"));
    delete process.env.NIX_WARDEN_STATE_DIR;
    process.env.XDG_STATE_HOME = "/x/state";
    expect(stateBase()).toBe("/x/state/nix-warden");
    process.env.XDG_STATE_HOME = "relative";
    expect(stateBase()).toMatch(/\.local\/state\/nix-warden$/);
    delete process.env.NIX_WARDEN_CACHE_DIR;
    process.env.XDG_CACHE_HOME = "/x/cache";
    expect(cacheBase()).toBe("/x/cache/nix-warden");
  });

  it("keys a repository by its realpath, the same through a symlink, and creates it 0700 outside the repository", async () => {
    const repo = join(dir, "repo");
    await mkdir(repo);
    await symlink(repo, join(dir, "link"));
    expect(await repoKey(join(dir, "link"))).toBe(await repoKey(repo));
    const s = await repoStateDir(repo);
    expect(s.startsWith(join(dir, "state", "repos"))).toBe(true);
    expect((await stat(s)).mode & 0o777).toBe(0o700);
    const plans = await repoStateSubdir(repo, "plans");
    expect((await stat(plans)).mode & 0o777).toBe(0o700);
    await expect(repoStateSubdir(repo, "../x")).rejects.toThrow(/invalid/);
  });

  it("refuses a state directory that is a symlink or writable by others", async () => {
    const repo = join(dir, "repo");
    await mkdir(repo);
    await mkdir(join(dir, "elsewhere"));
    await mkdir(join(dir, "state", "repos"), { recursive: true });
    await symlink(join(dir, "elsewhere"), join(dir, "state", "repos", await repoKey(repo)));
    await expect(repoStateDir(repo)).rejects.toBeInstanceOf(UnsafeStateError);
    process.env.NIX_WARDEN_STATE_DIR = join(dir, "open");
    await mkdir(join(dir, "open"));
    await chmod(join(dir, "open"), 0o777);
    await expect(repoStateDir(repo)).rejects.toThrow(/writable by group or others/);
  });

  it("creates one local key, 0600, and refuses one readable by others", async () => {
    const a = await localKey();
    const b = await localKey();
    expect(a.length).toBe(32);
    expect(b.equals(a)).toBe(true);
    const path = join(dir, "state", "key");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await chmod(path, 0o644);
    await expect(localKey()).rejects.toThrow(/readable by others/);
  });

  it("writes atomically and owner-only", async () => {
    const p = join(dir, "f.json");
    await writeFile(p, "old");
    await writeFileAtomic(p, "new");
    expect(await readFile(p, "utf8")).toBe("new");
    expect((await stat(p)).mode & 0o777).toBe(0o600);
  });
});
