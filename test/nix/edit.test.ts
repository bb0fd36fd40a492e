// Minimal edits on the lossless tree: exact resulting text, formatting and comments untouched
// elsewhere, and the result still parses with the real Nix.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildOptionIndex } from "../../src/nix/options.js";
import { applyEdits, unifiedDiff } from "../../src/text/diff.js";
import { addBindings, appendToList, setOf, setOption, toNix } from "../../src/nix/edit.js";
import type { TextEdit } from "../../src/rules/types.js";
import { nixAvailable } from "../helpers/nix.js";

function edit(text: string, make: (p: ReturnType<typeof parseNix>, index: ReturnType<typeof buildOptionIndex>) => TextEdit | undefined): string {
  const p = parseNix(text);
  const e = make(p, buildOptionIndex(p.root));
  if (!e) throw new Error("no edit");
  return applyEdits(text, [e]);
}

async function parsesWithNix(text: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-edit-"));
  try {
    await writeFile(join(dir, "f.nix"), text);
    execFileSync("nix-instantiate", ["--parse", join(dir, "f.nix")], { stdio: "pipe" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const MODULE = `{ config, lib, pkgs, ... }:
{
  # SSH, as it was
  services.openssh = {
    enable = true; # keep
    settings.PermitRootLogin = "yes";
  };

  networking.firewall.allowedTCPPorts = [ 22 80 ];
  users.users.alice.extraGroups = [
    "wheel"
    "video"
  ];
}
`;

describe("tree-aware edits", () => {
  it("replaces one value and nothing else", () => {
    const out = edit(MODULE, (p, i) => setOption("f.nix", MODULE, p.root, i, ["services", "openssh", "settings", "PermitRootLogin"], '"prohibit-password"'));
    expect(out).toBe(MODULE.replace('PermitRootLogin = "yes"', 'PermitRootLogin = "prohibit-password"'));
  });

  it("adds a missing path inside the nearest set, indented like its siblings, comments kept", () => {
    const out = edit(MODULE, (p, i) => setOption("f.nix", MODULE, p.root, i, ["services", "openssh", "settings", "PasswordAuthentication"], "false"));
    expect(out).toBe(MODULE.replace('    settings.PermitRootLogin = "yes";\n', '    settings.PermitRootLogin = "yes";\n    settings.PasswordAuthentication = false;\n'));
  });

  it("creates the whole path at the module's top level when nothing of it exists", () => {
    const out = edit(MODULE, (p, i) => setOption("f.nix", MODULE, p.root, i, ["security", "sudo", "wheelNeedsPassword"], "true"));
    expect(out).toBe(MODULE.replace('    "video"\n  ];\n', '    "video"\n  ];\n  security.sudo.wheelNeedsPassword = true;\n'));
  });

  it("writes into `config = { }` of a full-form module", () => {
    const full = `{ lib, ... }:\n{\n  options.x = lib.mkOption { };\n  config = {\n    a = 1;\n  };\n}\n`;
    const out = edit(full, (p, i) => setOption("f.nix", full, p.root, i, ["b", "c"], "2"));
    expect(out).toBe(full.replace("    a = 1;\n", "    a = 1;\n    b.c = 2;\n"));
  });

  it("replaces the value inside mkForce, keeping the wrapper", () => {
    const t = `{ lib, ... }: {\n  services.openssh.settings.PermitRootLogin = lib.mkForce "yes";\n}\n`;
    const out = edit(t, (p, i) => setOption("f.nix", t, p.root, i, ["services", "openssh", "settings", "PermitRootLogin"], '"no"'));
    expect(out).toBe(t.replace('lib.mkForce "yes"', 'lib.mkForce "no"'));
  });

  it("appends to a one-line list and to a multi-line list in their style", () => {
    const one = edit(MODULE, (p, i) => appendToList("f.nix", MODULE, setOf(i.byPath.get("networking.firewall.allowedTCPPorts")![0]!.value) ?? (i.byPath.get("networking.firewall.allowedTCPPorts")![0]!.value!), "443"));
    expect(one).toBe(MODULE.replace("[ 22 80 ]", "[ 22 80 443 ]"));
    const multi = edit(MODULE, (p, i) => appendToList("f.nix", MODULE, i.byPath.get("users.users.alice.extraGroups")![0]!.value!, '"docker"'));
    expect(multi).toBe(MODULE.replace('    "video"\n', '    "video"\n    "docker"\n'));
  });

  it("adds bindings to a one-line set on the same line", () => {
    const t = "{ a = { x = 1; }; }";
    const out = edit(t, (p, i) => addBindings("f.nix", t, setOf(i.byPath.get("a")![0]!.value)!, ["y = 2;"]));
    expect(out).toBe("{ a = { x = 1; y = 2; }; }");
  });

  it("renders Nix values safely (escaping `${` and quotes)", () => {
    expect(toNix({ a: "x${y}\"z", b: [1, true, null], c: { nix: "pkgs.hello" } }, "", "  ")).toBe('{\n  a = "x\\${y}\\"z";\n  b = [ 1 true null ];\n  c = pkgs.hello;\n}');
  });

  it("produces unified diffs git accepts, with and without a final newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-diff-"));
    try {
      execFileSync("git", ["init", "-q"], { cwd: dir });
      for (const [before, after] of [
        ["a\nb\nc\n", "a\nB\nc\n"],
        ["a\nb", "a\nb\nc"],
        ["x\n".repeat(20) + "y\n", "x\n".repeat(20) + "z\n"],
        ["", "new\n"],
      ] as const) {
        await writeFile(join(dir, "f.txt"), before);
        await writeFile(join(dir, "p.patch"), unifiedDiff("f.txt", before, after));
        execFileSync("git", ["apply", "p.patch"], { cwd: dir });
        expect((await import("node:fs")).readFileSync(join(dir, "f.txt"), "utf8")).toBe(after);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!nixAvailable)("every edited module still parses with nix-instantiate", async () => {
    for (const path of [
      ["services", "openssh", "settings", "PermitRootLogin"],
      ["services", "openssh", "settings", "PasswordAuthentication"],
      ["security", "sudo", "wheelNeedsPassword"],
      ["fileSystems", "/mnt/data", "device"],
    ]) {
      const out = edit(MODULE, (p, i) => setOption("f.nix", MODULE, p.root, i, path, '"x"'));
      await parsesWithNix(out);
    }
  });
});
