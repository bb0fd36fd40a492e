// The module arguments a file's module function gets from the hosts that use it, as far as they
// are written statically: a host builder's `specialArgs = { LT = import ./helpers { ... }; }` and
// `_module.args.<name> = ...` in any of the host's modules (the module system gives both to every
// module of the host). A name counts only when every host using the file gives it with the same
// expression; a file no host uses gets what every host gives alike. Rules read helper sets through
// them (a service's `serviceConfig = LT.serviceHarden // { ... }`).
import type { ModuleArg } from "../nix/static-eval.js";
import type { SyntaxNode } from "../nix/syntax.js";
import type { HostGraph } from "./hosts.js";
import type { ParsedFile } from "./repo.js";

export function moduleArgsReader(graph: HostGraph, nixFiles: ReadonlyMap<string, ParsedFile>): (hosts: readonly string[]) => ReadonlyMap<string, ModuleArg> | undefined {
  const fileOfRoot = new Map<SyntaxNode, string>();
  for (const [file, pf] of nixFiles) fileOfRoot.set(pf.parsed.root, file);
  const rootOf = (n: SyntaxNode): SyntaxNode => {
    let r = n;
    while (r.parent) r = r.parent;
    return r;
  };
  const perHost = new Map<string, Map<string, ModuleArg>>();
  for (const h of graph.hosts) {
    const args = new Map<string, ModuleArg>();
    for (const [name, node] of h.args ?? []) {
      const file = fileOfRoot.get(rootOf(node));
      if (file !== undefined) args.set(name, { node, file });
    }
    for (const f of h.files) {
      const pf = nixFiles.get(f);
      if (!pf || pf.parsed.error || !pf.text.includes("_module")) continue;
      for (const d of pf.index.definitions) {
        const s = d.segments;
        // Unconditional ones only: behind mkIf the host may not give it.
        if (s.length !== 3 || s[0]!.name !== "_module" || s[1]!.name !== "args" || s[2]!.dynamic || !d.value || d.conditions.length) continue;
        if (!args.has(s[2]!.name)) args.set(s[2]!.name, { node: d.value, file: f });
      }
    }
    if (args.size) perHost.set(h.name, args);
  }
  const all = graph.hosts.map((h) => h.name);
  const memo = new Map<string, ReadonlyMap<string, ModuleArg> | undefined>();
  return (hosts) => {
    const names = hosts.length ? hosts : all;
    if (!names.length || perHost.size === 0) return undefined;
    const key = names.join("\0");
    if (memo.has(key)) return memo.get(key);
    let out: Map<string, ModuleArg> | undefined;
    const first = perHost.get(names[0]!);
    for (const [name, arg] of first ?? []) {
      if (names.every((h) => perHost.get(h)?.get(name)?.node === arg.node)) (out ??= new Map()).set(name, arg);
    }
    memo.set(key, out);
    return out;
  };
}
