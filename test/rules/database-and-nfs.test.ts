// database-trust-auth and nfs-no-root-squash: configuration text inside string options, parsed line
// by line, findings at the exact word inside the string, fixes as edits of that word.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";
import { parseHbaLine, reachOf } from "../../src/rules/access/pg-hba.js";
import { noRootSquash } from "../../src/rules/access/nfs-no-root-squash.js";

const PG = {
  "pg.nix": `{ lib, ... }: {
  services.postgresql = {
    enable = true;
    enableTCPIP = true;
    authentication = lib.mkOverride 10 ''
      # host all all 0.0.0.0/0 trust
      local all      all                    peer
      local all      postgres               trust
      host  all      all   127.0.0.1/32     trust
      host  all      all   0.0.0.0/0        trust
      host  "my db"  app   10.0.0.0/8       trust  # comment
      host  hydra    all   10.0.40.5/32     trust
      host  all      all   192.168.1.0 255.255.255.0  trust
      hostssl all    all   ::/0             scram-sha-256
      host  all      all   samenet          md5
    '';
  };
}
`,
  "pg-local.nix": `{ ... }: {
  services.postgresql.authentication = "host all all 0.0.0.0/0 trust\\nlocal all all peer\\n";
}
`,
  "pg-off.nix": `{ ... }: {
  services.postgresql.enable = false;
  services.postgresql.authentication = "host all all 0.0.0.0/0 trust";
}
`,
  "bouncer.nix": `{ ... }: {
  services.pgbouncer.settings.pgbouncer = { auth_type = "trust"; listen_addr = "*"; };
}
`,
};

const NFS = {
  "nfs.nix": `{ lib, ... }: {
  services.nfs.server.enable = true;
  services.nfs.server.exports = ''
    # /srv/old *(rw,no_root_squash)
    /srv/share  192.168.1.0/24(rw,sync,no_root_squash) nas.lan(ro)
    /srv/backup backup.lan(rw,no_subtree_check,no_root_squash)
    /srv/public -ro,no_root_squash *
    /srv/ok     10.0.0.0/8(rw,root_squash) \\
                other.lan(rw,all_squash)
  '';
}
`,
  "computed.nix": `{ lib, ... }: {
  services.nfs.server.exports = ''
    /home/web \${lib.concatMapStringsSep " " (host: "\${host}(rw,insecure,no_root_squash)") [ "10.0.0.2" ]}
  '';
}
`,
  "nfs-off.nix": `{ ... }: {
  services.nfs.server.enable = false;
  services.nfs.server.exports = "/srv *(rw,no_root_squash)";
}
`,
};

describe("database-trust-auth", () => {
  it("reports trust per pg_hba line, graded by who reaches it, at the method word", async () => {
    const report = await scanFiles(PG);
    expect(summary(report, "database-trust-auth")).toEqual([
      "bouncer.nix:2 high",
      "pg-local.nix:2 high",
      "pg.nix:10 critical",
      "pg.nix:11 high",
      "pg.nix:12 medium",
      "pg.nix:13 high",
      // Local only, still medium: any local account becomes the superuser (issue 11, point 6).
      "pg.nix:8 medium",
      "pg.nix:9 medium",
    ]);
    const any = report.findings.find((f) => f.ruleId === "database-trust-auth" && f.line === 10)!;
    const line10 = PG["pg.nix"].split("\n")[9]!;
    expect([any.column, any.endColumn]).toEqual([line10.indexOf("trust") + 1, line10.indexOf("trust") + 6]);
    expect(any.evidence).toBe("host  all      all   0.0.0.0/0        trust");
    // "host ... 0.0.0.0/0" without enableTCPIP in its file: the server may not listen on the network.
    const local = report.findings.find((f) => f.file === "pg-local.nix")!;
    expect(local.message).toContain("listens on the network once enableTCPIP");
    expect(local.column).toBe(PG["pg-local.nix"].split("\n")[1]!.indexOf("trust") + 1); // inside a "..." string with \\n escapes
  });

  it.skipIf(!nixAvailable)("replaces trust with scram-sha-256 (host) or peer (local)", async () => {
    const report = await scanFiles(PG);
    const host = report.findings.find((f) => f.ruleId === "database-trust-auth" && f.line === 10)!;
    const fixed = await applyFix(PG, host);
    expect(fixed.files["pg.nix"]).toContain("host  all      all   0.0.0.0/0        scram-sha-256\n");
    expect(summary(fixed.rescan, "database-trust-auth")).not.toContain("pg.nix:10 critical");
    const local = report.findings.find((f) => f.ruleId === "database-trust-auth" && f.line === 8)!;
    expect((await applyFix(PG, local)).files["pg.nix"]).toContain("local all      postgres               peer\n");
    const escaped = report.findings.find((f) => f.file === "pg-local.nix")!;
    expect((await applyFix(PG, escaped)).files["pg-local.nix"]).toContain('"host all all 0.0.0.0/0 scram-sha-256\\nlocal all all peer\\n"');
  });

  it("parses pg_hba records", () => {
    expect(parseHbaLine("host all all 10.0.0.0 255.0.0.0 trust")?.method.text).toBe("trust");
    expect(reachOf(parseHbaLine("host all all 0.0.0.0 0.0.0.0 trust")!)).toBe("anywhere");
    expect(reachOf(parseHbaLine("host all all all trust")!)).toBe("anywhere");
    expect(reachOf(parseHbaLine("host all all samehost trust")!)).toBe("local");
    expect(reachOf(parseHbaLine("host all all ::1/128 trust")!)).toBe("local");
    expect(reachOf(parseHbaLine("host all all .example.com trust")!)).toBe("network");
    expect(reachOf(parseHbaLine("host all all db.example.com trust")!)).toBe("host");
    expect(parseHbaLine('host "all" "x # y" 10.0.0.1/32 trust # c')?.user.text).toBe('"x # y"');
    expect(parseHbaLine("include_if_exists other.conf")).toBeUndefined();
    expect(parseHbaLine("# local all all trust")).toBeUndefined();
  });
});

describe("nfs-no-root-squash", () => {
  it("reports no_root_squash per client, at the option inside the string", async () => {
    const report = await scanFiles(NFS);
    // /srv/public is read-only (-ro): root of any client reads root-only files, writes nothing (medium).
    expect(summary(report, "nfs-no-root-squash")).toEqual(["computed.nix:3 high", "nfs.nix:5 high", "nfs.nix:6 medium", "nfs.nix:7 medium"]);
    const share = report.findings.find((f) => f.ruleId === "nfs-no-root-squash" && f.line === 5)!;
    const line5 = NFS["nfs.nix"].split("\n")[4]!;
    expect([share.column, share.endColumn]).toEqual([line5.indexOf("no_root_squash") + 1, line5.indexOf("no_root_squash") + 15]);
    expect(share.message).toContain("192.168.1.0/24");
  });

  it("says when insecure makes no_root_squash worse (any client user, not only its root), high for one host too", async () => {
    const files = {
      "nfs.nix": `{ lib, ... }: {
  services.nfs.server.enable = true;
  services.nfs.server.exports = ''
    /srv/a laptop.lan(rw,insecure,no_root_squash)
    /srv/b laptop.lan(rw,no_root_squash) other.lan(rw,insecure)
  '';
  services.nfs.server.extraNfsdConfig = "";
}
`,
      "computed.nix": `{ lib, ... }: {
  services.nfs.server.exports = "/home \${lib.concatMapStringsSep " " (h: "\${h}(rw,insecure,no_root_squash)") [ "10.0.0.2" ]}";
}
`,
    };
    const report = await scanFiles(files);
    expect(summary(report, "nfs-no-root-squash")).toEqual(["computed.nix:2 high", "nfs.nix:4 high", "nfs.nix:5 medium"]);
    const f = (file: string, line: number) => report.findings.find((x) => x.ruleId === "nfs-no-root-squash" && x.file === file && x.line === line)!;
    expect(f("nfs.nix", 4).message).toContain("any local user on an allowed client");
    expect(f("nfs.nix", 4).fix?.description).toContain("Drop insecure");
    expect(f("computed.nix", 2).message).toContain("unprivileged source ports");
    // insecure on another client of the line, not with no_root_squash: no note.
    expect(f("nfs.nix", 5).message).not.toContain("insecure");
  });

  it.skipIf(!nixAvailable)("replaces it with root_squash", async () => {
    const report = await scanFiles(NFS);
    const f = report.findings.find((x) => x.ruleId === "nfs-no-root-squash" && x.line === 6)!;
    const fixed = await applyFix(NFS, f);
    expect(fixed.files["nfs.nix"]).toContain("/srv/backup backup.lan(rw,no_subtree_check,root_squash)");
    const c = report.findings.find((x) => x.file === "computed.nix")!;
    expect((await applyFix(NFS, c)).files["computed.nix"]).toContain('"${host}(rw,insecure,root_squash)"');
  });

  it("one finding per exports line: its clients, its computed pieces (inline or let-bound) and all its fixes together", async () => {
    // The shape of a public configuration where one exports string gave 4 findings.
    const TUM = {
      "server.nix": `{ config, lib, ... }: {
  services.nfs.server.enable = true;
  services.nfs.server.exports =
    let
      hosts = [ "2a09::1" "2a09::2" ];
      exportHome = lib.imap0 (i: ip: "\${ip}(async,rw,no_root_squash,fsid=\${toString (i + 27)})") hosts;
      exportShare = lib.imap0 (i: ip: "\${ip}(async,rw,no_root_squash,fsid=\${toString (i + 40)})") hosts;
    in
    ''
      /export/home 2a09:80c0:102::/64(async,rw,no_root_squash,fsid=25) \${lib.concatStringsSep " " exportHome}
      /export/share 2a09:80c0:102::/64(async,rw,no_root_squash,fsid=26) \${lib.concatStringsSep " " exportShare}
      /export/ro 10.0.0.0/8(ro,root_squash) h1(rw,no_root_squash) h2(rw,no_root_squash)
    '';
}
`,
    };
    const report = await scanFiles(TUM);
    const found = report.findings.filter((f) => f.ruleId === "nfs-no-root-squash");
    expect(found.map((f) => `${f.line} ${f.severity}`)).toEqual(["10 high", "11 high", "12 medium"]);
    expect(found[0]!.message).toContain("exports /export/home to 2a09:80c0:102::/64, ${…}");
    expect(found[2]!.message).toContain("exports /export/ro to h1, h2 with no_root_squash");
    if (!nixAvailable) return;
    // The fix of the first line fixes its literal client and the let-bound piece it interpolates.
    const fixed = (await applyFix(TUM, found[0]!)).files["server.nix"]!;
    expect(fixed).toContain('/export/home 2a09:80c0:102::/64(async,rw,root_squash,fsid=25)');
    expect(fixed).toContain('"${ip}(async,rw,root_squash,fsid=${toString (i + 27)})"');
    expect(fixed).toContain('"${ip}(async,rw,no_root_squash,fsid=${toString (i + 40)})"');
  });

  it("parses export lines", () => {
    expect(noRootSquash("/a h1(rw,no_root_squash) h2(ro) h3(no_root_squash)")!.hits.map((h) => h.client)).toEqual(["h1", "h3"]);
    expect(noRootSquash("/a (rw,no_root_squash)")!.hits.map((h) => h.client)).toEqual(["*"]);
    expect(noRootSquash('"/my dir" h(no_root_squash)')!.path).toBe('"/my dir"');
    expect(noRootSquash("/a h(rw) # no_root_squash")!.hits).toEqual([]);
  });
});

describe("database-trust-auth: which role a trust record hands out", () => {
  it("names the superuser's records as such and an application's role as only that role", async () => {
    const report = await scanFiles({
      "db.nix": `{
  services.postgresql = {
    enable = true;
    authentication = ''
      local   shop      shop        trust
      local   shop      postgres    trust
      local   postgres  postgres    trust
      local   all       +admins     trust
      local   all       postgres    peer
    '';
  };
}
`,
      "custom.nix": `{ services.postgresql = { enable = true; superUser = "pgadmin"; authentication = "local all pgadmin trust"; }; }\n`,
    });
    const got = report.findings.filter((f) => f.ruleId === "database-trust-auth").map((f) => `${f.file}:${f.line} ${f.title}`).sort();
    expect(got).toEqual([
      "custom.nix:1 PostgreSQL trust authentication for the superuser",
      "db.nix:5 PostgreSQL trust authentication",
      "db.nix:6 PostgreSQL trust authentication for the superuser",
      "db.nix:7 PostgreSQL trust authentication for the superuser",
      "db.nix:8 PostgreSQL trust authentication",
    ]);
    const at = (line: number) => report.findings.find((f) => f.ruleId === "database-trust-auth" && f.file === "db.nix" && f.line === line)!.message;
    expect(at(5)).toContain("as role shop (not the superuser");
    expect(at(5)).not.toContain("superuser and so");
    expect(at(6)).toContain("as the postgres superuser, who can run commands as the postgres system account");
    expect(at(8)).toContain("whose members may include the postgres superuser");
  });
});

describe("database-trust-auth: replication records", () => {
  it("says a replication record for all roles hands out a copy of every database", async () => {
    const report = await scanFiles({ "rep.nix": `{ services.postgresql = { enable = true; authentication = "local replication all trust"; }; }\n` });
    const f = report.findings.find((x) => x.ruleId === "database-trust-auth")!;
    expect(f.title).toBe("PostgreSQL trust authentication for the superuser");
    expect(f.message).toContain("open replication connections as role all, which includes the postgres superuser (a physical copy of every database");
  });
});
