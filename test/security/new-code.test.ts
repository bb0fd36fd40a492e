// The second attack, on the code that fixed the first: the state directory (another local user
// controlling a parent of it), the stdio line transport (bombs and bad bytes), the fleet's SSH
// destinations from a hostile flake, and the advisory cache's index. Each test performs the attack.
import { spawnSync } from "node:child_process";
import { chmod, chown, lstat, mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTargets } from "../../src/fleet/targets.js";
import { createTokenFile } from "../../src/mcp/http-auth.js";
import { MAX_MESSAGE_BYTES } from "../../src/mcp/stdio.js";
import { localKey, repoStateDir, UnsafeStateError } from "../../src/system/state.js";
import { decodeCache, encodeCache } from "../../src/vulns/cache.js";
import { CLI, stdioServer, tempDir, workspace } from "../mcp/helpers.js";

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** Run `fn` with the state and cache under `base` (XDG paths, as a user without the test's
 * NIX_WARDEN_* variables has them). */
async function withXdg<T>(base: string, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  delete process.env.NIX_WARDEN_STATE_DIR;
  delete process.env.NIX_WARDEN_CACHE_DIR;
  process.env.XDG_STATE_HOME = join(base, "state");
  process.env.XDG_CACHE_HOME = join(base, "cache");
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

describe("state directory under a parent another user controls", () => {
  it("refuses a state directory whose parent is writable by others without the sticky bit (they could swap it for a symlink)", async () => {
    const dir = await tempDir("nw-shared-");
    const repo = await tempDir("nw-repo-");
    const shared = join(dir, "shared");
    await mkdir(shared);
    await chmod(shared, 0o777);
    await withXdg(shared, async () => {
      await expect(repoStateDir(repo)).rejects.toThrow(/parent .* is writable by group or others \(mode 777\)/);
      await expect(localKey()).rejects.toBeInstanceOf(UnsafeStateError);
      await expect(createTokenFile()).rejects.toBeInstanceOf(UnsafeStateError);
    });
    // The swap itself, as the other user could do it once we had trusted the directory: nothing
    // may have been written there to swap (no key, no token, no plans).
    expect(await readdir(join(shared, "state", "nix-warden")).catch(() => [])).toEqual([]);
  });

  it("the CLI says why it refuses, without a stack trace (exit 3)", async () => {
    const dir = await tempDir("nw-shared-");
    const { repo } = await workspace();
    await chmod(dir, 0o777);
    const env: Record<string, string> = { ...(process.env as Record<string, string>), XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir };
    delete env.NIX_WARDEN_STATE_DIR;
    delete env.NIX_WARDEN_CACHE_DIR;
    const r = spawnSync(process.execPath, [CLI, "remediate", repo], { cwd: repo, env, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^nix-warden: refusing to use .*writable by group or others/m);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("accepts a sticky shared parent (/tmp-like) when the directory in it is ours", async () => {
    const dir = await tempDir("nw-sticky-");
    const repo = await tempDir("nw-repo-");
    await chmod(dir, 0o1777);
    await withXdg(dir, async () => {
      const s = await repoStateDir(repo);
      expect((await lstat(s)).mode & 0o777).toBe(0o700);
      expect((await localKey()).length).toBe(32);
    });
  });

  it.skipIf(!isRoot)("refuses a state directory pre-created by another user in a sticky shared parent, and a parent owned by another user", async () => {
    const dir = await tempDir("nw-sticky-");
    const repo = await tempDir("nw-repo-");
    await chmod(dir, 0o1777);
    // The other user was first: <shared>/state/nix-warden is theirs (0700, so no mode to object to).
    await mkdir(join(dir, "state", "nix-warden"), { recursive: true, mode: 0o700 });
    await chown(join(dir, "state"), NOBODY, NOBODY);
    await chown(join(dir, "state", "nix-warden"), NOBODY, NOBODY);
    await withXdg(dir, async () => {
      await expect(repoStateDir(repo)).rejects.toThrow(/belongs to uid 65534/);
    });
    // Our directory, but in a parent the other user owns: they can rename ours away at any time.
    await chown(join(dir, "state", "nix-warden"), 0, 0);
    await withXdg(dir, async () => {
      await expect(repoStateDir(repo)).rejects.toThrow(/parent .*\/state belongs to uid 65534/);
    });
  });

  it.skipIf(!isRoot)("refuses a planted key file: another user's, or a symlink to one", async () => {
    const dir = await tempDir("nw-key-");
    await withXdg(dir, async () => {
      await repoStateDir(await tempDir("nw-repo-"));
      const key = join(dir, "state", "nix-warden", "key");
      await writeFile(key, Buffer.alloc(32, 1), { mode: 0o600 });
      await chown(key, NOBODY, NOBODY);
      await expect(localKey()).rejects.toThrow(/belongs to uid 65534/);
      await chown(key, 0, 0);
      const other = join(dir, "other-key");
      await writeFile(other, Buffer.alloc(32, 2), { mode: 0o600 });
      await (await import("node:fs/promises")).rm(key);
      await symlink(other, key);
      await expect(localKey()).rejects.toThrow(/not a regular file/);
    });
  });
});

describe("stdio transport: bombs and bad bytes", () => {
  it("takes a message just under 4 MiB in 4 KiB pieces, ignores blank lines, answers a 1e6-deep JSON bomb and invalid UTF-8 with errors, and goes on", async () => {
    const { repo } = await workspace();
    const s = await stdioServer(repo, 30_000);
    await s.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }) + "\n");
    expect((await s.answer(1)).result).toBeDefined();
    await s.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");

    // Just under the limit, in pieces (a pipe delivers big writes as several chunks).
    const head = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping", params: { _meta: { pad: "" } } });
    const pad = "x".repeat(MAX_MESSAGE_BYTES - Buffer.byteLength(head) - 16);
    const big = head.replace('"pad":""', `"pad":"${pad}"`) + "\n";
    expect(Buffer.byteLength(big) - 1).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    for (let i = 0; i < big.length; i += 4096) await s.write(big.slice(i, i + 4096));
    expect((await s.answer(2)).result).toEqual({});

    // Lines of only whitespace: nothing to answer.
    await s.write("   \t  \n\r\n\n");
    // A JSON bomb: one million '[' (and one with a request around it).
    await s.write("[".repeat(1_000_000) + "]".repeat(1_000_000) + "\n");
    await s.write(`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"_meta":{"x":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}}}\n`);
    await s.write(`{"jsonrpc":"2.0","id":4,"method":"ping","params":{"_meta":{"x":${"[".repeat(1_000_000)}}}\n`);
    // Invalid UTF-8 inside a string and outside of one.
    await s.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":5,"method":"ping","params":{"_meta":{"x":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('"}}}\n')]));
    await s.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":6,'), Buffer.from([0xff]), Buffer.from('"method":"ping"}\n')]));

    await s.write(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }) + "\n");
    expect((await s.answer(7)).result).toHaveProperty("tools");
    // Each got an answer: 3 a result or an error (never a crash), 5 a result, 4 and 6 and the bare
    // bomb a parse error with id null.
    expect((await s.answer(3)).result ?? (await s.answer(3)).error).toBeDefined();
    expect((await s.answer(5)).result).toEqual({});
    expect(s.messages.filter((m) => m.id === null).map((m) => m.error?.code)).toEqual([-32600, -32700, -32700]);
    expect(s.child.exitCode).toBeNull();
    expect(s.stderr()).not.toMatch(/RangeError|Maximum call stack|FATAL/);
    s.child.stdin.end();
    expect(await s.exited).toBe(0);
  }, 90_000);
});

describe("fleet: destinations a hostile flake names", () => {
  it("never takes an ssh option or a multi-line name from deploy-rs or colmena nodes, nor a host name that is one", async () => {
    const dir = await tempDir("nw-fleet-flake-");
    await writeFile(
      join(dir, "flake.nix"),
      `{
  outputs = { self }: {
    deploy.nodes.web = { hostname = "-oProxyCommand=touch /tmp/nw-pwned"; sshUser = "root"; };
    deploy.nodes.db = { hostname = "db.example.org"; sshUser = "-oProxyCommand=x"; };
    colmena.mail = { deployment.targetHost = "mail.example.org\\n-oProxyCommand=x"; };
    colmena.cache = { deployment.targetHost = "cache.example.org"; deployment.targetUser = "ops"; };
  };
}
`,
    );
    const { targets, error } = await resolveTargets({ flake: dir, hosts: "web,db,mail,cache", timeoutMs: 60_000 });
    expect(error).toBeUndefined();
    expect(targets).toEqual([
      { host: "web", destination: "web", via: "host name" },
      { host: "db", destination: "db", via: "host name" },
      { host: "mail", destination: "mail", via: "host name" },
      { host: "cache", destination: "ops@cache.example.org", via: "colmena" },
    ]);
    // Names on the command line that are options, or span lines, never reach ssh.
    for (const hosts of ["-oProxyCommand=x", "web\n-oProxyCommand=x", "web=-oProxyCommand=x", "web=a@b\n-oX"]) {
      expect((await resolveTargets({ flake: dir, hosts, timeoutMs: 60_000 })).error, JSON.stringify(hosts)).toMatch(/invalid/);
    }
  }, 120_000);
});

describe("advisory cache: a header that lies", () => {
  it("an index pointing past the end of the body, or not at a range at all, throws on lookup or reads only the body (the scan turns a throw into an error entry), and a huge header is refused whole", () => {
    const good = encodeCache([{ id: "CVE-2024-0001", lastModified: "2024-01-01T00:00:00Z", summary: "s", ranges: [{ vendor: "v", product: "p", version: "*", endExcluding: "2" }] }], { source: "test", updatedAt: "2024-01-02T00:00:00Z" });
    const nl = good.indexOf(0x0a);
    const header = JSON.parse(good.toString("utf8", 0, nl)) as { index: Record<string, unknown> };
    const body = good.subarray(nl + 1);
    const withIndex = (index: Record<string, unknown>) => Buffer.concat([Buffer.from(JSON.stringify({ ...header, index }) + "\n"), body]);
    expect(decodeCache(good).lookup("p").map((a) => a.id)).toEqual(["CVE-2024-0001"]);
    expect(() => decodeCache(withIndex({ p: [body.length + 10, 50] })).lookup("p")).toThrow();
    // A length past the end reads to the end of the (hashed) body, never beyond it.
    expect(decodeCache(withIndex({ p: [0, 1e12] })).lookup("p").map((a) => a.id)).toEqual(["CVE-2024-0001"]);
    expect(() => decodeCache(withIndex({ p: 5 })).lookup("p")).toThrow();
    expect(decodeCache(withIndex({ p: [0, 1], __proto__: [0, 1] })).lookup("constructor")).toEqual([]);
    // A header of 64 MiB that is not JSON: refused, not parsed forever.
    const huge = Buffer.concat([Buffer.from('{"format":"nix-warden-advisories/1","pad":"'), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from("\n")]);
    expect(() => decodeCache(huge)).toThrow(/header is not JSON/);
  });
});

describe("signed plans and journals across repositories", () => {
  it("a journal signed for repository A, copied into B's state under the same id, does not load in B", async () => {
    const { saveJournal, loadJournal, journalPath } = await import("../../src/remediate/store.js");
    const a = await tempDir("nw-repo-a-");
    const b = await tempDir("nw-repo-b-");
    const journal = { version: 2 as const, planId: "0123456789ab", appliedAt: "2026-01-01T00:00:00Z", status: "files-written" as const, createdBranch: false, dirty: false, files: [], commands: [] };
    await saveJournal(a, journal);
    expect(await loadJournal(a, journal.planId)).toEqual(journal);
    const { copyFile } = await import("node:fs/promises");
    await copyFile(await journalPath(a, journal.planId), await journalPath(b, journal.planId));
    expect(await loadJournal(b, journal.planId)).toBeUndefined();
  });
});

describe("the HTTP token file", () => {
  it("a symlink planted at the token's path between runs is replaced, never written through", async () => {
    const dir = await tempDir("nw-token-");
    const target = join(dir, "victim");
    await writeFile(target, "precious\n");
    await withXdg(dir, async () => {
      const first = await createTokenFile();
      const { rm, readFile } = await import("node:fs/promises");
      await rm(first.path);
      await symlink(target, first.path);
      const second = await createTokenFile();
      expect(second.path).toBe(first.path);
      expect((await lstat(second.path)).isSymbolicLink()).toBe(false);
      expect((await lstat(second.path)).mode & 0o777).toBe(0o600);
      expect(await readFile(target, "utf8")).toBe("precious\n");
      expect((await readFile(second.path, "utf8")).trim()).toBe(second.token);
    });
  });
});

describe("history: a host name that would make a report path", () => {
  it("refuses a host with a newline, a slash or .. before any file is written", async () => {
    const { openHistoryDir, writeRunReport } = await import("../../src/history/store.js");
    const dir = await tempDir("nw-history-");
    await openHistoryDir(dir);
    for (const host of ["web\nfake_metric 1", "../../../tmp/nw-evil", "a/b", "-rf", ".."]) {
      await expect(writeRunReport(dir, "2026-01-01T00:00:00.000Z", host, "drift", {}), JSON.stringify(host)).rejects.toThrow(/invalid host name/);
    }
    expect(await readdir(join(dir, "reports"))).toEqual([]);
  });
});
