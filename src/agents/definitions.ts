// The agent definitions (agent-definitions/agents/*.md): the one source the Claude Code subagents,
// the keyword hook and the Gemini CLI context are rendered from. Each file is markdown with YAML
// front matter: name, description (when to use it), triggers (the prompt hook's words: see
// triggers.ts), the nix-warden tools and the read-only file tools it may use; the body is the
// agent's system prompt.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AGENT_DEFINITIONS_DIR } from "./paths.js";

export { AGENT_DEFINITIONS_DIR } from "./paths.js";

/** Our MCP tools an agent may be given. */
export const MCP_TOOL_NAMES = ["security_scan", "check_drift", "remediate", "list_hosts", "explain_rule"] as const;
/** Claude Code's read-only file tools. */
export const READ_ONLY_FILE_TOOLS = ["Read", "Grep", "Glob"] as const;

/** A trigger: words (`word*` matches any ending), a phrase of words, `~` for up to three words, a
 * leading `^ ` for the start of a sentence. */
const Trigger = z.string().regex(/^(\^ )?[A-Za-z0-9][A-Za-z0-9.'/+-]*\*?( ([A-Za-z0-9.'/+-]+\*?|~))*$/);

const Triggers = z
  .object({
    strong: z.array(Trigger).min(1),
    weak: z.array(Trigger).default([]),
    intent: z.array(Trigger).default([]),
    veto: z.array(Trigger).default([]),
  })
  .strict();

export type AgentTriggerWords = z.infer<typeof Triggers>;

const AgentFrontMatter = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/),
    description: z.string().min(40).max(1024),
    triggers: Triggers,
    /** Claude Code's colour for the agent in its UI. */
    color: z.enum(["blue", "cyan", "green", "yellow", "magenta", "red"]),
    /** The slash command (a prompts/ template) that runs the same workflow. */
    command: z.string().regex(/^[a-z][a-z0-9-]*$/),
    tools: z.array(z.enum(MCP_TOOL_NAMES)).min(1),
    "file-tools": z.array(z.enum(READ_ONLY_FILE_TOOLS)),
  })
  .strict();

export interface AgentDefinition {
  name: string;
  description: string;
  triggers: AgentTriggerWords;
  color: string;
  command: string;
  tools: (typeof MCP_TOOL_NAMES)[number][];
  fileTools: (typeof READ_ONLY_FILE_TOOLS)[number][];
  body: string;
  file: string;
}

export function parseAgentDefinition(text: string, file: string): AgentDefinition {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: no YAML front matter`);
  const fm = AgentFrontMatter.safeParse(parseYaml(m[1]!));
  if (!fm.success) throw new Error(`${file}: invalid front matter: ${fm.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const d = fm.data;
  return { name: d.name, description: d.description, triggers: d.triggers, color: d.color, command: d.command, tools: d.tools, fileTools: d["file-tools"], body: m[2]!.trim() + "\n", file };
}

let cache: AgentDefinition[] | undefined;

export function loadAgentDefinitions(dir = join(AGENT_DEFINITIONS_DIR, "agents")): AgentDefinition[] {
  const shipped = dir === join(AGENT_DEFINITIONS_DIR, "agents");
  if (shipped && cache) return cache;
  const out = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => parseAgentDefinition(readFileSync(join(dir, f), "utf8"), join(dir, f)));
  if (shipped) cache = out;
  return out;
}

/** The client-neutral context text (agent-definitions/context.md). */
export function loadContext(dir = AGENT_DEFINITIONS_DIR): string {
  return readFileSync(join(dir, "context.md"), "utf8");
}
