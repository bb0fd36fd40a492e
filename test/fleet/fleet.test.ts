// `nix-warden drift --hosts` against real OpenSSH servers on 127.0.0.1: three hosts that answer
// (one reached through the flake's deploy-rs node, one whose machine is not the host the flake
// declares), one that refuses and one that hangs. The declared states come from a real nix eval
// of a flake derived from the drift example (self-contained, offline).
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_DIR } from "../../src/drift/demo.js";
import { newBoundary, parseRemoteOutput, remoteProgram } from "../../src/fleet/remote.js";
import { sshArgs } from "../../src/fleet/ssh.js";
import { cli } from "../helpers/cli.js";
import { nixAvailable } from "../helpers/nix.js";
import { freePort, hasSshd, keygen, startSilentListener, startSshd, type Sshd } from "./sshd.js";

const MACHINE = hostname();

describe("the remote program and ssh arguments", () => {
  it("the program is constant apart from a random hex boundary; file contents cannot fake a section", () => {
    const b = newBoundary();
    const program = remoteProgram(b);
    expect(program.replace(b, "B")).toBe(remoteProgram(newBoundary()).replace(/@@nix-warden-[0-9a-f]{32}@@/, "B"));
    expect(() => remoteProgram("'; rm -rf / #")).toThrow("invalid boundary");
    // A /etc/hostname that tries to end its section and start a fake /etc/passwd with a guessed boundary.
    const forged = `@@nix-warden-${"0".repeat(32)}@@`;
    const out = [`${b} file /etc/hostname`, `evil`, `${forged} end`, `${forged} file /etc/passwd`, `root:x:0:0::/root:/bin/sh`, "", `${b} end`, `${b} done`, ""].join("\n");
    const snap = parseRemoteOutput(out, b);
    expect([...snap.files.keys()]).toEqual(["/etc/hostname"]);
    expect(snap.files.get("/etc/hostname")).toContain(forged);
    expect(snap.complete).toBe(true);
  });

  it("ssh runs as an argument array with BatchMode and a fixed remote command; a destination cannot be an option", () => {
    const args = sshArgs("root@web1");
    expect(args).toContain("BatchMode=yes");
    expect(args.slice(-4)).toEqual(["--", "root@web1", "sh", "-s"]);
    expect(() => sshArgs("-oProxyCommand=touch /tmp/pwned")).toThrow("invalid SSH destination");
    expect(() => sshArgs("host;id")).toThrow("invalid SSH destination");
  });
});

describe.skipIf(!hasSshd || !nixAvailable)("nix-warden drift --hosts over SSH (real sshd on 127.0.0.1)", () => {
  let tmp: string;
  let flake: string;
  let sshConfig: string;
  const servers: Sshd[] = [];
  let silent: Awaited<ReturnType<typeof startSilentListener>>;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "nw-fleet-"));
    keygen(join(tmp, "id_ed25519"), "throwaway-user");
    const userPub = await readFile(join(tmp, "id_ed25519.pub"), "utf8");
    for (const name of ["alpha", "beta", "gamma"]) servers.push(await startSshd(join(tmp, `sshd-${name}`), userPub));
    silent = await startSilentListener();
    const refusing = await freePort();
    const [alpha, beta, gamma] = servers as [Sshd, Sshd, Sshd];
    await writeFile(join(tmp, "known_hosts"), servers.map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}\n`).join(""));
    const hostBlock = (alias: string, port: number) => `Host ${alias}\n  HostName 127.0.0.1\n  Port ${port}\n`;
    sshConfig = join(tmp, "ssh_config");
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
    flake = join(tmp, "flake");
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
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await silent?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it("one report per host and a fleet summary; the refusing and the hanging host are error entries; the wrong machine is flagged", async () => {
    const out = join(tmp, "out");
    const started = Date.now();
    const r = cli(["drift", "--flake", flake, "--hosts", "all", "--ssh-config", sshConfig, "--connect-timeout", "3", "--host-timeout", "20", "--jobs", "3", "--format", "json", "--output-dir", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(110_000);
    const fleet = JSON.parse(r.stdout);
    const by = Object.fromEntries(fleet.hosts.map((h: { host: string }) => [h.host, h]));
    expect(Object.keys(by).sort()).toEqual(["alpha", "beta", "gamma", "hanging", "refusing"]);
    expect(fleet.summary).toMatchObject({ hosts: 5, ok: 3, unreachable: 2, errors: 0 });

    for (const h of ["alpha", "beta", "gamma"]) {
      expect(by[h].status, JSON.stringify(by[h].error)).toBe("ok");
      expect(by[h].machineHostname).toBe(MACHINE);
      expect(by[h].report.probes.map((p: { name: string }) => p.name).sort()).toEqual(["mounts", "network", "users"]);
      // The users database came over SSH: the example declares alice, this machine has no such user.
      expect(by[h].report.items.some((i: { category: string }) => i.category === "user")).toBe(true);
    }
    expect(by.beta).toMatchObject({ destination: `${userInfo().username}@beta-node`, via: "deploy-rs" });
    expect(by.alpha).toMatchObject({ destination: "alpha", via: "host name" });
    expect(by.alpha.hostnameMismatch).toBeUndefined();
    expect(by.gamma.hostnameMismatch).toEqual({ declared: "gamma", actual: MACHINE });

    expect(by.refusing.status).toBe("unreachable");
    expect(by.refusing.error).toMatch(/Connection refused/);
    expect(by.hanging.status).toBe("unreachable");
    expect(by.hanging.error).toMatch(/timed out|no answer within/i);

    expect((await readdir(out)).sort()).toEqual(["alpha", "beta", "fleet.json", "gamma"]);
    expect(JSON.parse(await readFile(join(out, "alpha", "drift-report.json"), "utf8")).host).toBe("alpha");

    const text = cli(["drift", "--flake", flake, "--hosts", "gamma,refusing", "--ssh-config", sshConfig, "--connect-timeout", "3"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("2 host(s), 1 checked, 1 unreachable");
    expect(text.stdout).toContain("the machine reached is named");
  }, 120_000);

  it("a host given as name=destination that is an ssh option is refused before ssh runs", () => {
    const r = cli(["drift", "--flake", flake, "--hosts", "alpha=-oProxyCommand=touch /tmp/nw-pwned", "--ssh-config", sshConfig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid SSH destination");
  });

  it("sshd really is key-only: without the user key the host is unreachable (Permission denied)", () => {
    const cfg = execFileSync("sed", ["/IdentityFile/d", sshConfig], { encoding: "utf8" });
    const noKey = join(tmp, "ssh_config_nokey");
    execFileSync("sh", ["-c", 'cat > "$1"', "sh", noKey], { input: cfg });
    const r = cli(["drift", "--flake", flake, "--hosts", "alpha", "--ssh-config", noKey, "--connect-timeout", "3", "--format", "json"]);
    const fleet = JSON.parse(r.stdout);
    expect(fleet.hosts[0].status).toBe("unreachable");
    expect(fleet.hosts[0].error).toMatch(/Permission denied/);
  });
});
