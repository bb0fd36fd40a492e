// A hostile repository must not stall the scan: lexing and parsing are linear, a file whose work
// runs over the per-file time budget becomes an error entry ("took longer than …; skipped") while
// the rest of the repository is still scanned, and FIFOs are neither read by the scan nor by
// `nix-warden parse` (reading one waits forever).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../../src/scan/discover.js";
import { cli } from "../helpers/cli.js";
import { scanFiles, withRepo } from "../helpers/scan.js";

const FLAKE = `{ outputs = { self, nixpkgs }: { nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ./big.nix ]; }; }; }\n`;
const CONFIG = `{ ... }: { networking.firewall.enable = false; }\n`;
const bigSelect = (bytes: number) => `{ ... }: { environment.etc.x.text = a${".b".repeat(bytes / 2)}; }\n`;

describe("per-file time budget", () => {
  it("turns a file that runs over the budget into an error entry and scans the others", async () => {
    // Far more work than 1 ms: the budget is spent in the lexer or parser.
    const report = await scanFiles({ "flake.nix": FLAKE, "configuration.nix": CONFIG, "big.nix": bigSelect(400_000) }, { fileBudgetMs: 1 });
    const skipped = report.errors.filter((e) => /took longer than 0\.001 s; skipped/.test(e.message));
    expect(skipped.map((e) => e.file)).toContain("big.nix");
    // The small files are still scanned (tiny as the budget is, they may run over it too, so only
    // check the scan went on and returned a report).
    expect(report.hosts).toEqual(["web"]);
  });

  it("has a default generous enough for a normal repository", async () => {
    const report = await scanFiles({ "flake.nix": FLAKE, "configuration.nix": CONFIG, "big.nix": "{ ... }: { }\n" });
    expect(report.errors.filter((e) => /took longer/.test(e.message))).toEqual([]);
    expect(report.findings.some((f) => f.file === "configuration.nix" && f.ruleId.includes("firewall"))).toBe(true);
  });

  it("scans a 200 KB attribute path in a few seconds (it took about a minute)", async () => {
    const t = performance.now();
    const report = await scanFiles({ "flake.nix": FLAKE, "configuration.nix": CONFIG, "big.nix": bigSelect(200_000) });
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(report.errors.filter((e) => /took longer/.test(e.message))).toEqual([]);
    expect(report.findings.some((f) => f.file === "configuration.nix")).toBe(true);
  });
});

describe("FIFOs", () => {
  it("discovery skips a FIFO in a plain directory and in a git repository", async () => {
    for (const git of [false, true]) {
      await withRepo(
        { "a.nix": "{ }" },
        async (root) => {
          execFileSync("mkfifo", [join(root, "pipe.nix")], { timeout: 5_000 });
          const d = await listFiles(root);
          expect(d.files).toEqual(["a.nix"]);
        },
        { git },
      );
    }
  });

  it("a scan of a repository holding a FIFO finishes", async () => {
    await withRepo({ "flake.nix": FLAKE, "configuration.nix": CONFIG }, async (root) => {
      execFileSync("mkfifo", [join(root, "big.nix")], { timeout: 5_000 });
      const r = cli(["scan", "--quick", "--format", "json", root]);
      expect(r.code, r.stderr).not.toBeNull();
      expect(r.stdout).toContain('"findings"');
    });
  });

  it("`nix-warden parse FIFO` is an error, not a hang", async () => {
    await withRepo({}, async (root) => {
      const fifo = join(root, "pipe.nix");
      execFileSync("mkfifo", [fifo], { timeout: 5_000 });
      const r = cli(["parse", fifo]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("not a regular file");
      // A directory whose default.nix is a FIFO, too.
      execFileSync("mkfifo", [join(root, "default.nix")], { timeout: 5_000 });
      const d = cli(["parse", root]);
      expect(d.code).toBe(1);
      expect(d.stderr).toContain("not a regular file");
    });
  });
});
