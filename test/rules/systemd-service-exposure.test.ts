// systemd-service-exposure, fixes that apply (issue 11 point 5): a daemon told which interface to
// watch reads its addresses over netlink, so the patch's RestrictAddressFamilies keeps AF_NETLINK
// (arianvp-nixos-stuff's he-ddns, whose patch without it was judged harmful); a look-alike that
// watches no interface gets the plain local-and-IP list. The fixture sets of this rule (which
// services matter) are under test/fixtures/rules/systemd-service-exposure/.
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/memory.js";

const RULE = "systemd-service-exposure";

const ddns = (args: string) => `{ lib, pkgs, ... }: {
  systemd.services.dyn-dns = {
    wantedBy = [ "multi-user.target" ];
    after = [ "network-online.target" ];
    wants = [ "network-online.target" ];
    serviceConfig = {
      ExecStart = "\${lib.getExe pkgs.hello} ${args}";
      Restart = "always";
    };
  };
}
`;

const families = async (args: string) => {
  const [f] = await ruleFindings({ "ddns.nix": ddns(args) }, RULE);
  expect(f).toBeDefined();
  return /^\+\s*RestrictAddressFamilies = \[([^\]]*)\]/m.exec(f!.fix?.patch ?? "")?.[1]?.trim();
};

describe("RestrictAddressFamilies of the patch", () => {
  it("keeps AF_NETLINK for a daemon told which interface to watch", async () => {
    expect(await families("-interface bond0 -hostname host.example.org")).toContain("AF_NETLINK");
  });
  it("...and not for a look-alike that watches none", async () => {
    const list = await families("-hostname host.example.org");
    expect(list).toBeDefined();
    expect(list).not.toContain("AF_NETLINK");
  });
});
