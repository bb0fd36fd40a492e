// The probes, one per area, and the actual state they add up to. Each probe runs on its own; a
// failure in one never stops the others.
import type { ReportError } from "../../report/schema.js";
import { probeConfigs, type ConfigsFacts } from "./configs.js";
import { probeFiles, type FilesFacts } from "./files.js";
import { probeFirewall, type FirewallFacts } from "./firewall.js";
import { probeGenerations, type GenerationsFacts } from "./generations.js";
import { probeGit, type GitFacts } from "./git.js";
import { probeHistory, type HistoryFacts } from "./history.js";
import { probeMounts, type MountsFacts } from "./mounts.js";
import { probeNetwork, type NetworkFacts } from "./network.js";
import { probePackages, type PackagesFacts } from "./packages.js";
import { probeServices, type ServicesFacts } from "./services.js";
import { probeSysctl, type SysctlFacts } from "./sysctl.js";
import { probeUsers, type UsersFacts } from "./users.js";
import type { Probe, ProbeContext, ProbeResult } from "./types.js";

export interface ActualState {
  packages?: PackagesFacts;
  services?: ServicesFacts;
  users?: UsersFacts;
  files?: FilesFacts;
  network?: NetworkFacts;
  firewall?: FirewallFacts;
  mounts?: MountsFacts;
  generations?: GenerationsFacts;
  sysctl?: SysctlFacts;
  git?: GitFacts;
  history?: HistoryFacts;
  configs?: ConfigsFacts;
}

export type ProbeName = keyof ActualState;

export const PROBES: { [K in ProbeName]-?: Probe<NonNullable<ActualState[K]>> } = {
  packages: probePackages,
  services: probeServices,
  users: probeUsers,
  files: probeFiles,
  network: probeNetwork,
  firewall: probeFirewall,
  mounts: probeMounts,
  generations: probeGenerations,
  sysctl: probeSysctl,
  git: probeGit,
  history: probeHistory,
  configs: probeConfigs,
};

export interface ProbeRun {
  name: ProbeName;
  status: "ok" | "partial" | "failed";
  durationMs: number;
  notes: string[];
}

/** Runs one probe; an exception (a bug, or an error the probe did not foresee) becomes an error entry. */
export async function runProbe<K extends ProbeName>(name: K, ctx: ProbeContext): Promise<{ result?: ProbeResult<NonNullable<ActualState[K]>>; run: ProbeRun; errors: ReportError[] }> {
  const started = performance.now();
  try {
    const result = (await PROBES[name](ctx)) as ProbeResult<NonNullable<ActualState[K]>>;
    return {
      result,
      errors: result.errors,
      run: { name, status: result.errors.length ? "partial" : "ok", durationMs: performance.now() - started, notes: result.notes ?? [] },
    };
  } catch (e) {
    return {
      errors: [{ source: `probe:${name}`, message: `probe failed: ${(e as Error)?.message ?? String(e)}` }],
      run: { name, status: "failed", durationMs: performance.now() - started, notes: [] },
    };
  }
}

export type { ProbeContext, ProbeResult, Probe } from "./types.js";
