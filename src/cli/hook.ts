// `nix-warden hook claude|gemini`: the prompt hook (Claude Code's UserPromptSubmit, Gemini CLI's
// BeforeAgent). Reads the hook input (JSON on stdin), and when the prompt calls for a nix-warden
// agent, prints the additionalContext that says which. Prints nothing otherwise; never blocks a
// prompt, whatever the input. The classifier is agent-definitions/hook/nix-warden-hook.mjs, the
// same file the plugin and the extension run.
import { hookModule, shippedTriggerSpecs } from "../agents/triggers.js";
import { EXIT_OK, UsageError } from "./args.js";

export const summary = "agent prompt hooks (claude: UserPromptSubmit, gemini: BeforeAgent; JSON on stdin)";

const EVENTS = { claude: "UserPromptSubmit", gemini: "BeforeAgent" } as const;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") {
    console.log("usage: nix-warden hook claude|gemini   (prompt hook: the client's JSON on stdin, context on stdout)");
    return EXIT_OK;
  }
  const client = argv[0];
  if (argv.length !== 1 || (client !== "claude" && client !== "gemini")) throw new UsageError("usage: nix-warden hook claude|gemini");
  const [hook, triggers] = await Promise.all([hookModule(), shippedTriggerSpecs()]);
  await hook.runHook(triggers, { event: EVENTS[client] });
  return EXIT_OK;
}
