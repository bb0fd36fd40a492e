// `nix-warden install claude|gemini`: writes the rendered agent files and registers the MCP server
// with the client, merging with what is there. Files nix-warden did not write are never replaced;
// settings files keep every key and entry of the user's and only gain or update nix-warden's own;
// running it twice changes nothing the second time. A dry run reports the same plan and writes nothing.
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile, chmod } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../version.js";
import {
  GENERATED,
  SERVER_NAME,
  claudeHookEntry,
  hookCommandLine,
  loadRenderInputs,
  mcpServerEntry,
  publishedCommand,
  renderClaudeFiles,
  renderGeminiCommand,
  renderGeminiContext,
  renderGeminiExtension,
  type RenderInputs,
  type ServerCommand,
} from "./render.js";

export type Client = "claude" | "gemini";
export type Scope = "project" | "user";

export interface InstallOptions {
  client: Client;
  scope: Scope;
  /** The project directory (project scope). */
  dir: string;
  /** The home directory (user scope). */
  home?: string;
  dryRun?: boolean;
  /** How the client starts nix-warden (default: see serverCommandForInstall). */
  command?: ServerCommand;
  inputs?: RenderInputs;
}

export type Action = "create" | "update" | "unchanged" | "skip" | "error";

export interface Operation {
  path: string;
  action: Action;
  /** What changes, or why it was skipped / failed. */
  detail: string;
}

interface Planned extends Operation {
  content?: string;
  mode?: number;
}

/** Whether a file was written by nix-warden (it carries the generated marker). */
function ours(text: string): boolean {
  return text.includes(GENERATED);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** A whole file nix-warden owns: created, updated when it is ours, left alone when it is not. */
async function planOwnedFile(path: string, content: string, what: string, mode?: number): Promise<Planned> {
  const existing = await readText(path);
  if (existing === undefined) return { path, action: "create", detail: what, content, mode };
  if (existing === content) return { path, action: "unchanged", detail: what };
  if (!ours(existing)) return { path, action: "skip", detail: `${what}: a file of the same name exists that nix-warden did not write; left as it is` };
  return { path, action: "update", detail: what, content, mode };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Read-modify-write of a JSON settings file; `change` mutates the parsed object and says what it did. */
async function planJsonMerge(path: string, what: string, change: (obj: Record<string, unknown>) => string | undefined): Promise<Planned> {
  const existing = await readText(path);
  let obj: unknown = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      obj = JSON.parse(existing);
    } catch (e) {
      return { path, action: "error", detail: `${what}: not valid JSON (${(e as Error).message}); fix or remove it, nothing was changed` };
    }
  }
  if (!isObject(obj)) return { path, action: "error", detail: `${what}: the file does not hold a JSON object; nothing was changed` };
  const before = JSON.stringify(obj);
  let detail: string | undefined;
  try {
    detail = change(obj);
  } catch (e) {
    return { path, action: "error", detail: `${what}: ${(e as Error).message}; nothing was changed` };
  }
  if (JSON.stringify(obj) === before) return { path, action: "unchanged", detail: what };
  return { path, action: existing === undefined ? "create" : "update", detail: detail ?? what, content: JSON.stringify(obj, null, 2) + "\n" };
}

/** Adds or updates mcpServers[name], keeping the entry's other keys (env...) and every other server. */
export function mergeMcpServer(obj: Record<string, unknown>, name: string, entry: { command: string; args: string[] }): string {
  if (obj.mcpServers === undefined) obj.mcpServers = {};
  if (!isObject(obj.mcpServers)) throw new Error("mcpServers is not an object");
  const servers = obj.mcpServers;
  const current = servers[name];
  servers[name] = { ...(isObject(current) ? current : {}), command: entry.command, args: entry.args };
  return `${current ? "update" : "add"} the ${name} MCP server: ${[entry.command, ...entry.args].join(" ")}`;
}

/** Is this hook command nix-warden's keyword hook? */
export function isOurHookCommand(command: unknown): boolean {
  return typeof command === "string" && /(nix-warden|main\.js)'? hook claude$/.test(command.trim());
}

/** Adds nix-warden's UserPromptSubmit hook (or updates its command), keeping every other hook. */
export function mergeClaudeHook(obj: Record<string, unknown>, commandLine: string): string {
  if (obj.hooks === undefined) obj.hooks = {};
  if (!isObject(obj.hooks)) throw new Error("hooks is not an object");
  const hooks = obj.hooks;
  if (hooks.UserPromptSubmit === undefined) hooks.UserPromptSubmit = [];
  if (!Array.isArray(hooks.UserPromptSubmit)) throw new Error("hooks.UserPromptSubmit is not a list");
  const groups = hooks.UserPromptSubmit as unknown[];
  for (const g of groups) {
    if (!isObject(g) || !Array.isArray(g.hooks)) continue;
    for (const h of g.hooks as unknown[]) {
      if (isObject(h) && isOurHookCommand(h.command)) {
        if (h.command === commandLine) return "the keyword hook is registered";
        h.command = commandLine;
        return `update the keyword hook: ${commandLine}`;
      }
    }
  }
  groups.push(claudeHookEntry(commandLine));
  return `add the UserPromptSubmit keyword hook: ${commandLine}`;
}

const BLOCK_BEGIN = "<!-- nix-warden:begin (managed by `nix-warden install gemini`; this block is replaced on reinstall) -->";
const BLOCK_END = "<!-- nix-warden:end -->";

/** A context file with nix-warden's block added or replaced; the user's text around it stays. */
export function mergeManagedBlock(existing: string | undefined, block: string): string {
  const managed = `${BLOCK_BEGIN}\n${block.trimEnd()}\n${BLOCK_END}\n`;
  if (existing === undefined || existing === "") return managed;
  const start = existing.indexOf(BLOCK_BEGIN);
  const end = existing.indexOf(BLOCK_END);
  if (start >= 0 && end > start) return existing.slice(0, start) + managed + existing.slice(end + BLOCK_END.length).replace(/^\n/, "");
  return existing.replace(/\n*$/, "\n\n") + managed;
}

function whichAll(program: string): string[] {
  return (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, program)).filter((p) => existsSync(p));
}

/**
 * How the installed client files start nix-warden: `nix-warden` when that is on PATH and is this
 * installation; this installation's main.js run by this node otherwise; the published package via
 * npx when running from npx's throwaway cache.
 */
export function serverCommandForInstall(): ServerCommand {
  const main = join(PACKAGE_ROOT, "dist", "src", "cli", "main.js");
  if (PACKAGE_ROOT.includes(`${"/"}_npx${"/"}`) || !existsSync(main)) return publishedCommand();
  const realMain = realpathSync(main);
  if (whichAll("nix-warden").some((p) => realpathSync(p) === realMain)) return { command: "nix-warden", args: [] };
  return { command: process.execPath, args: [realMain] };
}

async function plan(options: InstallOptions): Promise<Planned[]> {
  const inputs = options.inputs ?? loadRenderInputs();
  const cmd = options.command ?? serverCommandForInstall();
  const home = options.home ?? homedir();
  const ops: Planned[] = [];
  if (options.client === "claude") {
    const base = options.scope === "project" ? join(options.dir, ".claude") : join(home, ".claude");
    for (const f of renderClaudeFiles(inputs)) ops.push(await planOwnedFile(join(base, f.path), f.content, f.path.startsWith("agents/") ? "subagent" : "slash command"));
    ops.push(await planJsonMerge(join(base, "settings.json"), "Claude Code settings (hooks)", (o) => mergeClaudeHook(o, hookCommandLine(cmd))));
    // Project servers live in .mcp.json; user servers in ~/.claude.json (what `claude mcp add -s user` writes).
    const mcpFile = options.scope === "project" ? join(options.dir, ".mcp.json") : join(home, ".claude.json");
    ops.push(await planJsonMerge(mcpFile, "MCP server registration", (o) => mergeMcpServer(o, SERVER_NAME, mcpServerEntry(cmd))));
  } else if (options.scope === "project") {
    // Gemini CLI loads extensions from ~/.gemini only; a project gets settings, commands and context.
    const base = join(options.dir, ".gemini");
    ops.push(await planJsonMerge(join(base, "settings.json"), "Gemini CLI settings (mcpServers)", (o) => mergeMcpServer(o, SERVER_NAME, mcpServerEntry(cmd, ["--no-prompts"]))));
    for (const t of inputs.prompts) ops.push(await planOwnedFile(join(base, "commands", `${t.name}.toml`), renderGeminiCommand(t), "command"));
    const contextPath = join(options.dir, "GEMINI.md");
    const existing = await readText(contextPath);
    const merged = mergeManagedBlock(existing, renderGeminiContext(inputs));
    ops.push(
      existing === merged
        ? { path: contextPath, action: "unchanged", detail: "context (nix-warden block)" }
        : { path: contextPath, action: existing === undefined ? "create" : "update", detail: "context (nix-warden block; the rest of the file is kept)", content: merged },
    );
  } else {
    const base = join(home, ".gemini", "extensions", "nix-warden");
    for (const f of renderGeminiExtension(inputs, cmd)) {
      const path = join(base, f.path);
      if (f.path === "gemini-extension.json") {
        const existing = await readText(path);
        let name: unknown;
        try {
          name = existing === undefined ? undefined : (JSON.parse(existing) as { name?: unknown }).name;
        } catch {
          name = null;
        }
        if (existing !== undefined && name !== "nix-warden") ops.push({ path, action: "skip", detail: "an extension manifest that is not nix-warden's is there; left as it is" });
        else ops.push(existing === f.content ? { path, action: "unchanged", detail: "extension manifest" } : { path, action: existing === undefined ? "create" : "update", detail: "extension manifest", content: f.content });
      } else ops.push(await planOwnedFile(path, f.content, f.path === "GEMINI.md" ? "extension context" : "command"));
    }
  }
  return ops;
}

async function writeAtomic(path: string, content: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const prev = await stat(path).catch(() => undefined);
  const tmp = `${path}.nix-warden-${process.pid}.tmp`;
  await writeFile(tmp, content);
  await chmod(tmp, mode ?? (prev ? prev.mode & 0o777 : 0o644));
  await rename(tmp, path);
}

export async function install(options: InstallOptions): Promise<Operation[]> {
  const ops = await plan(options);
  // Nothing is written when any settings file could not be merged: no half-done install.
  const blocked = ops.some((o) => o.action === "error");
  if (!options.dryRun && !blocked) for (const o of ops) if ((o.action === "create" || o.action === "update") && o.content !== undefined) await writeAtomic(o.path, o.content, o.mode);
  return ops.map(({ path, action, detail }) => ({ path, action, detail }));
}
