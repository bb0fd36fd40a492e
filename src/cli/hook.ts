// `nix-warden hook claude`: the Claude Code UserPromptSubmit hook. Reads the hook input (JSON on
// stdin), and when the prompt calls for a nix-warden agent, prints the additionalContext that says
// which. Prints nothing otherwise; never blocks a prompt, whatever the input.
import { claudeHookOutput, shippedTriggerSpecs } from "../agents/triggers.js";
import { EXIT_OK, UsageError } from "./args.js";

export const summary = "agent hooks (claude: the UserPromptSubmit keyword hook; reads JSON on stdin)";

const MAX_INPUT = 1024 * 1024;

async function readStdin(): Promise<string> {
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    text += chunk as string;
    if (text.length > MAX_INPUT) break;
  }
  return text;
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") {
    console.log("usage: nix-warden hook claude   (Claude Code UserPromptSubmit hook: JSON on stdin, context on stdout)");
    return EXIT_OK;
  }
  if (argv.length !== 1 || argv[0] !== "claude") throw new UsageError("usage: nix-warden hook claude");
  let input: unknown;
  try {
    input = JSON.parse(await readStdin());
  } catch {
    return EXIT_OK;
  }
  if (typeof input !== "object" || input === null) return EXIT_OK;
  const out = claudeHookOutput(input as { prompt?: unknown; cwd?: unknown }, await shippedTriggerSpecs());
  if (out) process.stdout.write(JSON.stringify(out) + "\n");
  return EXIT_OK;
}
