// Trigger keywords: prompts that must call for an agent, look-alikes that must stay silent, and the
// Nix-context gate. The hook's output shape is Claude Code's UserPromptSubmit JSON.
import { describe, expect, it } from "vitest";
import { loadAgentDefinitions, parseAgentDefinition } from "../../src/agents/definitions.js";
import { claudeHookOutput, isNixContext, keywordPattern, matchTriggers, triggerSpecs } from "../../src/agents/triggers.js";

const agents = loadAgentDefinitions();
const specs = triggerSpecs(agents);
const agentsFor = (prompt: string) => matchTriggers(prompt, specs).map((m) => m.agent);

describe("agent definitions", () => {
  it("define security-patrol and config-drift-detective, each mentioning every trigger keyword in its description", () => {
    expect(agents.map((a) => a.name)).toEqual(["config-drift-detective", "security-patrol"]);
    for (const a of agents) {
      expect(a.description).toContain("PROACTIVELY");
      for (const k of a.keywords) expect(a.description.toLowerCase(), `${a.name}: ${k}`).toContain(k.replace(/\*$/, "").toLowerCase());
    }
    const drift = agents.find((a) => a.name === "config-drift-detective")!;
    for (const k of ["drift*", "state", "consistency"]) expect(drift.keywords).toContain(k);
    const sec = agents.find((a) => a.name === "security-patrol")!;
    for (const k of ["security", "harden*", "vulnerab*", "compliance", "CVE*"]) expect(sec.keywords).toContain(k);
  });

  it("rejects a definition whose description misses a keyword, or with unknown fields or tools", () => {
    const text = (fm: string) => `---\n${fm}\n---\nbody\n`;
    const base = "name: x-agent\ndescription: Use PROACTIVELY when the user mentions drift in a NixOS configuration.\ncolor: blue\ncommand: nix-x\nfile-tools: [Read]";
    expect(() => parseAgentDefinition(text(`${base}\nkeywords: [drift, state]\ntools: [check_drift]`), "a.md")).toThrow(/missing: state/);
    expect(() => parseAgentDefinition(text(`${base}\nkeywords: [drift]\ntools: [rm_rf]`), "a.md")).toThrow(/tools/);
    expect(() => parseAgentDefinition(text(`${base}\nkeywords: [drift]\ntools: [check_drift]\ncolour: red`), "a.md")).toThrow(/colour/);
    expect(parseAgentDefinition(text(`${base}\nkeywords: [drift]\ntools: [check_drift]`), "a.md").name).toBe("x-agent");
  });
});

describe("trigger keywords", () => {
  it("route the issue's examples and other natural prompts", () => {
    expect(agentsFor("is my laptop drifting?")).toEqual(["config-drift-detective"]);
    expect(agentsFor("harden the nginx box")).toEqual(["security-patrol"]);
    expect(agentsFor("Is web1 still consistent with the flake, or out of sync?")).toEqual(["config-drift-detective"]);
    expect(agentsFor("someone installed htop with nix-env by hand")).toEqual(["config-drift-detective"]);
    expect(agentsFor("are we affected by CVE-2024-3094?")).toEqual(["security-patrol"]);
    expect(agentsFor("check sshd and the firewall for vulnerabilities")).toEqual(["security-patrol"]);
    expect(agentsFor("audit the config for drift and security")).toEqual(["config-drift-detective", "security-patrol"]);
  });

  it("match whole words only: look-alikes stay silent", () => {
    for (const p of ["print the statement", "stateless service", "CISCO router", "the NISTER library", "insecurely"]) expect(agentsFor(p), p).toEqual([]);
    expect(agentsFor("DRIFT")).toEqual(["config-drift-detective"]);
    expect(keywordPattern("out of sync")).toContain("\\s+");
    expect(agentsFor("out   of\nsync")).toEqual(["config-drift-detective"]);
  });

  it("every keyword triggers its own agent", () => {
    for (const a of agents)
      for (const k of a.keywords) {
        const word = k.replace(/\*$/, k.endsWith("*") ? "ing" : "");
        expect(agentsFor(`please look at ${word} here`), `${a.name}: ${k}`).toContain(a.name);
      }
  });

  it("speak only in a Nix context: the prompt, the project, or a NixOS machine", () => {
    const none = () => false;
    expect(isNixContext("state of the redux store", "/src/app", none)).toBe(false);
    expect(isNixContext("is my nixos box drifting", undefined, none)).toBe(true);
    expect(isNixContext("drift?", "/home/me/cfg", (p) => p === "/home/me/cfg/flake.nix")).toBe(true);
    expect(isNixContext("drift?", "/x", (p) => p === "/etc/NIXOS")).toBe(true);
    expect(claudeHookOutput({ prompt: "refactor the state handling", cwd: "/src/app" }, specs, none)).toBeUndefined();
    expect(claudeHookOutput({ prompt: "hello", cwd: "/etc/nixos" }, specs, () => true)).toBeUndefined();
    expect(claudeHookOutput({ prompt: 42 }, specs, () => true)).toBeUndefined();
    const out = claudeHookOutput({ prompt: "harden the nginx box", cwd: "/cfg" }, specs, (p) => p === "/cfg/flake.nix") as {
      hookSpecificOutput: { hookEventName: string; additionalContext: string };
    };
    expect(Object.keys(out)).toEqual(["hookSpecificOutput"]);
    expect(out.hookSpecificOutput.hookEventName).toBe("UserPromptSubmit");
    expect(out.hookSpecificOutput.additionalContext).toBe(
      'nix-warden: the prompt mentions "harden". The security-patrol subagent fits this request: it uses the nix-warden MCP tools (security_scan, list_hosts, explain_rule, remediate) and reports by severity with fixes. /nix-security runs the same workflow.',
    );
  });
});

describe("the hook's trigger specs", () => {
  it("come from the build's JSON, which equals what the definitions give", async () => {
    const { readFileSync } = await import("node:fs");
    const { TRIGGERS_JSON_PATH, shippedTriggerSpecs } = await import("../../src/agents/triggers.js");
    expect(JSON.parse(readFileSync(TRIGGERS_JSON_PATH, "utf8"))).toEqual(specs);
    expect(await shippedTriggerSpecs()).toEqual(specs);
  });
});
