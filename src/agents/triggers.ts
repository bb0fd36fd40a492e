// The prompt hook's triggers: which agent a prompt calls for ("is my laptop drifting?" -> the drift
// detective, "lock down the web server" -> security patrol). The words live in each agent
// definition's `triggers`; this module gathers them with the domains shared by all agents into the
// specs the hook's classifier (agent-definitions/hook/nix-warden-hook.mjs, the one classifier for the
// CLI, the plugin and the extension) scores prompts with. The hook speaks only in a Nix context, so
// "state" in a React project stays silent.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readBuilt } from "../built.js";
import type { AgentDefinition } from "./definitions.js";
import { AGENT_DEFINITIONS_DIR, HOOK_SCRIPT_PATH, TRIGGERS_JSON_PATH } from "./paths.js";
import type { AgentTriggers, Triggers } from "../../agent-definitions/hook/nix-warden-hook.mjs";

export { TRIGGERS_JSON_PATH } from "./paths.js";
export type { AgentTriggers, Triggers, TriggerMatch } from "../../agent-definitions/hook/nix-warden-hook.mjs";

/** Words that make a prompt about Nix. */
export const NIX_CONTEXT_PATTERN = "(?<![\\w-])(nix|nixos|nixpkgs|nix-env|nixos-rebuild|flake|flakes|home-manager|configuration\\.nix)(?![\\w-])";

/**
 * Domains where the agents' words mean something else: a word of one takes 3 off every agent's
 * score ("drift" in physics, "diverges" in machine learning, "changes" in a git operation, "match"
 * in a type error, "expose" in a compose file), so only a prompt with more evidence still fits
 * ("imperative docker containers not described in nix"). Matched like triggers (see the hook).
 */
export const NEGATIVE_DOMAINS: readonly { domain: string; words: string[] }[] = [
  { domain: "physics and earth science", words: ["physics", "velocity", "electron*", "particle*", "continental", "tectonic*", "geolog*", "quantum", "momentum"] },
  { domain: "control and signals", words: ["pid", "kalman", "sensor*", "controller", "oscillat*", "gyro*", "clock drift", "signal processing"] },
  { domain: "machine learning", words: ["gradient*", "learning rate", "neural", "epoch*", "model", "training", "dataset*", "overfit*", "llm", "embedding*"] },
  { domain: "git operations", words: ["rebase", "stash", "cherry pick", "git pull", "pull", "merge conflict*", "branch*", "fork", "upstream", "pull request", "git diff", "git history", "git log", "origin", "last commit", "this commit", "flake lock"] },
  { domain: "programming", words: ["typescript", "javascript", "python", "golang", "java", "ts2*", "type error", "compiler", "declared type", "assigned value", "react", "redux", "usestate", "setstate", "css", "component*", "unit test*", "x509", "http client", "function", "regex", "type", "write a script", "write a function"] },
  { domain: "build errors", words: ["error", "exception", "traceback", "stack trace", "infinite recursion", "build fails", "fails to build", "failed to build"] },
  { domain: "containers and cloud", words: ["docker", "container*", "compose", "kubernetes", "k8s", "pod", "pods", "helm", "terraform", "aws", "gcp", "azure", "cloudformation"] },
  { domain: "mathematics", words: ["formula*", "equation*", "theorem", "proof", "derivative*", "integral*", "calculus"] },
  { domain: "finance and everyday", words: ["stock*", "price*", "poem", "essay", "slides", "weather", "recipe"] },
];

export function agentTriggers(a: AgentDefinition): AgentTriggers {
  const t = a.triggers;
  return {
    agent: a.name,
    strong: t.strong,
    weak: t.weak,
    intent: t.intent,
    veto: t.veto,
    hint: `The ${a.name} subagent fits this request: it uses the nix-warden MCP tools (${a.tools.join(", ")}) and reports by severity with fixes. /${a.command} runs the same workflow.`,
  };
}

export function triggerSpecs(agents: readonly AgentDefinition[]): Triggers {
  return { nixContext: NIX_CONTEXT_PATTERN, negative: NEGATIVE_DOMAINS.map((d) => ({ domain: d.domain, words: [...d.words] })), agents: agents.map(agentTriggers) };
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
