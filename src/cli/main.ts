#!/usr/bin/env node
// The nix-warden command line: parses the subcommand and hands off. Each command lives in its own
// module and exports `run(argv): Promise<number>` (the exit code); dispatch.ts picks it, and this
// file is the process around it.
import { setFlagsFromString } from "node:v8";
import { exitCodeOf, main } from "./dispatch.js";

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = exitCodeOf(err);
  },
);
