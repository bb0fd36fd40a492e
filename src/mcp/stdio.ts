// The stdio transport: what Claude Code and Gemini CLI start (`nix-warden serve`). stdout carries
// only MCP messages; diagnostics go to stderr. The server stops when the client closes stdin.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createServer, type CreateServerOptions } from "./server.js";

export async function serveStdio(options: CreateServerOptions = {}): Promise<void> {
  const { server, cleanup } = createServer(options);
  const transport = new StdioServerTransport();
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await cleanup().catch(() => {});
  };
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await close();
}
