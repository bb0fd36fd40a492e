// repeated-keys (statix's repeated_keys): a (non-rec) attribute set assigns three or more paths
// under the same first name (`foo.a = 1; foo.b = 2; foo.c = 3;`), which one nested set says once.
// Reported, as statix does, at the first occurrence, naming the others. statix offers no fix; here
// the entries are moved into `foo = { a = 1; b = 2; c = 3; };` at the first one's place. In a
// non-rec set that is exactly how Nix reads the dotted paths (their values see the same scope),
// so the fix is automatic, except when something else could merge into the name (an entry
// `foo = ...;` itself, a dynamic first name `${...}`), where it is left to review or to hand.
import { SyntaxKind as K, isTrivia, type SyntaxNode } from "../../nix/syntax.js";
import { indentUnit, lineIndent } from "../../nix/edit.js";
import { attrpathSegments } from "../../nix/options.js";
import type { Rule, TextEdit } from "../types.js";
import { statixMeta } from "./statix-lint.js";

interface Entry {
  node: SyntaxNode;
  path: SyntaxNode;
  value: SyntaxNode;
}

function firstName(path: SyntaxNode): string | undefined {
  const first = path.childNodes()[0];
  return first?.kind === K.NODE_IDENT ? first.text : undefined;
}

/** The range an entry takes up: its own line(s) when it stands alone on them, else just itself
 * and the spaces before it. */
function removal(text: string, node: SyntaxNode): [number, number] {
  let start = node.start;
  while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
  let end = node.end;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  const ownLine = (start === 0 || text[start - 1] === "\n") && (end === text.length || text[end] === "\n" || text[end] === "\r");
  if (ownLine) {
    if (text[end] === "\r") end++;
    if (text[end] === "\n") end++;
    return [start, end];
  }
  return [start, node.end];
}

/** Does any token of the value span lines (a multi-line string, whose text re-indenting would change)? */
function hasMultilineToken(value: SyntaxNode): boolean {
  for (const t of value.tokens()) if (!isTrivia(t.kind) && t.text.includes("\n")) return true;
  return false;
}

function nestedSet(text: string, name: string, entries: Entry[], first: SyntaxNode): string {
  const indent = lineIndent(text, first.start);
  const unit = indentUnit(text);
  const lines = entries.map((e) => {
    const second = e.path.childNodes()[1]!;
    // The entry from its second name on (`a.b = v;` gives `b = v;`), comments included.
    let rest = text.slice(second.start, e.node.end);
    if (!hasMultilineToken(e.value)) rest = rest.replace(/\n/g, `\n${unit}`);
    return `${indent}${unit}${rest}`;
  });
  return `${name} = {\n${lines.join("\n")}\n${indent}};`;
}

// NixOS modules are written this way on purpose (`services.a.enable`, `services.b.enable`, each
// line greppable, sections under comments): a judged sample of public configurations found every
// one of 17 findings debatable. So, like unquoted-splice, it runs only with `style: all`.
export const repeatedKeys: Rule = {
  ...statixMeta("repeated_keys", {
    id: "repeated-keys",
    name: "Repeated key in an attribute set",
    rationale:
      "Three or more entries of one attribute set start with the same name (`foo.a = …; foo.b = …; foo.c = …;`); a nested set (`foo = { a = …; b = …; c = …; };`) says it once and keeps them together. statix reports the same (repeated_keys).",
    fix: "Gather the entries into one nested set under the repeated name.",
    examples: {
      fire: [
        "{\n  services.nginx.enable = true;\n  networking.hostName = \"box\";\n  services.openssh.enable = true;\n  services.tailscale.enable = true;\n}\n",
      ],
      silent: [
        "{\n  services.nginx.enable = true;\n  services.openssh.enable = true;\n  networking.hostName = \"box\";\n}\n",
        "rec {\n  foo.a = 1;\n  foo.b = foo.a;\n  foo.c = 3;\n}\n",
        "let\n  foo.a = 1;\n  foo.b = 2;\n  foo.c = 3;\nin foo\n",
      ],
    },
  }),
  optIn: true,

  checkNix(ctx) {
    const text = ctx.text;
    for (const set of ctx.parsed.root.descendants(K.NODE_ATTR_SET)) {
      if (set.firstToken(K.TOKEN_REC)) continue;
      const groups = new Map<string, Entry[]>();
      let dynamicFirst = false;
      for (const b of set.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        if (!path || !value) continue;
        const name = firstName(path);
        if (name === undefined) {
          dynamicFirst ||= attrpathSegments(path)[0]?.dynamic ?? false;
          continue;
        }
        groups.set(name, [...(groups.get(name) ?? []), { node: b, path, value }]);
      }
      for (const [name, entries] of groups) {
        const [first, second, third] = entries;
        // statix: reported from an entry with two or more names that is the first of three or more.
        if (!first || !second || !third || first.path.childNodes().length < 2) continue;
        const lines = entries.slice(1).map((e) => e.node.line);
        const mergeable = entries.every((e) => e.path.childNodes().length >= 2);
        const inherited = set.childNodes().some((b) => b.kind === K.NODE_INHERIT && b.childNodes().some((i) => i.kind === K.NODE_IDENT && i.text === name));
        const sub = entries.slice(0, 3).map((e) => e.path.childNodes().slice(1).map((n) => n.text).join("."));
        const message = `The key \`${name}\` is assigned ${entries.length} times in this set (here and on line${lines.length > 1 ? "s" : ""} ${lines.join(", ")}); write \`${name} = { ${sub.map((s) => `${s} = …;`).join(" ")}${entries.length > 3 ? " …" : ""} }\`.`;
        const r = { node: first.path, key: name, message };
        if (!mergeable || inherited) {
          ctx.report({ ...r, fix: { safety: "manual", description: `Gather the \`${name}\` entries into one nested set by hand (one of them assigns \`${name}\` itself).` } });
          continue;
        }
        const edits: TextEdit[] = [{ file: ctx.file, start: first.node.start, end: first.node.end, text: nestedSet(text, name, entries, first.node) }];
        for (const e of entries.slice(1)) {
          const [start, end] = removal(text, e.node);
          edits.push({ file: ctx.file, start, end, text: "" });
        }
        ctx.report({
          ...r,
          fix: {
            safety: dynamicFirst ? "review" : "auto",
            description: `Gather the ${entries.length} \`${name}.…\` entries into one nested \`${name} = { … };\` at the first one's place${dynamicFirst ? " (check it: a dynamic name in this set might be the same name)" : ""}.`,
            edits,
          },
        });
      }
    }
  },
};
