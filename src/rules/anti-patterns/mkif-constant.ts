// mkif-constant: `option = mkIf cond true` (or `false`) where the condition itself says it. The
// rewrite is offered for review only: the two forms differ when the option's default is not the
// opposite constant or another module defines the option (see the catalogue's rationale).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { NixFileContext, Rule } from "../types.js";
import { antiPatternMeta } from "./catalogue.js";
import { applications, shortText, unparen } from "../shared/syntax.js";

/** The option path a value defines, when the application is an option definition's value. */
function optionPathOf(ctx: NixFileContext, app: SyntaxNode): string | undefined {
  for (const d of ctx.index.definitions) {
    if (d.inner === app || d.value === app || (d.value && app.start >= d.value.start && app.end <= d.value.end && d.isLeaf)) return d.path;
  }
  return undefined;
}

/** `!c` for the condition node `c` (an atom or a parenthesised expression). */
function negated(cond: SyntaxNode): string {
  const inner = unparen(cond);
  // `!(!x)` reads badly: `mkIf (!x) false` is `x`.
  if (inner?.kind === K.NODE_UNARY_OP && inner.childTokens()[0]?.kind === K.TOKEN_BANG) {
    const operand = inner.childNodes()[0]!;
    return operand.kind === K.NODE_IDENT || operand.kind === K.NODE_SELECT || operand.kind === K.NODE_PAREN ? operand.text : `(${operand.text})`;
  }
  return `!${cond.text}`;
}

export const mkifConstant: Rule = {
  ...antiPatternMeta("mkif-constant"),

  checkNix(ctx) {
    for (const app of applications(ctx.parsed.root)) {
      if (app.name !== "mkIf" || app.args.length !== 2) continue;
      const value = unparen(app.args[1]);
      if (value?.kind !== K.NODE_IDENT || (value.text !== "true" && value.text !== "false")) continue;
      const cond = app.args[0]!;
      const constant = value.text === "true";
      let replacement = constant ? cond.text : negated(cond);
      // An operator result in a position other than a binding's value or parentheses needs parens.
      const parent = app.node.parent;
      const standalone = parent && (parent.kind === K.NODE_ATTRPATH_VALUE || parent.kind === K.NODE_PAREN);
      if (!standalone && !constant) replacement = `(${replacement})`;
      const optionPath = optionPathOf(ctx, app.node);
      const where = optionPath ? `${optionPath} = ` : "";
      ctx.report({
        node: app.node,
        optionPath,
        key: optionPath ? undefined : shortText(app.node),
        message:
          `${where}${shortText(app.node)} is the condition ${constant ? "itself" : "negated"} written as a conditional definition: ` +
          `\`${replacement}\` says it directly. The forms differ only when ${shortText(cond, 60)} is ${constant ? "false" : "true"}: ` +
          `the mkIf leaves the option undefined (its default, or other modules' definitions, apply), the bare condition defines ${constant ? "false" : "true"}.`,
        fix: {
          safety: "review",
          description: `Replace with \`${replacement}\` if the option defaults to ${constant ? "false" : "true"} and no other module defines it; otherwise keep the mkIf and say why in a comment.`,
          edits: [replaceNode(ctx.file, app.node, replacement)],
        },
      });
    }
  },
};
