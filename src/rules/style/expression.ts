// What the style lints (statix's checks, group "style") share: their metadata shape, where an
// expression may stand without parentheses, and the check that a fix still parses (and, where it
// must, means exactly the same to Nix's parser) before it is offered.
import { parseNix, showParsed, type ParsedNix } from "../../nix/index.js";
import { SyntaxKind as K, isTrivia, type SyntaxNode, type SyntaxToken } from "../../nix/syntax.js";
import { applyEdits } from "../../text/diff.js";
import type { NixFileContext, RuleExamples, RuleMeta, TextEdit } from "../types.js";

const STATIX = { title: "statix: lints and suggestions for the Nix programming language", url: "https://github.com/oppiliappan/statix" };

/** A style lint's metadata: info (maintenance, not security), anti-pattern, switchable off with `style: false`. */
export function styleMeta(m: { id: string; name: string; rationale: string; fix: string; statix: string; examples: RuleExamples }): RuleMeta {
  return {
    id: m.id,
    name: m.name,
    category: "anti-pattern",
    severity: "info",
    group: "style",
    rationale: m.rationale,
    fix: m.fix,
    references: [{ ...STATIX, title: `${STATIX.title} (lint ${m.statix})` }],
    compliance: {
      cis: ["n/a: concerns how the Nix source is written, not a setting of the running system, which is what the CIS Linux benchmark audits"],
      nist: ["PR.PS-06"],
    },
    examples: m.examples,
  };
}

/** Can any expression stand here without parentheses: the file itself, a binding's value, a body,
 * a condition, an interpolation (`"${…}"`, `a.${…}`), `inherit (…)`, a parameter's default; not an
 * operand of an application, an operator or a select, nor a list element. The style rules ask it
 * before they drop parentheses or write a replacement bare. */
export function isLooseSlot(node: SyntaxNode): boolean {
  const p = node.parent;
  if (!p) return true;
  switch (p.kind) {
    case K.NODE_ROOT:
    case K.NODE_PAREN:
    case K.NODE_ATTRPATH_VALUE:
    case K.NODE_LET_IN:
    case K.NODE_LEGACY_LET:
    case K.NODE_IF_ELSE:
    case K.NODE_ASSERT:
    case K.NODE_WITH:
    case K.NODE_INTERPOL:
    case K.NODE_DYNAMIC:
    case K.NODE_INHERIT_FROM:
    case K.NODE_PAT_ENTRY:
      return true;
    case K.NODE_LAMBDA:
      return p.childNodes()[1] === node;
    default:
      return false;
  }
}

/** The operator token of a binary operation. */
export function operatorOf(binop: SyntaxNode): SyntaxToken | undefined {
  for (const c of binop.children) if (c.isToken && !isTrivia(c.kind)) return c;
  return undefined;
}

/** Is `true`/`false`/`null` here Nix's own constant (not rebound by a let, set or parameter)?
 * `with` never shadows them: they are found lexically first. */
export function isBuiltinConstant(ident: SyntaxNode, name: string): boolean {
  if (ident.kind !== K.NODE_IDENT || ident.text !== name) return false;
  for (let p = ident.parent; p; p = p.parent) {
    if (p.kind === K.NODE_LAMBDA) {
      const param = p.childNodes()[0];
      if (param && !(ident.start >= param.start && ident.end <= param.end) && bindsName(param, name)) return false;
    } else if (p.kind === K.NODE_LET_IN || p.kind === K.NODE_LEGACY_LET || (p.kind === K.NODE_ATTR_SET && p.firstToken(K.TOKEN_REC))) {
      if (bindingNames(p).has(name)) return false;
    }
  }
  return true;
}

function bindsName(param: SyntaxNode, name: string): boolean {
  if (param.kind === K.NODE_IDENT_PARAM) return param.text.trim() === name;
  for (const c of param.childNodes()) if ((c.kind === K.NODE_PAT_ENTRY || c.kind === K.NODE_PAT_BIND) && c.childNodes()[0]?.text === name) return true;
  return false;
}

/** The names a let, legacy let or set binds (the first segment of each path, inherited names). */
export function bindingNames(scope: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (const b of scope.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const first = b.childNodes()[0]?.childNodes()[0];
      if (first?.kind === K.NODE_IDENT) out.add(first.text);
      else if (first) out.add(`\0${first.text}`);
    } else if (b.kind === K.NODE_INHERIT) {
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) out.add(id.text);
    }
  }
  return out;
}

/** Does a comment lie in [start, end) of the file? A fix that deletes that range would drop it. */
export function hasComment(root: SyntaxNode, start: number, end: number): boolean {
  if (end <= start) return false;
  for (const t of root.tokens()) {
    if (t.start >= end) break;
    if (t.kind === K.TOKEN_COMMENT && t.end > start) return true;
  }
  return false;
}

/** Delete a token, with the whitespace before it when `withSpaceBefore`. */
export function deleteToken(file: string, text: string, token: SyntaxToken, withSpaceBefore = false): TextEdit {
  let start = token.start;
  if (withSpaceBefore) while (start > 0 && /[ \t]/.test(text[start - 1]!)) start--;
  return { file, start, end: token.end, text: "" };
}

// The file as the scan parsed it, shown as `nix-instantiate --parse` would, parsed again once per
// tree with a fixed path so that it compares with the fixed text.
// Only what the comparison needs is kept (not the second tree): it lives as long as the scan's.
type Original = { diagnostics: ParsedNix["diagnostics"]; rejected: boolean; shown: string; globals: string[] };
const shownCache = new WeakMap<SyntaxNode, Original>();
const VERIFY_PATH = "/nix-warden/verify/file.nix";

function original(ctx: NixFileContext): Original {
  let o = shownCache.get(ctx.parsed.root);
  if (!o) {
    // A file with free names (a fragment) is compared as if they were bound, as Nix would see it
    // inside the expression that binds them.
    const globals = [...new Set(ctx.parsed.diagnostics.filter((d) => d.kind === "undefined-variable").map((d) => /'([^']*)'/.exec(d.message)?.[1] ?? ""))];
    const parsed = parseNix(ctx.text, { path: VERIFY_PATH, extraGlobals: globals });
    shownCache.set(ctx.parsed.root, (o = { diagnostics: parsed.diagnostics, rejected: !!parsed.error, shown: parsed.error ? "" : showParsed(parsed), globals }));
  }
  return o;
}

/**
 * Do the edits leave a file Nix still parses, with no diagnostic the original did not have? With
 * `sameMeaning`, the fixed file must also be the very same expression to Nix's parser (what
 * `nix-instantiate --parse` prints is identical: parentheses and layout are all that changed).
 */
export function fixParses(ctx: NixFileContext, edits: readonly TextEdit[], sameMeaning = false): boolean {
  if (edits.length === 0) return false;
  const before = original(ctx);
  const after = parseNix(applyEdits(ctx.text, edits), { path: VERIFY_PATH, extraGlobals: before.globals });
  const known = new Set(before.diagnostics.map((d) => `${d.kind}\0${d.message}`));
  if (after.diagnostics.some((d) => !known.has(`${d.kind}\0${d.message}`))) return false;
  if (!sameMeaning) return true;
  return !before.rejected && !after.error && showParsed(after) === before.shown;
}
