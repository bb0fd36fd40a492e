// The prompt hook: its classifier on a labelled set of prompts (precision and recall of the agents
// it suggests, each at least 0.9), the Nix-context gate (the working directory, the project
// directory and their parents), its output for Claude Code and Gemini CLI, and its speed as the
// clients run it (a process per prompt).
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classify, hookOutput, isNixContext, tokenize } from "../../agent-definitions/hook/nix-warden-hook.mjs";
import { loadAgentDefinitions, parseAgentDefinition } from "../../src/agents/definitions.js";
import { triggerSpecs, TRIGGERS_JSON_PATH, shippedTriggerSpecs } from "../../src/agents/triggers.js";
import { CLI, tempDir } from "../mcp/helpers.js";
import { EVALUATOR_DEV_PROMPTS, FOURTH_ROUND_PROMPTS, LABELLED_PROMPTS, SECOND_ROUND_PROMPTS, UNSEEN_TEST_PROMPTS, type Label } from "./hook-prompts.js";

const agents = loadAgentDefinitions();
const triggers = triggerSpecs(agents);
const agentsFor = (prompt: string) => classify(prompt, triggers).map((m) => m.agent);

function score(set: ReadonlyArray<readonly [string, Label]>) {
  let tp = 0;
  let suggested = 0;
  let labelled = 0;
  const wrong: string[] = [];
  for (const [prompt, label] of set) {
    const got = agentsFor(prompt);
    suggested += got.length;
    if (label) labelled++;
    if (label && got.includes(label)) tp++;
    if (got.length !== (label ? 1 : 0) || (label && !got.includes(label))) wrong.push(`${label ?? "none"} <- ${got.join(",") || "none"}: ${prompt}`);
  }
  return { precision: tp / suggested, recall: tp / labelled, wrong };
}

describe("the hook's classifier on labelled prompts", () => {
  it("has at least 150 prompts for both agents and look-alikes", () => {
    const all = [...LABELLED_PROMPTS, ...SECOND_ROUND_PROMPTS, ...EVALUATOR_DEV_PROMPTS, ...FOURTH_ROUND_PROMPTS];
    expect(all.length).toBeGreaterThanOrEqual(150);
    for (const label of ["security-patrol", "config-drift-detective", null]) expect(all.filter(([, l]) => l === label).length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map(([p]) => p)).size).toBe(all.length);
  });

  it("suggests an agent with precision and recall of at least 0.9 each, on every set", () => {
    const sets = { LABELLED_PROMPTS, SECOND_ROUND_PROMPTS, EVALUATOR_DEV_PROMPTS, FOURTH_ROUND_PROMPTS, UNSEEN_TEST_PROMPTS };
    for (const [name, set] of Object.entries(sets)) {
      const s = score(set);
      console.log(`hook on ${name} (${set.length} prompts): precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)}${s.wrong.length ? `\n  ${s.wrong.join("\n  ")}` : ""}`);
      expect(s.precision, s.wrong.join("\n")).toBeGreaterThanOrEqual(0.9);
      expect(s.recall, s.wrong.join("\n")).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("the issue's examples: silent on look-alikes, speaks on the ones it missed", () => {
    for (const p of ["what is drift in physics", "ssh into the nas and restart nginx", "what changed in the last commit?", "roll back to the previous generation"]) expect(agentsFor(p), p).toEqual([]);
    expect(agentsFor("does the nas still match what the flake declares?")).toEqual(["config-drift-detective"]);
    for (const p of ["lock down the web server", "are there any open ports on the nas?", "review the TLS setup"]) expect(agentsFor(p), p).toEqual(["security-patrol"]);
  });

  it("matches whole words, phrases across whitespace, gaps, and one-letter typos of long words only", () => {
    for (const p of ["print the statement", "stateless service", "CISCO router", "the NISTER library", "draft a README", "fix the audio"]) expect(agentsFor(p), p).toEqual([]);
    expect(agentsFor("DRIFT")).toEqual(["config-drift-detective"]);
    expect(agentsFor("out   of\nsync")).toEqual(["config-drift-detective"]);
    expect(agentsFor("drfit?")).toEqual(["config-drift-detective"]);
    expect(agentsFor("secrity review")).toEqual(["security-patrol"]);
    // `~` is a gap of up to three words.
    expect(agentsFor("users that are not in the nixos config")).toEqual(["config-drift-detective"]);
    expect(agentsFor("users that are not in one two three four config")).toEqual([]);
  });

  it("tokenises: hyphens and punctuation split words, contractions are spelled out, inflections reach their base form", () => {
    expect(tokenize("docker-compose --rebase, isn't what's").map((t) => t.w)).toEqual(["docker", "compose", "rebase", "is", "not", "what"]);
    const forms = (w: string) => tokenize(w)[0]!.forms;
    expect(forms("compared")).toContain("compare");
    expect(forms("repos")).toContain("repo");
    expect(forms("modified")).toContain("modify");
    expect(forms("differences")).toContain("difference");
    expect(forms("firewalled")).toContain("firewall");
    expect(tokenize("Fine. Is it open?").map((t) => t.start)).toEqual([true, true, false, false]);
    // Inflections and hyphens reach the triggers ("repository", "aren't declared", "hand-edited").
    expect(agentsFor("are there users on the box that aren't declared in the repository?")).toEqual(["config-drift-detective"]);
    expect(agentsFor("reconcile the live box against the repository")).toEqual(["config-drift-detective"]);
    expect(agentsFor("has someone hand-edited /etc/hosts?")).toEqual(["config-drift-detective"]);
    // A longer or shorter form of a strong word is not its typo, nor a word it is the start of.
    expect(agentsFor("expose postgres port 5432 in the compose file")).toEqual([]);
    expect(agentsFor("how do I enable auditd on nixos?")).toEqual([]);
  });

  it("negative domains outweigh a single trigger, and a veto holds across hyphens", () => {
    for (const p of [
      "fix the drift in my PID controller, the integral term keeps winding up",
      "compute the electron drift velocity in a copper wire",
      "my gradient descent drifts and diverges, should I lower the learning rate?",
      "TS2322: declared type doesn't match the assigned value",
      "git stash my local changes then pull --rebase",
      "write a secure random password generator in python",
      "expose postgres port 5432 in my docker-compose file",
      "ssh-into the nas is slow",
    ]) expect(agentsFor(p), p).toEqual([]);
    // More evidence still fits: two strong triggers and a comparison with nix against one domain.
    expect(agentsFor("are there leftover imperative docker containers or manual crontabs not described in nix?")).toEqual(["config-drift-detective"]);
  });

  it("suggests one agent: the one with more evidence, then the one with more strong triggers", () => {
    expect(agentsFor("Audit the nas for changes that bypassed the nix config.")).toEqual(["config-drift-detective"]);
    expect(agentsFor("check my config against NIST 800-53")).toEqual(["security-patrol"]);
    expect(agentsFor("Give me a hardening checklist applied to my actual configuration.")).toEqual(["security-patrol"]);
    for (const [p] of [...LABELLED_PROMPTS, ...SECOND_ROUND_PROMPTS, ...EVALUATOR_DEV_PROMPTS, ...FOURTH_ROUND_PROMPTS]) expect(agentsFor(p).length, p).toBeLessThanOrEqual(1);
  });

  it("rejects a definition with unknown fields, tools or malformed triggers", () => {
    const text = (fm: string) => `---\n${fm}\n---\nbody\n`;
    const base = "name: x-agent\ndescription: Use PROACTIVELY when the user mentions drift in a NixOS configuration.\ncolor: blue\ncommand: nix-x\nfile-tools: [Read]";
    expect(() => parseAgentDefinition(text(`${base}\ntriggers: {strong: [drift]}\ntools: [rm_rf]`), "a.md")).toThrow(/tools/);
    expect(() => parseAgentDefinition(text(`${base}\ntriggers: {strong: [drift]}\ntools: [check_drift]\ncolour: red`), "a.md")).toThrow(/colour/);
    expect(() => parseAgentDefinition(text(`${base}\ntriggers: {strong: ["dr(ift"]}\ntools: [check_drift]`), "a.md")).toThrow(/triggers/);
    expect(parseAgentDefinition(text(`${base}\ntriggers: {strong: [drift]}\ntools: [check_drift]`), "a.md").triggers.weak).toEqual([]);
  });
});

describe("the Nix-context gate", () => {
  it("speaks only when the prompt, the working or project directory or one above it, or the machine is about Nix", async () => {
    const none = () => false;
    expect(isNixContext("drift?", ["/src/app"], triggers.nixContext, none)).toBe(false);
    expect(isNixContext("is my nixos box drifting", [], triggers.nixContext, none)).toBe(true);
    expect(isNixContext("drift?", ["/home/me/cfg/hosts/nas"], triggers.nixContext, (p) => p === "/home/me/cfg/flake.nix")).toBe(true);
    expect(isNixContext("drift?", ["/x"], triggers.nixContext, (p) => p === "/etc/NIXOS")).toBe(true);
    const input = { prompt: "is the box drifting?", cwd: "/src/app/sub", hook_event_name: "UserPromptSubmit" };
    expect(hookOutput(input, triggers, { env: {}, exists: none })).toBeUndefined();
    // The project directory (CLAUDE_PROJECT_DIR) holds the flake, the prompt was typed in a subdirectory elsewhere.
    expect(hookOutput(input, triggers, { env: { CLAUDE_PROJECT_DIR: "/cfg" }, exists: (p) => p === "/cfg/flake.nix" })).toBeDefined();
    expect(hookOutput({ prompt: 42 }, triggers, { exists: () => true })).toBeUndefined();
    expect(hookOutput("nope", triggers, { exists: () => true })).toBeUndefined();
  });

  it("answers Claude Code (UserPromptSubmit) and Gemini CLI (BeforeAgent) in their shapes", () => {
    const exists = (p: string) => p === "/cfg/flake.nix";
    const claude = hookOutput({ prompt: "harden the nginx box", cwd: "/cfg", hook_event_name: "UserPromptSubmit" }, triggers, { env: {}, exists });
    expect(claude).toEqual({
      hookSpecificOutput: {
        hookEventName: "UserPromptSubmit",
        additionalContext: 'nix-warden: the prompt mentions "harden". The security-patrol subagent fits this request: it uses the nix-warden MCP tools (security_scan, list_hosts, explain_rule, remediate) and reports by severity with fixes. /nix-security runs the same workflow.',
      },
    });
    const gemini = hookOutput({ prompt: "is my laptop drifting?", cwd: "/cfg", hook_event_name: "BeforeAgent" }, triggers, { env: {}, exists });
    expect(gemini?.hookSpecificOutput.hookEventName).toBe("BeforeAgent");
    expect(gemini?.hookSpecificOutput.additionalContext).toContain("config-drift-detective");
  });
});

describe("the hook as the clients run it", () => {
  it("`nix-warden hook claude|gemini` answers from a subdirectory of a flake, stays silent elsewhere, and starts in under 150 ms", async () => {
    const repo = await tempDir();
    await writeFile(join(repo, "flake.nix"), "{ outputs = _: { }; }\n");
    await mkdir(join(repo, "hosts", "nas"), { recursive: true });
    const other = await tempDir();
    const run = (args: string[], input: object, env: Record<string, string> = {}) => {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, "hook", ...args], { input: JSON.stringify(input), encoding: "utf8", timeout: 10_000, env: { ...process.env, CLAUDE_PROJECT_DIR: "", ...env } });
      return { ...r, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const nixos = (await readFile("/etc/NIXOS").then(() => true, () => false));
    const sub = run(["claude"], { prompt: "lock down the web server", cwd: join(repo, "hosts", "nas"), hook_event_name: "UserPromptSubmit" });
    expect(sub.status).toBe(0);
    expect(JSON.parse(sub.stdout).hookSpecificOutput.additionalContext).toContain("security-patrol");
    const gem = run(["gemini"], { prompt: "does the nas still match what the flake declares?", cwd: other, hook_event_name: "BeforeAgent" }, { GEMINI_PROJECT_DIR: repo });
    expect(JSON.parse(gem.stdout).hookSpecificOutput).toMatchObject({ hookEventName: "BeforeAgent" });
    if (!nixos) expect(run(["claude"], { prompt: "is the box drifting?", cwd: other }).stdout).toBe("");
    expect(run(["claude"], { prompt: "what is drift in physics", cwd: repo }).stdout).toBe("");
    expect(run(["claude"], "not json" as unknown as object).status).toBe(0);
    // Latency: what the hook adds to starting node at all (the machine under test may be loaded, and
    // node's own start then dominates): the median of interleaved runs.
    const bare = () => {
      const started = process.hrtime.bigint();
      spawnSync(process.execPath, ["-e", "0"], { timeout: 10_000 });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const hookMs: number[] = [];
    const nodeMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      nodeMs.push(bare());
      hookMs.push(run(["claude"], { prompt: "review the TLS setup", cwd: repo }).ms);
    }
    console.log(`hook: median ${median(hookMs).toFixed(0)} ms; node alone: median ${median(nodeMs).toFixed(0)} ms`);
    expect(median(hookMs) - median(nodeMs)).toBeLessThan(150);
  });

  it("takes its triggers from the build's JSON, which equals what the definitions give", async () => {
    expect(JSON.parse(await readFile(TRIGGERS_JSON_PATH, "utf8"))).toEqual(triggers);
    expect(await shippedTriggerSpecs()).toEqual(triggers);
    expect(agents.map((a) => a.name)).toEqual(["config-drift-detective", "security-patrol"]);
  });
});
