// `nix-warden install claude|gemini` on directories that already hold the user's settings: their
// entries survive, their own files are not replaced, a second run changes nothing, a dry run writes
// nothing, a broken settings file stops the install before any write. And what it registers works:
// the server entry starts a server that answers, the hook entry answers a prompt.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { mergeManagedBlock } from "../../src/agents/install.js";
import { CLI, FIXTURE_REPO, REPO_ROOT, onCleanup, tempDir } from "../mcp/helpers.js";
import { cp } from "node:fs/promises";

function install(args: string[], cwd: string, home: string, path = process.env.PATH) {
  const r = spawnSync(process.execPath, [CLI, "install", ...args], { cwd, env: { ...process.env, HOME: home, PATH: path }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A directory holding a `nix-warden` command (this build), as `npm install -g` would give. */
async function binDir(): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, "nix-warden"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
  return dir;
}

/** Files meant to be committed hold no path of this machine: not the project, home, node or the clone. */
async function expectPortable(files: string[], machinePaths: string[]) {
  for (const f of files) {
    const text = await readFile(f, "utf8");
    for (const p of machinePaths) expect(text, `${f} names ${p}`).not.toContain(p);
    expect(text, f).not.toMatch(/"\/(?!\/)/); // no string starting with "/"
    expect(text, f).not.toContain("npx");
  }
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(await readFile(p)).digest("hex");
    }
  };
  await walk(dir);
  return out;
}

const json = async (p: string) => JSON.parse(await readFile(p, "utf8"));

/** Starts the server the way a client would from a registered entry, and lists its tools. */
async function toolsOf(entry: { command: string; args: string[] }, cwd: string, path = process.env.PATH): Promise<string[]> {
  const client = new Client({ name: "install-test", version: "1" });
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd, stderr: "pipe", env: { ...(process.env as Record<string, string>), PATH: path ?? "" } });
  onCleanup(() => client.close());
  await client.connect(transport);
  const { tools } = await client.listTools();
  const { prompts } = await client.listPrompts();
  await client.close();
  return [...tools.map((t) => t.name), ...prompts.map((p) => `prompt:${p.name}`)].sort();
}

describe("install claude", () => {
  it("merges into a project's existing settings, keeps the user's files, and is idempotent", async () => {
    const home = await tempDir();
    const project = await tempDir();
    await cp(FIXTURE_REPO, project, { recursive: true });
    await writeFile(join(project, ".mcp.json"), JSON.stringify({ mcpServers: { github: { command: "gh-mcp", args: ["--ro"] }, "nix-warden": { command: "old", args: [], env: { NIX_PATH: "nixpkgs=/x" } } } }, null, 4));
    await mkdir(join(project, ".claude", "agents"), { recursive: true });
    const userSettings = {
      permissions: { allow: ["Bash(git status)"] },
      hooks: { UserPromptSubmit: [{ hooks: [{ type: "command", command: "~/bin/remind.sh" }] }], PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "guard" }] }] },
    };
    await writeFile(join(project, ".claude", "settings.json"), JSON.stringify(userSettings));
    const mine = "---\nname: security-patrol\ndescription: my own agent\n---\nmine\n";
    await writeFile(join(project, ".claude", "agents", "security-patrol.md"), mine);

    const dry = install(["claude", "--dry-run"], project, home);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would create\s+\.claude\/agents\/config-drift-detective\.md/);
    expect(dry.stdout).toMatch(/would skip\s+\.claude\/agents\/security-patrol\.md/);
    expect(await snapshot(home)).toEqual({});
    expect(await readFile(join(project, ".claude", "settings.json"), "utf8")).toBe(JSON.stringify(userSettings));

    const bin = await binDir();
    const PATH = `${bin}:${process.env.PATH}`;
    const first = install(["claude"], project, home, PATH);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/created\s+\.claude\/commands\/nix-security\.md/);
    expect(first.stderr).toContain("1 file(s) left alone");
    // The user's own agent file is untouched; ours are written.
    expect(await readFile(join(project, ".claude", "agents", "security-patrol.md"), "utf8")).toBe(mine);
    const drift = parseYaml((await readFile(join(project, ".claude", "agents", "config-drift-detective.md"), "utf8")).split("---")[1]!) as Record<string, string>;
    expect(drift.name).toBe("config-drift-detective");
    expect(drift.tools).toBeUndefined();
    expect(drift.disallowedTools).toContain("Write");
    expect((await readdir(join(project, ".claude", "commands"))).sort()).toEqual(["nix-check-drift.md", "nix-remediate.md", "nix-security.md"]);
    // .mcp.json: the other server kept, ours updated with its env kept.
    const mcp = await json(join(project, ".mcp.json"));
    expect(mcp.mcpServers.github).toEqual({ command: "gh-mcp", args: ["--ro"] });
    expect(mcp.mcpServers["nix-warden"].env).toEqual({ NIX_PATH: "nixpkgs=/x" });
    expect(mcp.mcpServers["nix-warden"].args.slice(-1)).toEqual(["serve"]);
    // settings.json: permissions and other hooks kept, ours appended.
    const settings = await json(join(project, ".claude", "settings.json"));
    expect(settings.permissions).toEqual(userSettings.permissions);
    expect(settings.hooks.PreToolUse).toEqual(userSettings.hooks.PreToolUse);
    expect(settings.hooks.UserPromptSubmit).toHaveLength(2);
    expect(settings.hooks.UserPromptSubmit[0]).toEqual(userSettings.hooks.UserPromptSubmit[0]);
    const hook = settings.hooks.UserPromptSubmit[1].hooks[0];
    expect(hook).toMatchObject({ type: "command", timeout: 10 });
    expect(hook.command).toMatch(/ hook claude$/);

    // Portable: what is committed names `nix-warden` (found on PATH), no path of this machine.
    expect(mcp.mcpServers["nix-warden"]).toMatchObject({ command: "nix-warden", args: ["serve"] });
    expect(hook.command).toBe("nix-warden hook claude");
    await expectPortable([join(project, ".mcp.json"), join(project, ".claude", "settings.json")], [project, home, process.execPath, REPO_ROOT]);
    // What was registered works: the server answers, the hook answers (through a shell, as Claude runs it).
    expect(await toolsOf(mcp.mcpServers["nix-warden"], project, PATH)).toEqual(["check_drift", "explain_rule", "list_hosts", "prompt:nix-check-drift", "prompt:nix-remediate", "prompt:nix-security", "remediate", "security_scan"]);
    const answer = spawnSync("sh", ["-c", hook.command], { input: JSON.stringify({ prompt: "is my laptop drifting?", cwd: project, hook_event_name: "UserPromptSubmit" }), encoding: "utf8", env: { ...process.env, PATH } });
    expect(answer.status).toBe(0);
    expect(JSON.parse(answer.stdout).hookSpecificOutput.additionalContext).toContain("config-drift-detective");

    // Again: nothing changes.
    const before = await snapshot(project);
    const second = install(["claude"], project, home, PATH);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/^(created|updated)/m);
    expect(await snapshot(project)).toEqual(before);
  });

  it("user scope: ~/.claude agents, commands and hook, and the server in ~/.claude.json with every other key kept", async () => {
    const home = await tempDir();
    const project = await tempDir();
    const state = { numStartups: 12, projects: { "/w": { mcpServers: { x: { command: "x" } } } }, mcpServers: { other: { type: "stdio", command: "o", args: [] } }, oauthAccount: { emailAddress: "me@example.org" } };
    await writeFile(join(home, ".claude.json"), JSON.stringify(state, null, 2));
    const r = install(["claude", "--scope", "user"], project, home);
    expect(r.code, r.stderr).toBe(0);
    const after = await json(join(home, ".claude.json"));
    expect({ ...after, mcpServers: undefined }).toEqual({ ...state, mcpServers: undefined });
    expect(after.mcpServers.other).toEqual(state.mcpServers.other);
    expect(after.mcpServers["nix-warden"].args.slice(-1)).toEqual(["serve"]);
    expect((await readdir(join(home, ".claude", "agents"))).sort()).toEqual(["config-drift-detective.md", "security-patrol.md"]);
    expect((await json(join(home, ".claude", "settings.json"))).hooks.UserPromptSubmit).toHaveLength(1);
    expect(await readdir(project)).toEqual([]);
  });

  it("stops without writing anything when a settings file is not valid JSON", async () => {
    const home = await tempDir();
    const project = await tempDir();
    await writeFile(join(project, ".mcp.json"), "{ mcpServers: oops");
    const r = install(["claude"], project, home);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(".mcp.json: MCP server registration: not valid JSON");
    // Nothing was written, and nothing claims it was.
    expect(r.stdout).not.toMatch(/^(created|updated)/m);
    expect(r.stdout).toMatch(/^not created\s+\.claude\/agents\/security-patrol\.md/m);
    expect(await readdir(project)).toEqual([".mcp.json"]);
    expect(install(["cursor"], project, home).code).toBe(2);
  });
});

describe("install gemini", () => {
  it("project scope: the server in .gemini/settings.json (without prompts), commands, and a context block in GEMINI.md; idempotent", async () => {
    const home = await tempDir();
    const project = await tempDir();
    await cp(FIXTURE_REPO, project, { recursive: true });
    await mkdir(join(project, ".gemini"));
    // Gemini CLI strips comments from its settings; a commented settings file is valid there.
    const commented = '{\n  // my theme\n  "theme": "GitHub", /* keep */\n  "mcpServers": {\n    // the db\n    "db": { "httpUrl": "http://localhost:9000/mcp" }\n  }\n}\n';
    await writeFile(join(project, ".gemini", "settings.json"), commented);
    await writeFile(join(project, "GEMINI.md"), "# My project\n\nAlways use tabs.\n");
    const bin = await binDir();
    const PATH = `${bin}:${process.env.PATH}`;
    const r = install(["gemini"], project, home, PATH);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/does not trust/);
    const raw = await readFile(join(project, ".gemini", "settings.json"), "utf8");
    for (const c of ["// my theme", "/* keep */", "// the db"]) expect(raw).toContain(c);
    const { parseJsonc } = await import("../../src/agents/jsonc.js");
    const settings = parseJsonc(raw) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(settings.mcpServers["nix-warden"]).toEqual({ command: "nix-warden", args: ["serve", "--no-prompts"] });
    expect(settings.hooks.BeforeAgent[0].hooks[0]).toMatchObject({ type: "command", command: "nix-warden hook gemini" });
    await expectPortable([join(project, ".gemini", "settings.json")], [project, home, process.execPath, REPO_ROOT]);
    expect((await readdir(join(project, ".gemini", "agents"))).sort()).toEqual(["config-drift-detective.md", "security-patrol.md"]);
    expect(settings.theme).toBe("GitHub");
    expect(settings.mcpServers.db).toEqual({ httpUrl: "http://localhost:9000/mcp" });
    expect(settings.mcpServers["nix-warden"].args.slice(-2)).toEqual(["serve", "--no-prompts"]);
    expect((await readdir(join(project, ".gemini", "commands"))).sort()).toEqual(["nix-check-drift.toml", "nix-remediate.toml", "nix-security.toml"]);
    const context = await readFile(join(project, "GEMINI.md"), "utf8");
    expect(context.startsWith("# My project\n\nAlways use tabs.\n\n<!-- nix-warden:begin")).toBe(true);
    expect(context).toContain("`security-patrol`");
    // The registered server offers the tools and no prompts (no clash with the /nix-* commands).
    expect(await toolsOf(settings.mcpServers["nix-warden"], project, PATH)).toEqual(["check_drift", "explain_rule", "list_hosts", "remediate", "security_scan"]);
    const before = await snapshot(project);
    expect(install(["gemini"], project, home, PATH).stdout).not.toMatch(/^(created|updated)/m);
    expect(await snapshot(project)).toEqual(before);
    expect(await readdir(home)).toEqual([]);
    // Without nix-warden on PATH the project files are the same (no machine path), and it says so.
    const project2 = await tempDir();
    const r2 = install(["gemini"], project2, home, "/usr/bin:/bin");
    expect(r2.stderr).toMatch(/not on PATH/);
    await expectPortable([join(project2, ".gemini", "settings.json")], [project2, home, process.execPath, REPO_ROOT]);
    // The extension installed as well: a warning that Gemini would rename the commands.
    expect(install(["gemini", "--scope", "user"], project, home, PATH).stderr).toMatch(/\/nix-security disappears/);
  });

  it("user scope: the extension in ~/.gemini/extensions/nix-warden; another extension of that name is not replaced", async () => {
    const home = await tempDir();
    const project = await tempDir();
    const r = install(["gemini", "--scope", "user"], project, home);
    expect(r.code, r.stderr).toBe(0);
    const ext = join(home, ".gemini", "extensions", "nix-warden");
    expect((await readdir(ext)).sort()).toEqual(["GEMINI.md", "agents", "bin", "commands", "gemini-extension.json", "hooks"]);
    const manifest = await json(join(ext, "gemini-extension.json"));
    expect(manifest).toMatchObject({ name: "nix-warden", contextFileName: "GEMINI.md" });
    expect((await stat(join(ext, "commands", "nix-security.toml"))).isFile()).toBe(true);

    const other = await tempDir();
    await mkdir(join(other, ".gemini", "extensions", "nix-warden"), { recursive: true });
    await writeFile(join(other, ".gemini", "extensions", "nix-warden", "gemini-extension.json"), JSON.stringify({ name: "someone-else", version: "1.0.0" }));
    const r2 = install(["gemini", "--scope", "user"], project, other);
    expect(r2.stdout).toMatch(/skipped\s+~\/\.gemini\/extensions\/nix-warden\/gemini-extension\.json/);
    expect((await json(join(other, ".gemini", "extensions", "nix-warden", "gemini-extension.json"))).name).toBe("someone-else");
  });

  it("replaces only its own block in a context file", () => {
    const first = mergeManagedBlock("intro\n", "v1");
    expect(first).toBe("intro\n\n<!-- nix-warden:begin (managed by `nix-warden install gemini`; this block is replaced on reinstall) -->\nv1\n<!-- nix-warden:end -->\n");
    const edited = first + "\nuser notes after\n";
    const second = mergeManagedBlock(edited, "v2");
    expect(second).toContain("v2\n<!-- nix-warden:end -->");
    expect(second).not.toContain("v1");
    expect(second.startsWith("intro\n\n")).toBe(true);
    expect(second.endsWith("\nuser notes after\n")).toBe(true);
    expect(mergeManagedBlock(undefined, "v1")).toMatch(/^<!-- nix-warden:begin/);
  });
});
