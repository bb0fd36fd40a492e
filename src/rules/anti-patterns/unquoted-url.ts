// unquoted-url: a bare URL literal (`https://example.org/x`, `github:owner/repo`). Nix's lexer
// decides what is a URL, so everything it lexes as one is reported, and quoting it is exactly
// equivalent (the literal's value is its text).
import { SyntaxKind as K } from "../../nix/syntax.js";
import { nixString, replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { antiPatternMeta } from "./catalogue.js";

export const unquotedUrl: Rule = {
  ...antiPatternMeta("unquoted-url"),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LITERAL)) {
      const tok = n.childTokens()[0];
      if (tok?.kind !== K.TOKEN_URI) continue;
      // A password in the URL's user info never reaches the message (the evidence is redacted by
      // the scan; the patch is withheld when it would carry a secret).
      const shown = tok.text.replace(/^([^:/]+:\/\/[^:/@]*:)[^@/]*@/, "$1…@");
      ctx.report({
        node: n,
        key: shown,
        message: `${shown} is an unquoted URL literal (deprecated, rejected with the no-url-literals feature); write it as a string: "${shown}".`,
        fix: { safety: "auto", description: "Quote the URL (the value is the same string).", edits: [replaceNode(ctx.file, n, nixString(tok.text))] },
      });
    }
  },
};
