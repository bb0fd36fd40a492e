// `npm run parse:diff -- DIR [--dialect nix-2.8|current] [--show N] [--json]`
// Runs nix-instantiate --parse and our parser over every .nix file under DIR and reports how many
// agree byte for byte, how many agree once Nix 2.8's address-ordered `let`/formals lists are
// sorted, how many differ (with the first difference of each), and whether both accept and reject
// the same files (rejections: at the same line).
import { parseArgs } from "node:util";
import { compareFile, nixParse, type FileComparison } from "./nix-compat.js";
import { listNixFiles } from "./nix-files.js";
import { runMain } from "./run-main.js";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      dialect: { type: "string", default: "nix-2.8" },
      show: { type: "string", default: "20" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  const dir = positionals[0];
  if (!dir) {
    console.error("usage: npm run parse:diff -- DIR [--dialect nix-2.8|current] [--show N] [--json]");
    return 2;
  }
  const dialect = values.dialect === "current" ? "current" : "nix-2.8";
  const files = await listNixFiles(dir);
  const started = performance.now();
  const verdicts = await nixParse(files);
  const results: FileComparison[] = [];
  for (const v of verdicts) results.push(await compareFile(v, dialect));
  const count = (s: FileComparison["status"]) => results.filter((r) => r.status === s).length;
  const summary = {
    dir,
    dialect,
    files: results.length,
    nixAccepts: results.filter((r) => r.nix.accepted).length,
    nixRejects: results.filter((r) => !r.nix.accepted).length,
    identical: count("identical"),
    identicalAfterOrdering: count("identical-after-ordering"),
    differentOutput: count("different-output"),
    bothRejectSameLine: count("both-reject-same-line"),
    bothRejectAmongOurs: count("both-reject-nix-error-among-ours"),
    bothRejectDifferentLine: count("both-reject-different-line"),
    weRejectNixAccepts: count("we-reject-nix-accepts"),
    weAcceptNixRejects: count("we-accept-nix-rejects"),
    nestedMergeAllowed: results.filter((r) => r.nestedMergeDifference).length,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  if (values.json) {
    console.log(JSON.stringify({ summary, problems: results.filter(isProblem) }, null, 2));
  } else {
    const accepted = summary.nixAccepts;
    const agree = summary.identical + summary.identicalAfterOrdering;
    console.log(`parse:diff ${dir} (${summary.files} files, dialect ${dialect}, ${summary.seconds} s)`);
    console.log(`  Nix accepts ${accepted}, rejects ${summary.nixRejects}`);
    console.log(`  accepted by both, output identical:               ${summary.identical}`);
    console.log(`  accepted by both, identical once let/formals sorted: ${summary.identicalAfterOrdering}`);
    console.log(`  accepted by both, output differs:                  ${summary.differentOutput}`);
    console.log(`  rejected by both, error on the same line:          ${summary.bothRejectSameLine}`);
    console.log(`  rejected by both, Nix's unbound variable among ours: ${summary.bothRejectAmongOurs}`);
    console.log(`  rejected by both, error on another line:           ${summary.bothRejectDifferentLine}`);
    console.log(`  we reject, Nix accepts:                            ${summary.weRejectNixAccepts}`);
    console.log(`  we accept, Nix rejects:                            ${summary.weAcceptNixRejects}`);
    console.log(`  of Nix's rejections, accepted by current Nix (nested attribute-set merge): ${summary.nestedMergeAllowed}`);
    console.log(`  agreement on accepted files: ${accepted ? ((100 * agree) / accepted).toFixed(2) : "n/a"}%`);
    const limit = Number(values.show);
    for (const r of results.filter(isProblem).slice(0, limit)) {
      console.log(`\n${r.status}: ${r.file}`);
      if (r.firstDifference) {
        console.log(`  at output offset ${r.firstDifference.offset}`);
        console.log(`  nix:  …${r.firstDifference.nix}…`);
        console.log(`  ours: …${r.firstDifference.ours}…`);
      } else {
        console.log(`  nix:  ${r.nix.accepted ? "accepts" : `${r.nix.output} (line ${r.nix.errorLine ?? "?"})`}`);
        console.log(`  ours: ${r.ours.accepted ? "accepts" : `${r.ours.output} (line ${r.ours.errorLine ?? "?"})`}`);
      }
    }
  }
  const bad = summary.differentOutput + summary.weAcceptNixRejects + summary.weRejectNixAccepts + summary.bothRejectDifferentLine;
  return bad === 0 ? 0 : 1;
}

function isProblem(r: FileComparison): boolean {
  return !["identical", "identical-after-ordering", "both-reject-same-line", "both-reject-nix-error-among-ours"].includes(r.status);
}

runMain(main);
