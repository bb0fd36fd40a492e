// npm run bench -- [parse] DIR     the parser against nix-instantiate --parse
// (other benchmarks: bench/drift.ts, and `npm run bench -- scan DIR`)
import { benchParse } from "./parse.js";

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const kind = first === "parse" || first === "scan" ? first : "parse";
  const args = kind === first ? rest : argv;
  const dir = args[0];
  if (!dir) {
    console.error("usage: npm run bench -- [parse] DIR");
    return 2;
  }
  if (kind === "parse") await benchParse(dir);
  return 0;
}

main(process.argv.slice(2)).then(
  (c) => {
    process.exitCode = c;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 3;
  },
);
