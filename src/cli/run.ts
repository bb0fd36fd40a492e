// `nix-warden run`: the scheduled run the NixOS module's timers start (and anyone can start by hand).
import { scheduledRun } from "../history/run.js";
import { autoRemediateDrift } from "../remediate/auto.js";
import { defaultHistoryDir } from "../history/index.js";
import type { HistoryKind } from "../history/store.js";
import { EXIT_OK, parseCommandOrHelp, parseSeverity, UsageError } from "./args.js";
import { hostname } from "node:os";

export const summary = "run the checks as the timer does: keep the reports, the history and the metrics, notify on alerts";

const HELP = `usage: nix-warden run --flake REF [options]

Runs the drift check and/or the security scan of one host, keeps each report in
DIR/reports/<time>-<host>-<kind>.json, appends an entry to DIR/history.jsonl, rewrites
DIR/drift-metrics.json and the Prometheus textfile DIR/nix-warden.prom, and runs the --notify
programs when something at or above --alert-threshold is present.

options:
  --flake REF             the configuration flake (a local directory for --security)
  --host H                the host (default: this machine's hostname)
  --output-dir DIR        the history directory (default: $NIX_WARDEN_HISTORY_DIR, else
                          <state>/history)
  --drift                 run the drift check
  --security              run the security scan (neither flag: both)
  --alert-threshold SEV   notify at or above SEV (critical, high, medium, low; default high)
  --notify PROGRAM        run PROGRAM REPORT-PATH on an alert (repeatable; no shell: a path or
                          a program name, without arguments)
  --textfile-dir DIR      also write nix-warden.prom to node_exporter's textfile directory
  --root DIR              drift: read the machine from DIR instead of /
  --declared FILE         drift: a declared state produced earlier (skips nix eval)
  --config FILE           drift: exceptions file
  --eval-timeout SECONDS  drift: limit for nix eval (default 300)
  --auto-remediate        drift: revert the drift nix-warden rates safe (imperative packages, stray
                          units) by running its commands, journaled; never edits a file. Undo
                          with: nix-warden remediate FLAKE-DIR --undo PLAN-ID. Needs --flake to
                          be a local git checkout; with --root the commands are planned, not run
  --quick                 security: built-in exposure scorer only
  -h, --help

exit codes: 0 the checks ran (whatever they found), 2 usage error, 3 a check could not run.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      flake: { type: "string" },
      host: { type: "string" },
      "output-dir": { type: "string" },
      drift: { type: "boolean" },
      security: { type: "boolean" },
      "alert-threshold": { type: "string" },
      notify: { type: "string", multiple: true },
      "textfile-dir": { type: "string" },
      root: { type: "string" },
      declared: { type: "string" },
      config: { type: "string" },
      "eval-timeout": { type: "string" },
      quick: { type: "boolean" },
      "auto-remediate": { type: "boolean" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  if (!values.flake) throw new UsageError("run needs --flake REF (the configuration flake)");
  const alertThreshold = parseSeverity(values["alert-threshold"], "--alert-threshold") ?? "high";
  let evalTimeoutMs: number | undefined;
  if (values["eval-timeout"] !== undefined) {
    const s = Number(values["eval-timeout"]);
    if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--eval-timeout must be a positive number of seconds (got '${values["eval-timeout"]}')`);
    evalTimeoutMs = s * 1000;
  }
  for (const n of values.notify ?? []) if (!n || /\s/.test(n)) throw new UsageError(`--notify takes a program (path or name) without arguments, got '${n}'; it is run with the report path as its only argument`);
  const kinds: HistoryKind[] = [];
  if (values.drift) kinds.push("drift");
  if (values.security) kinds.push("security");
  if (!kinds.length) kinds.push("drift", "security");
  const host = values.host ?? values.flake.match(/#(.+)$/)?.[1] ?? hostname().split(".")[0]!;

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const result = await scheduledRun({
      flake: values.flake,
      host,
      outputDir: values["output-dir"] ?? defaultHistoryDir(),
      kinds,
      alertThreshold,
      notify: values.notify,
      textfileDir: values["textfile-dir"],
      root: values.root,
      declaredFile: values.declared,
      configFile: values.config,
      evalTimeoutMs,
      quick: values.quick,
      ...(values["auto-remediate"]
        ? { autoRemediate: (target: { report: Parameters<typeof autoRemediateDrift>[0]["report"]; repoRoot: string; machineRoot: string }) => autoRemediateDrift({ ...target, signal: controller.signal }) }
        : {}),
      signal: controller.signal,
    });
    for (const o of result.outcomes) {
      const e = o.entry;
      const sev = Object.entries(e.bySeverity).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(", ");
      console.log(`${e.kind} ${e.host}: ${e.ok ? `${e.total} item(s)${sev ? ` (${sev})` : ""}${e.score !== null ? `, score ${e.score}` : ""}` : "could not run"} -> ${o.reportPath}`);
      if (o.remediation) console.log(`  auto-remediate: ${o.remediation.note}`);
      if (o.alerting) console.log(`  ${o.alerting} at or above ${alertThreshold}${o.notified.length ? `: notified ${o.notified.map((n) => `${n.program}${n.ok ? "" : " (failed)"}`).join(", ")}` : ""}`);
      for (const err of o.errors) console.error(`nix-warden run: ${e.kind}: ${err}`);
    }
    console.log(`metrics: ${result.written.filter((w) => w.endsWith(".prom") || w.endsWith("drift-metrics.json")).join(", ")}`);
    return result.exitCode;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

