// The prompt hook's triggers: which agent a prompt calls for ("is my laptop drifting?" -> the drift
// detective, "lock down the web server" -> security patrol). The words live in each agent
// definition's `triggers`; this module turns them into the regular expressions the hook's classifier
// (agent-definitions/hook/nix-warden-hook.mjs, the one classifier for the CLI, the plugin and the
// extension) runs. The hook speaks only in a Nix context, so "state" in a React project stays silent.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readBuilt } from "../built.js";
import type { AgentDefinition } from "./definitions.js";
import { AGENT_DEFINITIONS_DIR, HOOK_SCRIPT_PATH, TRIGGERS_JSON_PATH } from "./paths.js";
import type { AgentTriggers, Triggers } from "../../agent-definitions/hook/nix-warden-hook.mjs";

export { TRIGGERS_JSON_PATH } from "./paths.js";
export type { AgentTriggers, Triggers, TriggerMatch } from "../../agent-definitions/hook/nix-warden-hook.mjs";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A trigger as a regular expression: whole words, `*` for any ending, `~` for up to three words. */
export function keywordPattern(keyword: string): string {
  const parts = keyword.split(" ").map((w) => {
    if (w === "~") return "(?:\\S+\\s+){0,3}?";
    const prefix = w.endsWith("*");
    return escapeRegExp(prefix ? w.slice(0, -1) : w) + (prefix ? "[\\w'-]*" : "");
  });
  // Spaces match any whitespace; a gap already ends with its own.
  let body = "";
  for (const [i, p] of parts.entries()) body += i === 0 || parts[i - 1]!.startsWith("(?:\\S+") ? p : `\\s+${p}`;
  return `(?<![\\w'-])${body}(?![\\w'-])`;
}

function anyOf(keywords: readonly string[]): string {
  return keywords.map(keywordPattern).join("|");
}

/** Words that make a prompt about Nix. */
export const NIX_CONTEXT_PATTERN = "(?<![\\w-])(nix|nixos|nixpkgs|nix-env|nixos-rebuild|flake|flakes|home-manager|configuration\\.nix)(?![\\w-])";

export function agentTriggers(a: AgentDefinition): AgentTriggers {
  const t = a.triggers;
  return {
    agent: a.name,
    strong: anyOf(t.strong),
    weak: anyOf(t.weak),
    intent: anyOf(t.intent),
    veto: anyOf(t.veto),
    typos: t.strong.filter((k) => /^[A-Za-z]{5,}\*?$/.test(k)).map((k) => k.replace(/\*$/, "").toLowerCase()),
    hint: `The ${a.name} subagent fits this request: it uses the nix-warden MCP tools (${a.tools.join(", ")}) and reports by severity with fixes. /${a.command} runs the same workflow.`,
  };
}

export function triggerSpecs(agents: readonly AgentDefinition[]): Triggers {
  return { nixContext: NIX_CONTEXT_PATTERN, agents: agents.map(agentTriggers) };
}

/** The shipped agents' triggers: the build's JSON when it is current (the hook runs on every
 * prompt, so it skips parsing the definitions), else from the definitions themselves. */
export async function shippedTriggerSpecs(): Promise<Triggers> {
  const dir = join(AGENT_DEFINITIONS_DIR, "agents");
  let sources: string[] = [];
  try {
    sources = readdirSync(dir).map((f) => join(dir, f));
  } catch {
    // no directory: the fallback below reports it
  }
  const built = readBuilt<Triggers>(TRIGGERS_JSON_PATH, [dir, ...sources]);
  if (built && Array.isArray(built.agents)) return built;
  const { loadAgentDefinitions } = await import("./definitions.js");
  return triggerSpecs(loadAgentDefinitions());
}

/** The hook's classifier module (plain JavaScript, shipped as it is). */
export async function hookModule(): Promise<typeof import("../../agent-definitions/hook/nix-warden-hook.mjs")> {
  return (await import(pathToFileURL(HOOK_SCRIPT_PATH).href)) as typeof import("../../agent-definitions/hook/nix-warden-hook.mjs");
}
