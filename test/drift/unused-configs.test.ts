// Drift reports configuration files the flake does not use: a local-override.nix left in the
// machine's /etc/nixos or in the checkout it is built from (the example machine, the CLI in this process).
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_DIR, prepareExample, type ExampleWorkspace } from "../../src/drift/demo.js";
import type { DriftReportX } from "../../src/drift/model.js";
import { runCli } from "../helpers/cli.js";

describe("drift: configuration files the flake does not use", () => {
  let ws: ExampleWorkspace;
  let report: DriftReportX;
  const unused = () => report.items.filter((i) => (i.actual as { unusedConfigFile?: string } | null)?.unusedConfigFile);

  beforeAll(async () => {
    ws = await prepareExample({ dirty: false });
    await mkdir(join(ws.root, "etc", "nixos"), { recursive: true });
    await writeFile(join(ws.root, "etc", "nixos", "local-override.nix"), '{ services.openssh.settings.PermitRootLogin = "yes"; }\n');
    // A link out of /etc/nixos is not one of its files.
    await writeFile(join(ws.dir, "outside.nix"), "{ }\n");
    await symlink(join(ws.dir, "outside.nix"), join(ws.root, "etc", "nixos", "linked.nix"));
    await writeFile(join(ws.repo, "local-override.nix"), "{ networking.firewall.enable = false; }\n");
    await mkdir(join(ws.repo, "hosts", "old"), { recursive: true });
    await writeFile(join(ws.repo, "hosts", "old", "default.nix"), "{ }\n");
    const r = await runCli(["drift", "--flake", ws.repo, "--host", "web1", "--root", ws.root, "--declared", join(EXAMPLE_DIR, "declared.json"), "--format", "json"]);
    expect([0, 1], r.stderr).toContain(r.code);
    report = JSON.parse(r.stdout) as DriftReportX;
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it("lists the leftover files of /etc/nixos and of the checkout, each as a file item with evidence", () => {
    const subjects = unused().map((i) => i.subject).sort();
    expect(subjects).toEqual(["/etc/nixos/local-override.nix", join(ws.repo, "hosts", "old", "default.nix"), join(ws.repo, "local-override.nix")].sort());
    for (const i of unused()) expect(i.category).toBe("file");
    const etc = unused().find((i) => i.subject === "/etc/nixos/local-override.nix")!;
    expect(etc.severity).toBe("low");
    expect(etc.evidence).toContain("holds no flake.nix");
    const checkout = unused().find((i) => i.subject === join(ws.repo, "local-override.nix"))!;
    expect(checkout.severity).toBe("medium");
    expect(checkout.evidence).toContain("no host of the flake");
  });

  it("the files the flake uses (flake.nix, lib.nix, hosts/web1.nix) are not reported", () => {
    const subjects = unused().map((i) => i.subject);
    for (const f of ["flake.nix", "lib.nix", "hosts/web1.nix"]) expect(subjects).not.toContain(join(ws.repo, f));
    expect(subjects).not.toContain("/etc/nixos/linked.nix");
  });

  it("remediation: revert moves the file aside (reviewed, never automatic), adopt says how to import it", () => {
    const checkout = unused().find((i) => i.subject === join(ws.repo, "local-override.nix"))!;
    const rev = checkout.remediation.find((r) => r.strategy === "revert")!;
    expect(rev.safety).toBe("review");
    expect(rev.commands!.at(-1)).toEqual(["mv", "-f", "--", join(ws.repo, "local-override.nix"), expect.stringMatching(/^\/var\/lib\/nix-warden\/removed\/drift-file-[0-9a-f]{12}\//)]);
    const adopt = checkout.remediation.find((r) => r.strategy === "adopt")!;
    expect(adopt.description).toContain("./local-override.nix");
  });
});
