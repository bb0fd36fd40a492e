// The edit that moves a secret out of evaluation: the read or copied path becomes the path agenix
// decrypts the secret to at run time (`config.age.secrets.<name>.path`), and the module declares
// `age.secrets.<name>.file = <dir>/<name>.age;`. The encrypted file is the user's to create (only
// they hold the secret and the recipients); until it exists, evaluation fails, and apply rolls back.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { formatPath, unparen } from "../../nix/options.js";
import { attrName, moduleDefinitionSet, replaceNode, setOption } from "../../remediate/edit.js";
import { resolveVariable } from "../anti-patterns/syntax.js";
import type { NixFileContext, TextEdit } from "../types.js";

export interface AgenixEdit {
  edits: TextEdit[];
  /** `config.age.secrets.<name>.path` */
  reference: string;
  /** The encrypted file to create, as written in the module (`../../secrets/x.age`). */
  ageLiteral: string;
  /** The same file relative to the repository root (`secrets/x.age`). */
  ageFile: string;
}

/** The module function at the top of the file, when its argument is a pattern (`{ config, ... }:`). */
function moduleLambda(root: SyntaxNode): SyntaxNode | undefined {
  const top = unparen(root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (top?.kind !== K.NODE_LAMBDA) return undefined;
  return top.childNodes()[0]?.kind === K.NODE_PATTERN ? top : undefined;
}

/** `config, ` added to the module's formals (it does not take `config` yet). */
function configFormal(file: string, pattern: SyntaxNode): TextEdit | undefined {
  const first = pattern.firstChild(K.NODE_PAT_ENTRY) ?? pattern.firstToken(K.TOKEN_ELLIPSIS);
  if (!first) return undefined; // `{ }:` takes no arguments: not a module
  return { file, start: first.start, end: first.start, text: "config, " };
}

/** `../../secrets/smtp-password.txt` -> `../../secrets/smtp-password.age` (same directory). */
function ageLiteralFor(pathNode: SyntaxNode, name: string): string | undefined {
  const literal = pathNode.text;
  if (!/^\.{1,2}\//.test(literal) || literal.includes("${")) return undefined;
  const joined = posix.join(posix.dirname(literal), `${name}.age`);
  return /^\.{1,2}\//.test(joined) ? joined : `./${joined}`;
}

/**
 * Edits that replace `replace` (the read, or the path itself) with the run-time secret path of
 * `pathNode`'s secret, declare the agenix secret in the module, and add `config` to the module's
 * arguments if needed. Undefined when the file is not a NixOS module we can edit safely.
 */
export function agenixEdit(ctx: NixFileContext, replace: SyntaxNode, pathNode: SyntaxNode, name: string): AgenixEdit | undefined {
  const root = ctx.parsed.root;
  if (ctx.parsed.error) return undefined;
  const module = moduleLambda(root);
  const body = module?.childNodes()[1];
  if (!module || !body || replace.start < body.start || replace.end > body.end) return undefined;
  if (!moduleDefinitionSet(root)) return undefined;
  // What `config` would name where the reference goes: the module's formal, or nothing yet (then
  // it is added). A `let`, `rec` or inner function rebinding it, or `{ ... }@config`, is left alone.
  const bound = resolveVariable(replace, "config");
  if (bound && (bound.scope !== module || bound.binder.kind !== K.NODE_PAT_ENTRY)) return undefined;
  const formal = bound ? "none" : configFormal(ctx.file, module.childNodes()[0]!);
  if (!formal) return undefined;
  const ageLiteral = ageLiteralFor(pathNode, name);
  if (!ageLiteral) return undefined;
  const reference = `config.age.secrets.${attrName(name)}.path`;
  const edits: TextEdit[] = [replaceNode(ctx.file, replace, reference)];
  if (formal !== "none") edits.push(formal);
  const declared = ctx.index.byPath.has(formatPath(["age", "secrets", name, "file"].map((n) => ({ name: n, dynamic: false }))));
  if (!declared) {
    const declare = setOption(ctx.file, ctx.text, root, ctx.index, ["age", "secrets", name, "file"], ageLiteral);
    if (!declare) return undefined;
    edits.push(declare);
  }
  const ageFile = posix.normalize(posix.join(posix.dirname(ctx.file), ageLiteral));
  return { edits, reference, ageLiteral, ageFile };
}
