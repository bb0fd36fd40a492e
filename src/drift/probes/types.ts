// The probe interface. A probe reads one area of a machine's actual state from a root directory
// ("/" for the live system) and returns facts, never drift: comparing is compare/'s job. A probe
// never throws: a failure (permission denied, a command missing) becomes an error entry, and a
// part it cannot do against a root directory becomes a note that says so.
import type { ReportError } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import type { RootFs } from "../root.js";

export interface ProbeContext {
  /** Absolute root directory of the machine; "/" for the live system. */
  root: string;
  /** True when root is "/": command-based probes (systemctl, nft, iptables, journalctl) may run. */
  live: boolean;
  signal?: AbortSignal;
  /** Per-command timeout. */
  timeoutMs?: number;
  /** The file reader for root (shared, so probes agree on store fallback and links). */
  fs?: RootFs;
  /** What the host declares, for probes that only look at declared things (sysctl keys). */
  declared?: DeclaredState;
  /** The local flake directory (the git probe). */
  flakeDir?: string;
  /** Which files a flake directory uses (the scan's host graph, handed in by the caller). */
  configUsage?: ConfigUsageOf;
}

/** What the flake in a directory uses: every file reached from flake.nix (hosts' modules and
 * everything else it refers to), relative to the directory. `isFlake` false: no flake.nix there. */
export interface ConfigUsage {
  isFlake: boolean;
  used: string[];
}
export type ConfigUsageOf = (localDir: string) => Promise<ConfigUsage | undefined>;

export interface ProbeResult<F> {
  facts: F;
  errors: ReportError[];
  /** What the probe could not do here and why (e.g. "systemctl needs the live system"). */
  notes?: string[];
}

export type Probe<F> = (ctx: ProbeContext) => Promise<ProbeResult<F>>;
