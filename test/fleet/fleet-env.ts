// Five SSH destinations on 127.0.0.1 for the fleet tests (the CLI's and the MCP tool's): three real
// OpenSSH servers (alpha; beta, reached through the flake's deploy-rs node; gamma, whose machine is
// not the host the flake declares), one port that refuses and one listener that hangs; an ssh
// config naming them, and a flake derived from the drift example (self-contained, offline).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { EXAMPLE_DIR } from "../../src/drift/demo.js";
import { freePort, keygen, startSilentListener, startSshd, type Sshd } from "./sshd.js";

export const MACHINE = hostname();

export interface FleetEnv {
  tmp: string;
  flake: string;
  sshConfig: string;
  stop(): Promise<void>;
}

export async function startFleetEnv(): Promise<FleetEnv> {
  const servers: Sshd[] = [];
  const tmp = await mkdtemp(join(tmpdir(), "nw-fleet-"));
  keygen(join(tmp, "id_ed25519"), "throwaway-user");
  const userPub = await readFile(join(tmp, "id_ed25519.pub"), "utf8");
  for (const name of ["alpha", "beta", "gamma"]) servers.push(await startSshd(join(tmp, `sshd-${name}`), userPub));
  const silent = await startSilentListener();
  const refusing = await freePort();
  const [alpha, beta, gamma] = servers as [Sshd, Sshd, Sshd];
  await writeFile(join(tmp, "known_hosts"), servers.map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}\n`).join(""));
  const hostBlock = (alias: string, port: number) => `Host ${alias}\n  HostName 127.0.0.1\n  Port ${port}\n`;
  const sshConfig = join(tmp, "ssh_config");
  await writeFile(
    sshConfig,
    [
      hostBlock("alpha", alpha.port),
      // beta is reached as its deploy-rs node says (hostname beta-node), an alias here.
      hostBlock("beta-node", beta.port),
      hostBlock("gamma", gamma.port),
      hostBlock("refusing", refusing),
      hostBlock("hanging", silent.port),
      "Host *",
      `  User ${userInfo().username}`,
      `  IdentityFile ${join(tmp, "id_ed25519")}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${join(tmp, "known_hosts")}`,
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      "",
    ].join("\n"),
  );
  const flake = join(tmp, "flake");
  await cp(join(EXAMPLE_DIR, "flake"), flake, { recursive: true });
  const named = (n: string) => `{ config = web1 // { networking = web1.networking // { hostName = "${n}"; }; }; }`;
  await writeFile(
    join(flake, "flake.nix"),
    `{
  outputs = { self }:
  let
    lib = import ./lib.nix;
    web1 = import ./hosts/web1.nix { inherit lib self; };
  in {
    nixosConfigurations = {
      alpha = ${named(MACHINE)};
      beta = ${named(MACHINE)};
      gamma = ${named("gamma")};
      refusing = ${named("refusing")};
      hanging = ${named("hanging")};
    };
    deploy.nodes.beta = { hostname = "beta-node"; sshUser = "${userInfo().username}"; };
  };
  }
  `,
  );
  return {
    tmp,
    flake,
    sshConfig,
    stop: async () => {
      for (const s of servers) await s.stop();
      await silent.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
