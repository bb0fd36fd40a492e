// `nix-warden demo` (npm run demo): runs nix-warden on the examples bundled with the package, so a
// new user sees what it does in one command: the security scan of examples/homelab (one of each
// kind of finding), of examples/sops-parts (hosts declared in a flake-parts module, a secret fixed
// the sops-nix way) and a drift check of the example machine in examples/drift.
import { join, relative } from "node:path";
import { runDriftDemo } from "../drift/demo.js";
import { renderSecurityText } from "../report/security-text.js";
import { runScan } from "../scan/index.js";
import { PACKAGE_ROOT } from "../version.js";
import { runVulnsDemo } from "../vulns/demo.js";

export const summary = "run nix-warden on the bundled example repository and example machine";

export const EXAMPLE_REPO = join(PACKAGE_ROOT, "examples", "homelab");
export const SOPS_EXAMPLE_REPO = join(PACKAGE_ROOT, "examples", "sops-parts");

async function showScan(root: string, what: string): Promise<void> {
  const shown = relative(process.cwd(), root) || ".";
  console.log(`== nix-warden scan ${shown}: ${what}\n`);
  const report = await runScan({ root });
  console.log(renderSecurityText(report, { color: process.stdout.isTTY === true }).split(root).join(shown));
}

/** How many findings the style lints (off unless asked for) would add: shown so that a new user
 * learns they exist and how to ask for them. */
async function showStyleLints(root: string): Promise<void> {
  const shown = relative(process.cwd(), root) || ".";
  const [plain, styled] = [await runScan({ root }), await runScan({ root, style: "on" })];
  const more = styled.findings.length - plain.findings.length;
  console.log(`Style lints (statix's checks of how Nix is written, option and package documentation) are off in a security scan: \`nix-warden scan ${shown} --style\` adds them (${more} more finding${more === 1 ? "" : "s"} here).`);
}

export async function run(argv: string[]): Promise<number> {
  const only = argv[0];
  if (only === "vulns") {
    await runVulnsDemo();
    return 0;
  }
  if (only !== "drift") {
    await showScan(EXAMPLE_REPO, "the bundled example repository (a NAS, a workstation, a laptop)");
    await showStyleLints(EXAMPLE_REPO);
    console.log("");
    await showScan(SOPS_EXAMPLE_REPO, "hosts declared in a flake-parts module (mapAttrs over self.nixosModules), secrets kept with sops-nix");
  }
  if (only !== "scan") {
    if (only !== "drift") console.log("");
    await runDriftDemo();
  }
  if (only === undefined) {
    console.log("");
    await runVulnsDemo();
  }
  console.log("\nNext: `nix-warden scan PATH` on your own flake, `nix-warden drift --flake PATH` on a machine, `nix-warden remediate PATH` to plan fixes, `nix-warden vulns --flake PATH` for known CVEs (after `nix-warden advisories update`).");
  return 0;
}
