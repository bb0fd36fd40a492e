// world-readable-secret's fix on agenix / sops-nix secrets: narrowing the mode alone would lock the
// service that reads the secret out (the file stays root's), so the fix also makes that service's
// account the owner (issue 11, point 5). Each patch is applied with git and parsed with the real
// nix-instantiate, and the patched tree is scanned again.
import { describe, expect, it } from "vitest";
import { applyFix } from "../helpers/patch.js";
import { scanFiles } from "../helpers/scan.js";
import { flake } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";

const host = (module: string, others: Record<string, string> = {}) => ({ "flake.nix": flake({ box: ["./box.nix"] }), "box.nix": module, "secrets/db.age": "age-encryption.org/v1\n-> X25519 abc\n", ...others });

/** The lines a patch adds. */
const added = (patch: string | undefined) => (patch ?? "").split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).join("\n");

async function finding(files: Record<string, string>) {
  const report = await scanFiles(files);
  const f = report.findings.find((x) => x.ruleId === "world-readable-secret");
  expect(f, JSON.stringify(report.findings.map((x) => x.ruleId))).toBeDefined();
  return f!;
}

describe("world-readable-secret fix keeps the reader", () => {
  it.skipIf(!nixAvailable)("agenix secret read by a systemd service with User=: mode and owner, patch applies and parses", async () => {
    const files = host(`{ config, ... }: {
  age.secrets.db = {
    file = ./secrets/db.age;
    mode = "0444";
  };
  systemd.services.app = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.User = "app";
    serviceConfig.ExecStart = "/run/current-system/sw/bin/app --password-file \${config.age.secrets.db.path}";
  };
}
`);
    const f = await finding(files);
    expect(f.fix!.description).toMatch(/owner becomes app/);
    const { files: after, rescan } = await applyFix(files, f);
    expect(after["box.nix"]).toMatch(/mode = "0440";/);
    expect(after["box.nix"]).toMatch(/owner = "app";/);
    expect(rescan.findings.filter((x) => x.ruleId === "world-readable-secret")).toEqual([]);
  });

  it.skipIf(!nixAvailable)("sops secret read by a NixOS service module: its account (services.<m>.user, else the module's own)", async () => {
    const files = host(`{ config, ... }: {
  sops.secrets."grafana-admin".mode = "0644";
  services.grafana.enable = true;
  services.grafana.user = "graf";
  services.grafana.settings.security.admin_password = "$__file{\${config.sops.secrets."grafana-admin".path}}";
}
`);
    const f = await finding(files);
    const { files: after } = await applyFix(files, f);
    expect(after["box.nix"]).toMatch(/"0640"/);
    expect(after["box.nix"]).toMatch(/sops\.secrets\."grafana-admin"\.owner = "graf";|owner = "graf"/);
  });

  it("an owner already set is kept; a DynamicUser reader gets LoadCredential advice, not an owner it cannot have", async () => {
    const owned = await finding(host(`{ age.secrets.db = { file = ./secrets/db.age; mode = "0644"; owner = "postgres"; }; }\n`));
    expect(added(owned.fix!.patch)).toMatch(/^\+\{ age.secrets.db = \{ file = .\/secrets\/db.age; mode = "0640"; owner = "postgres"; \}; \}$/);
    expect(owned.fix!.description).toMatch(/owner stays postgres/);
    const dyn = await finding(
      host(`{ config, ... }: {
  age.secrets.db = { file = ./secrets/db.age; mode = "0644"; };
  systemd.services.app.serviceConfig = { DynamicUser = true; ExecStart = "/bin/app \${config.age.secrets.db.path}"; };
}
`),
    );
    expect(added(dyn.fix!.patch)).not.toMatch(/owner =/);
    expect(dyn.fix!.description).toMatch(/LoadCredential/);
    expect(dyn.fix!.patch).toBeUndefined();
    // Nobody known reads it, or a module whose account is not known: no patch that would lock it out.
    const nobody = await finding(host(`{ age.secrets.db = { file = ./secrets/db.age; mode = "0644"; }; }\n`));
    expect(nobody.fix!.description).toMatch(/No service in this file or the other files of its hosts refers to age\.secrets\.db\.path, so no patch/);
    expect(nobody.fix!.patch).toBeUndefined();
    const custom = await finding(
      host(`{ config, ... }: {
  age.secrets.db = { file = ./secrets/db.age; owner = "root"; mode = "444"; };
  services.libations = { enable = true; recipesFile = config.age.secrets.db.path; };
}
`),
    );
    expect(custom.fix!.description).toMatch(/services\.libations reads it, and the account it runs as is not known here/);
    expect(custom.fix!.patch).toBeUndefined();
  });

  it.skipIf(!nixAvailable)("the reader in another file of the same host: found there, made owner, patch applies and parses; a reader on another host only is not taken", async () => {
    const SECRETS = `{ age.secrets.db = { file = ./secrets/db.age; mode = "0444"; }; }\n`;
    const APP = `{ config, ... }: {
  systemd.services.app = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.User = "app";
    serviceConfig.ExecStart = "/run/current-system/sw/bin/app --password-file \${config.age.secrets.db.path}";
  };
}
`;
    const files = { ...host(`{ imports = [ ./secrets.nix ./app.nix ]; }\n`), "secrets.nix": SECRETS, "app.nix": APP };
    const f = await finding(files);
    // Before: "No service in this file refers to age.secrets.db.path, so no patch".
    expect(f.file).toBe("secrets.nix");
    expect(f.fix!.description).toMatch(/owner becomes app, the account systemd\.services\.app \(in app\.nix\) runs as/);
    const { files: after, rescan } = await applyFix(files, f);
    expect(after["secrets.nix"]).toMatch(/mode = "0440";/);
    expect(after["secrets.nix"]).toMatch(/owner = "app";/);
    expect(rescan.findings.filter((x) => x.ruleId === "world-readable-secret")).toEqual([]);
    // The same service, but only on another host: not this secret's reader.
    const other = {
      "flake.nix": flake({ box: ["./box.nix"], web: ["./app.nix"] }),
      "box.nix": `{ imports = [ ./secrets.nix ]; }\n`,
      "secrets.nix": SECRETS,
      "app.nix": APP,
      "secrets/db.age": "age-encryption.org/v1\n-> X25519 abc\n",
    };
    const g = await finding(other);
    expect(g.fix!.description).toMatch(/No service in this file or the other files of its hosts refers to age\.secrets\.db\.path, so no patch/);
    expect(g.fix!.patch).toBeUndefined();
  });
});
