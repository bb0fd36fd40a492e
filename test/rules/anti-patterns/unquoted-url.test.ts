// unquoted-url: bare URL literals, quoted by an exact (auto) fix.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, nixEval, scanWith } from "./helpers.js";

const RULE = "unquoted-url";

const FILE = `{
  nixpkgs = github:NixOS/nixpkgs/nixos-24.11;
  homepage = https://example.org/a?b=c&d=e;
  quoted = "https://example.org";
  # see https://example.org/comment
  lambda = x: x;
  path = ./https/example.nix;
  mirror = https://alice:Sup3rS3cretPassw0rd@example.org/x;
  str = "github:NixOS/nixpkgs";
}
`;

describe(RULE, () => {
  it("reports URL literals (what Nix lexes as a URI), not strings, comments, lambdas or paths", async () => {
    const report = await scanWith(RULE, { "urls.nix": FILE });
    expect(sites(report, RULE)).toEqual(["urls.nix:2", "urls.nix:3", "urls.nix:8"]);
    const [first] = findingsOf(report, RULE);
    expect(first).toMatchObject({ column: 13, endColumn: 45, severity: "info" });
    expect(first!.fix).toMatchObject({ safety: "auto" });
  });

  it("never puts a password from the URL in the message", async () => {
    const report = await scanWith(RULE, { "urls.nix": FILE });
    const f = findingsOf(report, RULE).find((x) => x.line === 8)!;
    expect(f.message).toContain("https://alice:…@example.org/x");
    expect(JSON.stringify(f.message)).not.toContain("Sup3rS3cret");
  });

  it.skipIf(!nixAvailable)("quotes them: the patch applies, parses, and Nix gives the same value", async () => {
    const files = { "urls.nix": FILE };
    const report = await scanWith(RULE, files);
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-url-"));
    try {
      for (const f of findingsOf(report, RULE).filter((x) => x.line !== 8)) {
        const patched = await applyFix(files, f);
        expect(patched["urls.nix"]!.split("\n")[f.line - 1]).toMatch(/= "[a-z]+:[^"]+";$/);
        await writeFile(join(dir, "before.nix"), FILE);
        await writeFile(join(dir, "after.nix"), patched["urls.nix"]!);
        expect(nixEval("builtins.removeAttrs (import ./after.nix) [ \"lambda\" \"path\" ]", dir)).toEqual(nixEval("builtins.removeAttrs (import ./before.nix) [ \"lambda\" \"path\" ]", dir));
        expect(sites(await scanWith(RULE, patched), RULE)).not.toContain(`urls.nix:${f.line}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!nixAvailable)("a shell ${VAR:-default} left unescaped is a bug, not a URL to quote: the fix escapes it and the script gets the expansion", async () => {
    // Seen on a public configuration: `${HOME:-}` inside '' '' is Nix's interpolation of the URL
    // literal `HOME:-`, so the script got the text "HOME:-"; quoting it (the URL fix) kept the bug.
    const SCRIPT = "{\n  a = ''\n    home=\"${HOME:-}\"\n    dir=\"${DATA:-/tmp}\"\n  '';\n  b = \"cache=${CACHE:=x}\";\n  ok = ''\n    home=\"''${HOME:-}\"\n  '';\n}\n";
    const files = { "s.nix": SCRIPT };
    const report = await scanWith(RULE, files);
    const found = findingsOf(report, RULE);
    expect(found.map((f) => [f.line, f.title, f.fix?.safety])).toEqual([
      [3, "shell parameter expansion read by Nix as an interpolation (${HOME:-})", "review"],
      [4, "shell parameter expansion read by Nix as an interpolation (${DATA:-/tmp})", "review"],
      [6, "shell parameter expansion read by Nix as an interpolation (${CACHE:=x})", "review"],
    ]);
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-url-"));
    try {
      let patched: Record<string, string> = files;
      for (const f of found) patched = await applyFix(patched, findingsOf(await scanWith(RULE, patched), RULE).find((x) => x.line === f.line));
      await writeFile(join(dir, "after.nix"), patched["s.nix"]!);
      expect(nixEval("import ./after.nix", dir)).toEqual({ a: 'home="${HOME:-}"\ndir="${DATA:-/tmp}"\n', b: "cache=${CACHE:=x}", ok: 'home="${HOME:-}"\n' });
      expect(findingsOf(await scanWith(RULE, patched), RULE)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
