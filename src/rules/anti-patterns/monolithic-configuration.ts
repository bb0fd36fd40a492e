// monolithic-configuration: one module of a host that has grown to hundreds of lines and sets many
// unrelated option trees (services, networking, users, boot, hardware...). Counted: non-blank lines
// that are not only a comment, and the distinct top-level NixOS / home-manager option trees (services,
// boot, users...: a fixed list, so a data file imported with arguments does not count) the file defines (in a
// module's short form or its `config`). Hardware scans (hardware-configuration.nix) and flake.nix
// are not host modules in this sense. One finding per file, low.
import { posix } from "node:path";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosManual } from "../shared/references.js";

/** Non-blank, non-comment lines a module must reach. */
export const MONOLITH_LINES = 400;
/** Distinct top-level option trees of NixOS or home-manager it must define. */
export const MONOLITH_TREES = 7;

/** Top-level option trees of NixOS and home-manager (a file whose names are not these is data
 * imported with arguments, or a module of the repository's own options, not a host's setup). */
const KNOWN_AREAS = new Set([
  "services", "networking", "users", "boot", "hardware", "environment", "programs", "security", "systemd", "fileSystems", "swapDevices", "nix",
  "nixpkgs", "virtualisation", "i18n", "time", "fonts", "xdg", "sound", "powerManagement", "console", "location", "home-manager", "system",
  "documentation", "zramSwap", "specialisation", "containers", "power", "home", "gtk", "qt", "wayland", "xsession", "accounts", "dconf",
  "sops", "age", "stylix", "disko", "virtualization", "launchd", "homebrew",
]);

function codeLines(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t && !t.startsWith("#")) n++;
  }
  return n;
}

/** The option trees a module defines, with the line each first appears on. */
export function topLevelTrees(ctx: NixFileContext): Map<string, number> {
  const trees = new Map<string, number>();
  for (const d of ctx.index.definitions) {
    const first = d.segments[0];
    if (!first || first.dynamic || !KNOWN_AREAS.has(first.name) || ctx.inTest(d.binding)) continue;
    if (!trees.has(first.name)) trees.set(first.name, d.line);
  }
  return trees;
}

function checkNix(ctx: NixFileContext): void {
  if (ctx.hosts.length === 0 || !ctx.index.isModule) return;
  const base = posix.basename(ctx.file);
  if (base === "flake.nix" || /hardware[-_]configuration\.nix$/.test(base)) return;
  const lines = codeLines(ctx.text);
  if (lines < MONOLITH_LINES) return;
  const trees = topLevelTrees(ctx);
  if (trees.size < MONOLITH_TREES) return;
  const names = [...trees.keys()].sort();
  const firstLine = ctx.text.split("\n")[0] ?? "";
  ctx.report({
    range: { line: 1, column: 1, endLine: 1, endColumn: firstLine.length + 1 },
    key: "monolithic",
    message: `${ctx.file} is one module of ${lines} lines setting ${trees.size} unrelated option trees (${names.join(", ")}): a change to one concern means reading all of it, nothing can be reused by another host, and a review cannot see what a change touches.`,
    evidence: `${lines} lines; option trees: ${names.map((n) => `${n} (line ${trees.get(n)})`).join(", ")}`,
    fix: { safety: "manual", description: "Split it into modules by concern (networking.nix, services/<name>.nix, users.nix, boot.nix...) imported from the host's configuration; move what other hosts repeat into a shared module." },
  });
}

/** A host module of `lines` lines of settings spread over the given trees (for the examples). */
function bigModule(trees: string[], lines: number): string {
  const body: string[] = [];
  for (let i = 0; body.length < lines; i++) {
    const t = trees[i % trees.length]!;
    body.push(`  ${t}.setting${i} = ${i};`);
  }
  return `{ pkgs, ... }:\n{\n${body.join("\n")}\n}\n`;
}

const AREAS = ["services", "networking", "users", "boot", "hardware", "environment", "programs", "security", "systemd", "fileSystems"];

export const monolithicConfiguration: Rule = {
  id: "monolithic-configuration",
  name: "Monolithic host configuration file",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: A single host module of hundreds of lines that configures everything (boot, networking, users, services...) hides what each part does, cannot be shared with another host (so hosts drift apart by copy and paste), and makes every change a review of the whole file.",
  fix: "Split the file into modules by concern, imported from the host's configuration, and move what several hosts share into common modules.",
  references: [
    nixosManual("Modularity", "sec-modularity"),
    { title: "nix.dev: Module system deep dive", url: "https://nix.dev/tutorials/module-system/deep-dive" },
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is organised, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [hostExample(bigModule(AREAS, 420))],
    silent: [
      // Many concerns, but short.
      hostExample(bigModule(AREAS, 40)),
      // Long, but one concern (a web server's virtual hosts).
      hostExample(bigModule(["services.nginx.virtualHosts.a", "services.nginx.virtualHosts.b"], 600)),
      // A generated hardware scan is not written by hand.
      hostExample(`{ imports = [ ./hardware-configuration.nix ]; }\n`, "configuration.nix", { "hardware-configuration.nix": bigModule(AREAS, 420) }),
      // Not part of any host.
      { "modules/everything.nix": bigModule(AREAS, 420) },
    ],
  },
  checkNix,
};
