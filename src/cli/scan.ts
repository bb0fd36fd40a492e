// `nix-warden scan [PATH]`: the security scan of a NixOS configuration repository.
import { resolve } from "node:path";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { atLeast } from "../report/severity.js";
import { cachedScan } from "../scan/cache.js";
import { EXIT_FAIL_ON, EXIT_OK, parseChoice, parseCommandOrHelp, parseSeverity } from "./args.js";

/**
 * Stops V8's young generation growing once it reached `mb` megabytes. By default it doubles up to
 * 32 MB when much of what a program allocates lives a while, as a scan's syntax trees do; nearly
 * all of it is empty when the scan ends, and on olafkfreund/nixos_config it was 33 MB of the cold
 * scan's 200 MB peak (about 168 MB capped at 8 MB, 176 MB at 16 MB, with the same CPU time;
 * capped at its first 2 MB the scan took 10% more). Checked as the scan reports progress (each file read, each file's rules);
 * V8 reads the growth factor each time it would grow, so the flag holds from then on. Only for
 * the one scan of a CLI process: the MCP server, which scans again and again, keeps V8's default.
 */
function youngGenerationCap(mb: number): () => void {
  let capped = false;
  return () => {
    if (capped) return;
    const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    if (!young || young.space_size < mb * 1e6) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    capped = true;
  };
}

export const summary = "scan a NixOS configuration repository for security problems and anti-patterns";

const HELP = `usage: nix-warden scan [PATH] [options]

  PATH                          the repository (default: the current directory)
  --host H                      only this host's findings (repeatable)
  --format text|json|markdown|sarif|statix-json   what to print (default text; json is the
                                SecurityReport; statix-json is the shape of statix check -o json)
  --output-dir DIR              also write security-report.md, security-issues.json, security.sarif
                                and remediation-patches/*.patch there
  --severity-threshold SEV      leave out findings below SEV (info, low, medium, high, critical;
                                low leaves out the maintenance notes)
  --fail-on SEV                 exit 1 when a finding at or above SEV remains (the deployment gate)
  --quick                       no external programs (built-in exposure scorer)
  --style                       also run the style lints (statix's checks of how Nix is written;
                                .nix-warden.yaml's style: on does it for every scan)
  --no-cache                    neither read nor write the scan cache (kept in the user's cache
                                directory, keyed by every file's content, the options and the tool)
  --vulns                       also match each host's packages (nix eval) against the local
                                advisory cache (see \`nix-warden vulns\`, \`nix-warden advisories\`)
  --verbose                     text: every finding in full, instead of one entry per rule listing
                                its places (the JSON and SARIF reports always have every finding)

Exit codes: 0 ok, 1 --fail-on triggered, 2 usage error.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(argv, HELP, {
    host: { type: "string", multiple: true },
    format: { type: "string" },
    "output-dir": { type: "string" },
    "severity-threshold": { type: "string" },
    "fail-on": { type: "string" },
    quick: { type: "boolean" },
    style: { type: "boolean" },
    "no-cache": { type: "boolean" },
    vulns: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
  });
  if (!args) return EXIT_OK;
  const { values, positionals } = args;
  const format = parseChoice(values.format, "--format", ["text", "json", "markdown", "sarif", "statix-json"] as const, "text");
  const threshold = parseSeverity(values["severity-threshold"], "--severity-threshold");
  const failOn = parseSeverity(values["fail-on"], "--fail-on");
  const root = resolve(positionals[0] ?? ".");
  // One scan in this process: nothing is kept for a next one (`once`).
  const report = await cachedScan({ root, hosts: values.host, severityThreshold: threshold, quick: values.quick, cache: values["no-cache"] !== true, once: true, onProgress: youngGenerationCap(8), ...(format === "statix-json" || values.style ? { style: "on" as const } : {}) });
  if (values.vulns) await (await import("../vulns/scan.js")).addVulnerabilities(report, { hosts: values.host, severityThreshold: threshold });
  // The renderers load every rule's metadata: a JSON report answered from the cache needs none.
  if (format === "json" && !values["output-dir"]) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else {
    const { render, writeOutputs } = await import("../report/outputs.js");
    if (values["output-dir"]) await writeOutputs(report, resolve(values["output-dir"]));
    process.stdout.write(render(report, format, { color: process.stdout.isTTY === true, verbose: values.verbose === true }));
  }
  if (failOn && report.findings.some((f) => atLeast(f.severity, failOn))) return EXIT_FAIL_ON;
  return EXIT_OK;
}
