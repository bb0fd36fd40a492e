// File discovery: git-aware, never out of the root, binary and huge files skipped with a note.
import { execFileSync } from "node:child_process";
import { rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../../src/scan/discover.js";
import { withRepo } from "../helpers/scan.js";

describe("listFiles", () => {
  it("lists tracked and untracked-not-ignored files of a git repository", async () => {
    await withRepo(
      { ".gitignore": "ignored.nix\nbuild/\n", "tracked.nix": "{ }", "sub/x.nix": "{ }", "build/out.nix": "{ }" },
      async (root) => {
        await writeFile(join(root, "untracked.nix"), "{ }");
        await writeFile(join(root, "ignored.nix"), "{ }");
        const d = await listFiles(root);
        expect(d.isGit).toBe(true);
        expect(d.files).toEqual([".gitignore", "sub/x.nix", "tracked.nix", "untracked.nix"]);
      },
      { git: true },
    );
  });

  it("walks a plain directory, skipping .git and node_modules", async () => {
    await withRepo({ "a.nix": "{ }", "node_modules/m/x.nix": "{ }", "d/b.nix": "{ }" }, async (root) => {
      const d = await listFiles(root);
      expect(d.isGit).toBe(false);
      expect(d.files).toEqual(["a.nix", "d/b.nix"]);
    });
  });

  it("never follows a symlink out of the root, ignores result links, keeps links inside", async () => {
    await withRepo({ "a.nix": "{ }", "real/b.nix": "{ }" }, async (root) => {
      await symlink("/etc/passwd", join(root, "outside.nix"));
      await symlink(join(root, "real", "b.nix"), join(root, "inside.nix"));
      await symlink("/nix/store", join(root, "result"));
      await symlink(join(root, "missing"), join(root, "broken.nix"));
      const d = await listFiles(root);
      expect(d.files).toEqual(["a.nix", "inside.nix", "real/b.nix"]);
      expect(d.skipped).toEqual(
        expect.arrayContaining([
          { file: "outside.nix", reason: "symbolic link pointing outside the repository" },
          { file: "broken.nix", reason: "broken symbolic link" },
        ]),
      );
      expect(d.skipped.find((s) => s.file === "result")).toBeUndefined();
    });
  });

  it("reports a tracked directory it cannot enter (a symlink loop in its place) instead of dropping its files", async () => {
    await withRepo(
      { "a.nix": "{ }", "hosts/box/configuration.nix": "{ }", "hosts/box/hardware.nix": "{ }" },
      async (root) => {
        // The directory git tracks files under is now a link to itself: every lookup under it fails with ELOOP.
        await rm(join(root, "hosts", "box"), { recursive: true });
        await symlink("box", join(root, "hosts", "box"));
        await symlink("self.nix", join(root, "self.nix"));
        const d = await listFiles(root);
        expect(d.files).toEqual(["a.nix"]);
        expect(d.skipped).toEqual(
          expect.arrayContaining([
            { file: "hosts/box", reason: "cannot read directory (ELOOP: too many levels of symbolic links): nothing under it was scanned (2 tracked files)" },
            { file: "self.nix", reason: "cannot resolve symbolic link (ELOOP: too many levels of symbolic links)" },
          ]),
        );
      },
      { git: true },
    );
  });

  it("a tracked file deleted from the work tree is no error", async () => {
    await withRepo(
      { "a.nix": "{ }", "gone/b.nix": "{ }" },
      async (root) => {
        await rm(join(root, "gone"), { recursive: true });
        const d = await listFiles(root);
        expect(d.files).toEqual(["a.nix"]);
        expect(d.skipped).toEqual([]);
      },
      { git: true },
    );
  });

  it("skips huge files with a note", async () => {
    await withRepo({ "big.nix": "#".repeat(3 * 1024 * 1024), "small.nix": "{ }" }, async (root) => {
      const d = await listFiles(root);
      expect(d.files).toEqual(["small.nix"]);
      expect(d.skipped[0]!.file).toBe("big.nix");
      expect(d.skipped[0]!.reason).toMatch(/larger than 2048 KiB/);
    });
  });

  it("scans the subdirectory it is given inside a bigger repository", async () => {
    await withRepo(
      { "other/x.nix": "{ }", "nixos/flake.nix": "{ outputs = _: { }; }" },
      async (root) => {
        execFileSync("git", ["status"], { cwd: root, stdio: "pipe" });
        const d = await listFiles(join(root, "nixos"));
        expect(d.files).toEqual(["flake.nix"]);
      },
      { git: true },
    );
  });
});
