// Roots confinement with real directories and symlinks: lexical escapes, symlinks out (existing and
// not yet existing paths), symlinked roots, client root URIs.
import { mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AllowedRoots, PathArgumentError, isInside, rootUriToPath } from "../../src/mcp/roots.js";

let base: string;
beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "nix-warden-roots-")));
  await mkdir(join(base, "repo", "hosts"), { recursive: true });
  await mkdir(join(base, "outside"));
  await symlink(join(base, "outside"), join(base, "repo", "out-link"));
  await symlink(join(base, "repo", "hosts"), join(base, "repo", "in-link"));
  await symlink(join(base, "repo"), join(base, "repo-link"));
});
afterEach(() => rm(base, { recursive: true, force: true }));

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof PathArgumentError) return e.reason;
    throw e;
  }
}

describe("AllowedRoots", () => {
  it("falls back to the start directory and resolves relative paths against it", async () => {
    const roots = new AllowedRoots(join(base, "repo"));
    expect(await roots.resolve(undefined)).toBe(join(base, "repo"));
    expect(await roots.resolve("hosts")).toBe(join(base, "repo", "hosts"));
    expect(await roots.resolve("in-link")).toBe(join(base, "repo", "hosts")); // a link that stays inside
    expect(roots.origin()).toBe("fallback");
  });

  it("refuses .., absolute paths elsewhere, symlinks out (also for paths to be created), NUL bytes, missing paths", async () => {
    const roots = new AllowedRoots(join(base, "repo"));
    expect(await reason(roots.resolve(".."))).toBe("outside");
    expect(await reason(roots.resolve("hosts/../../outside"))).toBe("outside");
    expect(await reason(roots.resolve("/etc"))).toBe("outside");
    expect(await reason(roots.resolve(join(base, "repo-sibling")))).toBe("outside");
    expect(await reason(roots.resolve("out-link"))).toBe("symlink");
    expect(await reason(roots.resolve("out-link/new/file", { mustExist: false }))).toBe("symlink");
    expect(await reason(roots.resolve("a\0b"))).toBe("invalid");
    expect(await reason(roots.resolve("nope"))).toBe("missing");
    expect(await roots.resolve("new/dir", { mustExist: false })).toBe(join(base, "repo", "new", "dir"));
    expect(await reason(roots.resolve("hosts", { directory: true }))).toBe("ok");
  });

  it("takes the client's file: roots (realpath), ignores other schemes and missing dirs, accepts paths spelled through a linked root", async () => {
    const roots = new AllowedRoots(base);
    const { ignored } = await roots.setFromUris([pathToFileURL(join(base, "repo-link")).href, "https://example.org/x", pathToFileURL(join(base, "gone")).href]);
    expect(ignored).toEqual(["https://example.org/x", pathToFileURL(join(base, "gone")).href]);
    expect(roots.list()).toEqual([join(base, "repo")]);
    expect(roots.origin()).toBe("client");
    expect(await roots.resolve(join(base, "repo-link", "hosts"))).toBe(join(base, "repo", "hosts"));
    expect(await reason(roots.resolve(join(base, "outside")))).toBe("outside");
    await roots.setFromUris([]);
    expect(roots.list()).toEqual([base]); // none given: the fallback
  });

  it("with noSymlinks, refuses a path through any symlink below its root, even one that stays inside; the root itself may be a link", async () => {
    const roots = new AllowedRoots(join(base, "repo"));
    const write = (p: string) => roots.resolve(p, { mustExist: false, noSymlinks: true, label: "outputDir" });
    expect(await reason(write("in-link/new"))).toBe("symlink"); // followed without noSymlinks
    expect(await roots.resolve("in-link/new", { mustExist: false })).toBe(join(base, "repo", "hosts", "new"));
    expect(await reason(write("in-link"))).toBe("symlink");
    expect(await write("hosts/new/deeper")).toBe(join(base, "repo", "hosts", "new", "deeper"));
    await roots.setPaths([join(base, "repo-link")]);
    expect(await write(join(base, "repo-link", "hosts", "x"))).toBe(join(base, "repo", "hosts", "x"));
    expect(await reason(write(join(base, "repo-link", "in-link", "x")))).toBe("symlink");
  });

  it("isInside and rootUriToPath", () => {
    expect(isInside("/a/b", "/a")).toBe(true);
    expect(isInside("/a", "/a")).toBe(true);
    expect(isInside("/ab", "/a")).toBe(false);
    expect(isInside("/a/../b", "/a")).toBe(false);
    expect(rootUriToPath("file:///home/me/nixos")).toBe("/home/me/nixos");
    expect(rootUriToPath("file:///tmp/a%20b")).toBe("/tmp/a b");
    expect(rootUriToPath("git://x")).toBeUndefined();
    expect(rootUriToPath("not a uri")).toBeUndefined();
  });
});
