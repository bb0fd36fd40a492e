// Types of nix-warden-hook.mjs (the prompt hook's classifier), for the TypeScript that imports it.
export interface AgentTriggers {
  agent: string;
  /** Triggers (words, phrases; `word*` any ending, `~` up to three words, `^ ` a sentence start):
   * a strong one alone fits the agent, a weak one together with an intent one. */
  strong: string[];
  weak: string[];
  intent: string[];
  /** Any match silences the agent. */
  veto: string[];
  hint: string;
}
export interface Triggers {
  /** Words that make a prompt about Nix. */
  nixContext: string;
  /** Domains where the agents' words mean something else: each one found lowers every score. */
  negative?: { domain: string; words: string[] }[];
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
export interface Token {
  w: string;
  forms: string[];
  start: boolean;
}
export function tokenize(prompt: string): Token[];
export function classify(prompt: string, triggers: Triggers): TriggerMatch[];
export function isNixContext(prompt: string, dirs: string[], nixContext: string, exists?: (p: string) => boolean): boolean;
export function hookOutput(input: unknown, triggers: Triggers, options?: HookOptions): { hookSpecificOutput: { hookEventName: string; additionalContext: string } } | undefined;
export function runHook(triggers: Triggers, options?: HookOptions): Promise<void>;
