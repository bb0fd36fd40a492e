#!/usr/bin/env node
// The nix-warden command line: parses the subcommand and hands off. Each command lives in its own
// module and exports `run(argv): Promise<number>` (the exit code); this file only dispatches.
import { setFlagsFromString } from "node:v8";
import { TOOL } from "../version.js";
import { EXIT_USAGE, UsageError } from "./args.js";
import { UnsafeStateError } from "../system/state.js";

// V8 lets the heap grow up to four times what was alive at its last full collection when
// collections are cheap; a scan holds every file's tree to the end and promotes much short-lived
// work, so on a large repository the heap reached four times what it kept (650 MB peak for 245 MB
// alive on 5,000 files). Growing by half at most keeps the peak near what is alive (410 MB there).
setFlagsFromString("--heap-growing-percent=50");

// `nix-warden scan --format json | head`: the reader went away. Stop quietly, with the status a
// program killed by SIGPIPE has (128 + 13), as other Unix tools do, instead of a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(141);
});

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

async function main(argv: string[]): Promise<number> {
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`nix-warden: ${err.message}`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof UnsafeStateError) {
      // Not a bug but a refusal: say what to fix, without a stack trace.
      console.error(`nix-warden: ${err.message}`);
      process.exitCode = 3;
    } else {
      console.error(`nix-warden: internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 3;
    }
  },
);
