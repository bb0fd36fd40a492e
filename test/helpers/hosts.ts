// Host attribution tests: a module every rule run reports on (root login over SSH), a host file
// with nothing to report, and the hosts a finding in one file names.
import { expect } from "vitest";
import { scanMemory } from "./memory.js";

export const ROOT_LOGIN = `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`;
export const PLAIN = `{ networking.hostName = "x"; }`;

/** The hosts named by `rule`'s findings in `file` (at least one must exist), with the report. */
export async function hostsOf(files: Record<string, string>, file: string, rule = "ssh-permit-root-login") {
  const report = await scanMemory(files);
  const f = report.findings.filter((x) => x.ruleId === rule && x.file === file);
  expect(f.length, `${rule} in ${file}: ${JSON.stringify(report.findings.map((x) => [x.ruleId, x.file, x.host]))}`).toBeGreaterThan(0);
  return { hosts: [...new Set(f.flatMap((x) => x.host ?? []))].sort(), report };
}
