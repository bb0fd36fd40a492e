// committed-password-hash: application password hashes are reported once (not also by
// hardcoded-secret), never copied into the report, and users' login hashes stay with the users rules.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { flake, summary } from "../helpers/fix.js";

const RULE = "committed-password-hash";
const ARGON = "$argon2id$v=19$m=65540,t=3,p=4$bXlzYWx0bXlzYWx0$Pq4Vw1dYPkTpGxJx4qdu3rKiWJ0DhzEBOYp3Zx9Qk9I";
const BCRYPT = "$2y$10$Zk3Wb1Rm8wXh0k2JpQv6UOfXo3gq0eS6kq1N2lW3m4n5o6p7q8r9s";
const RSPAMD = "$2$cifyu958qabanmtjyofmf5981posxie7$dz3taiiumir9ew5ordg8n1ia3eb73y1t55kzc9qsjdq1n8esmqqb";
const USER = "$y$j9T$Nb1KVJ2Eu7ZaGkxDWRHrD/$nDtonEpKjk.bkYXDWDzbbs9o7ElEmTcrXIncFHaarc/";

const FILES = {
  "flake.nix": flake({ box: ["./box.nix"] }),
  "box.nix": `{ ... }: {
  services.vaultwarden.config.ADMIN_TOKEN = "${ARGON}";
  environment.etc."nginx/htpasswd".text = ''
    alice:${BCRYPT}
  '';
  services.rspamd.workers.controller.extraConfig = ''
    password = "${RSPAMD}";
  '';
  users.users.root.hashedPassword = "${USER}";
}
`,
};

describe(RULE, () => {
  it("reports each application hash once, rated by its cost, and never shows it", async () => {
    const report = await scanFiles(FILES);
    // argon2 and bcrypt at cost 10 are slow hashes (low); rspamd's Catena stays medium.
    expect(summary(report, RULE)).toEqual(["box.nix:2 low [box]", "box.nix:4 low [box]", "box.nix:7 medium [box]"]);
    expect(report.findings.filter((f) => f.ruleId === RULE).map((f) => f.title).sort()).toEqual([
      "Committed argon2id password hash",
      "Committed bcrypt password hash",
      "Committed rspamd Catena (BLAKE2b) password hash",
    ]);
    // hardcoded-secret leaves Nix hashes alone; the users rule keeps root's login hash (low).
    expect(summary(report, "hardcoded-secret")).toEqual([]);
    expect(summary(report, "user-plaintext-password")).toEqual(["box.nix:9 low [box]"]);
    const out = JSON.stringify(report);
    for (const hash of [ARGON, BCRYPT, RSPAMD]) expect(out).not.toContain(hash.slice(20));
  });
});
