// The vulnerability part of `npm run demo`: the example flake's host web1 (examples/drift/flake)
// matched offline against the recorded advisory sample shipped in examples/vulns (marked as a
// sample in every report). Needs Nix to evaluate the flake; without it the demo says so.
import { join } from "node:path";
import { prepareExample } from "../drift/demo.js";
import { hasCommand } from "../system/run.js";
import { PACKAGE_ROOT } from "../version.js";
import { runVulns } from "./index.js";
import { renderVulnsText } from "./render.js";
import { importNvdFiles } from "./update.js";

export const SAMPLE = join(PACKAGE_ROOT, "examples", "vulns", "nvd-recorded-sample.json");
export const SAMPLE_DATE = "2026-11-01T12:00:00.000Z";

export async function runVulnsDemo(): Promise<void> {
  console.log("== nix-warden vulns --flake examples/drift/flake --host web1: known CVEs in the host's packages (recorded advisory sample, offline)\n");
  if (!(await hasCommand("nix"))) {
    console.log("(skipped: the vulnerability demo evaluates the example flake and needs Nix installed)");
    return;
  }
  const ws = await prepareExample({ dirty: false });
  try {
    const cache = join(ws.dir, "advisories-sample.cache");
    await importNvdFiles([SAMPLE], cache, { updatedAt: SAMPLE_DATE, source: "recorded sample (examples/vulns/nvd-recorded-sample.json)", sample: true });
    const report = await runVulns({ flake: ws.repo, hosts: ["web1"], advisories: cache, whitelists: [], track: false });
    console.log(renderVulnsText(report).split(ws.repo).join("examples/drift/flake").split(cache).join("<sample cache>"));
  } finally {
    await ws.cleanup();
  }
}
