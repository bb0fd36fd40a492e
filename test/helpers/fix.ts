// Fixtures of host rules: a flake declaring hosts, findings in short, and a finding's fix checked
// for real (applyFix, from ./patch.ts).
import type { SecurityReport } from "../../src/report/schema.js";
export { applyFix } from "./patch.js";

/** A flake declaring hosts from module files: `flake({ server: ["./server.nix"] })`. */
export function flake(hosts: Record<string, string[]>, inline: Record<string, string> = {}): string {
  const decl = Object.entries(hosts)
    .map(([name, modules]) => `    nixosConfigurations.${name} = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      modules = [ ${modules.join(" ")}${inline[name] ? ` ${inline[name]}` : ""} ];\n    };`)
    .join("\n");
  return `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  outputs = inputs@{ self, nixpkgs, ... }: {\n${decl}\n  };\n}\n`;
}

/** Findings of one rule as `file:line severity [hosts]`. */
export function summary(report: SecurityReport, ruleId: string): string[] {
  return report.findings
    .filter((f) => f.ruleId === ruleId)
    .map((f) => `${f.file}:${f.line} ${f.severity}${f.host?.length ? ` [${f.host.join(",")}]` : ""}`)
    .sort();
}
