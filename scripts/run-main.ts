// How the comparison scripts (parse-diff, fuzz-diff) end: what main returns is the exit code (0
// agreement, 1 disagreements, 2 a usage error); a crash is printed and exits 3.
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 3;
    },
  );
}
