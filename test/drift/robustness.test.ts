// A probe that cannot read (permission denied, a link loop, a missing root) becomes an error entry
// or a note, never a crash; reading a root never leaves it.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDrift } from "../../src/drift/index.js";
import { PROBES, runProbe, type ProbeName } from "../../src/drift/probes/index.js";
import { RootFs } from "../../src/drift/root.js";
import { makeRoot, tempDir } from "./helpers.js";

/** A RootFs whose every read fails the way an unreadable file does. */
function deniedFs(root: string): RootFs {
  const real = new RootFs(root);
  const denied = () => {
    const e = new Error("EACCES: permission denied") as NodeJS.ErrnoException;
    e.code = "EACCES";
    e.path = "/etc/passwd";
    return Promise.reject(e);
  };
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "root" || prop === "live" || prop === "hostPath") return Reflect.get(target, prop, receiver);
      return denied;
    },
  });
}

describe("probes under failure", () => {
  it("every probe turns permission denied into error entries, and none throws", async () => {
    const root = await tempDir();
    for (const name of Object.keys(PROBES) as ProbeName[]) {
      const r = await runProbe(name, { root, live: false, fs: deniedFs(root), flakeDir: root });
      const summary = `${name}: ${r.run.status} ${r.errors.map((e) => e.message).join(" | ")}`;
      if (name === "git" || name === "firewall") {
        // Neither reads the root through RootFs: git reads the repository, the firewall needs the live kernel.
        expect(r.run.status, summary).toBe("ok");
        continue;
      }
      expect(r.run.status, summary).toBe("partial");
      expect(r.errors.every((e) => e.source === `probe:${name}` && /permission denied/.test(e.message)), summary).toBe(true);
    }
  });

  it("the whole check on a nearly empty system root reports notes, not drift, and no crash", async () => {
    const root = await makeRoot({ files: { "etc/os-release": "ID=nixos\n" } });
    const r = await checkDrift({ root, declared: { ...(await import("./helpers.js")).declared({ hostName: "x" }) }, probes: ["users", "files", "mounts", "services", "network", "generations", "packages", "sysctl"] });
    expect(r.items).toEqual([]);
    expect(r.errors.map((e) => e.message).join("\n")).toMatch(/\/etc\/passwd does not exist/);
    expect(r.notes.join("\n")).toMatch(/not a NixOS/);
  });
});

describe("RootFs", () => {
  it("follows absolute links inside the root, never to this machine's files", async () => {
    const root = await makeRoot({ files: { "srv/hosts": "root's hosts\n" }, links: { "etc/hosts": "/srv/hosts", "etc/passwd": "/etc/../../../../etc/passwd" } });
    const fs = new RootFs(root);
    expect(await fs.readText("/etc/hosts")).toBe("root's hosts\n");
    expect(await fs.resolve("/etc/hosts")).toBe("/srv/hosts");
    // ".." cannot climb out of the root: this resolves to <root>/etc/passwd, which does not exist.
    expect(await fs.readText("/etc/passwd")).toBeUndefined();
  });

  it("gives up on link loops", async () => {
    const root = await tempDir();
    await mkdir(join(root, "etc"));
    await symlink("/etc/b", join(root, "etc/a"));
    await symlink("/etc/a", join(root, "etc/b"));
    expect(await new RootFs(root).resolve("/etc/a")).toBeUndefined();
  });

  it("reads store paths from this machine's store only when the root has none", async () => {
    const root = await tempDir();
    expect(new RootFs(root).hostPath("/nix/store/x")).toBe("/nix/store/x");
    await mkdir(join(root, "nix/store"), { recursive: true });
    await writeFile(join(root, "nix/store/f"), "");
    expect(new RootFs(root).hostPath("/nix/store/x")).toBe(join(root, "nix/store/x"));
  });
});
