#!/usr/bin/env node
// nix-warden's prompt hook: Claude Code's UserPromptSubmit and Gemini CLI's BeforeAgent. When a
// prompt about a NixOS configuration calls for a nix-warden agent ("is my laptop drifting?",
// "lock down the web server"), it adds one line of context naming the agent and its command; it
// prints nothing otherwise and never blocks a prompt.
//
// This one file is the classifier everywhere: `nix-warden hook claude|gemini` imports it, and the
// Claude Code plugin and the Gemini CLI extension ship a copy next to their triggers.json (rendered
// from agent-definitions/agents/*.md), so all three answer alike. Plain JavaScript, node: imports
// only: it runs on every prompt and must start in milliseconds.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * Which agents a prompt calls for. An agent fits when a strong trigger matches, or a weak one
 * together with a question or review word of that agent ("review the TLS setup", "are there open
 * ports"); a veto ("ssh into", "last commit", "in physics") silences it. Typos of the strong words
 * (one letter off: "secuirty", "drfit") count as the word.
 * @param {string} prompt
 * @param {{ agents: { agent: string, strong: string, weak: string, intent: string, veto: string, typos: string[], hint: string }[] }} triggers
 * @returns {{ agent: string, words: string[], hint: string }[]}
 */
export function classify(prompt, triggers) {
  prompt = prompt.replace(/[\u2018\u2019]/g, "'");
  const out = [];
  for (const a of triggers.agents) {
    if (a.veto && new RegExp(a.veto, "i").test(prompt)) continue;
    const strong = matches(prompt, a.strong);
    for (const t of typoHits(prompt, a.typos)) if (!strong.includes(t)) strong.push(t);
    const weak = strong.length ? [] : matches(prompt, a.weak);
    const intent = weak.length && a.intent ? new RegExp(a.intent, "i").test(prompt) : false;
    if (strong.length || (weak.length && intent)) out.push({ agent: a.agent, words: strong.length ? strong : weak, hint: a.hint });
  }
  return out;
}

function matches(prompt, pattern) {
  const words = [];
  if (!pattern) return words;
  for (const m of prompt.matchAll(new RegExp(pattern, "gi"))) {
    const w = m[0].toLowerCase().replace(/\s+/g, " ");
    if (!words.includes(w)) words.push(w);
  }
  return words;
}

/** Words of the prompt one typo from a strong word: two letters swapped ("drfit"), or, in words of
 * seven letters or more, one letter added, dropped or changed ("secrity"); shorter words are too
 * close to others ("draft", "audio") for those. */
function typoHits(prompt, typos) {
  const hits = [];
  if (!typos || !typos.length) return hits;
  for (const token of prompt.toLowerCase().match(/[a-z]{5,}/g) ?? []) {
    if (typos.includes(token)) continue;
    for (const word of typos) if (oneEditApart(token, word) && !hits.includes(token)) hits.push(token);
  }
  return hits;
}

function oneEditApart(a, b) {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const long = b.length >= 7;
  if (a.length === b.length) {
    if (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)) return true;
    return long && a.slice(i + 1) === b.slice(i + 1);
  }
  return long && (a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1));
}

/**
 * Whether the prompt is about a Nix configuration: it says so, a flake.nix or configuration.nix is
 * in the working directory, the project directory or a directory above them, or the machine runs
 * NixOS (then "is my laptop drifting?" is about its configuration).
 * @param {string} prompt
 * @param {string[]} dirs
 * @param {string} nixContext
 * @param {(p: string) => boolean} [exists]
 */
export function isNixContext(prompt, dirs, nixContext, exists = existsSync) {
  if (new RegExp(nixContext, "i").test(prompt)) return true;
  const seen = new Set();
  for (const start of dirs) {
    let dir = resolve(start);
    for (let depth = 0; depth < 32 && !seen.has(dir); depth++) {
      seen.add(dir);
      if (exists(join(dir, "flake.nix")) || exists(join(dir, "configuration.nix"))) return true;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return exists("/etc/NIXOS");
}

/**
 * The hook's answer for one input, or undefined to add nothing.
 * @param {unknown} input the client's hook input (prompt, cwd, hook_event_name)
 * @param {{ nixContext: string, agents: any[] }} triggers
 * @param {{ event?: string, env?: Record<string, string | undefined>, exists?: (p: string) => boolean }} [options]
 */
export function hookOutput(input, triggers, options = {}) {
  if (typeof input !== "object" || input === null) return undefined;
  const prompt = typeof input.prompt === "string" ? input.prompt : "";
  if (!prompt) return undefined;
  const found = classify(prompt, triggers);
  if (!found.length) return undefined;
  const env = options.env ?? process.env;
  const dirs = [input.cwd, env.CLAUDE_PROJECT_DIR, env.GEMINI_PROJECT_DIR].filter((d) => typeof d === "string" && d.startsWith("/"));
  if (!isNixContext(prompt, dirs, triggers.nixContext, options.exists)) return undefined;
  const event = options.event ?? (input.hook_event_name === "BeforeAgent" ? "BeforeAgent" : "UserPromptSubmit");
  const additionalContext = found.map((m) => `nix-warden: the prompt mentions ${m.words.map((w) => `"${w}"`).join(", ")}. ${m.hint}`).join("\n");
  return { hookSpecificOutput: { hookEventName: event, additionalContext } };
}

async function readStdin() {
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.length > 1024 * 1024) break;
  }
  return text;
}

/** Reads the hook input on stdin and prints the answer; any failure prints nothing. */
export async function runHook(triggers, options = {}) {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch {
    return;
  }
  const out = hookOutput(input, triggers, options);
  if (out) process.stdout.write(JSON.stringify(out) + "\n");
}

// Run directly (the plugin's and the extension's copy): the triggers are in triggers.json beside it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let triggers;
  try {
    triggers = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "triggers.json"), "utf8"));
  } catch {
    process.exit(0);
  }
  await runHook(triggers);
}
