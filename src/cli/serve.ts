// `nix-warden serve`: the MCP server, on stdio (what agents start) or streamable HTTP on loopback.
import { EXIT_OK, UsageError, parseCommandArgs } from "./args.js";

export const summary = "run the MCP server for AI agents (stdio, or --http PORT on 127.0.0.1)";

const HELP = `usage: nix-warden serve [options]

Runs the nix-warden MCP server. Agents (Claude Code, Gemini CLI) start it on stdio; see
\`nix-warden install claude|gemini\` to register it.

  --http PORT     serve streamable HTTP on http://127.0.0.1:PORT/mcp instead of stdio
                  (loopback only; PORT 0 picks a free port and prints it on stderr)
  --root DIR      the directory the server may read and write when the client sends no MCP roots
                  (repeatable; default: the current directory)
  --no-prompts    do not offer the MCP prompts (the Gemini CLI extension has its own commands)
  -h, --help`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      http: { type: "string" },
      root: { type: "string", multiple: true },
      "no-prompts": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return EXIT_OK;
  }
  const options = { cwd: process.cwd(), roots: values.root, prompts: !values["no-prompts"] };
  if (values.http !== undefined) {
    const port = Number(values.http);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http must be a port number (got '${values.http}')`);
    const { serveHttp } = await import("../mcp/http.js");
    const handle = await serveHttp(port, options);
    console.error(`nix-warden MCP server listening on ${handle.url}`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await handle.close();
    return EXIT_OK;
  }
  const { serveStdio } = await import("../mcp/stdio.js");
  await serveStdio(options);
  return EXIT_OK;
}
