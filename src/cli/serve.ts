// `nix-warden serve`: the MCP server, on stdio (what agents start) or streamable HTTP on loopback
// or a Unix socket, where every request needs the bearer token.
import { EXIT_OK, UsageError, parseCommandOrHelp } from "./args.js";

export const summary = "run the MCP server for AI agents (stdio, or --http PORT on 127.0.0.1 with a token)";

const HELP = `usage: nix-warden serve [options]

Runs the nix-warden MCP server. Agents (Claude Code, Gemini CLI) start it on stdio; see
\`nix-warden install claude|gemini\` to register it.

  --http PORT         serve streamable HTTP on http://127.0.0.1:PORT/mcp instead of stdio
                      (loopback only; PORT 0 picks a free port and prints it on stderr)
  --socket PATH       serve streamable HTTP on a Unix socket instead (created owner-only, 0600;
                      PATH must not exist)
  --token-file PATH   the bearer token HTTP clients must send, from a file of yours that group and
                      others cannot read (at least 32 characters). Default: a new random token,
                      written to <state dir>/http-token (0600) at every start
  --max-sessions N    HTTP sessions open at once at most (default 16); more get 503
  --idle-timeout SEC  close an HTTP session after SEC seconds without a request or open stream
                      (default 900)
  --root DIR          the directory the server may read and write when the client sends no MCP roots
                      (repeatable; default: the current directory)
  --no-prompts        do not offer the MCP prompts (the Gemini CLI extension has its own commands)
  -h, --help

Over HTTP every request must carry "Authorization: Bearer <token>"; without it the server answers
401. Other local users can reach 127.0.0.1 too: the token is what keeps them out.`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number (got '${value}')`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      http: { type: "string" },
      socket: { type: "string" },
      "token-file": { type: "string" },
      "max-sessions": { type: "string" },
      "idle-timeout": { type: "string" },
      root: { type: "string", multiple: true },
      "no-prompts": { type: "boolean" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  const options = { cwd: process.cwd(), roots: values.root, prompts: !values["no-prompts"] };
  const httpOnly = ["token-file", "max-sessions", "idle-timeout"] as const;
  if (values.http === undefined && values.socket === undefined) {
    const stray = httpOnly.find((k) => values[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --http or --socket`);
    const { serveStdio } = await import("../mcp/stdio.js");
    await serveStdio(options);
    return EXIT_OK;
  }
  if (values.http !== undefined && values.socket !== undefined) throw new UsageError("use --http or --socket, not both");
  let listen: { port: number } | { socket: string };
  if (values.http !== undefined) {
    const port = Number(values.http);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--http must be a port number (got '${values.http}')`);
    listen = { port };
  } else listen = { socket: values.socket! };
  const maxSessions = positiveInt(values["max-sessions"], "--max-sessions");
  const idleTimeout = positiveInt(values["idle-timeout"], "--idle-timeout");

  const { createTokenFile, readTokenFile } = await import("../mcp/http-auth.js");
  const { serveHttp } = await import("../mcp/http.js");
  const tokenFile = values["token-file"];
  const { token, path } =
    tokenFile !== undefined
      ? {
          token: await readTokenFile(tokenFile).catch((e: Error) => {
            throw new UsageError(`--token-file: ${e.message}`);
          }),
          path: tokenFile,
        }
      : await createTokenFile();
  const handle = await serveHttp(listen, { ...options, token, maxSessions, idleTimeoutMs: idleTimeout && idleTimeout * 1000 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "EADDRINUSE" && "socket" in listen) throw new UsageError(`--socket ${listen.socket} exists already (another server, or a stale socket: remove it)`);
    throw e;
  });
  // stderr only, and never the token itself: where it is and how to send it.
  console.error(`nix-warden MCP server: requests need "Authorization: Bearer <token>", the token is in ${path}`);
  console.error(`nix-warden MCP server listening on ${handle.url}${handle.socket ? ` (Unix socket ${handle.socket})` : ""}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.close();
  return EXIT_OK;
}
