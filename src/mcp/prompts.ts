// The MCP prompts (nix-check-drift, nix-security, nix-remediate): each tells the agent which tools
// to call, in which order, and how to present the results. The text comes from prompts/*.md, the
// same templates the Claude Code and Gemini CLI commands are rendered from.
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { z } from "zod";
import type { ServerContext } from "./context.js";
import { loadPromptTemplates, renderForMcp } from "./prompt-templates.js";
import { repositoryHosts } from "../scan/host-list.js";

export function registerPrompts(ctx: ServerContext): void {
  const hosts = async (value: string | undefined): Promise<string[]> => {
    await ctx.rootsReady();
    const declared = (await repositoryHosts(ctx.roots.primary())).hosts.map((h) => h.name);
    const stored = (await ctx.store.hosts()).filter((h) => h !== "all" && h !== "unknown" && !h.includes("+"));
    return [...new Set([...declared, ...stored])].sort().filter((h) => h.startsWith(value ?? ""));
  };
  for (const t of loadPromptTemplates()) {
    const shape: Record<string, z.ZodType<string | undefined>> = {};
    for (const a of t.arguments) {
      const base = z.string().max(500).optional().describe(a.description);
      shape[a.name] = a.completeHosts
        ? completable(base, (v) => hosts(v))
        : a.flag
          ? completable(base, (v) => ["true", "false"].filter((x) => x.startsWith(v ?? "")))
          : base;
    }
    ctx.server.registerPrompt(t.name, { title: t.title, description: t.description, argsSchema: shape }, (args: Record<string, string | undefined>) => ({
      description: t.description,
      messages: [{ role: "user", content: { type: "text", text: renderForMcp(t, args) } }],
    }));
  }
}
