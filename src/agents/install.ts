// `nix-warden install claude|gemini`: writes the rendered agent files and registers the MCP server
// with the client, merging with what is there. Files nix-warden did not write are never replaced;
// settings files keep every key and entry of the user's and only gain or update nix-warden's own;
// running it twice changes nothing the second time. A dry run reports the same plan and writes nothing.
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile, chmod } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../version.js";
import { hasComments, parseJsonc, setJsoncProperty } from "./jsonc.js";
import { CLI_MAIN_PATH } from "./paths.js";
import {
  GENERATED,
  PORTABLE_COMMAND,
  SERVER_NAME,
  claudeHookEntry,
  geminiHookEntry,
  hookCommandLine,
  loadRenderInputs,
  mcpServerEntry,
  renderClaudeFiles,
  renderGeminiAgent,
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
  /** How the client starts nix-warden in user files (default: see serverCommandForInstall);
   * project files, which a team commits, always name `nix-warden` on PATH. */
  command?: ServerCommand;
  inputs?: RenderInputs;
}

export type Action = "create" | "update" | "unchanged" | "skip" | "error";

export interface Operation {
  path: string;
  action: Action;
  /** What changes, or why it was skipped / failed. */
  detail: string;
  /** Whether the change was written (false in a dry run and when the install stopped). */
  written?: boolean;
}

export interface InstallResult {
  operations: Operation[];
  /** Things the user should know to make it work (PATH, folder trust, clashing installs). */
  warnings: string[];
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

/**
 * Read-modify-write of a JSON settings file; `change` mutates the parsed object and says what it
 * did. With `jsonc` (Gemini CLI's settings, which may hold comments), comments are accepted, and
 * when the file has some, only the properties at `paths` are rewritten in place so they survive.
 */
async function planJsonMerge(
  path: string,
  what: string,
  change: (obj: Record<string, unknown>) => string | undefined,
  jsonc?: { paths: string[][] },
): Promise<Planned> {
  const existing = await readText(path);
  let obj: unknown = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      obj = jsonc ? parseJsonc(existing) : JSON.parse(existing);
    } catch (e) {
      return { path, action: "error", detail: `${what}: not valid JSON${jsonc ? " (comments allowed)" : ""} (${(e as Error).message}); fix or remove it, nothing was changed` };
    }
  }
  if (!isObject(obj)) return { path, action: "error", detail: `${what}: the file does not hold a JSON object; nothing was changed` };
  const before = structuredClone(obj);
  let detail: string | undefined;
  try {
    detail = change(obj);
  } catch (e) {
    return { path, action: "error", detail: `${what}: ${(e as Error).message}; nothing was changed` };
  }
  if (JSON.stringify(obj) === JSON.stringify(before)) return { path, action: "unchanged", detail: what };
  let content = JSON.stringify(obj, null, 2) + "\n";
  if (jsonc && existing !== undefined && hasComments(existing)) {
    const at = (o: unknown, p: string[]) => p.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);
    content = existing;
    try {
      for (const p of jsonc.paths) if (JSON.stringify(at(before, p)) !== JSON.stringify(at(obj, p))) content = setJsoncProperty(content, p, at(obj, p));
      if (JSON.stringify(parseJsonc(content)) !== JSON.stringify(obj)) throw new Error("the edit did not give the merged settings");
    } catch (e) {
      return { path, action: "error", detail: `${what}: could not edit the file in place (${(e as Error).message}); nothing was changed` };
    }
  }
  return { path, action: existing === undefined ? "create" : "update", detail: detail ?? what, content };
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

/** Is this hook command nix-warden's prompt hook? */
export function isOurHookCommand(command: unknown): boolean {
  return typeof command === "string" && /(nix-warden|main\.js)'? hook (claude|gemini)$/.test(command.trim());
}

/** Adds nix-warden's UserPromptSubmit hook (or updates its command), keeping every other hook. */
export function mergeClaudeHook(obj: Record<string, unknown>, commandLine: string): string {
  return mergeHook(obj, "UserPromptSubmit", commandLine, claudeHookEntry(commandLine));
}

function mergeHook(obj: Record<string, unknown>, event: string, commandLine: string, entry: object): string {
  if (obj.hooks === undefined) obj.hooks = {};
  if (!isObject(obj.hooks)) throw new Error("hooks is not an object");
  const hooks = obj.hooks;
  if (hooks[event] === undefined) hooks[event] = [];
  if (!Array.isArray(hooks[event])) throw new Error(`hooks.${event} is not a list`);
  const groups = hooks[event] as unknown[];
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
  groups.push(entry);
  return `add the ${event} prompt hook: ${commandLine}`;
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

/** Is the `nix-warden` on PATH this installation? undefined when there is none on PATH. */
function pathIsThisInstall(): boolean | undefined {
  const found = whichAll("nix-warden");
  if (!found.length) return undefined;
  const main = CLI_MAIN_PATH;
  if (!existsSync(main)) return false;
  const realMain = realpathSync(main);
  return found.some((p) => {
    try {
      return realpathSync(p) === realMain;
    } catch {
      return false;
    }
  });
}

/**
 * How user files (~/.claude..., the user's Gemini extension) start nix-warden: `nix-warden` when
 * that is on PATH and is this installation, or when running from npx's throwaway cache; this
 * installation's main.js run by this node otherwise. Project files always use PORTABLE_COMMAND.
 */
export function serverCommandForInstall(): ServerCommand {
  const main = CLI_MAIN_PATH;
  if (PACKAGE_ROOT.includes(`${"/"}_npx${"/"}`) || !existsSync(main)) return PORTABLE_COMMAND;
  if (pathIsThisInstall()) return PORTABLE_COMMAND;
  return { command: process.execPath, args: [realpathSync(main)] };
}

async function plan(options: InstallOptions): Promise<Planned[]> {
  const inputs = options.inputs ?? loadRenderInputs();
  const project = options.scope === "project";
  // Project files are committed and shared: they name `nix-warden` on PATH, never this machine's paths.
  const cmd = project ? PORTABLE_COMMAND : (options.command ?? serverCommandForInstall());
  const home = options.home ?? homedir();
  const ops: Planned[] = [];
  if (options.client === "claude") {
    const base = project ? join(options.dir, ".claude") : join(home, ".claude");
    for (const f of renderClaudeFiles(inputs)) ops.push(await planOwnedFile(join(base, f.path), f.content, f.path.startsWith("agents/") ? "subagent" : "slash command"));
    ops.push(await planJsonMerge(join(base, "settings.json"), "Claude Code settings (hooks)", (o) => mergeClaudeHook(o, hookCommandLine(cmd, "claude"))));
    // Project servers live in .mcp.json; user servers in ~/.claude.json (what `claude mcp add -s user` writes).
    const mcpFile = project ? join(options.dir, ".mcp.json") : join(home, ".claude.json");
    ops.push(await planJsonMerge(mcpFile, "MCP server registration", (o) => mergeMcpServer(o, SERVER_NAME, mcpServerEntry(cmd))));
  } else if (project) {
    // Gemini CLI loads extensions from ~/.gemini only; a project gets settings, subagents, commands and context.
    const base = join(options.dir, ".gemini");
    const hookLine = hookCommandLine(cmd, "gemini");
    ops.push(
      await planJsonMerge(
        join(base, "settings.json"),
        "Gemini CLI settings (mcpServers, BeforeAgent hook)",
        (o) => [mergeMcpServer(o, SERVER_NAME, mcpServerEntry(cmd, ["--no-prompts"])), mergeHook(o, "BeforeAgent", hookLine, geminiHookEntry(hookLine))].join("; "),
        { paths: [["mcpServers", SERVER_NAME], ["hooks", "BeforeAgent"]] },
      ),
    );
    for (const a of inputs.agents) ops.push(await planOwnedFile(join(base, "agents", `${a.name}.md`), renderGeminiAgent(a), "subagent"));
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
      } else if (f.kind === "json" || f.path === "hooks/nix-warden-hook.mjs") {
        // Files that cannot carry the marker: nix-warden's own in its own extension directory.
        const existing = await readText(path);
        ops.push(existing === f.content ? { path, action: "unchanged", detail: f.path } : { path, action: existing === undefined ? "create" : "update", detail: f.path, content: f.content, mode: f.mode });
      } else ops.push(await planOwnedFile(path, f.content, f.path === "GEMINI.md" ? "extension context" : f.path.split("/")[0]!.replace(/s$/, ""), f.mode));
    }
  }
  return ops;
}

/** What the user should know for the install to work. */
async function warningsFor(options: InstallOptions): Promise<string[]> {
  const out: string[] = [];
  const home = options.home ?? homedir();
  if (options.scope === "project") {
    const onPath = pathIsThisInstall();
    if (onPath === undefined)
      out.push(
        "`nix-warden` is not on PATH here. The project files start `nix-warden` from PATH on every machine (no paths of this one are written); install it (npm install -g nix-warden, or from a clone: npm ci && npm run build && npm link), or use --scope user for this machine only.",
      );
    else if (onPath === false) out.push("the `nix-warden` on PATH is another installation than the one running this install; the project files will start that one.");
  }
  if (options.client === "gemini") {
    if (options.scope === "project")
      out.push(
        "Gemini CLI ignores a project's .gemini settings, commands, subagents and hooks in folders it does not trust (when folder trust is on): trust this folder when Gemini asks, or with /permissions.",
      );
    const projectCommand = join(options.dir, ".gemini", "commands", "nix-security.toml");
    const extension = join(home, ".gemini", "extensions", "nix-warden", "gemini-extension.json");
    const both = options.scope === "project" ? existsSync(extension) : existsSync(projectCommand);
    if (both)
      out.push(
        `nix-warden is installed for Gemini CLI both in this project and as the user extension (${extension}): Gemini renames commands that both define, and /nix-security disappears. Keep one: remove the extension (gemini extensions uninstall nix-warden) or the project's .gemini/commands/nix-*.toml.`,
      );
  }
  return out;
}

async function writeAtomic(path: string, content: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const prev = await stat(path).catch(() => undefined);
  const tmp = `${path}.nix-warden-${process.pid}.tmp`;
  await writeFile(tmp, content);
  await chmod(tmp, mode ?? (prev ? prev.mode & 0o777 : 0o644));
  await rename(tmp, path);
}

export async function install(options: InstallOptions): Promise<InstallResult> {
  const ops = await plan(options);
  // Nothing is written when any settings file could not be merged: no half-done install.
  const blocked = ops.some((o) => o.action === "error");
  const written = new Set<Planned>();
  if (!options.dryRun && !blocked)
    for (const o of ops)
      if ((o.action === "create" || o.action === "update") && o.content !== undefined) {
        await writeAtomic(o.path, o.content, o.mode);
        written.add(o);
      }
  return { operations: ops.map((o) => ({ path: o.path, action: o.action, detail: o.detail, written: written.has(o) })), warnings: await warningsFor(options) };
}
