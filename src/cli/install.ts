// `nix-warden install claude|gemini`: adds nix-warden to Claude Code or Gemini CLI.
import { relative, resolve } from "node:path";
import { homedir } from "node:os";
import { install, type Client, type Operation } from "../agents/install.js";
import { EXIT_OK, parseChoice, parseCommandOrHelp, UsageError } from "./args.js";

export const summary = "add nix-warden to Claude Code or Gemini CLI (agents, commands, hook, MCP server)";

const HELP = `usage: nix-warden install claude|gemini [options]

Writes the agent files and registers the nix-warden MCP server, merging with the settings already
there (other servers, hooks and files are kept; files nix-warden did not write are never replaced).
Running it again updates nix-warden's own entries and changes nothing else.

  claude   .claude/agents (security-patrol, config-drift-detective), .claude/commands
           (/nix-security, /nix-check-drift, /nix-remediate), the UserPromptSubmit prompt hook in
           .claude/settings.json, and the server in .mcp.json (user scope: ~/.claude/... and ~/.claude.json)
  gemini   project scope: the server and the BeforeAgent prompt hook in .gemini/settings.json
           (comments in it are kept), .gemini/agents/*.md, .gemini/commands/*.toml, and a short
           nix-warden block in GEMINI.md; user scope: the extension ~/.gemini/extensions/nix-warden

Project files are meant to be committed: they start \`nix-warden\` from PATH on every machine and
hold no path of this one. User files may name this installation directly.

  --scope project|user   where (default project: the current directory, or --dir)
  --dir DIR              the project directory (default: the current directory)
  --dry-run              show what would change, write nothing
  -h, --help

exit codes: 0 done (or nothing to do), 2 usage error, 3 a settings file could not be merged (nothing written).`;

function show(ops: Operation[], base: string, dryRun: boolean): string {
  const home = homedir();
  const name = (p: string) => (p.startsWith(base + "/") ? relative(base, p) : p.startsWith(home + "/") ? `~/${relative(home, p)}` : p);
  // "created" only for a file that was written: a stopped install says what it did not do.
  const verb = (o: Operation): string => {
    if (o.action === "unchanged" || o.action === "error") return o.action;
    if (dryRun) return { create: "would create", update: "would update", skip: "would skip" }[o.action];
    if (o.action === "skip") return "skipped";
    if (!o.written) return o.action === "create" ? "not created" : "not updated";
    return o.action === "create" ? "created" : "updated";
  };
  return ops.map((o) => `${verb(o).padEnd(12)} ${name(o.path)}: ${o.detail}`).join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(argv, HELP, {
    scope: { type: "string" },
    dir: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (!args) return EXIT_OK;
  const { values, positionals } = args;
  if (positionals.length !== 1) throw new UsageError(`install needs one client: claude or gemini\n\n${HELP}`);
  const client = parseChoice(positionals[0], "client", ["claude", "gemini"] as const, "claude") as Client;
  const scope = parseChoice(values.scope, "--scope", ["project", "user"] as const, "project");
  const dir = resolve(values.dir ?? ".");
  const dryRun = values["dry-run"] === true;
  const { operations: ops, warnings } = await install({ client, scope, dir, dryRun });
  console.log(show(ops, dir, dryRun));
  for (const w of warnings) console.error(`nix-warden install: note: ${w}`);
  if (ops.some((o) => o.action === "error")) {
    console.error("nix-warden install: nothing was written (see the error above).");
    return 3;
  }
  const skipped = ops.filter((o) => o.action === "skip").length;
  if (skipped) console.error(`nix-warden install: ${skipped} file(s) left alone because nix-warden did not write them; rename or remove them to install those.`);
  if (!dryRun) {
    const first = client === "claude" ? "In Claude Code, type /nix-security or /nix-check-drift (or ask: \"is my laptop drifting?\")." : "In Gemini CLI, type /nix-security or /nix-check-drift.";
    console.log(`\nDone. Restart ${client === "claude" ? "Claude Code" : "Gemini CLI"} to load it. ${first}`);
  }
  return EXIT_OK;
}

