// The published package: `npm pack` gives a tarball that installs on a clean machine and serves
// MCP. The install is real npm, offline: the tarball plus its dependencies' tarballs from npm's
// cache, pinned by a lockfile made from this repository's (the versions `npm ci` installed here),
// into an empty directory. Then the installed `nix-warden serve`, and the plugin's launcher inside
// the installed package, are started and asked for their tools with the MCP SDK's client.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, onCleanup, tempDir } from "../mcp/helpers.js";

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", timeout: 240_000, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });

async function toolsOf(command: string, args: string[], cwd: string, path: string): Promise<string[]> {
  const client = new Client({ name: "package-test", version: "1" });
  const transport = new StdioClientTransport({ command, args, cwd, stderr: "pipe", env: { ...(process.env as Record<string, string>), PATH: path } });
  onCleanup(() => client.close());
  await client.connect(transport);
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((t) => t.name).sort();
}

describe("the npm package", () => {
  it("packs, installs offline into an empty directory, and its nix-warden serves MCP (and so does the plugin's launcher)", async () => {
    const out = await tempDir();
    npm(["pack", "--ignore-scripts", "--pack-destination", out, "--silent"], REPO_ROOT);
    const [tgz] = (await readdir(out)).filter((f) => f.endsWith(".tgz"));
    expect(tgz).toBeDefined();
    const listing = execFileSync("tar", ["-tzf", join(out, tgz!)], { encoding: "utf8" }).split("\n");
    for (const f of ["package/dist/bundle/main.js", "package/dist/src/cli/main.js", "package/dist/agent-triggers.json", "package/agent-definitions/hook/nix-warden-hook.mjs", "package/agent-definitions/claude-plugin/bin/nix-warden.mjs", "package/prompts/nix-security.md"]) expect(listing).toContain(f);
    expect(listing.filter((f) => f.startsWith("package/node_modules/") || f.startsWith("package/test/"))).toEqual([]);

    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
    const lock = JSON.parse(await readFile(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    const app = join(out, "app");
    await mkdir(app);
    const spec = `file:../${tgz}`;
    const integrity = "sha512-" + createHash("sha512").update(await readFile(join(out, tgz!))).digest("base64");
    const packages: Record<string, unknown> = {
      "": { name: "app", version: "1.0.0", dependencies: { "nix-warden": spec } },
      "node_modules/nix-warden": { version: pkg.version, resolved: spec, integrity, license: "MIT", dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
    };
    for (const [k, v] of Object.entries(lock.packages)) if (k && !v.dev) packages[k] = v;
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, dependencies: { "nix-warden": spec } }));
    await writeFile(join(app, "package-lock.json"), JSON.stringify({ name: "app", version: "1.0.0", lockfileVersion: 3, requires: true, packages }));
    npm(["ci", "--offline", "--ignore-scripts"], app);

    const installed = join(app, "node_modules", ".bin", "nix-warden");
    expect(execFileSync(installed, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim()).toBe(pkg.version);
    const workspace = await tempDir();
    const expected = ["check_drift", "explain_rule", "list_hosts", "remediate", "security_scan"];
    // PATH without this clone's tools: only node and what the package installed.
    const base = `${dirname(process.execPath)}:/usr/bin:/bin`;
    const path = `${join(app, "node_modules", ".bin")}:${base}`;
    expect(await toolsOf(installed, ["serve"], workspace, path)).toEqual(expected);
    // The plugin's launcher inside the installed package starts that package (nothing on PATH needed).
    const launcher = join(app, "node_modules", "nix-warden", "agent-definitions", "claude-plugin", "bin", "nix-warden.mjs");
    expect(await toolsOf(process.execPath, [launcher, "serve"], workspace, base)).toEqual(expected);
  }, 300_000);
});
