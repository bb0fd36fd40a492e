// A `.sops.yaml` whose last creation rule is a catch-all (`path_regex: .*`) says which keys to
// encrypt with, not that every file is a secret. Seen on a public flake-parts configuration: the
// catch-all made LICENSE, README, flake.lock, .sops.yaml and every module "a plaintext file sops
// should have encrypted" (56 of its 67 findings, 38 of them critical).
import { describe, expect, it } from "vitest";
import { isSecretLocation, parseSopsConfig } from "../../src/secrets/files.js";
import { scanMemory } from "../helpers/memory.js";

const SOPS = `keys:
  - &admin age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq
creation_rules:
  - path_regex: secrets/[^/]+\\.yaml$
    key_groups:
      - age: [*admin]
  - path_regex: .*
    key_groups:
      - age: [*admin]
`;

describe("a catch-all sops creation rule", () => {
  it("marks no ordinary file as a secret location; the specific rule still does", () => {
    const { rules, errors } = parseSopsConfig(SOPS);
    expect(errors).toEqual([]);
    expect(rules.map((r) => [r.pathRegex, r.catchAll ?? false])).toEqual([
      ["secrets/[^/]+\\.yaml$", false],
      [".*", true],
    ]);
    for (const f of ["LICENSE", "README.md", "flake.lock", ".sops.yaml", "modules/nixos.nix", "overlays/default.nix"]) expect(isSecretLocation(f, { sopsRules: rules }), f).toBeNull();
    expect(isSecretLocation("secrets/db.yaml", { sopsRules: rules })?.expected).toBe("sops");
  });

  it("a scan reports the plaintext secret under the specific rule, and none of the repository's ordinary files", async () => {
    const report = await scanMemory({
      ".sops.yaml": SOPS,
      "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n",
      "README.md": "# my machines\n",
      "flake.nix": `{ outputs = { self, nixpkgs }: { nixosConfigurations.alien = nixpkgs.lib.nixosSystem { modules = [ ./hosts/alien.nix ]; }; }; }\n`,
      "hosts/alien.nix": `{ ... }: { networking.hostName = "alien"; users.users.me.openssh.authorizedKeys.keyFiles = [ ./me.pub ]; }\n`,
      "secrets/db.yaml": "password: hunter2-not-encrypted-at-all\n",
    });
    const secretFindings = report.findings.filter((f) => f.category === "secrets");
    expect(secretFindings.map((f) => f.file).sort()).toEqual(["secrets/db.yaml"]);
  });
});
