// Nix version ordering, checked pair by pair against the real `builtins.compareVersions`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareVersions, versionComponents } from "../../src/vulns/version.js";

const PAIRS: [string, string][] = [
  ["1.0", "1.0"],
  ["1.0", "1.0.0"],
  ["2.3a", "2.3.1"],
  ["2.3", "2.3a"],
  ["1.1.1w", "1.1.1"],
  ["1.1.1w", "1.1.1x"],
  ["3.0.13", "3.0.9"],
  ["1.9.15p5", "1.9.15"],
  ["1.9.15p5", "1.9.16"],
  ["9.7p1", "9.8p1"],
  ["9.8p1", "9.8"],
  ["2.0pre", "2.0"],
  ["2.0pre1", "2.0"],
  ["2.0-pre", "2.0-rc1"],
  ["pre", "1"],
  ["1.0-rc1", "1.0"],
  ["1.0rc1", "1.0"],
  ["1.0alpha", "1.0beta"],
  ["unstable-2023-01-01", "0.1"],
  ["2023-01-01", "2022-12-31"],
  ["1..2", "1.2"],
  ["1.2.", "1.2"],
  ["01", "1"],
  ["1.010", "1.9"],
  ["2147483648", "2147483647"],
  ["99999999999", "1"],
  ["a", "B"],
  ["1.2-3", "1.2.3"],
  ["8.4.0", "8.5.0"],
  ["", "0"],
  ["", "a"],
  ["5.2p26", "5.2.26"],
  ["9.1.0377", "9.1.0647"],
  ["1.0_beta", "1.0"],
];

describe("compareVersions", () => {
  it("splits like Nix's nextComponent", () => {
    expect(versionComponents("1.9.15p5")).toEqual(["1", "9", "15", "p", "5"]);
    expect(versionComponents("2.0-pre.3")).toEqual(["2", "0", "pre", "3"]);
  });

  it("agrees with builtins.compareVersions on every tricky pair", () => {
    const dir = mkdtempSync(join(tmpdir(), "nw-vers-"));
    try {
      const file = join(dir, "pairs.json");
      writeFileSync(file, JSON.stringify(PAIRS));
      const out = execFileSync(
        "nix-instantiate",
        ["--eval", "--json", "--strict", "--expr", `map (p: builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) (builtins.fromJSON (builtins.readFile ${file}))`],
        { encoding: "utf8", timeout: 60_000 },
      );
      const expected = JSON.parse(out) as number[];
      const ours = PAIRS.map(([a, b]) => compareVersions(a, b));
      const disagreements = PAIRS.map(([a, b], i) => (ours[i] === expected[i] ? undefined : `${a} vs ${b}: nix ${expected[i]}, ours ${ours[i]}`)).filter(Boolean);
      expect(disagreements).toEqual([]);
      expect(expected).toHaveLength(PAIRS.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
