// Trigger keywords: which agent a prompt calls for ("is my laptop drifting?" -> the drift detective,
// "harden the nginx box" -> security patrol). Used by the Claude Code UserPromptSubmit hook
// (`nix-warden hook claude`), which adds a line of context telling Claude which agent or command
// fits. It speaks only in a Nix context, so "state" in a React project stays silent.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readBuilt } from "../built.js";
import type { AgentDefinition } from "./definitions.js";
import { AGENT_DEFINITIONS_DIR, TRIGGERS_JSON_PATH } from "./paths.js";

export { TRIGGERS_JSON_PATH } from "./paths.js";

export interface TriggerSpec {
  agent: string;
  /** Regular expression source (flags "gi") matching any of the agent's keywords as words. */
  pattern: string;
  /** What to tell Claude when it matches. */
  hint: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A keyword as a regular expression: whole words, `*` for any ending, spaces for any whitespace. */
export function keywordPattern(keyword: string): string {
  const prefix = keyword.endsWith("*");
  const core = escapeRegExp(prefix ? keyword.slice(0, -1) : keyword).replace(/ /g, "\\s+");
  return `(?<![\\w-])${core}${prefix ? "[\\w-]*" : "(?![\\w-])"}`;
}

export function triggerSpecs(agents: readonly AgentDefinition[]): TriggerSpec[] {
  return agents.map((a) => ({
    agent: a.name,
    pattern: a.keywords.map(keywordPattern).join("|"),
    hint: `The ${a.name} subagent fits this request: it uses the nix-warden MCP tools (${a.tools.join(", ")}) and reports by severity with fixes. /${a.command} runs the same workflow.`,
  }));
}

/** The shipped agents' trigger specs: the build's JSON when it is current (the hook runs on every
 * prompt, so it skips parsing the definitions), else from the definitions themselves. */
export async function shippedTriggerSpecs(): Promise<TriggerSpec[]> {
  const dir = join(AGENT_DEFINITIONS_DIR, "agents");
  let sources: string[] = [];
  try {
    sources = readdirSync(dir).map((f) => join(dir, f));
  } catch {
    // no directory: the fallback below reports it
  }
  const built = readBuilt<TriggerSpec[]>(TRIGGERS_JSON_PATH, [dir, ...sources]);
  if (built) return built;
  const { loadAgentDefinitions } = await import("./definitions.js");
  return triggerSpecs(loadAgentDefinitions());
}

export interface TriggerMatch {
  agent: string;
  /** The words of the prompt that matched, lower-cased, in order, once each. */
  words: string[];
  hint: string;
}

export function matchTriggers(prompt: string, specs: readonly TriggerSpec[]): TriggerMatch[] {
  const out: TriggerMatch[] = [];
  for (const s of specs) {
    const words: string[] = [];
    for (const m of prompt.matchAll(new RegExp(s.pattern, "gi"))) {
      const w = m[0].toLowerCase().replace(/\s+/g, " ");
      if (!words.includes(w)) words.push(w);
    }
    if (words.length) out.push({ agent: s.agent, words, hint: s.hint });
  }
  return out;
}

/** Words that make a prompt about Nix. */
export const NIX_CONTEXT_PATTERN = "(?<![\\w-])(nix|nixos|nixpkgs|nix-env|nixos-rebuild|flake|flakes|home-manager|configuration\\.nix)(?![\\w-])";

/** Whether the prompt is about Nix: it says so, the project has a flake or configuration.nix, or
 * the machine runs NixOS (then "is my laptop drifting?" is about its configuration). */
export function isNixContext(prompt: string, cwd: string | undefined, exists: (p: string) => boolean = existsSync): boolean {
  if (new RegExp(NIX_CONTEXT_PATTERN, "i").test(prompt)) return true;
  if (cwd && (exists(join(cwd, "flake.nix")) || exists(join(cwd, "configuration.nix")))) return true;
  return exists("/etc/NIXOS");
}

/** The context line for the matches (empty when none). */
export function triggerContext(matches: readonly TriggerMatch[]): string {
  return matches.map((m) => `nix-warden: the prompt mentions ${m.words.map((w) => `"${w}"`).join(", ")}. ${m.hint}`).join("\n");
}

/** The hook's stdout for a UserPromptSubmit input, or undefined to add nothing. */
export function claudeHookOutput(input: { prompt?: unknown; cwd?: unknown }, specs: readonly TriggerSpec[], exists?: (p: string) => boolean): object | undefined {
  const prompt = typeof input.prompt === "string" ? input.prompt : "";
  const cwd = typeof input.cwd === "string" ? input.cwd : undefined;
  if (!prompt) return undefined;
  const matches = matchTriggers(prompt, specs);
  if (!matches.length || !isNixContext(prompt, cwd, exists)) return undefined;
  return { hookSpecificOutput: { hookEventName: "UserPromptSubmit", additionalContext: triggerContext(matches) } };
}
