// The systemd-analyze runner: reading its recorded real output, one process for many units, and the
// error paths (missing program, hung program, cancellation, a unit systemd refuses), with temp files
// always removed.
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { analyzeUnits, exposureFor, exposureForMany, parseSecurityOutput } from "../../src/exposure/analyze.js";
import { assessUnitText } from "../../src/exposure/score.js";
import { systemdAnalyzeAvailable } from "../helpers/systemd.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "exposure");
const fixture = (f: string): Promise<string> => readFile(join(FIX, f), "utf8");


describe("parseSecurityOutput on recorded systemd-analyze 252 output", () => {
  test("debug format: weights, badness, ranges and the overall line, per unit", async () => {
    const blocks = parseSecurityOutput(await fixture("security-debug.stdout.txt"));
    expect(blocks.map((b) => [b.unit, b.exposure, b.verdict])).toEqual([
      ["root-default.service", 9.6, "UNSAFE"],
      ["hardened-partly.service", 5.8, "MEDIUM"],
    ]);
    const root = blocks[0]!;
    expect(root.checks).toHaveLength(81);
    expect(root.checks.find((c) => c.id === "User=/DynamicUser=")).toMatchObject({ weight: 2000, badness: 10, range: 10, exposure: 0.4, passed: false });
    expect(root.checks.find((c) => c.id === "RemoveIPC=")).toMatchObject({ badness: null, passed: null, exposure: null });
    expect(root.checks.find((c) => c.id === "KeyringMode=")).toMatchObject({ badness: 0, passed: true });
  });

  test("the built-in scorer reproduces the recorded results exactly", async () => {
    const blocks = parseSecurityOutput(await fixture("security-debug.stdout.txt"));
    for (const b of blocks) {
      const ours = assessUnitText(b.unit, await fixture(b.unit));
      expect(ours.ok).toBe(true);
      if (!ours.ok) continue;
      expect(ours.exposure).toBe(b.exposure);
      expect(ours.verdict).toBe(b.verdict);
      const byId = new Map(ours.checks.map((c) => [c.id, c]));
      for (const c of b.checks) expect(byId.get(c.id), c.id).toMatchObject({ badness: c.badness, description: c.description, exposure: c.exposure, weight: c.weight, range: c.range });
    }
    const broken = assessUnitText("broken-dynamicuser.service", await fixture("broken-dynamicuser.service"));
    expect(broken).toMatchObject({ ok: false, error: expect.stringContaining("DynamicUser=maybe") });
  });

  test("plain format (without SYSTEMD_ANALYZE_DEBUG) still gives marks, shares and the overall line", async () => {
    const blocks = parseSecurityOutput(await fixture("security-plain.stdout.txt"));
    expect(blocks.map((b) => b.exposure)).toEqual([9.6, 5.8]);
    const dev = blocks[1]!.checks.find((c) => c.id === "DeviceAllow=");
    expect(dev).toMatchObject({ passed: false, exposure: 0.1, weight: 1000, range: 10 });
    expect(dev?.description).toBe("Service has a device ACL with some special devices: char-rtc:r /dev/null:rw");
  });
});

describe("runner error paths", () => {
  let dir: string;
  let tmpRoot: string;
  beforeAll(async () => {
    tmpRoot = await mkdtemp(join(tmpdir(), "nw-exposure-tmp-"));
    dir = await mkdtemp(join(tmpdir(), "nw-fake-bin-"));
    // A stand-in for a hung systemd-analyze: only the runner's timeout/cancel handling is under test.
    await writeFile(join(dir, "systemd-analyze"), "#!/bin/sh\nexec sleep 30\n");
    await chmod(join(dir, "systemd-analyze"), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(tmpRoot, { recursive: true, force: true });
  });
  const unit = { name: "x.service", text: "[Service]\nExecStart=/bin/true\n" };

  test("a missing program is reported, not thrown, and exposureFor falls back to the built-in scorer", async () => {
    const r = await analyzeUnits([unit], { env: { PATH: "/nonexistent-bin" }, tmpRoot });
    expect(r).toMatchObject({ notFound: true, error: expect.stringContaining("not found") });
    expect(r.outcomes[0]).toMatchObject({ ok: false });
    const f = await exposureFor("x", { serviceConfig: { ProtectSystem: "strict" } }, { env: { PATH: "/nonexistent-bin" } });
    expect(f).toMatchObject({ ok: true, source: "built-in", exposure: 9.4, verdict: "UNSAFE" });
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  test("a hung program times out and the temp files are removed", async () => {
    const started = Date.now();
    const r = await analyzeUnits([unit], { env: { PATH: `${dir}:/usr/bin:/bin` }, timeoutMs: 300, tmpRoot });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  test("an AbortSignal cancels the run", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await analyzeUnits([unit], { env: { PATH: `${dir}:/usr/bin:/bin` }, signal: ac.signal, tmpRoot });
    expect(r.cancelled).toBe(true);
    expect(await readdir(tmpRoot)).toEqual([]);
    const pre = new AbortController();
    pre.abort();
    const many = await exposureForMany([{ name: "a", def: { serviceConfig: {} } }], { signal: pre.signal });
    expect(many[0]).toMatchObject({ ok: false, error: "cancelled" });
  });

  test("a program that cannot analyse (e.g. no --offline) is unsupported and exposureFor falls back", async () => {
    const old = join(dir, "old");
    await rm(old, { recursive: true, force: true });
    await mkdir(old);
    // A stand-in for a systemd older than 250, which rejects --offline.
    await writeFile(join(old, "systemd-analyze"), "#!/bin/sh\necho \"systemd-analyze: unrecognized option '--offline=yes'\" >&2\nexit 1\n");
    await chmod(join(old, "systemd-analyze"), 0o755);
    const r = await analyzeUnits([unit], { env: { PATH: `${old}:/usr/bin:/bin` }, tmpRoot });
    expect(r).toMatchObject({ unsupported: true, error: expect.stringContaining("unrecognized option") });
    const f = await exposureFor("x", { serviceConfig: {} }, { env: { PATH: `${old}:/usr/bin:/bin` }, tmpRoot });
    expect(f).toMatchObject({ ok: true, source: "built-in", exposure: 9.6 });
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  test("an invalid unit name is an error entry", async () => {
    const r = await analyzeUnits([{ name: "bad name.service", text: "" }], { env: { PATH: "/nonexistent-bin" } });
    expect(r.outcomes[0]).toMatchObject({ ok: false, error: expect.stringContaining("not a valid service unit name") });
  });
});

describe.skipIf(!systemdAnalyzeAvailable)("the real systemd-analyze", () => {
  test("many units in one process; a refused unit gets systemd's error; same names go to a second process", async () => {
    const units = [
      { name: "a.service", text: "[Service]\nExecStart=/bin/true\nDynamicUser=yes\n" },
      { name: "b.service", text: "[Service]\nExecStart=/bin/true\nDynamicUser=maybe\n" },
      { name: "a.service", text: "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n" },
      { name: "t@.service", text: "[Service]\nExecStart=/bin/true\nUser=%i\n" },
    ];
    const r = await analyzeUnits(units);
    expect(r.processes).toBe(2);
    expect(r.outcomes.map((o) => (o.ok ? o.exposure : "refused"))).toEqual(
      units.map((u) => {
        const o = assessUnitText(u.name, u.text);
        return o.ok ? o.exposure : "refused";
      }),
    );
    expect(r.outcomes[1]).toMatchObject({ ok: false, error: expect.stringContaining("Failed to parse boolean value") });
    expect(r.outcomes[3]).toMatchObject({ ok: true, unit: "t@i.service" });
  });

  test("exposureFor prefers systemd-analyze and agrees with the built-in scorer", async () => {
    const def = { serviceConfig: { User: "web", ProtectSystem: "full", CapabilityBoundingSet: "CAP_NET_BIND_SERVICE" } };
    const real = await exposureFor("web", def);
    const builtIn = await exposureFor("web", def, { preferSystemd: false });
    expect(real.source).toBe("systemd-analyze");
    expect(builtIn.source).toBe("built-in");
    expect(real.ok && builtIn.ok && [real.exposure, real.verdict]).toEqual(builtIn.ok && [builtIn.exposure, builtIn.verdict]);
  });

  test("host unit directories and drop-ins do not leak into the analysis", async () => {
    // The runner sets SYSTEMD_UNIT_PATH="": a unit named like a host unit is analysed from our text only.
    const r = await analyzeUnits([{ name: "systemd-journald.service", text: "[Service]\nExecStart=/bin/true\n" }]);
    expect(r.outcomes[0]).toMatchObject({ ok: true, exposure: 9.6 });
  });
});
