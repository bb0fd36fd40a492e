// Prompt templates (`prompts/*.md`): one source for the MCP prompts, the Claude Code slash commands
// and the Gemini CLI commands. Each file has YAML front matter (name, title, description, argument
// hint, arguments) and a markdown body with one placeholder, {{request}}, where the arguments go:
// the MCP prompt fills in the values it got; a slash command says where the user's words are
// ($ARGUMENTS in Claude Code, {{args}} in Gemini CLI).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PACKAGE_ROOT } from "../version.js";

export const PROMPTS_DIR = join(PACKAGE_ROOT, "prompts");

const PromptArgument = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    description: z.string().min(1),
    /** Complete the value from known host names. */
    completeHosts: z.boolean().optional(),
    /** A yes/no argument; in free text, this word turns it on. */
    flag: z.string().optional(),
  })
  .strict();

const FrontMatter = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    title: z.string().min(1),
    description: z.string().min(1).max(300),
    "argument-hint": z.string().min(1),
    arguments: z.array(PromptArgument),
  })
  .strict();

export interface PromptTemplate {
  name: string;
  title: string;
  description: string;
  argumentHint: string;
  arguments: z.infer<typeof PromptArgument>[];
  body: string;
  file: string;
}

export function parsePromptTemplate(text: string, file: string): PromptTemplate {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: no YAML front matter`);
  const fm = FrontMatter.safeParse(parseYaml(m[1]!));
  if (!fm.success) throw new Error(`${file}: invalid front matter: ${fm.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const body = m[2]!.trim() + "\n";
  if (!body.includes("{{request}}")) throw new Error(`${file}: the body has no {{request}} placeholder`);
  return { name: fm.data.name, title: fm.data.title, description: fm.data.description, argumentHint: fm.data["argument-hint"], arguments: fm.data.arguments, body, file };
}

let cache: PromptTemplate[] | undefined;

/** The shipped templates, by file name order. */
export function loadPromptTemplates(dir = PROMPTS_DIR): PromptTemplate[] {
  if (dir === PROMPTS_DIR && cache) return cache;
  const out = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => parsePromptTemplate(readFileSync(join(dir, f), "utf8"), join(dir, f)));
  if (dir === PROMPTS_DIR) cache = out;
  return out;
}

/** The body for an MCP prompt, with the argument values the client sent. */
export function renderForMcp(t: PromptTemplate, values: Record<string, string | undefined>): string {
  const lines = t.arguments.map((a) => {
    const v = values[a.name]?.trim();
    if (a.flag) {
      // Anything but an explicit no turns a flag on ("true", "yes", "quick"...).
      const on = v !== undefined && !/^(0|false|no|off|n|)$/i.test(v);
      return `- ${a.name}: ${on ? "yes" : "no"}`;
    }
    return v ? `- ${a.name}: ${v}` : `- ${a.name}: not given (${a.description})`;
  });
  return t.body.replace("{{request}}", `Request:\n${lines.join("\n")}`);
}

/** The body for a slash command, where `placeholder` is the client's stand-in for the user's words. */
export function renderForCommand(t: PromptTemplate, placeholder: string): string {
  const lines = t.arguments.map((a) => `- ${a.name}: ${a.description}${a.flag ? ` (the word "${a.flag}" turns it on)` : ""}`);
  const request = `The user's arguments: "${placeholder}" (empty means the defaults), read as:\n${lines.join("\n")}`;
  return t.body.replace("{{request}}", request);
}
