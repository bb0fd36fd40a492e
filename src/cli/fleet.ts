// `nix-warden drift --hosts all|a,b[=user@host]`: the fleet form of the drift command (src/cli/drift.ts
// hands over when it sees --hosts). One report per host (and --output-dir DIR/<host>/) plus a fleet
// summary; an unreachable host is an error entry, not a failed run.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { renderMarkdown } from "../drift/render/markdown.js";
import { renderMetrics } from "../drift/render/metrics.js";
import { atLeast } from "../report/severity.js";
import { EXIT_FAIL_ON, EXIT_OK, parseChoice, parseCommandOrHelp, parseSeverity, UsageError } from "./args.js";
import { renderFleetText, runFleet } from "../fleet/index.js";
import { parseHostList } from "../fleet/targets.js";

const HELP = `usage: nix-warden drift --hosts all|HOST[,HOST...] [options]

Checks several hosts of the flake over SSH, in parallel. Each host's declared state is evaluated
here; the machine is read by one read-only program sent over the connection (nothing is installed
on it). A host is reached as HOST=user@address when given so, else as the flake's deploy-rs or
colmena node says, else by its name (ssh resolves it through ~/.ssh/config).

  --hosts all|LIST        every nixosConfigurations host, or a comma-separated list
  --flake REF             the configuration flake (default ".")
  --jobs N                hosts checked at once (default 4)
  --ssh-config FILE       ssh -F FILE instead of ~/.ssh/config
  --connect-timeout SEC   ssh ConnectTimeout (default 10)
  --host-timeout SEC      limit per host for the whole SSH call (default 60)
  --eval-timeout SEC      limit for each nix eval (default 300)
  --format text|json      (default text)
  --output-dir DIR        DIR/<host>/drift-report.{json,md}, drift-metrics.json; DIR/fleet.json
  --fail-on SEV           exit 1 when a reachable host has drift at or above SEV
  -h, --help

Over SSH the users and groups, hostname, resolvers, listening sockets, mounts, kernel parameters,
system generations and imperatively installed packages (user and default profiles) are compared;
services, /etc files, the firewall and git need a local check for now.`;

function seconds(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds (got '${v}')`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      hosts: { type: "string" },
      flake: { type: "string" },
      jobs: { type: "string" },
      "ssh-config": { type: "string" },
      "connect-timeout": { type: "string" },
      "host-timeout": { type: "string" },
      "eval-timeout": { type: "string" },
      format: { type: "string" },
      "output-dir": { type: "string" },
      "fail-on": { type: "string" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  if (!values.hosts) throw new UsageError("--hosts needs 'all' or a list of hosts");
  if (values.hosts !== "all") {
    const parsed = parseHostList(values.hosts);
    if ("error" in parsed) throw new UsageError(`--hosts: ${parsed.error}`);
  }
  const format = parseChoice(values.format, "--format", ["text", "json"] as const, "text");
  const failOn = parseSeverity(values["fail-on"], "--fail-on");
  const jobs = values.jobs === undefined ? 4 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be 1..64 (got '${values.jobs}')`);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const fleet = await runFleet({
      flake: values.flake ?? ".",
      hosts: values.hosts,
      jobs,
      config: values["ssh-config"] ? resolve(values["ssh-config"]) : undefined,
      connectTimeoutSec: seconds(values["connect-timeout"], "--connect-timeout"),
      hostTimeoutMs: (seconds(values["host-timeout"], "--host-timeout") ?? 60) * 1000,
      evalTimeoutMs: (seconds(values["eval-timeout"], "--eval-timeout") ?? 300) * 1000,
      signal: controller.signal,
    });
    if (values["output-dir"]) {
      const dir = resolve(values["output-dir"]);
      await mkdir(dir, { recursive: true });
      for (const h of fleet.hosts) {
        if (!h.report) continue;
        await mkdir(join(dir, h.host), { recursive: true });
        await writeFile(join(dir, h.host, "drift-report.json"), JSON.stringify(h.report, null, 2) + "\n");
        await writeFile(join(dir, h.host, "drift-report.md"), renderMarkdown(h.report));
        await writeFile(join(dir, h.host, "drift-metrics.json"), JSON.stringify(renderMetrics(h.report), null, 2) + "\n");
      }
      await writeFile(join(dir, "fleet.json"), JSON.stringify({ ...fleet, hosts: fleet.hosts.map(({ report, ...h }) => ({ ...h, report: report ? `${h.host}/drift-report.json` : undefined })) }, null, 2) + "\n");
    }
    process.stdout.write(format === "json" ? JSON.stringify(fleet, null, 2) + "\n" : renderFleetText(fleet));
    if (fleet.error) return 3;
    if (failOn && fleet.hosts.some((h) => h.report?.items.some((i) => atLeast(i.severity, failOn)))) return EXIT_FAIL_ON;
    return EXIT_OK;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
