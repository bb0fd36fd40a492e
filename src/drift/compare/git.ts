// The config repository: uncommitted and untracked changes (a flake does not even see untracked
// files), commits not pushed, and a running system built from a dirty tree or another commit
// (system.configurationRevision, read from the running system's nixos-version).
import type { DeclaredState } from "../declared/schema.js";
import type { GenerationsFacts } from "../probes/generations.js";
import type { GitFacts } from "../probes/git.js";
import type { DriftItemX } from "../model.js";
import { item, revert, type CompareContext } from "./common.js";

const MAX_LISTED = 20;

function latest(times: (string | undefined)[]): string | undefined {
  return times.filter((t): t is string => !!t).sort().at(-1);
}

function list(paths: string[]): string {
  return paths.slice(0, MAX_LISTED).join(", ") + (paths.length > MAX_LISTED ? ` and ${paths.length - MAX_LISTED} more` : "");
}

export function compareGit(_declared: DeclaredState, git: GitFacts, ctx: CompareContext, generations?: GenerationsFacts): DriftItemX[] {
  if (!git.isRepo || !git.repoRoot) return [];
  const repo = git.repoRoot;
  const items: DriftItemX[] = [];

  if (git.changes.length) {
    const paths = git.changes.map((c) => c.path);
    const when = latest(git.changes.map((c) => c.modifiedAt));
    items.push(
      item({
        category: "git",
        subject: "uncommitted changes",
        severity: "high",
        declared: { head: git.head ?? null },
        actual: { files: git.changes.map((c) => ({ path: c.path, status: `${c.index}${c.workingDir}`.trim() })) },
        evidence: `${git.changes.length} tracked file${git.changes.length > 1 ? "s have" : " has"} uncommitted changes in ${repo}: ${list(paths)}. A rebuild from this tree deploys configuration that no commit records.`,
        cause: when ? { description: "last edited", when, source: "file mtime" } : undefined,
        remediation: [
          { strategy: "adopt", safety: "review", description: "Review and commit the changes.", commands: [["git", "-C", repo, "add", "--", ...paths], ["git", "-C", repo, "commit", "-m", "Record configuration changes"]] },
          revert("review", "Set the changes aside (recoverable with git stash pop).", [["git", "-C", repo, "stash", "push", "--", ...paths]]),
        ],
      }),
    );
  }

  if (git.untracked.length) {
    const paths = git.untracked.map((c) => c.path);
    const nix = paths.filter((p) => p.endsWith(".nix") || p === "flake.lock");
    items.push(
      item({
        category: "git",
        subject: "untracked files",
        severity: nix.length ? "high" : "medium",
        declared: null,
        actual: { files: paths },
        evidence: `${paths.length} untracked file${paths.length > 1 ? "s" : ""} in ${repo}: ${list(paths)}.` + (nix.length ? ` Nix flakes ignore untracked files, so ${list(nix)} ${nix.length > 1 ? "are" : "is"} invisible to every evaluation and rebuild.` : ""),
        cause: latest(git.untracked.map((c) => c.modifiedAt)) ? { description: "last written", when: latest(git.untracked.map((c) => c.modifiedAt)), source: "file mtime" } : undefined,
        remediation: [{ strategy: "adopt", safety: "review", description: "Add them to git (or to .gitignore if they do not belong).", commands: [["git", "-C", repo, "add", "--", ...paths]] }],
      }),
    );
  }

  if ((git.ahead ?? 0) > 0) {
    items.push(
      item({
        category: "git",
        subject: "unpushed commits",
        severity: "medium",
        declared: { upstream: git.upstream ?? null },
        actual: { ahead: git.ahead, branch: git.branch ?? null },
        evidence: `${git.branch ?? "HEAD"} is ${git.ahead} commit${git.ahead === 1 ? "" : "s"} ahead of ${git.upstream}: the configuration exists only on this machine.`,
        remediation: [{ strategy: "adopt", safety: "review", description: "Push them.", commands: [["git", "-C", repo, "push"]] }],
      }),
    );
  } else if (!git.upstream && git.branch && !git.detached && git.head) {
    items.push(
      item({
        category: "git",
        subject: "no upstream",
        severity: "low",
        declared: null,
        actual: { branch: git.branch },
        evidence: `Branch ${git.branch} has no upstream: nothing backs up the configuration outside this repository.`,
        remediation: [{ strategy: "adopt", safety: "manual", description: "Add a remote and push (git push -u <remote> <branch>)." }],
      }),
    );
  }
  if ((git.behind ?? 0) > 0) {
    items.push(
      item({
        category: "git",
        subject: "behind upstream",
        severity: "low",
        declared: { upstream: git.upstream ?? null },
        actual: { behind: git.behind },
        evidence: `${git.branch ?? "HEAD"} is ${git.behind} commit${git.behind === 1 ? "" : "s"} behind ${git.upstream} (as of the last fetch): others changed the configuration and this checkout does not have it.`,
        remediation: [{ strategy: "adopt", safety: "review", description: "Pull (or rebase onto) the upstream changes.", commands: [["git", "-C", repo, "pull", "--ff-only"]] }],
      }),
    );
  }

  const rev = generations?.configurationRevision;
  if (rev && generations?.currentSystem) {
    const dirty = rev === "dirty" || rev.endsWith("-dirty");
    const sha = rev.replace(/-dirty$/, "");
    if (dirty) {
      items.push(
        item({
          category: "git",
          subject: "configuration revision",
          key: "dirty",
          severity: "high",
          declared: { head: git.head ?? null },
          actual: { configurationRevision: rev },
          evidence: `The running system was built from a dirty tree (system.configurationRevision = "${rev}"): what runs includes changes no commit records.`,
          remediation: [{ strategy: "adopt", safety: "review", description: "Commit the changes the machine was built from, then rebuild from the commit so the running system names it." }],
        }),
      );
    } else if (/^[0-9a-f]{7,40}$/.test(sha) && git.head && !git.head.startsWith(sha) && !sha.startsWith(git.head)) {
      items.push(
        item({
          category: "git",
          subject: "configuration revision",
          key: "other-commit",
          severity: "medium",
          declared: { head: git.head },
          actual: { configurationRevision: rev },
          evidence: `The running system was built from commit ${sha}, but ${repo} is at ${git.head}: the machine runs an older (or another branch's) configuration.`,
          remediation: [revert("review", "Rebuild from HEAD.", [["nixos-rebuild", "switch", "--flake", `${repo}#${ctx.host}`]])],
        }),
      );
    }
  }
  return items;
}
