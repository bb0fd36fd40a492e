// Imperative packages, from profiles that real nix-env and `nix profile` wrote.
import { execFileSync } from "node:child_process";
import { lutimes, mkdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { comparePackages } from "../../src/drift/compare/packages.js";
import { parseNixEnvManifest, probePackages } from "../../src/drift/probes/packages.js";
import { nixAvailable } from "../helpers/nix.js";
import { CTX, declared, makeRoot, tempDir } from "./helpers.js";

/** A local package set: trivial derivations with distinct files so they can share a profile. */
async function localPackages(): Promise<string> {
  const dir = await tempDir();
  const mk = (name: string, bin: string, meta = "") =>
    `${bin} = (builtins.derivation { name = "${name}"; system = builtins.currentSystem; PATH = "/usr/bin:/bin"; builder = "/bin/sh"; args = [ "-c" "mkdir -p $out/bin; echo ${bin} > $out/bin/${bin}" ]; })${meta};`;
  await writeFile(
    join(dir, "default.nix"),
    `{\n  ${mk("hello-2.12", "hello", ' // { meta = { description = "says \\"hello\\" for ${"$"}{you}"; license = [ "gpl3" ]; priority = 5; }; }')}\n  ${mk("cowsay-3.7.0", "cowsay")}\n  ${mk("home-manager-path", "hm")}\n}\n`,
  );
  return dir;
}

function nixEnv(profile: string, expr: string, ...args: string[]) {
  execFileSync("nix-env", ["-p", profile, "-f", expr, ...args], { stdio: "pipe" });
}

describe.skipIf(!nixAvailable)("packages installed with nix-env", () => {
  it("are found in a per-user profile, with the generation that installed each and when", async () => {
    const expr = await localPackages();
    const root = await makeRoot({ links: { "home/alice/.nix-profile": "/nix/var/nix/profiles/per-user/alice/profile" } });
    const profileDir = join(root, "nix/var/nix/profiles/per-user/alice");
    await mkdir(profileDir, { recursive: true });
    const profile = join(profileDir, "profile");
    nixEnv(profile, expr, "-iA", "hello");
    nixEnv(profile, expr, "-iA", "cowsay");
    await lutimes(join(profileDir, "profile-1-link"), new Date("2026-10-01T10:00:00Z"), new Date("2026-10-01T10:00:00Z"));
    await lutimes(join(profileDir, "profile-2-link"), new Date("2026-11-02T10:00:00Z"), new Date("2026-11-02T10:00:00Z"));

    const { facts, errors } = await probePackages({ root, live: false });
    expect(errors).toEqual([]);
    expect(facts.profiles).toHaveLength(1);
    const p = facts.profiles[0]!;
    expect(p).toMatchObject({ path: "/nix/var/nix/profiles/per-user/alice/profile", owner: "alice", format: "nix-env", currentGeneration: 2 });
    expect(p.seenAs.sort()).toEqual(["/home/alice/.nix-profile", "/nix/var/nix/profiles/per-user/alice/profile"]);
    expect(p.packages.map((x) => x.name).sort()).toEqual(["cowsay-3.7.0", "hello-2.12"]);
    expect(p.packages.find((x) => x.name === "hello-2.12")?.storePaths[0]).toMatch(/^\/nix\/store\/[0-9a-z]{32}-hello-2\.12$/);

    const items = comparePackages(declared(), facts, CTX);
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["cowsay-3.7.0:high", "hello-2.12:high"]);
    const hello = items.find((i) => i.subject === "hello-2.12")!;
    expect(hello.cause).toMatchObject({ when: "2026-10-01T10:00:00.000Z", description: expect.stringContaining("generation 1") });
    expect(items.find((i) => i.subject === "cowsay-3.7.0")?.cause?.when).toBe("2026-11-02T10:00:00.000Z");
    const revert = hello.remediation.find((r) => r.strategy === "revert")!;
    expect(revert).toMatchObject({ safety: "auto", commands: [["runuser", "-u", "alice", "--", "nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "-e", "hello-2.12"]] });
    expect(hello.remediation.find((r) => r.strategy === "adopt")).toMatchObject({ optionPath: "users.users.alice.packages", nix: "users.users.alice.packages = [ pkgs.hello ];" });
  });

  it("weighs a package the configuration also declares as a shadowing duplicate", async () => {
    const expr = await localPackages();
    const root = await tempDir();
    await mkdir(join(root, "nix/var/nix/profiles/per-user/alice"), { recursive: true });
    nixEnv(join(root, "nix/var/nix/profiles/per-user/alice/profile"), expr, "-iA", "hello");
    const { facts } = await probePackages({ root, live: false });
    const d = declared({ users: { alice: { name: "alice", packages: [{ name: "hello-2.12", pname: "hello", version: "2.12" }] } } });
    expect(comparePackages(d, facts, CTX)).toEqual([expect.objectContaining({ subject: "hello-2.12", severity: "medium", declared: { declaredAs: "users.users.alice.packages" } })]);
  });

  it("reads the manifest nix-env writes, meta and escapes included", async () => {
    const expr = await localPackages();
    const dir = await tempDir();
    nixEnv(join(dir, "p"), expr, "-iA", "hello");
    const manifest = execFileSync("cat", [join(await readlink(join(dir, "p-1-link")), "manifest.nix")], { encoding: "utf8" });
    expect(parseNixEnvManifest(manifest)).toEqual([{ name: "hello-2.12", pname: "hello", version: "2.12", storePaths: [expect.stringMatching(/-hello-2\.12$/)] }]);
  });

  it("reports nothing when no profile holds anything imperative (home-manager's own profile included)", async () => {
    const expr = await localPackages();
    const empty = await makeRoot({ dirs: ["nix/var/nix/profiles/per-user/alice", "home/alice", "root"] });
    expect(comparePackages(declared(), (await probePackages({ root: empty, live: false })).facts, CTX)).toEqual([]);

    const hm = await tempDir();
    await mkdir(join(hm, "nix/var/nix/profiles/per-user/alice"), { recursive: true });
    nixEnv(join(hm, "nix/var/nix/profiles/per-user/alice/profile"), expr, "-iA", "hm");
    const { facts } = await probePackages({ root: hm, live: false });
    expect(facts.profiles[0]?.packages.map((p) => p.name)).toEqual(["home-manager-path"]);
    expect(comparePackages(declared(), facts, CTX)).toEqual([]);
  });
});

describe.skipIf(!nixAvailable)("packages installed with nix profile", () => {
  it("are read from manifest.json with their attribute path, and removed by store path", async () => {
    const flake = await tempDir();
    await writeFile(
      join(flake, "flake.nix"),
      `{ outputs = { self }: { packages.x86_64-linux.cowsay = builtins.derivation { name = "cowsay-3.7.0"; system = "x86_64-linux"; PATH = "/usr/bin:/bin"; builder = "/bin/sh"; args = [ "-c" "mkdir -p $out/bin; echo > $out/bin/cowsay" ]; }; }; }\n`,
    );
    const root = await tempDir();
    await mkdir(join(root, "nix/var/nix/profiles/per-user/root"), { recursive: true });
    execFileSync("nix", ["profile", "install", "--profile", join(root, "nix/var/nix/profiles/per-user/root/profile"), `path:${flake}#cowsay`], { stdio: "pipe" });

    const { facts, errors } = await probePackages({ root, live: false });
    expect(errors).toEqual([]);
    const p = facts.profiles[0]!;
    expect(p).toMatchObject({ owner: "root", format: "nix-profile" });
    expect(p.packages).toEqual([expect.objectContaining({ name: "cowsay-3.7.0", pname: "cowsay", version: "3.7.0", attrPath: "packages.x86_64-linux.cowsay" })]);
    const [item] = comparePackages(declared(), facts, CTX);
    const revert = item!.remediation.find((r) => r.strategy === "revert")!;
    expect(revert.commands?.[0]?.slice(0, 7)).toEqual(["nix", "--extra-experimental-features", "nix-command flakes", "profile", "remove", "--profile", "/nix/var/nix/profiles/per-user/root/profile"]);
    expect(revert.commands?.[0]?.slice(7)).toEqual(["--", p.packages[0]!.storePaths[0]]);
    expect(item!.remediation.find((r) => r.strategy === "adopt")?.nix).toBe("environment.systemPackages = [ pkgs.cowsay ];");
  });
});
