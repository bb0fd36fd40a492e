// rec-let-shadow: a rec attribute that refers to itself while an enclosing binding has its name.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, lineOf, nixEval, nixEvalError, scanWith } from "./helpers.js";

const RULE = "rec-let-shadow";

const FILE = `{ stdenv, fetchurl, version ? "1.0" }:
let
  pname = "hello";
  src = ./.;
  count = n: n;
in
{
  a = rec {
    pname = pname;
    name = "\${pname}-\${version}";
  };
  b = rec {
    version = "\${version}-patched";
  };
  c = rec {
    src = { inner = src; };
  };
  d = rec {
    count = n: if n == 0 then 0 else 1 + count (n - 1);
  };
  e = rec {
    inherit pname;
    other = pname;
  };
  f = {
    pname = pname;
  };
  g = rec { x = x; };
  # h = rec { pname = pname; };
  i = "rec { pname = pname; }";
}
`;

describe(RULE, () => {
  it("reports self-references that shadow a let binding or function argument, not deliberate recursion", async () => {
    const report = await scanWith(RULE, { "pkg.nix": FILE });
    expect(sites(report, RULE)).toEqual([`pkg.nix:${lineOf(FILE, "pname = pname;")}`, `pkg.nix:${lineOf(FILE, "version = ")}`, `pkg.nix:${lineOf(FILE, "src = { inner")}`]);
    const [a, b, c] = findingsOf(report, RULE);
    expect(a).toMatchObject({ line: 9, column: 5, severity: "medium" });
    expect(a!.message).toContain("not the let binding `pname` on line 3");
    expect(a!.message).toContain("infinite recursion encountered");
    expect(a!.fix).toMatchObject({ safety: "auto" });
    expect(b!.message).toContain("not the function argument `version` on line 1");
    expect(b!.fix).toMatchObject({ safety: "manual" });
    expect(c!.message).toContain("the value refers to itself");
  });

  it.skipIf(!nixAvailable)("is a real infinite recursion in Nix, and `inherit` fixes it", async () => {
    const text = `let\n  version = "2.12.1";\nin\nrec {\n  pname = "hello";\n  version = version;\n  name = "\${pname}-\${version}";\n}\n`;
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-rec-"));
    try {
      await writeFile(join(dir, "x.nix"), text);
      expect(nixEvalError("(import ./x.nix).name", dir)).toContain("infinite recursion encountered");
      const report = await scanWith(RULE, { "x.nix": text });
      expect(sites(report, RULE)).toEqual(["x.nix:6"]);
      const patched = await applyFix({ "x.nix": text }, findingsOf(report, RULE)[0]);
      expect(patched["x.nix"]).toContain("  inherit version;\n");
      await writeFile(join(dir, "x.nix"), patched["x.nix"]!);
      expect(nixEval("(import ./x.nix).name", dir)).toBe("hello-2.12.1");
      expect(sites(await scanWith(RULE, patched), RULE)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
