// The parser's public face: parse a file into its lossless tree, its Nix abstract syntax, and the
// diagnostics Nix itself would give, with the one error `nix-instantiate --parse` would report.
import { posix } from "node:path";
import type { Expr } from "./ast.js";
import { lower, type Dialect, type SemanticDiagnostic } from "./lower.js";
import { parse as parseTree, type SyntaxDiagnostic } from "./parser.js";
import { unboundReferences } from "./scope.js";
import { showExpr } from "./show.js";
import type { SourceText, SyntaxNode } from "./syntax.js";
import { applyEdits } from "../text/diff.js";
import type { TextEdit } from "../text/edit.js";

export { SyntaxKind, SyntaxNode, SyntaxToken, SourceText, LineIndex, kindName, isTrivia } from "./syntax.js";
export type { SyntaxElement } from "./syntax.js";
export type { Expr } from "./ast.js";
export { showExpr } from "./show.js";
export type { Dialect } from "./lower.js";

export interface NixDiagnostic {
  message: string;
  offset: number;
  line: number;
  column: number;
  kind: "syntax" | "lexer" | "semantic" | "undefined-variable" | "internal";
}

export interface ParseNixOptions {
  /** The file's path: relative path literals resolve against its directory. */
  path?: string;
  /** `current` (default): today's Nix, pipe operators and recursive attribute-set merging.
   * `nix-2.8`: exactly what Debian's nix-instantiate 2.8 accepts. */
  dialect?: Dialect;
  /** What `~` means in `~/x` paths (default $HOME). */
  home?: string;
  /** Names bound at the top besides Nix's builtins. */
  extraGlobals?: Iterable<string>;
  /** false: do not keep Nix's abstract syntax (`ast`) once the diagnostics are known. The scan
   * reads the syntax tree only, and holds every file's parse at once. */
  keepAst?: boolean;
  /** false: no whitespace tokens below the root (parser.ts ParseOptions.whitespace). */
  whitespace?: boolean;
}

export interface ParsedNix {
  source: SourceText;
  root: SyntaxNode;
  /** Every problem found, in source order. */
  diagnostics: NixDiagnostic[];
  /** The error Nix reports for this file (it stops at the first), if it rejects it. */
  error: NixDiagnostic | undefined;
  /** Nix's abstract syntax of the file (absent when parsed with `keepAst: false`). */
  ast?: Expr;
}

export function parseNix(text: string, options: ParseNixOptions = {}): ParsedNix {
  const dialect = options.dialect ?? "current";
  const tree = parseTree(text, { path: options.path, pipes: dialect === "current", whitespace: options.whitespace });
  const { source, root } = tree;
  const pos = (offset: number) => source.lines.position(offset);
  const diag = (d: SyntaxDiagnostic | SemanticDiagnostic): NixDiagnostic => ({ message: d.message, offset: d.offset, ...pos(d.offset), kind: d.kind });
  const formatPosition = (offset: number) => {
    const p = pos(offset);
    return `${options.path ?? "(string)"}:${p.line}:${p.column}`;
  };

  let ast: Expr = { type: "error" };
  let semantic: SemanticDiagnostic[];
  try {
    const lowered = lower(root, {
      dialect,
      baseDir: options.path ? posix.dirname(posix.resolve(options.path)) : process.cwd(),
      home: options.home,
      formatPosition,
      diagnosticsOnly: options.keepAst === false,
    });
    ast = lowered.expr;
    const globals = options.extraGlobals ? new Set(options.extraGlobals) : undefined;
    const unbound = unboundReferences(root, globals).map((n): SemanticDiagnostic => ({ message: `undefined variable '${n.text}'`, offset: n.start, trigger: Infinity, kind: "undefined-variable" }));
    semantic = [...lowered.diagnostics, ...unbound];
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    semantic = [{ message: "expression too deeply nested to analyse", offset: 0, trigger: 0, kind: "semantic" }];
  }

  const syntax = tree.diagnostics;
  const firstSyntax = syntax[0];
  // Nix stops at the first error its parser raises. Errors raised by semantic actions (duplicate
  // attributes...) count when their construct was complete before the first syntax error; unbound
  // variables are only checked once the whole file has parsed.
  const parseTime = semantic.filter((d) => d.kind === "semantic" && (!firstSyntax || d.trigger < firstSyntax.offset));
  const unbound = semantic.filter((d) => d.kind === "undefined-variable");
  let error: NixDiagnostic | undefined;
  const firstSemantic = parseTime[0];
  if (firstSemantic && (!firstSyntax || firstSemantic.trigger < firstSyntax.offset)) error = diag(firstSemantic);
  else if (firstSyntax) error = diag(firstSyntax);
  else if (unbound[0]) error = diag(unbound[0]);

  const all = [...syntax.map(diag), ...parseTime.map(diag), ...(syntax.length === 0 && parseTime.length === 0 ? unbound.map(diag) : [])];
  all.sort((a, b) => a.offset - b.offset);
  return { source, root, diagnostics: all, error, ...(options.keepAst === false ? {} : { ast }) };
}

/** What `nix-instantiate --parse` prints for a file Nix accepts (without the trailing newline). */
export function showParsed(parsed: ParsedNix): string {
  if (!parsed.ast) throw new Error("showParsed: the file was parsed without keeping its AST");
  return showExpr(parsed.ast);
}

/** Would these edits make a file Nix 2.8 accepts one it rejects (a second `serviceConfig = ...` in
 * a set, an inserted `openssh.settings` beside a dotted `services.openssh`: "attribute already
 * defined")? A file rejected before is not judged. */
export function editsBreakParse(text: string, edits: readonly Pick<TextEdit, "start" | "end" | "text">[]): boolean {
  if (parseNix(applyEdits(text, edits), { dialect: "nix-2.8", keepAst: false }).error === undefined) return false;
  return parseNix(text, { dialect: "nix-2.8", keepAst: false }).error === undefined;
}
