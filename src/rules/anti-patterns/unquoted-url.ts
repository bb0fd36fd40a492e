// unquoted-url: a bare URL literal (`https://example.org/x`, `github:owner/repo`). Nix's lexer
// decides what is a URL, so everything it lexes as one is reported, and quoting it is exactly
// equivalent (the literal's value is its text). One look-alike is a bug, not a style matter: a
// shell parameter expansion left unescaped in a Nix string (`''${HOME:-}` written `${HOME:-}`) is
// read by Nix as an interpolation of the URL `HOME:-`, so the script gets the text "HOME:-".
import { SyntaxKind as K } from "../../nix/syntax.js";
import { nixString, replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { nixManual } from "../shared/references.js";

/** `NAME:-default`, `NAME:=x`, `NAME:+x`, `NAME:?msg`: the shell's `${...}` forms a URL can look like. */
const SHELL_EXPANSION = /^[A-Za-z_][A-Za-z0-9_]*:[-=+?]/;

export const unquotedUrl: Rule = {
  id: "unquoted-url",
  name: "Unquoted URL literal",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: Nix's bare URL literals (`https://example.org/x`) are deprecated (RFC 45) and rejected when the `no-url-literals` experimental feature is on; they also end silently at the first character outside the URL syntax, so a `#fragment` or `${...}` becomes something else. A quoted string means exactly the same, with none of these surprises.",
  fix: "Quote the URL (`\"https://...\"`); the value is the same string.",
  references: [
    { title: "nix.dev: Best practices, URLs", url: "https://nix.dev/guides/best-practices#urls" },
    { title: "RFC 45: deprecate URL syntax", url: "https://github.com/NixOS/rfcs/pull/45" },
    nixManual("experimental feature no-url-literals", "development/experimental-features#xp-feature-no-url-literals"),
  ],
  compliance: {
    cis: ["n/a: a property of the Nix language code, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ ... }:
{
  services.nginx.virtualHosts."example.org".locations."/".proxyPass = http://127.0.0.1:8080;
}
`],
    silent: [`{ ... }:
{
  services.nginx.virtualHosts."example.org".locations."/".proxyPass = "http://127.0.0.1:8080";
}
`],
  },

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LITERAL)) {
      const tok = n.childTokens()[0];
      if (tok?.kind !== K.TOKEN_URI) continue;
      const interpol = n.parent;
      const str = interpol?.parent;
      if (interpol?.kind === K.NODE_INTERPOL && str?.kind === K.NODE_STRING && SHELL_EXPANSION.test(tok.text) && interpol.childNodes().length === 1) {
        // Quoting would keep the bug; escaping the `${` gives the script what its author wrote.
        const indented = str.text.startsWith("''");
        const escaped = (indented ? "''" : "\\") + interpol.text;
        ctx.report({
          node: interpol,
          key: `shell-expansion:${tok.text}`,
          // A real bug (the script never sees the variable), not a matter of style.
          severity: "low",
          title: `shell parameter expansion read by Nix as an interpolation (\${${tok.text}})`,
          message: `\${${tok.text}} in this ${indented ? "indented ''string''" : "string"} is meant for the shell, but Nix reads it as an interpolation of the URL literal ${tok.text}: the script gets the text "${tok.text}" instead of the variable's value. Escape it as ${escaped}.`,
          fix: { safety: "review", description: `Escape the expansion (${escaped}) so that Nix leaves it to the shell.`, edits: [replaceNode(ctx.file, interpol, escaped)] },
        });
        continue;
      }
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
