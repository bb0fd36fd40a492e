// `scan --format statix-json` through the CLI (in this process): statix's `check -o json` shape (one pretty JSON
// object per file, in file order), statix's lint codes for the rules that carry its lints, 1-based
// spans, and the security findings alongside with code 0.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { withRepo } from "../helpers/scan.js";

/** statix prints JSON documents back to back: split the stream into them. */
function documents(stream: string): unknown[] {
  return stream
    .split(/\n(?=\{)/)
    .filter((s) => s.trim())
    .map((s) => JSON.parse(s) as unknown);
}

describe("scan --format statix-json", () => {
  it("prints one statix-shaped object per file", async () => {
    await withRepo(
      {
        "a.nix": "{ pkgs }:\n{\n  xs = [ ] ++ pkgs.xs;\n}\n",
        "b.nix": '{\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
      },
      async (root) => {
        const r = await runCli(["scan", root, "--quick", "--format", "statix-json"]);
        expect(r.code, r.stderr).toBe(0);
        const docs = documents(r.stdout) as Array<{ file: string; report: Array<{ note: string; code: number; severity: string; diagnostics: Array<{ at: unknown; message: string; suggestion: null }> }> }>;
        expect(docs.map((d) => d.file)).toEqual(["a.nix", "b.nix"]);
        const concat = docs[0]!.report.find((x) => x.code === 23)!;
        expect(concat).toMatchObject({ severity: "Warn", note: "Concatenation with the empty list" });
        expect(concat.diagnostics).toEqual([{ at: { from: { line: 3, column: 8 }, to: { line: 3, column: 22 } }, message: expect.stringContaining("empty list") as unknown, suggestion: null }]);
        const root_ = docs[1]!.report.find((x) => x.diagnostics[0]!.message.includes("PermitRootLogin"));
        expect(root_).toMatchObject({ code: 0 });
        expect(["Error", "Warn"]).toContain(root_!.severity);
      },
    );
  });
});
