// check_drift with several hosts, through the real MCP SDK client over stdio: the server reads the
// machines over SSH (real OpenSSH servers on 127.0.0.1), one answer pages through every host's
// items, each host's report is stored and linked, and the refusing and the hanging host are errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nixAvailable } from "../helpers/nix.js";
import { hasSshd } from "../fleet/sshd.js";
import { MACHINE, startFleetEnv, type FleetEnv } from "../fleet/fleet-env.js";
import { connect, linkedReport } from "./helpers.js";

describe.skipIf(!hasSshd || !nixAvailable)("check_drift with hosts (MCP over stdio, real sshd)", () => {
  let env: FleetEnv;

  beforeAll(async () => {
    env = await startFleetEnv();
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  it("checks every host over SSH in one call; unreachable hosts are errors; each host's report is kept", async () => {
    const { client } = await connect({ cwd: env.flake, roots: [env.flake], env: { NIX_WARDEN_SSH_CONFIG: env.sshConfig } });
    const r = await client.callTool({ name: "check_drift", arguments: { flake: env.flake, hosts: ["alpha", "gamma", "refusing"], detail: "findings", limit: 200 } }, undefined, { timeout: 110_000 });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const answer = r.structuredContent as { summary: { host: string; notes: string[]; firstErrors: { source: string; message: string }[] }; groups: { items: { subject: string }[] }[] };
    expect(answer.summary.host).toBe("fleet");
    expect(answer.summary.notes[0]).toContain("3 host(s): 2 checked over SSH, 1 unreachable");
    expect(answer.summary.notes.join("\n")).toContain(`the machine reached is named '${MACHINE}', not 'gamma'`);
    expect(answer.summary.firstErrors.map((e) => e.source)).toContain("host refusing");
    const subjects = answer.groups.flatMap((g) => g.items.map((i) => i.subject));
    expect(subjects.some((s) => s.startsWith("alpha: "))).toBe(true);
    expect(subjects.some((s) => s.startsWith("gamma: "))).toBe(true);
    const full = (await linkedReport(client, r)) as { host: string; notes: string[] };
    expect(full.host).toBe("fleet");
    const perHost = full.notes.filter((n) => n.startsWith("report of "));
    expect(perHost.map((n) => n.split(":")[0])).toEqual(["report of alpha", "report of gamma"]);
    const alphaUri = perHost[0]!.slice(perHost[0]!.indexOf("nix-warden://"));
    const alpha = JSON.parse(((await client.readResource({ uri: alphaUri })).contents[0] as { text: string }).text) as { host: string; probes: { name: string }[] };
    expect(alpha.host).toBe("alpha");
    expect(alpha.probes.map((p) => p.name)).toContain("sysctl");
  }, 120_000);

  it("refuses a host list with a name the flake does not declare, or one mixed with host or root", async () => {
    const { client } = await connect({ cwd: env.flake, roots: [env.flake], env: { NIX_WARDEN_SSH_CONFIG: env.sshConfig } });
    const unknown = await client.callTool({ name: "check_drift", arguments: { flake: env.flake, hosts: ["alpah"] } });
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toMatch(/alpah/);
    const mixed = await client.callTool({ name: "check_drift", arguments: { flake: env.flake, hosts: ["alpha"], root: env.flake } });
    expect(mixed.isError).toBe(true);
    expect(JSON.stringify(mixed.content)).toContain("leave host, root and declaredFile out");
    const option = await client.callTool({ name: "check_drift", arguments: { flake: env.flake, hosts: ["alpha=-oProxyCommand=id"] } });
    expect(option.isError).toBe(true);
    expect(JSON.stringify(option.content)).toContain("invalid SSH destination");
  }, 60_000);
});
