// npm run bench -- [parse] DIR     the parser against nix-instantiate --parse
// npm run bench -- drift           one host's drift check beyond the bare nix eval
// npm run bench -- scan DIR [N]    cold and cached CLI scans, the MCP server's first scan, against
//                                  nix-instantiate --parse (medians of N interleaved rounds, 7)
// npm run bench -- many [N ...]   cold CLI scans of generated repositories of N files (5,000,
//                                  10,000 and 20,000): wall time and peak RSS per size
// npm run bench -- vulns [N] [P]   P packages (10,000) matched against N CVE records (250,000)
import { benchParse } from "./parse.js";
import { formatDriftBench, runDriftBench } from "./drift.js";
import { benchMany } from "./many.js";
import { benchScan } from "./scan.js";
import { formatVulnsBench, runVulnsBench } from "./vulns.js";

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "drift") {
    console.log(formatDriftBench(await runDriftBench()));
    return 0;
  }
  if (first === "many") {
    const sizes = rest.map(Number).filter((n) => n > 0);
    await benchMany(sizes.length ? sizes : [5_000, 10_000, 20_000]);
    return 0;
  }
  if (first === "vulns") {
    const [n, p] = rest.map(Number);
    console.log(formatVulnsBench(await runVulnsBench(n || undefined, p || undefined)));
    return 0;
  }
  const kind = first === "parse" || first === "scan" ? first : "parse";
  const args = kind === first ? rest : argv;
  const dir = args[0];
  if (!dir) {
    console.error("usage: npm run bench -- [parse] DIR");
    return 2;
  }
  if (kind === "parse") await benchParse(dir);
  else await benchScan(dir, Number(args[1]) || undefined);
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
