// Types of nix-warden-hook.mjs (the prompt hook's classifier), for the TypeScript that imports it.
export interface AgentTriggers {
  agent: string;
  /** Regular expression sources (flags "gi"): a strong match alone fits the agent. */
  strong: string;
  /** A weak match fits together with an intent match. */
  weak: string;
  intent: string;
  /** Any match silences the agent. */
  veto: string;
  /** Strong words of five letters or more; a word one edit from one of them counts as it. */
  typos: string[];
  hint: string;
}
export interface Triggers {
  /** Words that make a prompt about Nix. */
  nixContext: string;
  agents: AgentTriggers[];
}
export interface TriggerMatch {
  agent: string;
  words: string[];
  hint: string;
}
export interface HookOptions {
  event?: string;
  env?: Record<string, string | undefined>;
  exists?: (p: string) => boolean;
}
export function classify(prompt: string, triggers: Triggers): TriggerMatch[];
export function isNixContext(prompt: string, dirs: string[], nixContext: string, exists?: (p: string) => boolean): boolean;
export function hookOutput(input: unknown, triggers: Triggers, options?: HookOptions): { hookSpecificOutput: { hookEventName: string; additionalContext: string } } | undefined;
export function runHook(triggers: Triggers, options?: HookOptions): Promise<void>;
