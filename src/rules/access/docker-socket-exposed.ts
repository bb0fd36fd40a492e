// docker-socket-exposed: the Docker (or Podman, containerd) API opened to more than root and the
// docker group. Whoever can talk to it runs `docker run -v /:/host --privileged` and is root, so:
//   - `chmod 666 /var/run/docker.sock` (0666, 777, a+rw, o+w) in a unit, activation script or shell
//     script, a tmpfiles rule or a SocketMode giving the socket a world-writable mode: every local
//     user and every service, however confined, is root (high);
//   - the daemon listening on TCP (`virtualisation.docker.listenOptions`, `daemon.settings.hosts`,
//     `-H tcp://`) on an address other than loopback: the API has no authentication without TLS
//     client certificates, so everyone who reaches the port is root (critical); the same for a
//     container running its own daemon (docker:dind) on the host's network (high) or published on
//     every interface (critical);
//   - a container (virtualisation.oci-containers) that mounts the engine's socket and is reachable
//     from the network (a port published on every interface, its own LAN address): its web UI or
//     API drives the engine, so whoever gets into it is root on the host; critical for container
//     management UIs and socket proxies (Yacht, Portainer, Dockge, docker-socket-proxy), whose
//     purpose is to hand that API out, high for other images. A `:ro` mount changes nothing (the
//     API is used through connect(), not by writing the file).
// Not reported: `chmod 660`/`chgrp docker` on the socket, a loopback TCP listener, other sockets,
// a container with the socket published only on 127.0.0.1 or not published.
import { commandName, type ShellWord } from "../../shell/parse.js";
import { staticValue } from "../../nix/values.js";
import { rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "../anti-patterns/scripts.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";
import { worldWritableMode } from "../shared/file-mode.js";
import { showInterpolations } from "../shared/string-lines.js";
import { containersOf, reachableFrom } from "../shared/containers.js";
import { nixosOption } from "../shared/references.js";

/** The container engines' API sockets, which this rule judges. */
export const SOCKET = /(?:docker|podman|containerd)\.sock\b/;
const ROOT_NOTE = "whoever can write to it can start a privileged container with the host's / mounted, which is root on the host";

function checkCommands(cmds: ScriptCommand[], { lines, report }: ScriptFile): void {
  for (const { argv, what } of cmds) {
    if (commandName(argv[0]) !== "chmod") continue;
    const args = argv.slice(1).filter((w) => !/^-[A-Za-z]+$/.test(w.value) && !w.value.startsWith("--"));
    const mode = args[0];
    const sockets = args.slice(1).filter((w: ShellWord) => SOCKET.test(w.value));
    if (!mode || sockets.length === 0 || !worldWritableMode(mode.value)) continue;
    const sock = showInterpolations(sockets[0]!.value);
    report({
      range: rangeOf(lines, argv[0]!.start, sockets[0]!.end),
      key: `chmod:${what}:${sock}`,
      severity: "high",
      title: "Container engine socket made world-writable",
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`chmod ${mode.value} ${sock}\`: every local user and service can use the container engine's API, and ${ROOT_NOTE}.`,
      evidence: `chmod ${mode.value} ${sock}`,
      fix: {
        safety: "manual",
        description: "Remove the chmod. Give the users that need Docker membership of the docker group (itself root-equivalent: keep it small), or use rootless Docker/Podman.",
      },
    });
  }
}

/** A TCP listen address that is not loopback (`tcp://0.0.0.0:2375`, `0.0.0.0:2375`, `:2375`). */
function publicTcp(address: string): boolean {
  const a = address.replace(/^tcp:\/\//, "");
  if (address.startsWith("unix:") || address.startsWith("fd:") || a.startsWith("/")) return false;
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(a);
  if (!m) return false;
  const host = m[1] ?? m[2] ?? "";
  return !/^(?:127\.|localhost$|::1$)/.test(host);
}

/** Container management UIs and socket proxies: their job is to hand out the engine's API. */
const MANAGER_IMAGE = /(?:^|\/)(?:yacht|portainer(?:-ce|-ee)?|portainer\/agent|dockge|komodo|arcane|dockpeek|docker-socket-proxy|socket-proxy|dockerproxy|swarmpit|lazydocker|dockcheck-web|watchtower)(?::|@|$)/i;

/** The container shares the host's network namespace (`--network=host`, `--net host`). */
function hostNetwork(opts: readonly string[]): boolean {
  return opts.some((o, i) => /^--net(?:work)?=host$/.test(o) || (/^--net(?:work)?$/.test(o) && opts[i + 1] === "host"));
}

/** A container that runs a Docker daemon itself (docker:dind, `dockerd` as its command) listening
 * on TCP beyond loopback without TLS client verification: the daemon's API, with no
 * authentication, is as good as root on whatever it controls, and a dind container is privileged.
 * Reported when the container shares the host's network (it listens on the host's interfaces:
 * every local user and process, every container on the host's bridges and every interface the
 * firewall trusts reach it; hmajid2301-nixicle's forgejo.nix) or publishes the port on every
 * interface; silent on a container network only its neighbours share, or with --tlsverify. */
function checkDaemonContainer(ctx: NixFileContext, c: ReturnType<typeof containersOf>[number]): void {
  const words = [...c.cmd, ...c.extraOptions];
  if (!c.cmd.some((w) => /(?:^|\/)dockerd$/.test(w)) && !/(?:^|\/)docker:[^/]*dind/.test(c.image ?? "")) return;
  if (words.some((w) => /^--tlsverify(?:=true)?$/.test(w))) return;
  const hosts = c.cmd.flatMap((w, i) => {
    const m = /^(?:-H|--host)=?(tcp:\/\/\S+)$/.exec(w);
    if (m) return [m[1]!];
    return (w === "-H" || w === "--host") && c.cmd[i + 1]?.startsWith("tcp://") ? [c.cmd[i + 1]!] : [];
  });
  const open = hosts.find(publicTcp);
  if (!open) return;
  const port = /:(\d+)$/.exec(open)?.[1];
  const shared = hostNetwork(c.extraOptions);
  const published = c.ports.filter((p) => p.address === "all" && (!port || p.hostPort === port || p.spec.split(":").at(-1)?.split("/")[0] === port));
  if (!shared && !published.length) return;
  const reach = shared
    ? `shares the host's network (--network=host), so it listens on the host's own interfaces: every local user and process, every container on the host's bridges and every interface the firewall trusts reach it, and the network too if the port is opened`
    : `publishes it on every interface (${published.map((p) => p.spec).join(", ")}; container port publishing bypasses the NixOS firewall)`;
  // At the listen address itself, where the container's set writes it.
  const at = c.cmdNodes[c.cmd.findIndex((w) => w.includes(open))];
  ctx.report({
    node: at ?? c.node,
    optionPath: c.def.path,
    key: `daemon:${c.name}:${open}`,
    severity: shared ? "high" : "critical",
    title: "Docker API listening on the network",
    message: `Container ${c.name}${c.image ? ` (${c.image})` : ""} runs a Docker daemon listening on ${open} without TLS client verification and ${reach}. The API has no authentication: a client can start a privileged container with the host's / mounted (a dind daemon runs privileged), which is root on the host.`,
    fix: {
      safety: "manual",
      description: "Make the daemon listen on a Unix socket shared with its clients (a volume), or on 127.0.0.1 inside a network only its clients share; if TCP is needed, require TLS client certificates (--tlsverify with DOCKER_TLS_CERTDIR).",
    },
  });
}

function checkContainers(ctx: NixFileContext): void {
  for (const c of containersOf(ctx.index.definitions)) {
    checkDaemonContainer(ctx, c);
    const mount = c.volumes.find((v) => SOCKET.test(v.spec.split(":")[0] ?? ""));
    if (!mount) continue;
    const reach = reachableFrom(c);
    if (!reach) continue;
    const manager = MANAGER_IMAGE.test(c.image ?? "");
    ctx.report({
      node: mount.node,
      optionPath: c.def.path,
      key: `container:${c.name}`,
      severity: manager ? "critical" : "high",
      title: manager ? "Container management UI with the engine socket on the network" : "Container with the engine socket reachable from the network",
      message: `Container ${c.name}${c.image ? ` (${c.image})` : ""} mounts ${mount.spec.split(":")[0]} and is ${reach}. ${manager ? "It exists to drive the container engine: whoever gets past its login (often a default one) or its API" : "Whoever gets into it (its web UI, a vulnerability)"} can use the engine's API, and ${ROOT_NOTE}.${/:ro$/.test(mount.spec) ? " Mounting the socket read-only does not restrict the API." : ""}`,
      fix: {
        safety: "review",
        description: 'Publish the port on loopback only ("127.0.0.1:<port>:<port>") and reach the UI through an SSH tunnel or an authenticating reverse proxy; give the container a socket proxy that allows only the API calls it needs instead of the socket itself.',
      },
    });
  }
}

function checkOptions(ctx: NixFileContext): void {
  checkContainers(ctx);
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    const path = def.path;
    // The value only of the options looked at below (every definition's value, whole sets at every
    // level, was 1.2% of a cold scan of olafkfreund/nixos_config).
    if (!/^virtualisation\.(?:docker|podman)\.|^systemd\.sockets\.|^systemd\.tmpfiles\.rules$/.test(path)) continue;
    const value = staticValue(def.inner);
    const strings = Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : typeof value === "string" ? [value] : [];
    if (/^virtualisation\.(?:docker|podman)\.(?:listenOptions|daemon\.settings\.hosts)$/.test(path) || /^virtualisation\.docker\.extraOptions$/.test(path)) {
      const addrs = path.endsWith("extraOptions") ? [...strings.join(" ").matchAll(/(?:-H|--host)[= ]\s*(tcp:\/\/\S+)/g)].map((m) => m[1]!) : strings;
      const open = addrs.find(publicTcp);
      if (!open) continue;
      ctx.report({
        node: def.inner ?? def.binding,
        optionPath: path,
        key: `tcp:${open}`,
        severity: "critical",
        title: "Docker API listening on the network",
        message: `${path} makes the Docker daemon listen on ${open}: the API has no authentication unless TLS client certificates are configured, so everyone who reaches the port controls Docker: a client can start a privileged container with the host's / mounted, which is root on the host.`,
        fix: { safety: "manual", description: "Listen on the Unix socket only (and, if remote access is needed, use `DOCKER_HOST=ssh://host`), or on 127.0.0.1; if TCP is unavoidable, require TLS client certificates (tlsverify)." },
      });
      continue;
    }
    if (/^systemd\.sockets\.(?:docker|podman|containerd)\.socketConfig\.SocketMode$/.test(path) && typeof value === "string" && worldWritableMode(value)) {
      ctx.report({
        node: def.inner ?? def.binding,
        optionPath: path,
        severity: "high",
        title: "Container engine socket made world-writable",
        message: `${path} = "${value}" lets every local user and service use the container engine's API, and ${ROOT_NOTE}.`,
        fix: { safety: "manual", description: 'Keep SocketMode at 0660 with SocketGroup = "docker", and add only the users that need it to that group.' },
      });
      continue;
    }
    if (path === "systemd.tmpfiles.rules") {
      for (const rule of strings) {
        const f = rule.trim().split(/\s+/);
        if (f.length >= 3 && SOCKET.test(f[1]!) && worldWritableMode(f[2]!)) {
          ctx.report({
            node: def.inner ?? def.binding,
            optionPath: path,
            key: `tmpfiles:${rule}`,
            severity: "high",
            title: "Container engine socket made world-writable",
            message: `The tmpfiles rule \`${rule}\` gives ${f[1]} mode ${f[2]}: every local user and service can use the container engine's API, and ${ROOT_NOTE}.`,
            fix: { safety: "manual", description: "Remove the rule; the socket's owner and mode are the engine's (root:docker 0660)." },
          });
        }
      }
    }
  }
}

export const dockerSocketExposed: Rule = {
  id: "docker-socket-exposed",
  examples: {
    fire: [
      hostExample(`{ pkgs, ... }: {\n  systemd.services.docker-permissions = {\n    after = [ "docker.service" ];\n    serviceConfig.ExecStart = pkgs.writeShellScript "fix" ''\n      chmod 666 /var/run/docker.sock\n    '';\n  };\n}\n`),
      hostExample(`{\n  virtualisation.docker.enable = true;\n  virtualisation.docker.listenOptions = [ "/run/docker.sock" "0.0.0.0:2375" ];\n}\n`),
      hostExample(`{\n  systemd.tmpfiles.rules = [ "z /run/docker.sock 0666 root docker -" ];\n  system.activationScripts.sock.text = "chmod a+rw /run/podman/podman.sock";\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.yacht = {\n    image = "selfhostedpro/yacht";\n    ports = [ "8000:8000" ];\n    volumes = [ "/srv/yacht:/config" "/var/run/docker.sock:/var/run/docker.sock" ];\n  };\n}\n`),
      // A privileged docker:dind on the host's network, its API on every address without TLS.
      hostExample(`{\n  virtualisation.oci-containers.containers.dind = {\n    image = "docker:dind";\n    extraOptions = [ "--privileged" "--network" "host" ];\n    cmd = [ "dockerd" "-H" "tcp://0.0.0.0:2376" "--tls=false" ];\n  };\n}\n`),
    ],
    silent: [
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fix.script = ''\n    chmod 660 /var/run/docker.sock\n    chgrp docker /var/run/docker.sock\n    chmod 666 /var/lib/app/app.sock\n    chmod o+r /srv/docker.sock.md\n  '';\n  virtualisation.docker.listenOptions = [ "/run/docker.sock" "127.0.0.1:2375" ];\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.proxy = {\n    image = "ghcr.io/tecnativa/docker-socket-proxy:latest";\n    ports = [ "127.0.0.1:2375:2375" ];\n    volumes = [ "/var/run/docker.sock:/var/run/docker.sock:ro" ];\n  };\n}\n`),
      // dind on its own container network (only its neighbours reach it), or with client certificates.
      hostExample(`{\n  virtualisation.oci-containers.containers.dind = {\n    image = "docker:27-dind";\n    extraOptions = [ "--privileged" "--network=ci" ];\n    cmd = [ "dockerd" "-H" "tcp://0.0.0.0:2375" ];\n  };\n  virtualisation.oci-containers.containers.dind-tls = {\n    image = "docker:dind";\n    extraOptions = [ "--privileged" "--network=host" ];\n    cmd = [ "dockerd" "--host=tcp://0.0.0.0:2376" "--tlsverify" ];\n  };\n}\n`),
    ],
  },
  name: "Container engine API open to everyone",
  category: "access",
  severity: "high",
  rationale:
    "Access to the Docker (or Podman, containerd) API is root on the host: a client can start a privileged container with the host's file system mounted. A world-writable socket gives that to every local user and service; a TCP listener without TLS client certificates gives it to the network.",
  fix: "Keep the socket root:docker 0660 and the daemon off TCP (use ssh:// for remote access), or run rootless Docker or Podman.",
  references: [
    { title: "Docker docs: Docker daemon attack surface", url: "https://docs.docker.com/engine/security/#docker-daemon-attack-surface" },
    { title: "Docker docs: Protect the Docker daemon socket", url: "https://docs.docker.com/engine/security/protect-access/" },
    nixosOption("virtualisation.docker.listenOptions"),
  ],
  compliance: { cis: [], nist: ["PR.AA-05", "PR.PS-01"] },
  ...scriptCommandHooks(checkCommands, checkOptions, "commands-first"),
};
