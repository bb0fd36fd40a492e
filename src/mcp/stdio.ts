// The stdio transport: what Claude Code and Gemini CLI start (`nix-warden serve`). stdout carries
// only MCP messages; diagnostics go to stderr. The server stops when the client closes stdin.
//
// Our own line transport instead of the SDK's StdioServerTransport: the SDK's closes the session
// when a line outgrows its buffer and answers nothing to a line that is not JSON-RPC. Here a line
// over the limit is dropped as it arrives (never buffered whole) and answered with a JSON-RPC
// error, as is a line that does not parse; the session goes on.
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import { createServer, type CreateServerOptions } from "./server.js";

/** The largest MCP message (one line) the server reads, in bytes. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** A JSON-RPC error response; `id` null when the request's id could not be read. */
export function jsonRpcError(code: number, message: string, id: RequestId | null = null): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } });
}

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside a line that went over the limit: drop bytes until its newline. */
  private dropping = false;
  private closed = false;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  private readonly onData = (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.dropping) {
        this.size += end - start;
        if (this.size > this.maxBytes) {
          this.chunks = [];
          this.size = 0;
          this.dropping = true;
          this.reply(jsonRpcError(ErrorCode.InvalidRequest, `message too large: over ${this.maxBytes} bytes`));
        } else if (end > start) this.chunks.push(chunk.subarray(start, end));
      }
      if (nl === -1) return;
      if (this.dropping) this.dropping = false;
      else this.line(Buffer.concat(this.chunks).toString("utf8").replace(/\r$/, ""));
      this.chunks = [];
      this.size = 0;
      start = nl + 1;
    }
  };

  private readonly onError = (e: Error) => this.onerror?.(e);

  private line(text: string): void {
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.reply(jsonRpcError(ErrorCode.ParseError, "parse error: the message is not JSON"));
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (parsed.success) return this.onmessage?.(parsed.data);
    // Answer all but what cannot be answered: a notification or a response of the client's.
    const obj = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    const id = obj && (typeof obj.id === "string" || typeof obj.id === "number") ? obj.id : null;
    const notification = obj !== undefined && typeof obj.method === "string" && !("id" in obj);
    const response = obj !== undefined && !("method" in obj) && id !== null;
    if (!notification && !response) this.reply(jsonRpcError(ErrorCode.InvalidRequest, "invalid JSON-RPC message", id));
    this.onerror?.(new Error("invalid JSON-RPC message"));
  }

  private reply(json: string): void {
    if (!this.closed) this.output.write(json + "\n");
  }

  async start(): Promise<void> {
    this.input.on("data", this.onData);
    this.input.on("error", this.onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(JSON.stringify(message) + "\n")) resolve();
      else this.output.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off("data", this.onData);
    this.input.off("error", this.onError);
    if (this.input.listenerCount("data") === 0) this.input.pause();
    this.chunks = [];
    this.onclose?.();
  }
}

export async function serveStdio(options: CreateServerOptions = {}): Promise<void> {
  const { server, cleanup } = createServer(options);
  const transport = new LineTransport();
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
