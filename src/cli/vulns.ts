// `nix-warden vulns`: known vulnerabilities (NVD CVEs) in the packages of a flake's hosts or of a
// machine, matched offline against the local advisory cache (`nix-warden advisories update`).
import { resolve } from "node:path";
import { atLeast } from "../report/severity.js";
import { runVulns } from "../vulns/index.js";
import { renderVulnsText } from "../vulns/render.js";
import { EXIT_FAIL_ON, EXIT_OK, parseChoice, parseCommandOrHelp, parseSeverity, UsageError } from "./args.js";

export const summary = "match the packages of hosts or a machine against known vulnerabilities (NVD, offline cache)";

const HELP = `usage: nix-warden vulns [--flake REF] [--host H]... | --root DIR | --system  [options]

Packages come from a flake's hosts (environment.systemPackages, by nix eval), from a machine root
(the closure of DIR/run/current-system plus the nix-env / nix profile profiles), or from this
machine (--system, the same as --root /). They are matched offline against the advisory cache;
every report says how old that data is, and a missing or unusable cache is an error, never
"no vulnerabilities".

options:
  --flake REF          the configuration flake (default "."); REF#HOST selects one host
  --host H             only this host (repeatable; default: every nixosConfigurations host).
                       With --root, the name the machine is reported under
  --root DIR           read the machine from DIR
  --system             read this machine (/)
  --advisories FILE    the advisory cache file (default: the user's cache)
  --whitelist FILE     a vulnix whitelist (TOML; repeatable; default: vulnix-whitelist.toml in
                       the repository when present)
  --repo DIR           the repository whose .nix-warden.yaml, flake.lock and tracking state apply
                       (default: the flake's directory, or the root)
  --format text|json   what to print (default text)
  --fail-on SEV        exit 1 when a vulnerable package at or above SEV remains
  --no-track           neither compare with nor save the per-host summary
  --eval-timeout SECONDS  limit for each nix eval (default 300)

exit codes: 0 ok, 1 --fail-on triggered, 2 usage error, 3 no usable advisory data (nothing was
checked) or no packages could be read.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      flake: { type: "string" },
      host: { type: "string", multiple: true },
      root: { type: "string" },
      system: { type: "boolean" },
      advisories: { type: "string" },
      whitelist: { type: "string", multiple: true },
      repo: { type: "string" },
      format: { type: "string" },
      "fail-on": { type: "string" },
      "no-track": { type: "boolean" },
      "eval-timeout": { type: "string" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  const format = parseChoice(values.format, "--format", ["text", "json"] as const, "text");
  const failOn = parseSeverity(values["fail-on"], "--fail-on");
  if ((values.root !== undefined || values.system) && values.flake !== undefined) throw new UsageError("--flake and --root/--system are alternatives: give one");
  if (values.root !== undefined && values.system) throw new UsageError("--root and --system are alternatives: give one");
  let evalTimeoutMs: number | undefined;
  if (values["eval-timeout"] !== undefined) {
    const s = Number(values["eval-timeout"]);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--eval-timeout must be a positive number of seconds (got '${values["eval-timeout"]}')`);
    evalTimeoutMs = s * 1000;
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let report;
  try {
    report = await runVulns({
      flake: values.flake,
      hosts: values.host,
      root: values.system ? "/" : values.root !== undefined ? resolve(values.root) : undefined,
      advisories: values.advisories !== undefined ? resolve(values.advisories) : undefined,
      whitelists: values.whitelist?.map((w) => resolve(w)),
      repoRoot: values.repo !== undefined ? resolve(values.repo) : undefined,
      track: !values["no-track"],
      evalTimeoutMs,
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  process.stdout.write(format === "json" ? JSON.stringify(report, null, 2) + "\n" : renderVulnsText(report));
  if (report.advisories.status !== "ok") {
    console.error(`nix-warden vulns: ${report.advisories.note}`);
    return 3;
  }
  if (report.hosts.every((h) => (report.packagesPerHost[h] ?? 0) === 0)) {
    console.error("nix-warden vulns: no packages could be read; see the errors in the report");
    return 3;
  }
  if (failOn && report.findings.some((f) => atLeast(f.severity, failOn))) return EXIT_FAIL_ON;
  return EXIT_OK;
}
