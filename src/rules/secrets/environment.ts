// Which option definitions set environment variables: NixOS's login-shell environment, systemd
// units' `environment` and `Environment=`, home-manager's session variables, containers'
// environments, and services' own `environment` sets. A value there is visible far beyond the
// program it is meant for: in the unit file or profile script in the world-readable store, in
// `systemctl show`, in /proc/<pid>/environ, in every child process.
import type { OptionDefinition } from "../../nix/options.js";

export type EnvironmentEntry =
  /** One variable: `environment.variables.FOO`, `systemd.services.x.environment.FOO`. */
  | { kind: "variable"; name: string; scope: string }
  /** systemd's `serviceConfig.Environment` (a string or list of `KEY=value`). */
  | { kind: "directive"; scope: string };

const SHELL_SCOPES = new Map([
  ["environment.variables", "every login shell (environment.variables)"],
  ["environment.sessionVariables", "every PAM session (environment.sessionVariables)"],
  ["home.sessionVariables", "the user's session (home.sessionVariables)"],
  ["systemd.user.sessionVariables", "the user's systemd session (systemd.user.sessionVariables)"],
  ["systemd.globalEnvironment", "every systemd unit (systemd.globalEnvironment)"],
]);

export function environmentEntry(def: Pick<OptionDefinition, "segments">): EnvironmentEntry | undefined {
  const segs = def.segments;
  const names = segs.map((s) => s.name);
  const n = names.length;
  if (n >= 2 && names[n - 1] === "Environment" && names[n - 2] === "serviceConfig") {
    return { kind: "directive", scope: names.slice(0, -2).join(".") };
  }
  if (n < 2 || segs[n - 1]!.dynamic) return undefined;
  const parent = names.slice(0, -1).join(".");
  const shell = SHELL_SCOPES.get(parent);
  if (shell) return { kind: "variable", name: names[n - 1]!, scope: shell };
  // `<something>.environment.NAME`: systemd units, containers, services' environment sets. The
  // top-level `environment.*` namespace (etc, systemPackages) is something else.
  if (n >= 3 && (names[n - 2] === "environment" || names[n - 2] === "EnvironmentVariables")) {
    return { kind: "variable", name: names[n - 1]!, scope: names.slice(0, -2).join(".") };
  }
  return undefined;
}
