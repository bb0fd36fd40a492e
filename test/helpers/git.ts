// Git repositories for tests: git under a fixed test identity, and a new repository with files
// committed on branch main. Also the module the remediation tests plan fixes for.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** git in `dir` as "Test <t@example.org>", its output as text; throws on a non-zero exit. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=t@example.org", ...args], { cwd: dir, encoding: "utf8", stdio: "pipe" });
}

/** Writes the files into `dir` (made if missing) and commits them as "init" in a new repository on
 * branch main, whose own config has the test identity (for the commits nix-warden makes there). */
export async function commitRepo(dir: string, files: Record<string, string | Buffer>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [f, c] of Object.entries(files)) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await writeFile(join(dir, f), c);
  }
  gitIn(dir, "init", "-q", "-b", "main");
  gitIn(dir, "config", "user.name", "Test");
  gitIn(dir, "config", "user.email", "t@example.org");
  gitIn(dir, "add", "-A");
  gitIn(dir, "commit", "-qm", "init");
  return dir;
}

/** A systemd service with nothing hardened (one finding, one automatic fix), with an optional
 * comment line before it. */
export function unhardenedService(name = "job", comment?: string): string {
  return `{ pkgs, ... }:
{
${comment === undefined ? "" : `  # ${comment}\n`}  systemd.services.${name} = {
    description = "Nightly ${name}";
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello";
      User = "nobody";
    };
  };
}
`;
}
