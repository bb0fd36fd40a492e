// A killed apply can be undone exactly: the real CLI is killed (SIGKILL) at every step of apply,
// then `--recover` or `--undo` must bring the repository back to its state before apply: branch,
// HEAD, index, every file's bytes, uncommitted changes of an --allow-dirty run included. The killed
// apply is a process of its own; the commands after it (refused re-apply, recover, undo) run the
// same CLI in this process (runCli), as they test what the command does, not the process.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planRemediation } from "../../src/remediate/index.js";
import { clearScanCache } from "../../src/scan/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { commitRepo, gitIn, unhardenedService } from "../helpers/git.js";

let root: string;
const git = (...args: string[]) => gitIn(root, ...args);

beforeEach(async () => {
  clearScanCache();
  root = await commitRepo(await mkdtemp(join(tmpdir(), "nix-warden-crash-")), { "job.nix": unhardenedService("job"), "backup.nix": unhardenedService("backup"), "other.nix": "{ }\n" });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Everything that must be as before: HEAD, branch, branches, index, status, each file's bytes. */
async function snapshot() {
  const files: Record<string, string> = {};
  for (const f of ["job.nix", "backup.nix", "other.nix", "notes.txt"]) {
    files[f] = existsSync(join(root, f)) ? createHash("sha256").update(await readFile(join(root, f))).digest("hex") : "absent";
  }
  return {
    head: git("rev-parse", "HEAD").trim(),
    branch: git("symbolic-ref", "--short", "HEAD").trim(),
    branches: git("branch", "--list", "--format=%(refname)").trim(),
    index: git("ls-files", "-s"),
    status: git("status", "--porcelain=v1", "--untracked-files=all"),
    files,
  };
}

/** Run `remediate --apply` in the real CLI, paused at `step`, and kill it there (SIGKILL, or SIGINT as Ctrl-C sends). */
async function killApplyAt(step: string, planId: string, extra: string[], signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const child = spawn(process.execPath, [CLI, "remediate", root, "--apply", planId, "--yes", ...extra], {
    env: { ...process.env, NIX_WARDEN_TEST_PAUSE_AT: step },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const paused = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`apply did not reach ${step}: ${stderr}`)), 60_000);
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(`test pause at ${step}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`apply exited (${code}) before ${step}: ${stderr}`));
    });
  });
  try {
    await paused;
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited.catch(() => undefined);
  }
}

const STEPS = ["intent", "branch", "file", "files-written", "validated", "commit"];

describe("remediate: an apply killed at any step is undone exactly", () => {
  it.each([
    ["clean", false],
    ["--allow-dirty", true],
  ])("%s: kill -9 (and Ctrl-C) at each step, then --recover / --undo restore the state before apply", async (_name, dirty) => {
    if (dirty) {
      // Unstaged, staged-and-unstaged, and untracked changes: all must survive the round trip.
      await writeFile(join(root, "job.nix"), unhardenedService("job") + "# local change\n");
      await writeFile(join(root, "backup.nix"), unhardenedService("backup") + "# staged\n");
      git("add", "backup.nix");
      await writeFile(join(root, "backup.nix"), unhardenedService("backup") + "# staged\n# and not\n");
      await writeFile(join(root, "other.nix"), "{ } # dirty, not ours\n");
      await writeFile(join(root, "notes.txt"), "untracked\n");
    }
    const { plan } = await planRemediation({ root });
    expect(Object.keys(plan.files).sort()).toEqual(["backup.nix", "job.nix"]);
    const before = await snapshot();
    const flags = dirty ? ["--allow-dirty"] : [];
    for (const [i, step] of STEPS.entries()) {
      // Ctrl-C at one step, kill -9 at the others.
      await killApplyAt(step, plan.id, flags, step === "files-written" ? "SIGINT" : "SIGKILL");
      // Killed mid-apply: re-applying is refused until the repository is put back.
      if (step !== "intent") expect(await snapshot(), step).not.toEqual(before);
      const again = await runCli(["remediate", root, "--apply", plan.id, "--yes", ...flags]);
      expect(again.code, step).toBe(1);
      expect(again.stdout, step).toContain("--recover");
      const back = await (i % 2 === 0 ? runCli(["remediate", root, "--recover"]) : runCli(["remediate", root, "--undo", plan.id]));
      expect(back.code, `${step}: ${back.stdout}${back.stderr}`).toBe(0);
      expect(back.stdout, step).toContain("undone");
      expect(await snapshot(), step).toEqual(before);
      expect((await runCli(["remediate", root, "--recover"])).stdout, step).toContain("Nothing to recover");
    }
    // And the plan still applies afterwards (nothing left half-done), and undoes to the same state.
    const applied = await runCli(["remediate", root, "--apply", plan.id, "--yes", ...flags]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await readFile(join(root, "job.nix"), "utf8")).toContain("ProtectSystem");
    const undone = await runCli(["remediate", root, "--undo", plan.id]);
    expect(undone.code, undone.stdout).toBe(0);
    expect(undone.stdout).toMatch(/deleted branch nix-warden\/fix-/);
    expect(await snapshot()).toEqual(before);
  }, 300_000);
});
