// The rendered client files against each client's documented format (see docs/agents.md for the
// sources): Claude Code subagents, slash commands, plugin manifest, hooks and .mcp.json; Gemini CLI
// extension manifest and TOML commands (parsed by a real TOML parser, Python's tomllib). The files
// shipped in agent-definitions/ must be what the definitions render, and the plugin's standalone
// hook must answer exactly like `nix-warden hook claude`.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadAgentDefinitions, MCP_TOOL_NAMES } from "../../src/agents/definitions.js";
import { loadRenderInputs, renderClaudeFiles, renderClaudePlugin, renderGeminiExtension, tomlString, type RenderedFile } from "../../src/agents/render.js";
import { EXTENSION_DIR, PLUGIN_DIR, shippedFiles } from "../../src/agents/shipped.js";
import { loadPromptTemplates } from "../../src/mcp/prompt-templates.js";
import { CLI, REPO_ROOT } from "../mcp/helpers.js";

const inputs = loadRenderInputs();

/** `node <args>` with `input` on stdin: its exit status and output. */
function run(args: string[], input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}
const agents = loadAgentDefinitions();

// Front matter fields each client documents (Claude Code subagents and slash commands).
const SUBAGENT_FIELDS = new Set(["name", "description", "tools", "disallowedTools", "model", "permissionMode", "maxTurns", "skills", "mcpServers", "hooks", "memory", "background", "isolation", "color"]);
const COMMAND_FIELDS = new Set(["description", "argument-hint", "allowed-tools", "model", "disable-model-invocation"]);
const PLUGIN_FIELDS = new Set(["name", "version", "description", "author", "homepage", "repository", "license", "keywords", "commands", "agents", "skills", "hooks", "mcpServers", "outputStyles", "lspServers"]);
const HOOK_EVENTS = new Set(["PreToolUse", "PostToolUse", "UserPromptSubmit", "Notification", "Stop", "SubagentStop", "SessionStart", "SessionEnd", "PreCompact"]);
const EXTENSION_FIELDS = new Set(["name", "version", "description", "mcpServers", "contextFileName", "excludeTools", "settings", "themes", "migratedTo", "plan"]);

function frontMatter(text: string): { fields: Record<string, unknown>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  expect(m, "front matter").toBeTruthy();
  return { fields: parseYaml(m![1]!) as Record<string, unknown>, body: m![2]! };
}

function byPath(files: RenderedFile[], path: string): RenderedFile {
  const f = files.find((x) => x.path === path);
  expect(f, path).toBeDefined();
  return f!;
}

function checkSubagent(text: string) {
  const { fields, body } = frontMatter(text);
  for (const k of Object.keys(fields)) expect(SUBAGENT_FIELDS, `subagent field ${k}`).toContain(k);
  expect(fields.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  expect(typeof fields.description).toBe("string");
  expect(fields.model).toBe("inherit");
  expect(["blue", "cyan", "green", "yellow", "magenta", "red"]).toContain(fields.color);
  // No `tools` list (MCP tools listed one by one went unseen in several Claude Code versions): the
  // subagent inherits the session's tools, MCP tools included, minus every tool that writes or runs.
  expect(fields.tools).toBeUndefined();
  expect(String(fields.disallowedTools).split(", ")).toEqual(expect.arrayContaining(["Write", "Edit", "NotebookEdit", "Bash"]));
  expect(body.trim().length).toBeGreaterThan(200);
  expect(body).not.toMatch(/\{\{|read_file|grep_search/);
}

function checkGeminiAgent(text: string) {
  const { fields, body } = frontMatter(text);
  expect(Object.keys(fields).sort()).toEqual(["description", "kind", "name", "tools"]);
  expect(fields.kind).toBe("local");
  expect(fields.name).toMatch(/^[a-z0-9_-]+$/);
  for (const t of fields.tools as string[]) expect(t).toMatch(/^(mcp_nix-warden_[a-z_]+|read_file|grep_search|glob)$/);
  // Gemini's own tool names, not Claude's.
  expect(body).not.toMatch(/\{\{|\bwith Read\b|\(Read, Grep\)/);
}

function checkCommand(text: string) {
  const { fields, body } = frontMatter(text);
  for (const k of Object.keys(fields)) expect(COMMAND_FIELDS, `command field ${k}`).toContain(k);
  expect(typeof fields.description).toBe("string");
  expect(typeof fields["argument-hint"]).toBe("string");
  expect(String(fields["allowed-tools"])).not.toContain("remediate"); // applying always asks
  expect(body).toContain('"$ARGUMENTS"');
  expect(body).not.toContain("{{");
}

function parseToml(text: string): Record<string, unknown> {
  const r = spawnSync("python3", ["-c", "import json,sys,tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"], { input: text, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("Claude Code files", () => {
  it("subagents and slash commands for a project or user directory", () => {
    const files = renderClaudeFiles(inputs);
    expect(files.map((f) => f.path).sort()).toEqual([
      "agents/config-drift-detective.md",
      "agents/security-patrol.md",
      "commands/nix-check-drift.md",
      "commands/nix-remediate.md",
      "commands/nix-security.md",
    ]);
    for (const f of files) {
      if (f.path.startsWith("agents/")) checkSubagent(f.content);
      else checkCommand(f.content);
    }
  });

  it("the plugin: manifest, agents, commands, hooks and MCP server in their documented places", () => {
    const files = renderClaudePlugin(inputs);
    const manifest = JSON.parse(byPath(files, ".claude-plugin/plugin.json").content) as Record<string, unknown>;
    for (const k of Object.keys(manifest)) expect(PLUGIN_FIELDS, `plugin.json field ${k}`).toContain(k);
    expect(manifest.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const f of files.filter((x) => x.path.startsWith("agents/"))) checkSubagent(f.content);
    for (const f of files.filter((x) => x.path.startsWith("commands/"))) checkCommand(f.content);
    const hooks = JSON.parse(byPath(files, "hooks/hooks.json").content) as { hooks: Record<string, { matcher?: string; hooks: { type: string; command: string; timeout: number }[] }[]> };
    for (const [event, groups] of Object.entries(hooks.hooks)) {
      expect(HOOK_EVENTS).toContain(event);
      for (const g of groups)
        for (const h of g.hooks) {
          expect(h.type).toBe("command");
          expect(h.command).toContain("${CLAUDE_PLUGIN_ROOT}/hooks/nix-warden-hook.mjs");
          expect(h.timeout).toBeGreaterThan(0);
        }
    }
    expect(byPath(files, "hooks/nix-warden-hook.mjs").mode).toBe(0o755);
    const mcp = JSON.parse(byPath(files, ".mcp.json").content) as { mcpServers: Record<string, { command: string; args: string[] }> };
    expect(Object.keys(mcp.mcpServers)).toEqual(["nix-warden"]);
    // It runs what it ships (the launcher beside it), never a package fetched by name.
    expect(mcp.mcpServers["nix-warden"]).toEqual({ command: "node", args: ["${CLAUDE_PLUGIN_ROOT}/bin/nix-warden.mjs", "serve"] });
    expect(byPath(files, "bin/nix-warden.mjs").content).not.toMatch(/npx|npm exec|https?:/);
    expect(JSON.stringify(files)).not.toContain("npx");
  });
});

describe("Gemini CLI extension", () => {
  it("manifest, context file and TOML commands in the documented format", () => {
    const files = renderGeminiExtension(inputs);
    const manifest = JSON.parse(byPath(files, "gemini-extension.json").content) as Record<string, unknown> & { mcpServers: Record<string, Record<string, unknown>> };
    for (const k of Object.keys(manifest)) expect(EXTENSION_FIELDS, `gemini-extension.json field ${k}`).toContain(k);
    expect(manifest.name).toMatch(/^[a-z0-9-]+$/);
    expect(files.some((f) => f.path === manifest.contextFileName)).toBe(true);
    const server = manifest.mcpServers["nix-warden"]!;
    expect(server.trust).toBeUndefined(); // not allowed in extensions
    expect(typeof server.command).toBe("string");
    // The MCP prompts would also become /nix-security...: the extension's server offers none.
    expect(server.args).toEqual(expect.arrayContaining(["serve", "--no-prompts"]));
    const prompts = loadPromptTemplates().map((t) => t.name);
    const commands = files.filter((f) => f.path.startsWith("commands/"));
    expect(commands.map((f) => f.path.replace(/^commands\/|\.toml$/g, "")).sort()).toEqual([...prompts].sort());
    for (const f of commands) {
      const toml = parseToml(f.content);
      expect(Object.keys(toml).sort()).toEqual(["description", "prompt"]);
      expect(typeof toml.description).toBe("string");
      expect(toml.prompt).toContain("{{args}}");
      expect(toml.prompt).not.toContain("{{request}}");
    }
    const context = byPath(files, "GEMINI.md").content;
    for (const tool of MCP_TOOL_NAMES) expect(context).toContain(`\`${tool}\``);
    for (const a of agents) expect(context).toContain(`\`${a.name}\``);
    // Always loaded: short, and in Gemini's words (the workflows are in the subagents).
    expect(context.length).toBeLessThan(2000);
    expect(context).not.toMatch(/\bRead\b|\bGrep\b|\bGlob\b|subagent_type|\bTask\b/);
    for (const a of agents) checkGeminiAgent(byPath(files, `agents/${a.name}.md`).content);
    expect(server).toEqual({ command: "node", args: ["${extensionPath}/bin/nix-warden.mjs", "serve", "--no-prompts"] });
    const hooks = JSON.parse(byPath(files, "hooks/hooks.json").content) as { hooks: Record<string, { hooks: { type: string; command: string; timeout: number }[] }[]> };
    expect(Object.keys(hooks.hooks)).toEqual(["BeforeAgent"]);
    expect(hooks.hooks.BeforeAgent![0]!.hooks[0]!.command).toBe('node "${extensionPath}/hooks/nix-warden-hook.mjs"');
    expect(JSON.stringify(files)).not.toContain("npx");
  });

  it("TOML strings survive any text, including quotes, backslashes and control characters", () => {
    // One document (one python3), a key per string.
    const strings = ["plain", "it's \"quoted\" \\ back", "has ''' inside", "tab\tnew\nline", "bell\u0007 del\u007f"];
    const parsed = parseToml(strings.map((s, i) => `x${i} = ${tomlString(s)}\n`).join(""));
    for (const [i, s] of strings.entries()) expect(parsed[`x${i}`]).toBe(s);
  });
});

describe("shipped files", () => {
  it("agent-definitions/ holds exactly what the definitions render (run `npm run agents` after editing them)", () => {
    for (const f of shippedFiles()) {
      expect(readFileSync(join(REPO_ROOT, f.path), "utf8"), f.path).toBe(f.content);
      expect(statSync(join(REPO_ROOT, f.path)).mode & 0o777, f.path).toBe(f.mode ?? 0o644);
    }
    const marketplace = JSON.parse(readFileSync(join(REPO_ROOT, ".claude-plugin", "marketplace.json"), "utf8")) as { plugins: { source: string }[] };
    expect(marketplace.plugins[0]!.source).toBe(`./${PLUGIN_DIR}`);
    expect(EXTENSION_DIR).toBe("agent-definitions/gemini-extension");
  });

  it("the plugin's and the extension's hook answer exactly like `nix-warden hook claude`", async () => {
    const inputsToTry = [
      { prompt: "harden the nginx box on nixos", cwd: "/nonexistent" },
      { prompt: "is my nixos laptop drifting? check the state and CVE-2024-1", cwd: "/nonexistent" },
      { prompt: "is my laptop drifting?", cwd: join(REPO_ROOT, "test", "fixtures", "mcp", "repo") },
      { prompt: "refactor the state handling", cwd: "/nonexistent" },
      { prompt: "", cwd: "/" },
      { cwd: "/" },
    ];
    const raws = ["not json", "[1,2]", "null"];
    const scripts = [join(REPO_ROOT, PLUGIN_DIR, "hooks", "nix-warden-hook.mjs"), join(REPO_ROOT, EXTENSION_DIR, "hooks", "nix-warden-hook.mjs")];
    // Every process at once (each is its own node, answering one input on stdin).
    const hookCli = (input: string) => run([CLI, "hook", "claude"], input);
    const [expected, cliRaw, byScript] = await Promise.all([
      // What the CLI answers, once per input (the same for both scripts).
      Promise.all(inputsToTry.map((input) => hookCli(JSON.stringify(input)))),
      Promise.all(raws.map(hookCli)),
      Promise.all(scripts.map(async (script) => ({ answers: await Promise.all(inputsToTry.map((input) => run([script], JSON.stringify(input)))), raw: await Promise.all(raws.map((raw) => run([script], raw))) }))),
    ]);
    for (const b of expected) expect(b.status).toBe(0);
    for (const cli of cliRaw) expect([cli.status, cli.stdout]).toEqual([0, ""]);
    for (const { answers, raw } of byScript) {
      for (const [i, input] of inputsToTry.entries()) {
        const a = answers[i]!;
        expect(a.status).toBe(0);
        expect(a.stdout, JSON.stringify(input)).toBe(expected[i]!.stdout);
      }
      for (const alone of raw) expect([alone.status, alone.stdout, alone.stderr]).toEqual([0, "", ""]);
    }
  });
});
