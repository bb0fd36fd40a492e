// nested-with: `with a; with b; expr`, a `with` whose body is directly another `with`. Only the
// chained form is reported: a module-wide `with lib;` and a `with pkgs; [ ... ]` deep inside it
// are scoped far apart and are common, deliberate style; the chain is where names become
// ambiguous in one expression. A chain that opens whole files (`{ lib, ... }: with lib; with
// my.lib; { ... }`) is usually a repository's house style, repeated in every module: the same
// chain is then reported once, at its first file, naming the others, instead of once per file.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, RuleReport } from "../types.js";
import type { Rule } from "../types.js";
import { resolveVariable, shortText, unparen } from "../shared/syntax.js";
import { nixManual } from "../shared/references.js";

function withBody(w: SyntaxNode): SyntaxNode | undefined {
  return unparen(w.childNodes()[1]);
}

/** Is `w` the body of another `with` (so not the head of a chain)? */
function isChained(w: SyntaxNode): boolean {
  let p = w.parent;
  while (p && p.kind === K.NODE_PAREN) p = p.parent;
  return !!p && p.kind === K.NODE_WITH && withBody(p) === w;
}

/** Does the `with` open the whole file (only function heads, `let`s and `assert`s above it)? */
function opensFile(w: SyntaxNode): boolean {
  let child = w;
  for (let p = w.parent; p; child = p, p = p.parent) {
    if (p.kind === K.NODE_ROOT) return true;
    if (p.kind === K.NODE_PAREN) continue;
    const last = p.childNodes().at(-1);
    if ((p.kind === K.NODE_LAMBDA || p.kind === K.NODE_LET_IN || p.kind === K.NODE_ASSERT) && last === child) continue;
    return false;
  }
  return false;
}

const PACKAGE_SET = /(?:^|\.)(?:pkgs\w*|\w*[pP]ackages|final|prev|self|super)$/;

/** Does each `with` of the chain open a part of the one before (`with lib; with types;`, `with
 * lib; with lib.types;`, `with dsl; with payload;`)? Names then come from one library and the
 * inner scope is where the outer one's own namespace is read: the usual idiom, not two unrelated
 * sets mixed. `types` is such a part when no lexical binding gives it (so the outer `with` does). */
function opensNamespaces(chain: SyntaxNode[]): boolean {
  return chain.slice(1).every((inner, i) => {
    const outer = chain[i]!.childNodes()[0]!.text.replace(/\s+/g, "");
    // A package set is no library: `with pkgs; with python3Packages;` mixes two sets of
    // packages whose names collide (`requests`), the case nix.dev warns about.
    if (PACKAGE_SET.test(outer)) return false;
    const target = unparen(inner.childNodes()[0]);
    if (!target) return false;
    if (target.text.replace(/\s+/g, "").startsWith(`${outer}.`)) return true;
    return target.kind === K.NODE_IDENT && !resolveVariable(target) && target.text !== "builtins";
  });
}

/** A scope whose names nobody can list by reading the file: a package set, a library, builtins.
 * Two of them chained is where a name can really resolve to either (`with pkgs; with
 * python3Packages;`, `with pkgs; with config.boot.kernelPackages;` both have `perf`). */
const LARGE_SCOPE = /(?:^|\.)(?:pkgs\w*|\w*[pP]ackages|final|prev|self|super|lib|builtins)$/;

/** Does the chain open at least two large scopes? A package set (or library) with a small set of
 * the repository's own (`with pkgs; with config.theme.fonts;`, `with theme.colors; with
 * theme.fonts;`, two let-bound attrsets of constants) names a handful of attributes a reader sees
 * in context: judged style, not ambiguity (thiagokokada/nix-configs, three findings). */
function opensLargeScopes(chain: SyntaxNode[]): boolean {
  return chain.filter((w) => LARGE_SCOPE.test(w.childNodes()[0]!.text.replace(/\s+/g, ""))).length >= 2;
}

interface Chain {
  head: SyntaxNode;
  scopes: string[];
  report: RuleReport;
}

// The tree of an unchanged file is kept between scans: its chains are found once.
const chainsCache = new WeakMap<SyntaxNode, Chain[]>();

function chainsIn(ctx: NixFileContext): Chain[] {
  let out = chainsCache.get(ctx.parsed.root);
  if (!out) chainsCache.set(ctx.parsed.root, (out = findChains(ctx)));
  return out;
}

function findChains(ctx: NixFileContext): Chain[] {
  const out: Chain[] = [];
  for (const n of ctx.parsed.root.descendants(K.NODE_WITH)) {
    if (isChained(n)) continue;
    const chain: SyntaxNode[] = [n];
    for (let b = withBody(n); b?.kind === K.NODE_WITH; b = withBody(b)) chain.push(b);
    if (chain.length < 2) continue;
    if (opensNamespaces(chain)) continue;
    if (!opensLargeScopes(chain)) continue;
    const scopes = chain.map((w) => shortText(w.childNodes()[0]!, 40));
    const last = chain.at(-1)!;
    const semi = last.firstToken(K.TOKEN_SEMICOLON);
    const lines = ctx.parsed.source.lines;
    const a = lines.position(n.start);
    const b = lines.position(semi ? semi.end : last.childNodes()[0]!.end);
    out.push({
      head: n,
      scopes,
      report: {
        range: { line: a.line, column: a.column, endLine: b.line, endColumn: b.column },
        key: `with ${scopes.join("; with ")}`,
        evidence: scopes.map((s) => `with ${s};`).join(" "),
        message: `${chain.length} nested \`with\` scopes (${scopes.join(", ")}): every name in the expression may come from any of them, decided only at evaluation.`,
        fix: {
          safety: "manual",
          description: `Keep at most one \`with\` and qualify the other names (e.g. \`${scopes.at(-1)}.name\`) or bring them in with \`inherit (${scopes.at(-1)}) ...;\`.`,
        },
      },
    });
  }
  return out;
}

export const nestedWith: Rule = {
  id: "nested-with",
  name: "Nested `with` scopes",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `with a; with b; expr` brings every attribute of both sets into scope at once. Which set a name comes from is then known only at evaluation (the inner `with` wins, and lexical bindings beat both), so a reader cannot tell, a new attribute in either set silently changes what a name means, and tools cannot check names statically.",
  fix: "Keep at most one `with` and name the rest explicitly: qualify the names (`pkgs.ripgrep`, `pkgs.python3Packages.requests`) or bring in just what is used with `inherit (set) a b;` in a `let`.",
  references: [
    { title: "nix.dev: Best practices, with scopes", url: "https://nix.dev/guides/best-practices#with-scopes" },
    nixManual("with-expressions", "language/syntax#with-expressions"),
  ],
  compliance: {
    cis: ["n/a: a property of the Nix language code, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; with python3Packages; [ ripgrep requests ];
}
`,
      // Two package sets that share names (\`perf\`, \`cpupower\`): which one is installed?
      `{ pkgs, config, ... }:
{
  environment.systemPackages = with pkgs; with config.boot.kernelPackages; [ perf cpupower htop ];
}
`],
    silent: [`{ pkgs, ... }:
{
  environment.systemPackages = [ pkgs.ripgrep pkgs.python3Packages.requests ];
}
`,
      // The inner scope is a part of the outer library: one library's names.
      `{ lib, ... }:
with lib; with types;
{
  options.my.port = mkOption { type = port; default = 22; };
}
`,
      // A package set and a small set of the repository's own: the few names are seen in context.
      `{ pkgs, config, ... }:
{
  fonts.packages = with pkgs; with config.theme.fonts; [ noto-fonts gui.package icons.package ];
}
`,
      // Two small let-bound sets of constants around a template.
      `{ config, ... }:
let theme = config.theme; in
{
  environment.etc."bar.css".text = with theme.colors; with theme.fonts; ''
    * { color: \${base05}; font-family: \${gui.name}; }
  '';
}
`],
  },

  checkNix(ctx) {
    for (const c of chainsIn(ctx)) if (!opensFile(c.head)) ctx.report({ ...c.report });
  },

  // File-opening chains are one house habit, whatever their order or members (wiltaylor-dotfiles'
  // `with pkgs; with lib;`, `with lib; with builtins;`... were five findings for one habit): one
  // finding for the repository, at the first file of its most common chain, naming the others.
  checkRepository(files, sink) {
    const list: Array<{ ctx: NixFileContext; chain: Chain }> = [];
    for (const ctx of files) for (const chain of chainsIn(ctx)) if (opensFile(chain.head)) list.push({ ctx, chain });
    if (!list.length) return;
    const variants = new Map<string, number>();
    for (const { chain } of list) variants.set(chain.scopes.join("; "), (variants.get(chain.scopes.join("; ")) ?? 0) + 1);
    const ranked = [...variants].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    list.sort((x, y) => x.ctx.file.localeCompare(y.ctx.file));
    const first = list.find((x) => x.chain.scopes.join("; ") === ranked[0]![0])!;
    const others = list.filter((x) => x !== first);
    const r = first.chain.report;
    const also = others.map((o) => `${o.ctx.file}:${o.chain.head.line}`);
    const shown = also.slice(0, 8).join(", ") + (also.length > 8 ? `, and ${also.length - 8} more` : "");
    const kinds = ranked.length > 1 ? ` (${ranked.length} variants: ${ranked.slice(0, 4).map(([k, n]) => `\`with ${k.replaceAll("; ", "; with ")};\` ${n}x`).join(", ")}${ranked.length > 4 ? ", ..." : ""})` : "";
    sink.report(first.ctx, {
      ...r,
      key: "file-opening chains",
      message: others.length ? `${r.message} ${others.length} other file${others.length > 1 ? "s" : ""} open the same way${kinds} (${shown}); reported once here, as one habit of the repository.` : r.message,
    });
  },
};
