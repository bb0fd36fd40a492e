// missing-home-stateversion: a home-manager configuration that never sets home.stateVersion.
// A configuration is followed through everything it is made of before anything is reported:
// - inside NixOS (`home-manager.users.<user> = <module>`, per host): the module itself (an
//   attribute set, a function, a file, `import ./file.nix`), its imports (transitively, local
//   files), other definitions of `home-manager.users.<user>.home.stateVersion` in the host, and
//   `home-manager.sharedModules`;
// - standalone (`homeManagerConfiguration { modules = [ ... ]; }`): its modules (or the older
//   `configuration = ...`), transitively.
// Anything that cannot be followed (a module from a flake input, a helper call, `mkIf`, a host whose
// imports are computed) might set it, so the configuration is then left alone: only what is
// certainly missing is reported.
import { posix } from "node:path";
import { attrpathSegments, indexModule, type OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { addBindings, nixString, setOption } from "../../nix/edit.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { hostDefinitions, hostMatching, hostOpacity } from "./host.js";
import { applications, calleeName, flattenApply, resolveValue, resolveVariable, unparen } from "../shared/syntax.js";

type Verdict = "set" | "missing" | "unknown";

/** Where an edit could add the option: a file (module) or an attribute set written in place. */
type Target = { kind: "file"; ctx: NixFileContext } | { kind: "set"; ctx: NixFileContext; set: SyntaxNode };

interface Resolution {
  verdict: Verdict;
  target?: Target;
}

export class ModuleResolver {
  /** What could not be followed (`file:line: text`), for diagnostics. */
  readonly unknowns: string[] = [];

  private readonly byPath: Map<string, NixFileContext>;
  private readonly fileVerdicts = new Map<NixFileContext, Verdict>();

  /** `known` gives the values of interpolations the caller knows (`config.networking.hostName`
   * of a host whose host name is a literal), so `./home/${config.networking.hostName}.nix` can be
   * followed. */
  constructor(
    files: readonly NixFileContext[],
    private readonly known: ReadonlyMap<string, string> = new Map(),
    private readonly lookup: (file: string) => NixFileContext | undefined = () => undefined,
  ) {
    this.byPath = new Map(files.map((f) => [f.file, f]));
  }

  private byFile(file: string): NixFileContext | undefined {
    return this.byPath.get(file) ?? this.lookup(file);
  }

  /** The file a path literal names, relative to the file it is written in. */
  fileOf(path: SyntaxNode, from: NixFileContext): NixFileContext | undefined {
    if (path.kind !== K.NODE_PATH) return undefined;
    let text = "";
    for (const c of path.children) {
      if (c.isToken) text += c.kind === K.TOKEN_PATH || c.kind === K.TOKEN_PATH_CONTENT ? c.text : "";
      else if (c.kind === K.NODE_INTERPOL) {
        const v = this.known.get(c.firstChild()?.text.replace(/\s+/g, "") ?? "");
        if (v === undefined || v.includes("/")) return undefined;
        text += v;
      }
    }
    if (!text.startsWith("./") && !text.startsWith("../")) return undefined;
    const dir = posix.dirname(from.file);
    const rel = posix.normalize(posix.join(dir === "." ? "" : dir, text));
    if (rel.startsWith("..")) return undefined;
    return this.byFile(rel) ?? this.byFile(posix.join(rel, "default.nix"));
  }

  /** Does this module expression set home.stateVersion? */
  module(expr: SyntaxNode | undefined, from: NixFileContext, depth = 0): Resolution {
    const res = this.moduleVerdict(expr, from, depth);
    if (res.verdict === "unknown" && expr && !res.target) this.unknowns.push(`${from.file}:${expr.line}: ${expr.text.replace(/\s+/g, " ").slice(0, 80)}`);
    return res;
  }

  private moduleVerdict(expr: SyntaxNode | undefined, from: NixFileContext, depth: number): Resolution {
    const n = resolveValue(expr);
    if (!n || depth > 24) return { verdict: "unknown" };
    switch (n.kind) {
      case K.NODE_PATH: {
        const f = this.fileOf(n, from);
        return f ? { verdict: this.file(f, depth + 1), target: { kind: "file", ctx: f } } : { verdict: "unknown" };
      }
      case K.NODE_APPLY: {
        const { fn, args } = flattenApply(n);
        // `import ./home.nix` (possibly called with arguments): the file's module.
        if (calleeName(fn) === "import" && args[0]) {
          const p = unparen(args[0]);
          return p?.kind === K.NODE_PATH ? this.module(p, from, depth + 1) : { verdict: "unknown" };
        }
        return { verdict: "unknown" };
      }
      case K.NODE_ATTR_SET:
      case K.NODE_LAMBDA: {
        const index = indexModule(n);
        const verdict = this.index(index.definitions, index.imports, from, depth);
        const set = n.kind === K.NODE_ATTR_SET ? n : bodySet(n);
        return { verdict, target: set ? { kind: "set", ctx: from, set } : undefined };
      }
      default:
        return { verdict: "unknown" };
    }
  }

  private file(f: NixFileContext, depth: number): Verdict {
    const cached = this.fileVerdicts.get(f);
    if (cached) return cached;
    this.fileVerdicts.set(f, "unknown"); // import cycles
    const v = f.index.isModule ? this.index(f.index.definitions, f.index.imports, f, depth) : "unknown";
    this.fileVerdicts.set(f, v);
    return v;
  }

  /** A module's verdict from its definitions and imports. */
  index(defs: OptionDefinition[], imports: readonly SyntaxNode[], from: NixFileContext, depth: number): Verdict {
    if (defs.some((d) => d.path === "home.stateVersion")) return "set";
    return this.all(imports, from, depth);
  }

  /** "set" if any module sets it, else "unknown" if any cannot be followed, else "missing". */
  all(modules: readonly SyntaxNode[], from: NixFileContext, depth: number): Verdict {
    let verdict: Verdict = "missing";
    for (const m of modules) {
      const v = this.module(m, from, depth + 1).verdict;
      if (v === "set") return "set";
      if (v === "unknown") verdict = "unknown";
    }
    return verdict;
  }
}

/** The attribute set a module function returns (through `let`), for adding a binding. */
function bodySet(lambda: SyntaxNode): SyntaxNode | undefined {
  let n = unparen(lambda.childNodes()[1]);
  for (let i = 0; n && i < 8; i++) {
    if (n.kind === K.NODE_ATTR_SET) return n;
    if (n.kind === K.NODE_LET_IN || n.kind === K.NODE_LAMBDA) n = unparen(n.childNodes().at(-1));
    else return undefined;
  }
  return undefined;
}

function editFor(target: Target | undefined, version: string | undefined): TextEdit | undefined {
  if (!target || !version) return undefined;
  const value = nixString(version);
  if (target.kind === "file") {
    const f = target.ctx;
    return setOption(f.file, f.text, f.parsed.root, f.index, ["home", "stateVersion"], value);
  }
  return addBindings(target.ctx.file, target.ctx.text, target.set, [`home.stateVersion = ${value};`]);
}

/** The list elements of a `modules = [ ... ]` / `imports = [ ... ]` value (through let bindings). */
function listElements(value: SyntaxNode | undefined): SyntaxNode[] | undefined {
  const n = resolveValue(value);
  if (n?.kind === K.NODE_LIST) return [...n.childNodes()];
  if (n?.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_CONCAT) {
    const parts = n.childNodes().map((c) => listElements(c));
    return parts.every((p) => p) ? parts.flatMap((p) => p!) : undefined;
  }
  return undefined;
}

// Host checks see a shared module once per host; report a definition once per scan.
// (Per definition and module file: `./home/${config.networking.hostName}.nix` is another file per host.)
const reported = new WeakMap<NixFileContext, Set<string>>();

export const missingHomeStateVersion: Rule = {
  id: "missing-home-stateversion",
  name: "home-manager configuration without home.stateVersion",
  category: "anti-pattern",
  severity: "medium",
  rationale:
    "`home.stateVersion` tells home-manager which release's defaults the user's existing state (data formats, file locations) was created with; it has no default, so a configuration that never sets it fails to evaluate (\"home.stateVersion is used but not defined\") or, with older home-manager, silently takes whatever the current release assumes, which can break or move state on upgrade.",
  fix: "Set `home.stateVersion` in the user's home-manager configuration to the home-manager release the user's state was first created with (often the system's stateVersion), and never raise it without reading the release notes.",
  references: [
    { title: "home-manager options: home.stateVersion", url: "https://nix-community.github.io/home-manager/options.xhtml#opt-home.stateVersion" },
    { title: "home-manager manual", url: "https://nix-community.github.io/home-manager/" },
  ],
  compliance: {
    cis: ["n/a: concerns the evaluation of the user's configuration, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [hostExample(`{ ... }:
{
  home-manager.users.alice = {
    home.username = "alice";
    home.homeDirectory = "/home/alice";
    programs.git.enable = true;
  };
}
`, "example.nix")],
    silent: [hostExample(`{ ... }:
{
  home-manager.users.alice = {
    home.username = "alice";
    home.homeDirectory = "/home/alice";
    programs.git.enable = true;
    home.stateVersion = "24.11";
  };
}
`, "example.nix"),
    // The users' set written whole from a file the scan does not follow as modules.
    hostExample(`{ inputs, ... }:
{
  imports = [ { home-manager.users.alice = { programs.git.enable = true; }; } ];
  home-manager.users = import "\${inputs.self}/users";
}
`, "example.nix")],
  },

  checkHost(h) {
    const users = new Map<string, Array<{ file: NixFileContext; def: OptionDefinition }>>();
    for (const x of hostMatching(h, "home-manager.users.**")) {
      const segs = x.def.segments;
      if (segs.length < 3 || segs[2]!.dynamic) continue;
      const list = users.get(segs[2]!.name) ?? [];
      list.push(x);
      users.set(segs[2]!.name, list);
    }
    // Another, unseen module of the host could set it.
    if (users.size === 0 || h.partial || hostOpacity(h)) return;
    // `home-manager.users = import "${inputs.self}/users";`: the users' modules written whole,
    // elsewhere: one of them may set it.
    if (hostDefinitions(h, "home-manager.users").some((x) => unparen(x.def.inner)?.kind !== K.NODE_ATTR_SET)) return;
    const hostName = hostDefinitions(h, "networking.hostName").map((x) => staticValue(x.def.inner)).filter((v): v is string => typeof v === "string");
    const known = new Map<string, string>();
    if (hostName.length === 1) known.set("config.networking.hostName", hostName[0]!);
    const resolver = new ModuleResolver(h.files, known, (f) => h.lookup?.(f));
    const shared = hostDefinitions(h, "home-manager.sharedModules");
    let sharedVerdict: Verdict = "missing";
    for (const s of shared) {
      const elems = listElements(s.def.inner);
      const v = elems ? resolver.all(elems, s.file, 0) : "unknown";
      if (v !== "missing") sharedVerdict = v;
    }
    if (sharedVerdict !== "missing") return;
    const systemVersion = hostDefinitions(h, "system.stateVersion").map((x) => staticValue(x.def.inner)).find((v): v is string => typeof v === "string");

    for (const [user, defs] of users) {
      if (defs.some((x) => x.def.segments.slice(3).map((s) => s.name).join(".") === "home.stateVersion")) continue;
      const roots = defs.filter((x) => x.def.segments.length === 3);
      let verdict: Verdict = "missing";
      let target: Target | undefined;
      for (const r of roots) {
        const res = resolver.module(r.def.inner, r.file);
        if (res.verdict === "set") verdict = "set";
        else if (res.verdict === "unknown" && verdict !== "set") verdict = "unknown";
        target ??= res.target;
      }
      // `home-manager.users.alice.imports = [ ... ]` written as a nested definition.
      for (const x of defs.filter((d) => d.def.segments.length === 4 && d.def.segments[3]!.name === "imports")) {
        const elems = listElements(x.def.inner);
        const v = elems ? resolver.all(elems, x.file, 0) : "unknown";
        if (v === "set") verdict = "set";
        else if (v === "unknown" && verdict !== "set") verdict = "unknown";
      }
      if (verdict !== "missing") continue;
      const anchorDef = (roots[0] ?? defs[0])!;
      const done = reported.get(anchorDef.file) ?? new Set<string>();
      reported.set(anchorDef.file, done);
      const seenKey = `${anchorDef.def.binding.start}:${target?.kind === "file" ? target.ctx.file : ""}`;
      if (done.has(seenKey)) continue;
      done.add(seenKey);
      const edit = editFor(target, systemVersion);
      const where = target?.kind === "file" && target.ctx !== anchorDef.file ? ` (${target.ctx.file})` : "";
      h.report({
        file: anchorDef.file.file,
        node: anchorDef.def.attrpath ?? anchorDef.def.binding,
        optionPath: `home-manager.users.${user}.home.stateVersion`,
        message: `The home-manager configuration of ${user}${where} never sets home.stateVersion (followed through its modules and imports and the host's other definitions): it has no default, so evaluation fails or state defaults change on upgrade.`,
        fix: {
          safety: edit ? "review" : "manual",
          description: edit
            ? `Set home.stateVersion = ${nixString(systemVersion!)} (the host's system.stateVersion) if that is when ${user}'s home-manager state was created; otherwise the release it was created with.`
            : "Set home.stateVersion to the home-manager release the user's state was first created with.",
          ...(edit ? { edits: [edit] } : {}),
        },
      });
    }
  },

  checkRepository(files, sink) {
    const resolver = new ModuleResolver(files);
    for (const ctx of files) {
      for (const app of applications(ctx.parsed.root)) {
        if (app.name !== "homeManagerConfiguration" || app.args.length !== 1) continue;
        // A local wrapper (`homeManagerConfiguration = { extraModules ? [ ] }: ...`) adds modules
        // of its own; only calls of home-manager's function are read.
        if (app.fn.kind === K.NODE_IDENT && resolveVariable(app.fn)) continue;
        const set = unparen(app.args[0]);
        if (set?.kind !== K.NODE_ATTR_SET) continue;
        let verdict: Verdict = "missing";
        let anchor: SyntaxNode = app.fn;
        let found = false;
        for (const b of set.childNodes()) {
          if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
          const [path, value] = b.childNodes();
          const key = path ? attrpathSegments(path).map((s) => s.name).join(".") : "";
          if (key === "modules" || key === "extraModules") {
            found = true;
            anchor = path!;
            const elems = listElements(value);
            if (!elems) verdict = "unknown";
            else {
              for (const e of elems) {
                const res = resolver.module(e, ctx);
                if (res.verdict === "set") verdict = "set";
                else if (res.verdict === "unknown" && verdict !== "set") verdict = "unknown";
              }
            }
          } else if (key === "configuration") {
            found = true;
            anchor = path!;
            const res = resolver.module(value, ctx);
            if (res.verdict === "set") verdict = "set";
            else if (res.verdict === "unknown" && verdict !== "set") verdict = "unknown";
          } else if (key === "home.stateVersion" || key === "stateVersion") {
            verdict = "set"; // the pre-22.11 argument
          }
        }
        if (!found || verdict !== "missing") continue;
        sink.report(ctx, {
          node: anchor,
          key: `homeManagerConfiguration ${app.node.line}`,
          message: `This home-manager configuration never sets home.stateVersion (followed through its modules and their imports): it has no default, so evaluation fails or state defaults change on upgrade.`,
          fix: { safety: "manual", description: "Set home.stateVersion in one of its modules to the home-manager release the user's state was first created with." },
        });
      }
    }
  },
};
