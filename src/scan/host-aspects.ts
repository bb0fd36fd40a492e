// den (vic/den, flake-aspects): hosts declared as `den.hosts.<system>.<host> = { users.<user> = ...; }`
// are made of aspects, `den.aspects.<name> = { nixos = ...; includes = [ den.aspects.<other> ]; }`,
// written in any file import-tree loads. A host takes its own aspect (`den.aspects.<host>`), the
// aspects of its users (`den.aspects.<user>`, and `den.aspects.<user>.provides.<host>` for it),
// `den.default` and `den.schema`, and every aspect those include, transitively. The files defining
// the aspects a host reaches are the host's; the others are no host's.
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, unparen } from "../nix/options.js";

interface AspectFacts {
  /** Aspects the file defines, by name (`haseeb`, `haseeb.provides.framebox`, `@default`), with
   * the aspects each refers to. */
  aspects: Map<string, Set<string>>;
  /** Users each host of `den.hosts` declares. */
  hosts: Map<string, Set<string>>;
}

// A file's aspects depend on its tree alone: read once while the file is unchanged.
const factsCache = new WeakMap<SyntaxNode, AspectFacts>();

const ASPECT_REF = /^den\.aspects\.([\w'-]+)(?:\.provides\.([\w'-]+))?/;

function aspectFacts(tree: SyntaxNode): AspectFacts {
  const cached = factsCache.get(tree);
  if (cached) return cached;
  const facts: AspectFacts = { aspects: new Map(), hosts: new Map() };
  if (/\bden\b/.test(tree.text) && /\baspects\b|\bhosts\b|\bdefault\b|\bschema\b/.test(tree.text)) {
    const refsOf = (value: SyntaxNode, skip: SyntaxNode[]): Set<string> => {
      const out = new Set<string>();
      for (const sel of value.descendants(K.NODE_SELECT)) {
        if (sel.inside(K.NODE_SELECT) || skip.some((s) => sel.start >= s.start && sel.end <= s.end)) continue;
        const m = ASPECT_REF.exec(sel.text.replace(/\s+/g, ""));
        if (m) out.add(m[2] ? `${m[1]}.provides.${m[2]}` : m[1]!);
      }
      // `includes = with den.aspects; [ base desktop (facter ./facter.json) ];`: the names the
      // list takes from den.aspects (a name called with arguments, too).
      for (const w of value.descendants(K.NODE_WITH)) {
        if (skip.some((s) => w.start >= s.start && w.end <= s.end)) continue;
        const [space, body] = w.childNodes();
        if (space?.text.replace(/\s+/g, "") !== "den.aspects" || unparen(body)?.kind !== K.NODE_LIST) continue;
        for (const el of unparen(body)!.childNodes()) {
          let e = unparen(el);
          while (e?.kind === K.NODE_APPLY) e = unparen(e.childNodes()[0]);
          if (e?.kind === K.NODE_IDENT) out.add(e.text);
        }
      }
      return out;
    };
    const visit = (node: SyntaxNode | undefined, prefix: string[], depth: number): void => {
      let n = unparen(node);
      for (let i = 0; (n?.kind === K.NODE_LAMBDA || n?.kind === K.NODE_LET_IN) && i < 4; i++) n = unparen(n.kind === K.NODE_LAMBDA ? n.childNodes()[1] : n.childNodes().at(-1));
      if (n?.kind !== K.NODE_ATTR_SET || depth > 8) return;
      for (const b of n.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (!value || segs.length === 0 || segs.some((s) => s.dynamic)) continue;
        const full = [...prefix, ...segs.map((s) => s.name)];
        if (full[0] !== "den") continue;
        if (full.length === 1) {
          visit(value, full, depth + 1);
          continue;
        }
        if (full[1] === "default" || full[1] === "schema") {
          const known = facts.aspects.get("@default") ?? new Set<string>();
          for (const r of refsOf(value, [])) known.add(r);
          facts.aspects.set("@default", known);
          continue;
        }
        if (full[1] === "hosts") {
          // den.hosts.<system>.<host>.users.<user>
          if (full.length >= 4) {
            const host = full[3]!;
            const users = facts.hosts.get(host) ?? new Set<string>();
            facts.hosts.set(host, users);
            if (full[4] === "users" && full[5]) users.add(full[5]);
          }
          if (full.length < 6) visit(value, full, depth + 1);
          continue;
        }
        if (full[1] !== "aspects") continue;
        if (full.length < 3) {
          visit(value, full, depth + 1);
          continue;
        }
        // `<name>`, `<name>.provides.<host>`, or a binding inside one (`<name>.nixos`).
        const provided = full[3] === "provides" && full[4] !== undefined;
        const name = provided ? `${full[2]}.provides.${full[4]}` : full[2]!;
        const whole = provided ? full.length === 5 : full.length === 3;
        // An aspect's own `provides.<host>` is another aspect: its includes are not the parent's.
        const nested: SyntaxNode[] = [];
        if (whole && !provided) {
          const inner = unparen(value);
          if (inner?.kind === K.NODE_ATTR_SET) {
            for (const c of inner.childNodes()) {
              const [p, v] = c.kind === K.NODE_ATTRPATH_VALUE ? c.childNodes() : [];
              if (p && v && attrpathSegments(p)[0]?.name === "provides") nested.push(v);
            }
          }
        }
        const known = facts.aspects.get(name) ?? new Set<string>();
        for (const r of refsOf(value, nested)) known.add(r);
        facts.aspects.set(name, known);
        if (whole && !provided) visit(value, full, depth + 1);
        else if (full.length === 4 && full[3] === "provides") visit(value, full, depth + 1);
      }
    };
    visit(tree.childNodes().find((c) => c.kind !== K.NODE_ERROR), [], 0);
  }
  factsCache.set(tree, facts);
  return facts;
}

/** The files of the aspects each den host reaches, by host name (undefined: not a den layout). */
export function denHostFiles(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): Map<string, Set<string>> | undefined {
  const defined = new Map<string, { files: Set<string>; refs: Set<string> }>();
  const users = new Map<string, Set<string>>();
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree) continue;
    const facts = aspectFacts(tree);
    for (const [name, refs] of facts.aspects) {
      let d = defined.get(name);
      if (!d) defined.set(name, (d = { files: new Set(), refs: new Set() }));
      d.files.add(file);
      for (const r of refs) d.refs.add(r);
    }
    for (const [host, us] of facts.hosts) {
      const known = users.get(host) ?? new Set<string>();
      for (const u of us) known.add(u);
      users.set(host, known);
    }
  }
  if (users.size === 0 || defined.size === 0) return undefined;
  // A file defining a host's own aspect (`den.aspects.<host>`, `den.aspects.<user>.provides.<host>`)
  // is that host's folder: the other aspects it adds to (its user's) take it to no other host.
  const ownerOf = new Map<string, string>();
  for (const [name, d] of defined) {
    const host = users.has(name) ? name : /\.provides\.([\w'-]+)$/.exec(name)?.[1];
    if (host && users.has(host)) for (const f of d.files) ownerOf.set(f, host);
  }
  const out = new Map<string, Set<string>>();
  for (const [host, us] of users) {
    const queue = [host, "@default", ...[...us].flatMap((u) => [u, `${u}.provides.${host}`])];
    const seen = new Set<string>();
    const files = new Set<string>();
    while (queue.length > 0) {
      const a = queue.pop()!;
      if (seen.has(a)) continue;
      seen.add(a);
      // What an aspect provides under another name than a host's (`provides.to-users`) is part of it.
      if (!a.includes(".provides.")) for (const name of defined.keys()) if (name.startsWith(`${a}.provides.`) && !users.has(name.slice(a.length + 10))) queue.push(name);
      const d = defined.get(a);
      if (!d) continue;
      for (const f of d.files) if ((ownerOf.get(f) ?? host) === host) files.add(f);
      for (const r of d.refs) queue.push(r);
    }
    out.set(host, files);
  }
  return out;
}

/** The hosts den declares (`den.hosts.<system>.<host> = { users.<user> = { }; }`, also written
 * `den.hosts.<system> = { <host> = ...; }`), in any module import-tree loads: each NixOS host with
 * the file and binding declaring it. A host of a darwin system is nix-darwin's, no NixOS host. Its
 * files are the aspects it reaches (denHostFiles, read by the host graph). */
export function denHosts(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): Array<{ name: string; file: string; node: SyntaxNode }> {
  const out: Array<{ name: string; file: string; node: SyntaxNode }> = [];
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree || !/\bden\b/.test(tree.text) || !/\bhosts\b/.test(tree.text)) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      // The segments of the nested sets down to the binding (not through a function's body).
      const segs: string[] = [];
      let crossed = false;
      for (let p: SyntaxNode | null = b; p; p = p.parent) {
        if (p.kind === K.NODE_ATTRPATH_VALUE) {
          const path = p.childNodes()[0];
          if (!crossed && path) segs.unshift(...attrpathSegments(path).map((s) => (s.dynamic ? "*" : s.name)));
        } else if (p.kind === K.NODE_LAMBDA && !crossed) {
          // The module's own function (`{ den, ... }: { den.hosts... }`) ends the path.
          crossed = true;
        } else if (p.kind !== K.NODE_ATTR_SET && p.kind !== K.NODE_PAREN && p.kind !== K.NODE_LET_IN && p.kind !== K.NODE_ROOT) crossed = true;
      }
      const at = segs[0] === "config" ? 1 : 0;
      if (segs[at] !== "den" || segs[at + 1] !== "hosts") continue;
      const system = segs[at + 2];
      const name = segs[at + 3];
      // The binding that names the host (`den.hosts.<system>.<host>` is its path's 4th segment).
      if (!system || !name || system === "*" || name === "*" || !/-(?:linux|darwin)$/.test(system) || system.endsWith("-darwin")) continue;
      if (out.some((h) => h.name === name)) continue;
      out.push({ name, file, node: b });
    }
  }
  return out;
}
