// The bundled CLI (scripts/bundle.ts, dist/bundle/, built by npm test): what `nix-warden` runs.
// Its build stamp is the hash of its code (the scan cache keys on it: another bundle never reads
// this one's cache); the commands stay chunks loaded on demand, so the entry and what it imports
// statically hold neither the rules nor the MCP server; and it reports what the modules report.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleHash, stampBundle, type BundleFile } from "../../scripts/bundle.js";
import { BUILD, UNSTAMPED } from "../../src/version.js";
import { CLI, cli, runCli } from "../helpers/cli.js";

const BUNDLE = join(CLI, "..");
const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "homelab");

function bundleFiles(): BundleFile[] {
  return readdirSync(BUNDLE)
    .filter((f) => f.endsWith(".js"))
    .map((fileName) => ({ fileName, code: readFileSync(join(BUNDLE, fileName), "utf8") }));
}

/** The bundle's files the entry imports statically, itself included (`import … from "./x.js"`). */
function staticClosure(files: BundleFile[]): Set<string> {
  const byName = new Map(files.map((f) => [f.fileName, f.code]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const m of byName.get(name)!.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"\.\/([^"]+)";?$|^import\s*"\.\/([^"]+)";?$/gm)) visit(m[1] ?? m[2]!);
  };
  visit("main.js");
  return seen;
}

describe("the build stamp", () => {
  const file = (fileName: string, code: string): BundleFile => ({ fileName, code });
  const literal = JSON.stringify(UNSTAMPED);

  it("replaces the one placeholder with the hash of the bundle's code", () => {
    const files = [file("main.js", `const s = ${literal};\n`), file("a-1.js", "export const a = 1;\n")];
    const { files: stamped, hash } = stampBundle(files);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(bundleHash(files));
    expect(stamped[0]!.code).toBe(`const s = "nix-warden-build:${hash}";\n`);
    expect(stamped[1]).toEqual(files[1]);
  });

  it("changes when any file of the bundle changes, not with their order", () => {
    const files = [file("main.js", `const s = ${literal};\n`), file("a-1.js", "export const a = 1;\n")];
    expect(bundleHash([...files].reverse())).toBe(bundleHash(files));
    expect(bundleHash([files[0]!, file("a-1.js", "export const a = 2;\n")])).not.toBe(bundleHash(files));
    expect(bundleHash([files[0]!, file("a-2.js", "export const a = 1;\n")])).not.toBe(bundleHash(files));
  });

  it("fails the build when the placeholder is missing or repeated", () => {
    expect(() => stampBundle([file("main.js", "const s = 1;\n")])).toThrow(/0 times/);
    expect(() => stampBundle([file("main.js", `const s = ${literal};\n`), file("b.js", `const t = ${literal};\n`)])).toThrow(/2 times/);
  });

  it("is unset when the modules run unbundled (the cache then keys on the scan module's file)", () => {
    expect(BUILD).toBeUndefined();
  });
});

describe("the built bundle", () => {
  it("exists, is stamped with the hash of its own code, and runs", () => {
    expect(existsSync(CLI)).toBe(true);
    const files = bundleFiles();
    const stamps = files.flatMap((f) => [...f.code.matchAll(/"nix-warden-build:([0-9a-f]{64})"/g)].map((m) => ({ f, hash: m[1]! })));
    expect(stamps).toHaveLength(1);
    const { f, hash } = stamps[0]!;
    const unstamped = files.map((g) => (g === f ? { ...g, code: g.code.replace(`nix-warden-build:${hash}`, UNSTAMPED) } : g));
    expect(bundleHash(unstamped)).toBe(hash);
    expect(files.some((g) => g.code.includes(UNSTAMPED))).toBe(false);
    const version = cli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("loads each command's code only when the command runs: the entry's static imports hold no rule, parser or MCP server", () => {
    const files = bundleFiles();
    const closure = staticClosure(files);
    expect(closure.has("main.js")).toBe(true);
    const eager = files.filter((f) => closure.has(f.fileName));
    const lazy = files.filter((f) => !closure.has(f.fileName));
    // The bundler marks where each module's code begins with a comment naming its file: code that
    // only some commands need (the rule registry, the Nix parser, the scan, the MCP server and SDK).
    const markers = [/^\/\/ dist\/src\/rules\/index\.js$/m, /^\/\/ dist\/src\/nix\/parser\.js$/m, /^\/\/ dist\/src\/scan\/index\.js$/m, /^\/\/ dist\/src\/mcp\/server\.js$/m, /^\/\/ \S*node_modules\/@modelcontextprotocol\/sdk\//m];
    for (const marker of markers) {
      expect(eager.filter((f) => marker.test(f.code)).map((f) => f.fileName), String(marker)).toEqual([]);
      expect(lazy.some((f) => marker.test(f.code)), String(marker)).toBe(true);
    }
  });

  it("reports what the modules report (the JSON report of the example, but for its time)", async () => {
    const bundled = cli(["scan", EXAMPLE, "--format", "json", "--no-cache", "--quick"]);
    const inProcess = await runCli(["scan", EXAMPLE, "--format", "json", "--no-cache", "--quick"]);
    expect(bundled.code).toBe(inProcess.code);
    const body = (s: string) => JSON.stringify({ ...JSON.parse(s), generatedAt: undefined });
    expect(body(bundled.stdout)).toBe(body(inProcess.stdout));
  });
});
