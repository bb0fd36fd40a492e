// `nix-warden demo` (npm run demo): runs nix-warden on the examples bundled with the package, so a
// new user sees what it does in one command: the security scan of examples/homelab (one of each
// kind of finding) and a drift check of the example machine in examples/drift.
import { join, relative } from "node:path";
import { runDriftDemo } from "../drift/demo.js";
import { renderSecurityText } from "../report/security-text.js";
import { runScan } from "../scan/index.js";
import { PACKAGE_ROOT } from "../version.js";

export const summary = "run nix-warden on the bundled example repository and example machine";

export const EXAMPLE_REPO = join(PACKAGE_ROOT, "examples", "homelab");

export async function run(argv: string[]): Promise<number> {
  const only = argv[0];
  if (only !== "drift") {
    const shown = relative(process.cwd(), EXAMPLE_REPO) || ".";
    console.log(`== nix-warden scan ${shown}: the bundled example repository (a NAS, a workstation, a laptop)\n`);
    const report = await runScan({ root: EXAMPLE_REPO });
    console.log(renderSecurityText(report, { color: process.stdout.isTTY === true }).split(EXAMPLE_REPO).join(shown));
  }
  if (only !== "scan") {
    if (only !== "drift") console.log("");
    await runDriftDemo();
  }
  console.log("\nNext: `nix-warden scan PATH` on your own flake, `nix-warden drift --flake PATH` on a machine, `nix-warden remediate PATH` to plan fixes.");
  return 0;
}
