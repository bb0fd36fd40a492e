// One temporary directory for the whole run: the TMPDIR of every test worker and of every program a
// test starts (the CLI, MCP servers, git, nix), removed when the run ends. On Linux it is on
// /dev/shm (tmpfs) when that has room: the suite writes and deletes tens of thousands of small files
// (fixture repositories, git objects, 20,000 files in held.test.ts), and on a journalled disk that
// was a third of its CPU time as system time. The files, git and nix are as real as on disk. A
// TMPDIR set by whoever runs the tests is kept as the place of the run's directory.
import { chmodSync, mkdtempSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TMPFS_MAGIC = 0x01021994;
const ROOM = 2 * 1024 ** 3;

function fastTmp(): string | undefined {
  try {
    const fs = statfsSync("/dev/shm");
    return fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= ROOM ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}

export default function setup(): () => void {
  // Each vitest project runs the global setup; the first one's directory serves them all.
  if (process.env.NIX_WARDEN_TEST_TMP) return () => undefined;
  const previous = process.env.TMPDIR;
  const base = previous || fastTmp() || tmpdir();
  let dir: string;
  try {
    dir = mkdtempSync(join(base, "nwt-"));
  } catch {
    dir = mkdtempSync(join(tmpdir(), "nwt-"));
  }
  // As /tmp is: tests that run the CLI as another user (`nobody`, test/scan/unreadable.test.ts) need
  // to reach their directories inside it.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = process.env.NIX_WARDEN_TEST_TMP = dir;
  return () => {
    delete process.env.NIX_WARDEN_TEST_TMP;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
