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
 * Which agent a prompt calls for: one at most. Each agent scores the evidence in the prompt:
 * a strong trigger counts 2 ("drift", "harden", "not in the config"); a weak (topic) word counts 2
 * together with an intent word of that agent ("review the TLS setup", "compare ... with the repo");
 * a word of a negative domain (physics, machine learning, git operations, a programming language,
 * containers...) takes 3 off per domain; an agent's veto ("ssh into", "audit log") silences it. An
 * agent fits at 2 or more; when both fit, the higher score wins, then the one with more strong
 * triggers ("hardening ... my actual configuration" is a review, not a comparison), then the first. Words are matched on tokens
 * (hyphens and punctuation split words: "docker-compose", "--rebase"), a trigger in its base form
 * matches its inflections ("compare" matches "compared", "repo" "repos"), and a strong word of five
 * letters or more matches one typo ("drfit", "secrity") that is not merely a longer or shorter form.
 * @param {string} prompt
 * @param {{ negative?: { domain: string, words: string[] }[], agents: { agent: string, strong: string[], weak: string[], intent: string[], veto: string[], hint: string }[] }} triggers
 * @returns {{ agent: string, words: string[], hint: string }[]}
 */
export function classify(prompt, triggers) {
  const tokens = tokenize(prompt);
  let penalty = 0;
  for (const d of triggers.negative ?? []) if (hits(tokens, d.words).length) penalty += 3;
  const fits = [];
  for (const [order, a] of triggers.agents.entries()) {
    if (hits(tokens, a.veto).length) continue;
    const strong = hits(tokens, a.strong);
    for (const t of typoHits(tokens, a.strong)) if (!strong.includes(t)) strong.push(t);
    const weak = hits(tokens, a.weak);
    const intent = weak.length ? hits(tokens, a.intent) : [];
    const related = weak.length > 0 && intent.length > 0;
    const score = 2 * strong.length + (related ? 2 : 0) - penalty;
    if (score < 2) continue;
    const words = [...strong];
    if (related) for (const w of [...weak, ...intent]) if (!words.includes(w)) words.push(w);
    fits.push({ agent: a.agent, words, hint: a.hint, score, strong: strong.length, order });
  }
  fits.sort((x, y) => y.score - x.score || y.strong - x.strong || x.order - y.order);
  return fits.slice(0, 1).map(({ agent, words, hint }) => ({ agent, words, hint }));
}

/**
 * The prompt as lower-case word tokens, each with the forms it may be an inflection of, and whether
 * it starts a sentence. Contractions are spelled out ("isn't" -> "is not"), a possessive dropped.
 * @param {string} prompt
 */
export function tokenize(prompt) {
  const text = prompt
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/\bcan't\b/g, "can not")
    .replace(/\bwon't\b/g, "will not")
    .replace(/n't\b/g, " not")
    .replace(/'(s|re|ve|ll|d|m)\b/g, "");
  const tokens = [];
  let start = true;
  for (const m of text.matchAll(/[a-z0-9]+|[.!?;:]+(?=\s|$)/g)) {
    const w = m[0];
    if (!/[a-z0-9]/.test(w)) {
      start = true;
      continue;
    }
    tokens.push({ w, forms: baseForms(w), start });
    start = false;
  }
  return tokens;
}

/** The base forms a word may be an inflection of: plurals, past tenses, -ing forms. */
function baseForms(w) {
  const f = [w];
  if (w.length < 4) return f;
  const add = (s) => s.length >= 2 && !f.includes(s) && f.push(s);
  if (/ies$|ied$/.test(w)) add(w.slice(0, -3) + "y");
  if (w.endsWith("es")) add(w.slice(0, -2));
  if (w.endsWith("s") && !w.endsWith("ss")) add(w.slice(0, -1));
  if (w.endsWith("ed") || w.endsWith("ing")) {
    const stem = w.slice(0, w.endsWith("ed") ? -2 : -3);
    add(stem);
    add(stem + "e");
    if (stem.length > 2 && stem.at(-1) === stem.at(-2)) add(stem.slice(0, -1));
  }
  return f;
}

const compiled = new Map();

/** A trigger as tokens: `word*` any ending, `~` up to three words, a leading `^` a sentence start. */
function compile(keyword) {
  let c = compiled.get(keyword);
  if (!c) {
    const anchored = keyword.startsWith("^ ");
    const parts = [];
    for (const raw of (anchored ? keyword.slice(2) : keyword).toLowerCase().split(" ")) {
      if (raw === "~") parts.push({ gap: true });
      else {
        const prefix = raw.endsWith("*");
        const words = (prefix ? raw.slice(0, -1) : raw).match(/[a-z0-9]+/g) ?? [];
        words.forEach((w, i) => parts.push({ w, prefix: prefix && i === words.length - 1 }));
      }
    }
    c = { anchored, parts };
    compiled.set(keyword, c);
  }
  return c;
}

function tokenMatches(token, part) {
  return part.prefix ? token.w.startsWith(part.w) : token.forms.includes(part.w);
}

function matchAt(tokens, i, parts, p) {
  if (p === parts.length) return i;
  const part = parts[p];
  if (part.gap) {
    for (let skip = 0; skip <= 3 && i + skip <= tokens.length; skip++) {
      const end = matchAt(tokens, i + skip, parts, p + 1);
      if (end >= 0) return end;
    }
    return -1;
  }
  return i < tokens.length && tokenMatches(tokens[i], part) ? matchAt(tokens, i + 1, parts, p + 1) : -1;
}

/** The triggers found in the prompt, each as the words that matched. */
function hits(tokens, keywords) {
  const found = [];
  for (const k of keywords ?? []) {
    const { anchored, parts } = compile(k);
    if (!parts.length) continue;
    for (let i = 0; i < tokens.length; i++) {
      if (anchored && !tokens[i].start) continue;
      const end = matchAt(tokens, i, parts, 0);
      if (end < 0) continue;
      const words = tokens.slice(i, end).map((t) => t.w).join(" ");
      if (!found.includes(words)) found.push(words);
      break;
    }
  }
  return found;
}

/** Words of the prompt one typo from a strong word of five letters or more: two letters swapped
 * ("drfit"), or, in words of seven letters or more, one letter added, dropped or changed
 * ("secrity"); shorter words are too close to others ("draft", "audio") for those. A longer or
 * shorter form of the word ("expose"/"exposed") is not a typo. */
function typoHits(tokens, strong) {
  const hits = [];
  const words = [];
  for (const k of strong ?? []) if (/^[a-z]{5,}\*?$/i.test(k)) words.push(k.replace(/\*$/, "").toLowerCase());
  for (const { w } of tokens) {
    if (w.length < 5 || words.includes(w) || hits.includes(w)) continue;
    for (const word of words) if (!w.startsWith(word) && !word.startsWith(w) && oneEditApart(w, word)) hits.push(w);
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
