// The subcommand dispatch of the nix-warden command line, apart from the process around it
// (main.ts): `main(argv)` runs one command and gives its exit code, `exitCodeOf` maps what a command
// threw to the code and message the user sees. Tests call these in-process (test/helpers/cli.ts).
import { TOOL } from "../version.js";
import { EXIT_USAGE, UsageError } from "./args.js";
import { UnsafeStateError } from "../system/state.js";

type CommandModule = { run: (argv: string[]) => Promise<number>; summary: string };

// One line per command; each module is loaded only when its command runs (fast start-up).
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  parse: () => import("./parse.js"),
  demo: () => import("./demo.js"),
  scan: () => import("./scan.js"),
  remediate: () => import("./remediate.js"),
  drift: () => import("./drift.js"),
  serve: () => import("./serve.js"),
  install: () => import("./install.js"),
  hook: () => import("./hook.js"),
  run: () => import("./run.js"),
  history: () => import("./history.js"),
  vulns: () => import("./vulns.js"),
  advisories: () => import("./advisories.js"),
};

function usage(): string {
  return [
    `${TOOL.name} ${TOOL.version}: keep NixOS configurations secure and declarative`,
    "",
    "usage: nix-warden <command> [options]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
    "",
    "Run `nix-warden <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs the command `argv` names (without the program's own words) and gives its exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(usage());
    return command ? 0 : EXIT_USAGE;
  }
  if (command === "--version" || command === "-V") {
    console.log(TOOL.version);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    console.error(`nix-warden: unknown command '${command}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const mod = await load();
  return mod.run(rest);
}

/** The exit code for what a command threw, after saying it on stderr. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) {
    console.error(`nix-warden: ${err.message}`);
    return EXIT_USAGE;
  }
  if (err instanceof UnsafeStateError) {
    // Not a bug but a refusal: say what to fix, without a stack trace.
    console.error(`nix-warden: ${err.message}`);
    return 3;
  }
  console.error(`nix-warden: internal error: ${(err as Error)?.stack ?? String(err)}`);
  return 3;
}
