// The drift part of `npm run demo`: the example configuration (examples/drift/flake) checked against
// the bundled example machine (examples/drift/system), which drifted in every category. The flake
// is put in a throw-away git repository with an uncommitted edit and an untracked file, so the git
// checks have something to find; with Nix installed it is evaluated for real, otherwise the
// extractor's recorded output (examples/drift/declared.json) stands in.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasCommand, run } from "../system/run.js";
import { PACKAGE_ROOT } from "../version.js";
import { checkDrift, type CheckDriftOptions } from "./index.js";
import type { DriftReportX } from "./model.js";
import { renderText } from "./render/text.js";
import { materializeRoot } from "./root-spec.js";

export const EXAMPLE_DIR = join(PACKAGE_ROOT, "examples", "drift");

/** Fixed identity and dates: the example repository's commit is the same on every machine. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: "nix-warden demo",
  GIT_AUTHOR_EMAIL: "demo@example.invalid",
  GIT_COMMITTER_NAME: "nix-warden demo",
  GIT_COMMITTER_EMAIL: "demo@example.invalid",
  GIT_AUTHOR_DATE: "2026-11-01T12:00:00Z",
  GIT_COMMITTER_DATE: "2026-11-01T12:00:00Z",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

export interface ExampleWorkspace {
  dir: string;
  root: string;
  repo: string;
  cleanup: () => Promise<void>;
}

/** The example machine root and a git checkout of the example flake with uncommitted changes. */
export async function prepareExample(options: { dirty?: boolean } = {}): Promise<ExampleWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-drift-demo-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const root = join(dir, "root");
    const repo = join(dir, "nixos-config");
    await materializeRoot(join(EXAMPLE_DIR, "system"), root);
    await cp(join(EXAMPLE_DIR, "flake"), repo, { recursive: true });
    const git = async (...args: string[]) => {
      const r = await run("git", ["-C", repo, ...args], { env: GIT_ENV, timeoutMs: 30_000 });
      if (!r.ok) throw new Error(`git ${args[0]} failed: ${r.error}`);
    };
    await git("init", "-q", "-b", "main");
    await git("add", "-A");
    await git("commit", "-q", "-m", "web1: nginx, ssh, node exporter");
    if (options.dirty !== false) {
      const host = join(repo, "hosts", "web1.nix");
      const text = await readFile(host, "utf8");
      await writeFile(host, text.replace('(pkg "vim" "9.1.0377")', '(pkg "vim" "9.1.0377") (pkg "jq" "1.7.1")'));
      await writeFile(join(repo, "hosts", "web2.nix"), "# web2: not written yet\n{ lib, self }: { }\n");
    }
    return { dir, root, repo, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Runs the example check (real nix eval when Nix is installed). */
export async function runExampleCheck(ws: ExampleWorkspace, extra: Partial<CheckDriftOptions> = {}): Promise<DriftReportX> {
  const useNix = await hasCommand("nix");
  return checkDrift({
    flake: ws.repo,
    host: "web1",
    root: ws.root,
    // A throw-away repository: caching its declared state would only fill the user's cache.
    noCache: true,
    ...(useNix ? {} : { declaredFile: join(EXAMPLE_DIR, "declared.json") }),
    ...extra,
  });
}

/** Prints the drift report of the example machine; returns the exit code for the demo command. */
export async function runDriftDemo(): Promise<number> {
  const ws = await prepareExample();
  try {
    const report = await runExampleCheck(ws);
    console.log(`== nix-warden drift: the example machine (examples/drift/system) against its configuration (examples/drift/flake)\n`);
    console.log(renderText(report).split(ws.dir).join("<demo>"));
    return 0;
  } finally {
    await ws.cleanup();
  }
}
