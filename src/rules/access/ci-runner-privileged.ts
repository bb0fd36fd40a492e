// ci-runner-privileged: a CI runner whose jobs run privileged or with the host's container engine
// socket. Whoever can make the runner run a job (push a branch, open a pull request to a repository
// it serves, edit a workflow) then controls a privileged container or the Docker API, which is root
// on the host. Reported:
//   - gitlab-runner: `dockerPrivileged = true`, `dockerVolumes` with docker.sock, and the same as
//     `registrationFlags` (`--docker-privileged`, `--docker-volumes /var/run/docker.sock:…`);
//   - Gitea/Forgejo act_runner: `settings.container.privileged = true`, docker.sock in
//     `settings.container.options` or `valid_volumes`, Forgejo's `container.docker_host =
//     "automount"` (the socket in every job); instances named by an expression
//     (`instances.${config.networking.hostName}`) too;
//   - Woodpecker agents: docker.sock in WOODPECKER_BACKEND_DOCKER_VOLUMES;
//   - GitHub runners running as root or with the docker group;
//   - a runner started by hand in a script (`docker run --privileged -v /var/run/docker.sock:…`
//     of a container whose command names a runner).
// Not reported: runners without these (jobs in unprivileged containers), privileged containers
// that are not runners.
import { commandName } from "../../shell/parse.js";
import { staticValue } from "../../nix/values.js";
import { rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";

const SOCKET = /(?:docker|podman)\.sock\b/;
const RUNNER_WORD = /(?:github|gitlab|actions|forgejo|gitea|act)[-_]?runner|woodpecker|drone-runner|buildkite|runner[-_]?image/i;
const WHY = "whoever can make it run a job (a push, a pull request, a workflow edit) controls the host's container engine or a privileged container, which is root on the host";

interface Hit {
  what: string;
  runner: string;
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

/** What a runner option gives its jobs, if too much. */
function judgeOption(path: string, value: unknown): Hit | undefined {
  const s = stringsOf(value);
  let m = /^services\.gitlab-runner\.services\.(\$\{[^}]*\}|[^.]+)\.(dockerPrivileged|dockerVolumes|registrationFlags)$/.exec(path);
  if (m) {
    const runner = `gitlab-runner ${m[1]}`;
    if (m[2] === "dockerPrivileged" && value === true) return { runner, what: "runs its jobs' containers privileged (dockerPrivileged = true)" };
    if (m[2] === "dockerVolumes" && s.some((x) => SOCKET.test(x))) return { runner, what: "mounts the host's Docker socket into its jobs (dockerVolumes)" };
    if (m[2] === "registrationFlags") {
      const flags = s.join(" ");
      if (/--docker-privileged(?:[= ]true)?(?!\S)/.test(flags) && !/--docker-privileged[= ]false/.test(flags)) return { runner, what: "registers with --docker-privileged, so its jobs' containers run privileged" };
      if (/--docker-volumes[= ]\S*(?:docker|podman)\.sock/.test(flags)) return { runner, what: "registers with the host's Docker socket mounted into its jobs (--docker-volumes)" };
    }
    return undefined;
  }
  m = /^services\.(gitea-actions-runner|forgejo-runner)\.instances\.(\$\{[^}]*\}|[^.]+)\.settings\.container\.(privileged|options|valid_volumes|docker_host)$/.exec(path);
  if (m) {
    const runner = `${m[1]} ${m[2]}`;
    if (m[3] === "privileged" && value === true) return { runner, what: "runs its jobs' containers privileged (container.privileged = true)" };
    // Forgejo runner: "automount" finds the host's engine socket and mounts it into every job and
    // service container ("" or "-" finds it without mounting it; wrmilling-nixos-configuration's bob).
    if (m[3] === "docker_host") return value === "automount" ? { runner, what: 'mounts the host\'s Docker socket into every job container (container.docker_host = "automount")' } : undefined;
    if (m[3] === "options" && s.some((x) => /--privileged\b/.test(x))) return { runner, what: "starts its jobs' containers with --privileged (container.options)" };
    if (s.some((x) => SOCKET.test(x))) return { runner, what: `lets its jobs mount the host's Docker socket (container.${m[3]})` };
    return undefined;
  }
  m = /^services\.woodpecker-agents\.agents\.([^.]+)\.environment\.WOODPECKER_BACKEND_DOCKER_VOLUMES$/.exec(path);
  if (m && s.some((x) => SOCKET.test(x))) return { runner: `woodpecker agent ${m[1]}`, what: "mounts the host's Docker socket into every pipeline step (WOODPECKER_BACKEND_DOCKER_VOLUMES)" };
  m = /^services\.github-runners\.([^.]+)\.(user|serviceOverrides\.SupplementaryGroups|extraGroups)$/.exec(path);
  if (m) {
    const runner = `github-runner ${m[1]}`;
    if (m[2] === "user" && value === "root") return { runner, what: "runs its jobs as root (user = \"root\")" };
    if (m[2] !== "user" && s.some((x) => x === "docker" || x === "podman")) return { runner, what: `runs its jobs with the ${s.find((x) => x === "docker" || x === "podman")} group, so they can use the host's container engine` };
  }
  return undefined;
}

function checkOptions(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !/^services\.(?:gitlab-runner|gitea-actions-runner|forgejo-runner|woodpecker-agents|github-runners)\./.test(def.path)) continue;
    const hit = judgeOption(def.path, staticValue(def.inner));
    if (!hit) continue;
    ctx.report({
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: "high",
      title: "CI runner jobs can take over the host",
      message: `The CI runner ${hit.runner} ${hit.what}: ${WHY}.`,
      fix: {
        safety: "manual",
        description: "Run jobs in unprivileged containers without the host's socket; build images with rootless tools (kaniko, buildah, rootless BuildKit) or a dedicated, disposable VM per job.",
      },
    });
  }
}

function checkCommands(cmds: ScriptCommand[], { lines, report }: ScriptFile): void {
  for (const { argv, what } of cmds) {
    const engine = commandName(argv[0]);
    if ((engine !== "docker" && engine !== "podman") || !["run", "create"].includes(argv[1]?.value ?? "")) continue;
    const words = argv.map((w) => w.value);
    if (!words.some((w) => RUNNER_WORD.test(w))) continue;
    const privileged = argv.find((w) => w.value === "--privileged" || w.value === "--privileged=true");
    const socket = argv.find((w, i) => SOCKET.test(w.value) && (i === 0 || /^(?:-v|--volume|--mount)$/.test(argv[i - 1]!.value) || /^(?:-v|--volume=|--mount=)/.test(w.value)));
    const at = privileged ?? socket;
    if (!at) continue;
    const gives = [privileged ? "--privileged" : "", socket ? "the host's Docker socket" : ""].filter(Boolean).join(" and ");
    report({
      range: rangeOf(lines, argv[0]!.start, at.end),
      key: `${what}:${engine} run:${gives}`,
      severity: "high",
      title: "CI runner jobs can take over the host",
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} starts a CI runner container with ${gives}: ${WHY}.`,
      evidence: `${engine} run … ${[privileged?.value, socket?.value].filter(Boolean).join(" … ")}`,
      fix: {
        safety: "manual",
        description: "Start the runner without --privileged and without the host's Docker socket (use a rootless engine or Docker-in-Docker in a VM), or run it in a disposable VM.",
      },
    });
  }
}

export const ciRunnerPrivileged: Rule = {
  id: "ci-runner-privileged",
  examples: {
    fire: [
      hostExample(`{\n  services.gitlab-runner.enable = true;\n  services.gitlab-runner.services.docker = {\n    executor = "docker";\n    dockerImage = "alpine";\n    dockerPrivileged = true;\n    dockerVolumes = [ "/var/run/docker.sock:/var/run/docker.sock" ];\n  };\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.gh-runner.script = ''\n    docker run --rm --name github-runner-1 --privileged \\\n      -v /var/run/docker.sock:/var/run/docker.sock myoung34/github-runner:latest\n  '';\n}\n`),
      hostExample(`{\n  services.woodpecker-agents.agents.docker.environment.WOODPECKER_BACKEND_DOCKER_VOLUMES = "/var/run/docker.sock:/var/run/docker.sock";\n  services.github-runners.ci.serviceOverrides.SupplementaryGroups = [ "docker" ];\n}\n`),
      // An instance named after the host, jobs given the host's socket by Forgejo's automount.
      hostExample(`{ config, pkgs, ... }: {\n  services.gitea-actions-runner.package = pkgs.forgejo-runner;\n  services.gitea-actions-runner.instances.\${config.networking.hostName}.settings.container.docker_host = "automount";\n}\n`),
    ],
    silent: [
      hostExample(`{ config, ... }: {\n  services.gitlab-runner.services.docker = {\n    executor = "docker";\n    dockerImage = "alpine";\n    dockerVolumes = [ "/cache" ];\n    registrationFlags = [ "--docker-privileged=false" ];\n  };\n  services.gitea-actions-runner.instances.main.settings.container.privileged = false;\n  services.gitea-actions-runner.instances.\${config.networking.hostName}.settings.container.docker_host = "-";\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.portainer.script = ''\n    docker run -d --name portainer -v /var/run/docker.sock:/var/run/docker.sock portainer/portainer-ce\n  '';\n}\n`),
    ],
  },
  name: "CI runner jobs can take over the host",
  category: "access",
  severity: "high",
  rationale:
    "A CI runner runs code that anyone with push (or pull-request) access to the repositories it serves can change. Privileged job containers, the host's Docker socket or a root runner account turn every such job into root on the runner's host, and from there into its secrets and networks.",
  fix: "Run jobs unprivileged, without the host's container socket, as a dedicated user; build images rootless or in a disposable VM per job.",
  references: [
    { title: "GitLab Runner: security of the Docker executor (privileged mode)", url: "https://docs.gitlab.com/runner/security/#usage-of-docker-executor" },
    { title: "GitHub docs: hardening for self-hosted runners", url: "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#hardening-for-self-hosted-runners" },
    { title: "Docker docs: Docker daemon attack surface", url: "https://docs.docker.com/engine/security/#docker-daemon-attack-surface" },
  ],
  compliance: { cis: [], nist: ["PR.AA-05", "PR.PS-01"] },
  ...scriptCommandHooks(checkCommands, checkOptions),
};
