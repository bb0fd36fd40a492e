// nix-warden drift: does this machine still match what the repository declares?
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { applyThreshold, checkDrift, declaredUnavailable, hasDriftAtLeast } from "../drift/index.js";
import { renderMarkdown } from "../drift/render/markdown.js";
import { renderMetrics } from "../drift/render/metrics.js";
import { renderScript } from "../drift/render/script.js";
import { renderText } from "../drift/render/text.js";
import type { DriftReportX } from "../drift/model.js";
import { InvalidRootError } from "../drift/root.js";
import { parseFlakeRef } from "../drift/declared/flake-ref.js";
import { driftTargetProblem } from "../drift/target.js";
import { EXIT_FAIL_ON, EXIT_OK, parseChoice, parseCommandOrHelp, parseSeverity, UsageError } from "./args.js";
import { flakeConfigUsage } from "../scan/config-usage.js";

export const summary = "compare what the repository declares with what the machine actually runs";

const HELP = `usage: nix-warden drift [options]

Compares the declared state of a NixOS host (one nix eval of nixosConfigurations.<host>) with the
machine's actual state (packages, services, users and groups, /etc, network, mounts, generations,
and the config repository), and says how each difference happened and how to fix it.

options:
  --flake REF             the configuration flake (default "."); REF#HOST also selects the host
  --host H                nixosConfigurations.<H> (default: this machine's hostname)
  --root DIR              read the machine from DIR instead of / (a mounted disk, an image);
                          commands that need the live system (systemctl, nft, iptables) are skipped.
                          DIR must be a system root: etc/ and one of etc/NIXOS, etc/os-release,
                          nix/var, run/current-system, var/lib (else exit 2)
  --declared FILE         use a declared state produced earlier by the extractor (skips nix eval)
  --format F              text (default), json or markdown on stdout
  --output-dir DIR        also write drift-report.md, drift-report.json, remediation-script.sh
                          and drift-metrics.json to DIR
  --alert-threshold SEV   list only items at or above SEV (critical, high, medium, low)
  --fail-on SEV           exit 1 when drift at or above SEV exists (default: never)
  --config FILE           exceptions file (default: .nix-warden.yaml in the flake / repository)
  --no-cache              evaluate even when a cached declared state matches
  --eval-timeout SECONDS  limit for nix eval (default 300)
  --force                 check even when the machine (or --root) is not NixOS or its hostname is
                          not the host asked for (refused by default: everything would show as drift)
  --hosts all|A,B         several hosts of the flake over SSH (see \`drift --hosts all --help\`)
  -h, --help

Secrets in what is shown (shell-history causes, /etc diffs, unit settings) are redacted as the
scan redacts them; the declared-state cache is nix-warden's own (owner-only).

exit codes: 0 ok, 1 drift at or above --fail-on, 2 usage error (a --root that is not a system
root included), 3 the check could not run
(e.g. the flake does not evaluate; the report says why).`;

export async function run(argv: string[]): Promise<number> {
  // Several hosts over SSH: the fleet form (src/fleet/) takes over.
  if (argv.some((a) => a === "--hosts" || a.startsWith("--hosts="))) return (await import("./fleet.js")).run(argv);
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      flake: { type: "string" },
      host: { type: "string" },
      root: { type: "string" },
      declared: { type: "string" },
      format: { type: "string" },
      "output-dir": { type: "string" },
      "alert-threshold": { type: "string" },
      "fail-on": { type: "string" },
      config: { type: "string" },
      "no-cache": { type: "boolean" },
      "eval-timeout": { type: "string" },
      force: { type: "boolean" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  const format = parseChoice(values.format, "--format", ["text", "json", "markdown"] as const, "text");
  const alertThreshold = parseSeverity(values["alert-threshold"], "--alert-threshold");
  const failOn = parseSeverity(values["fail-on"], "--fail-on");
  let evalTimeoutMs: number | undefined;
  if (values["eval-timeout"] !== undefined) {
    const s = Number(values["eval-timeout"]);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--eval-timeout must be a positive number of seconds (got '${values["eval-timeout"]}')`);
    evalTimeoutMs = s * 1000;
  }

  if (!values.force) {
    const problem = await driftTargetProblem(values.root ?? "/", values.host ?? parseFlakeRef(values.flake ?? ".", process.cwd()).host).catch((e: unknown) => {
      if (e instanceof InvalidRootError) throw new UsageError(`--root: ${e.message}`);
      throw e;
    });
    if (problem) {
      console.error(`nix-warden drift: refused: ${problem} (--force checks anyway)`);
      return 3;
    }
  }

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let full: DriftReportX;
  try {
    full = await checkDrift({
      flake: values.flake,
      host: values.host,
      root: values.root,
      declaredFile: values.declared,
      configFile: values.config,
      configUsage: flakeConfigUsage,
      noCache: values["no-cache"],
      evalTimeoutMs,
      signal: controller.signal,
    });
  } catch (e) {
    // A wrong --root is the caller's mistake, not a machine without drift: exit 2, no report.
    if (e instanceof InvalidRootError) throw new UsageError(`--root: ${e.message}`);
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const report = alertThreshold ? applyThreshold(full, alertThreshold) : full;

  if (values["output-dir"]) await writeOutputs(resolve(values["output-dir"]), report);
  if (format === "json") console.log(JSON.stringify(report, null, 2));
  else if (format === "markdown") console.log(renderMarkdown(report));
  else console.log(renderText(report));

  if (declaredUnavailable(report)) {
    for (const e of report.errors.filter((x) => x.source === "nix eval" || x.source === "declared")) console.error(`nix-warden drift: ${e.message}`);
    return 3;
  }
  if (failOn && hasDriftAtLeast(full, failOn)) return EXIT_FAIL_ON;
  return EXIT_OK;
}

/** Writes every output next to its final name first, then renames: no partial set on failure. */
export async function writeOutputs(dir: string, report: DriftReportX): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string, number][] = [
    ["drift-report.md", renderMarkdown(report), 0o644],
    ["drift-report.json", JSON.stringify(report, null, 2) + "\n", 0o644],
    ["remediation-script.sh", renderScript(report), 0o755],
    ["drift-metrics.json", JSON.stringify(renderMetrics(report), null, 2) + "\n", 0o644],
  ];
  const tag = `.tmp-${process.pid}-${Date.now()}`;
  try {
    for (const [name, text, mode] of files) {
      await writeFile(join(dir, name + tag), text, "utf8");
      await chmod(join(dir, name + tag), mode);
    }
    for (const [name] of files) await rename(join(dir, name + tag), join(dir, name));
  } catch (e) {
    for (const [name] of files) await rm(join(dir, name + tag), { force: true });
    throw e;
  }
  return files.map(([name]) => join(dir, name));
}
