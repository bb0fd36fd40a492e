// The edit that moves a secret out of evaluation: the read or copied path becomes the path the
// repository's secret manager decrypts the secret to at run time, and the module declares where the
// encrypted secret lives:
//   agenix:   `config.age.secrets.<n>.path`,  `age.secrets.<n>.file = <dir>/<n>.age;`
//   sops-nix: `config.sops.secrets.<n>.path`, `sops.secrets.<n>.sopsFile = <dir>/<n>.yaml;` (the
//             value under the key `<n>`, sops-nix's default key and format)
// The encrypted file is the user's to create (only they hold the secret and the recipients); until
// it exists, evaluation fails (agenix copies the file, sops-nix asserts it exists), and apply rolls back.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { formatPath, unparen } from "../../nix/options.js";
import { attrName, moduleDefinitionSet, replaceNode, setOption } from "../../nix/edit.js";
import { sopsRuleMatches } from "../../secrets/files.js";
import { resolveVariable } from "../shared/syntax.js";
import type { NixFileContext, TextEdit } from "../types.js";
import { sopsRulesFor } from "./material.js";

export type SecretManager = "agenix" | "sops-nix";

export interface SecretManagerEdit {
  manager: SecretManager;
  /** The secret's name: the file's, with `-2`, `-3`... when the module already uses it for another file. */
  name: string;
  edits: TextEdit[];
  /** `config.age.secrets.<n>.path` or `config.sops.secrets.<n>.path` */
  reference: string;
  /** The option declaring the encrypted file (`age.secrets.<n>.file`, `sops.secrets.<n>.sopsFile`). */
  fileOption: string;
  /** The encrypted file to create, as written in the module (`../../secrets/x.age`). */
  literal: string;
  /** The same file relative to the repository root (`secrets/x.age`). */
  encryptedFile: string;
}

/**
 * Which secret manager the fix should use: the one this module already configures (`age.*` or
 * `sops.*` definitions); else sops-nix when a `.sops.yaml` governs the secret's directory and no
 * agenix `secrets.nix` (its recipients file) sits there or at the root; else agenix.
 */
export function secretManagerFor(ctx: NixFileContext, secretPath: string): SecretManager {
  const paths = ctx.index.definitions.map((d) => d.path);
  const usesAge = paths.some((p) => p.startsWith("age."));
  const usesSops = paths.some((p) => p.startsWith("sops."));
  if (usesAge !== usesSops) return usesAge ? "agenix" : "sops-nix";
  const dir = posix.dirname(secretPath);
  const agenixRecipients = [posix.join(dir, "secrets.nix"), "secrets.nix", "secrets/secrets.nix"].some((p) => ctx.repoFile(p) !== undefined);
  return !agenixRecipients && sopsRulesFor(ctx.repoFile, secretPath).length > 0 ? "sops-nix" : "agenix";
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
function siblingLiteral(pathNode: SyntaxNode, fileName: string): string | undefined {
  const literal = pathNode.text;
  if (!/^\.{1,2}\//.test(literal) || literal.includes("${")) return undefined;
  const joined = posix.join(posix.dirname(literal), fileName);
  return /^\.{1,2}\//.test(joined) ? joined : `./${joined}`;
}

const segments = (names: string[]) => names.map((name) => ({ name, dynamic: false }));

/**
 * Edits that replace `replace` (the read, or the path itself) with the run-time secret path of
 * `pathNode`'s secret, declare the secret in the module, and add `config` to the module's
 * arguments if needed. Undefined when the file is not a NixOS module we can edit safely, or (sops)
 * when the repository's .sops.yaml has no creation rule for the encrypted file.
 */
export function secretManagerEdit(
  ctx: NixFileContext,
  replace: SyntaxNode,
  pathNode: SyntaxNode,
  baseName: string,
  secretPath: string,
  /** Names this file's other edits gave to secrets (name -> secret path), so that two files with
   * one basename get two names; the chosen name is added. */
  taken: Map<string, string>,
): SecretManagerEdit | undefined {
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

  const manager = secretManagerFor(ctx, secretPath);
  const sops = manager === "sops-nix";
  const top = sops ? "sops" : "age";
  const fileOption = sops ? "sopsFile" : "file";
  // The first name that is free for this secret: not given to another file by this file's edits,
  // and not declared by the module for another encrypted file.
  let name = baseName;
  let literal: string | undefined;
  for (let i = 2; ; i++) {
    literal = siblingLiteral(pathNode, sops ? `${name}.yaml` : `${name}.age`);
    if (!literal) return undefined;
    const declaredFile = ctx.index.byPath.get(formatPath(segments([top, "secrets", name, fileOption])))?.[0]?.inner?.text;
    const other = taken.get(name);
    if ((other === undefined || other === secretPath) && (declaredFile === undefined || declaredFile === literal)) break;
    if (i > 99) return undefined;
    name = `${baseName}-${i}`;
  }
  const encryptedFile = posix.normalize(posix.join(posix.dirname(ctx.file), literal));
  if (sops) {
    // `sops <file>` encrypts only where a creation rule says to whom.
    const rules = sopsRulesFor(ctx.repoFile, encryptedFile);
    if (rules.length > 0 && !sopsRuleMatches(encryptedFile, rules)) return undefined;
  }
  const reference = `config.${top}.secrets.${attrName(name)}.path`;
  const edits: TextEdit[] = [replaceNode(ctx.file, replace, reference)];
  if (formal !== "none") edits.push(formal);
  // Already declared: agenix's file, or (sops) anything of the secret, which may take the default sops file.
  const declaredPrefix = formatPath(segments([top, "secrets", name]));
  const declared = sops
    ? ctx.index.definitions.some((d) => d.path === declaredPrefix || d.path.startsWith(`${declaredPrefix}.`))
    : ctx.index.byPath.has(formatPath(segments([top, "secrets", name, fileOption])));
  if (!declared) {
    const declare = setOption(ctx.file, ctx.text, root, ctx.index, [top, "secrets", name, fileOption], literal);
    if (!declare) return undefined;
    edits.push(declare);
  }
  taken.set(name, secretPath);
  return { manager, name, edits, reference, fileOption: `${top}.secrets.${attrName(name)}.${fileOption}`, literal, encryptedFile };
}
