// Plan actions for drift items: revert the machine (the item's commands, as argument arrays) or
// adopt the change into the configuration: the Nix the item proposes, written where that kind of
// setting already lives for the host (a package into the list that holds that user's packages, a
// group into extraGroups, a mount next to the other fileSystems), else into the host's own module.
import { parseNix } from "../nix/index.js";
import { attrpathSegments, formatPath, unparen } from "../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { atLeast, type DriftItem, type DriftReport } from "../report/schema.js";
import type { TextEdit } from "../text/edit.js";
import { loadRepository, type ParsedFile, type Repository } from "../scan/repo.js";
import { addBindings, appendToList, moduleDefinitionSet, setOption } from "../nix/edit.js";
import type { PlanAction } from "./plan.js";
import type { Selection } from "./select.js";
import { undoOf } from "./undo.js";

export interface DriftPlanOptions extends Selection {
  wanted?: Set<string>;
  driftStrategy?: "revert" | "adopt";
  texts: Map<string, string>;
  signal?: AbortSignal;
}

/** The optional adopt fields the drift check adds to a remediation option. */
interface AdoptFields {
  optionPath?: string;
  nix?: string;
}

function chosenItems(report: DriftReport, opts: DriftPlanOptions): DriftItem[] {
  return report.items.filter(
    (i) =>
      (!opts.wanted || opts.wanted.has(i.id)) &&
      (opts.wanted || ((!opts.severity || atLeast(i.severity, opts.severity)) && (!opts.category || i.category === opts.category))),
  );
}

export async function driftActions(
  root: string,
  report: DriftReport,
  opts: DriftPlanOptions,
): Promise<{ actions: Omit<PlanAction, "id" | "diff">[]; skipped: Array<{ id: string; reason: string }>; texts: Map<string, string> }> {
  const actions: Omit<PlanAction, "id" | "diff">[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  const strategy = opts.driftStrategy ?? "revert";
  let repo: Repository | undefined;
  for (const item of chosenItems(report, opts)) {
    const option = item.remediation.find((r) => r.strategy === strategy) ?? item.remediation.find((r) => r.strategy !== "accept");
    if (!option) {
      skipped.push({ id: item.id, reason: "no remediation known for this drift" });
      continue;
    }
    if (opts.safeOnly && option.safety !== "auto") {
      skipped.push({ id: item.id, reason: `its ${option.strategy} is classified ${option.safety}, not auto` });
      continue;
    }
    const fixes = { type: "drift" as const, id: item.id, title: `${item.category}: ${item.subject}`, category: item.category, severity: item.severity, host: [report.host] };
    const adopt = option as typeof option & AdoptFields;
    if (option.strategy === "adopt" && adopt.nix) {
      repo ??= await loadRepository(root, { signal: opts.signal });
      const r = adoptEdits(repo, report.host, adopt.nix);
      if ("reason" in r) {
        actions.push({ kind: "manual", safety: "manual", fixes, description: `${option.description} ${r.reason}. Add by hand:\n${adopt.nix}` });
        continue;
      }
      for (const [file, text] of repo.texts) if (r.edits.some((e) => e.file === file)) opts.texts.set(file, text);
      actions.push({ kind: "edit", safety: "review", fixes, description: `${option.description} (${[...new Set(r.edits.map((e) => e.file))].join(", ")})`, edits: r.edits });
      continue;
    }
    if (option.commands?.length) {
      option.commands.forEach((command, n) =>
        actions.push({
          kind: "command",
          safety: option.safety,
          fixes,
          description: option.commands!.length > 1 ? `${option.description} (step ${n + 1} of ${option.commands!.length})` : option.description,
          command,
          undo: undoOf(command, item),
          ...(guardOf(option) ? { guard: guardOf(option) } : {}),
          host: report.host,
        }),
      );
    } else {
      actions.push({ kind: "manual", safety: "manual", fixes, description: option.description });
    }
  }
  return { actions, skipped, texts: opts.texts };
}

/** The guard our drift reports add to a remediation (DriftRemediationX), when the report has one. */
function guardOf(option: DriftReport["items"][number]["remediation"][number]): string[] | undefined {
  const guard = (option as { guard?: unknown }).guard;
  return Array.isArray(guard) && guard.length > 0 && guard.every((g) => typeof g === "string") ? (guard as string[]) : undefined;
}

interface Binding {
  path: string[];
  value: SyntaxNode;
}

/** The `path = value;` bindings of a Nix snippet. */
function snippetBindings(nix: string): Binding[] | undefined {
  const p = parseNix(`{\n${nix}\n}`, { extraGlobals: ["pkgs", "lib", "config"] });
  const set = unparen(p.root.childNodes()[0]);
  if (p.diagnostics.some((d) => d.kind === "syntax") || set?.kind !== K.NODE_ATTR_SET) return undefined;
  const out: Binding[] = [];
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (!value || segs.length === 0 || segs.some((s) => s.dynamic)) return undefined;
    out.push({ path: segs.map((s) => s.name), value });
  }
  return out;
}

/** The host's module files, the main one first (the one that sets networking.hostName). */
function hostModules(repo: Repository, host: string): Array<[string, ParsedFile]> {
  const decl = repo.graph.hosts.find((h) => h.name === host);
  const files = [...repo.nixFiles].filter(([f, pf]) => (decl ? decl.files.has(f) : true) && f !== repo.flakeFile && !pf.parsed.error && pf.index.isModule);
  const rank = ([f, pf]: [string, ParsedFile]) => (pf.index.byPath.has("networking.hostName") ? 0 : f.includes(`/${host}/`) || f.startsWith(`${host}/`) ? 1 : 2);
  return files.sort((a, b) => rank(a) - rank(b) || a[0].localeCompare(b[0]));
}

function adoptEdits(repo: Repository, host: string, nix: string): { edits: TextEdit[] } | { reason: string } {
  const bindings = snippetBindings(nix);
  if (!bindings) return { reason: "The proposed Nix could not be read as bindings" };
  const modules = hostModules(repo, host);
  if (modules.length === 0) return { reason: `No module file of host ${host} was found in the repository` };
  const edits: TextEdit[] = [];
  for (const b of bindings) {
    const dotted = formatPath(b.path.map((name) => ({ name, dynamic: false })));
    const valueText = b.value.text;
    // A list option already defined unconditionally: add the missing elements to that list.
    if (b.value.kind === K.NODE_LIST) {
      const existing = modules.flatMap(([file, pf]) => (pf.index.byPath.get(dotted) ?? []).map((d) => ({ file, pf, d }))).find((x) => x.d.conditions.length === 0 && unparen(x.d.inner)?.kind === K.NODE_LIST);
      if (existing) {
        const list = unparen(existing.d.inner)!;
        const present = new Set(list.childNodes().map((c) => c.text));
        for (const el of b.value.childNodes()) if (!present.has(el.text)) edits.push(appendToList(existing.file, existing.pf.text, list, el.text));
        continue;
      }
    }
    // Else the file where that kind of setting lives: the one with a definition sharing the
    // longest leading part of the path (fileSystems."/data" goes beside fileSystems."/"), or the
    // host's main module.
    let chosen: [string, ParsedFile] = modules[0]!;
    let best = 0;
    for (const m of modules) {
      for (const d of m[1].index.definitions) {
        if (d.conditions.length > 0) continue;
        let k = 0;
        while (k < b.path.length && k < d.segments.length && !d.segments[k]!.dynamic && d.segments[k]!.name === b.path[k]) k++;
        if (k > best) {
          best = k;
          chosen = m;
        }
      }
    }
    const [file, pf] = chosen;
    const e = setOption(file, pf.text, pf.parsed.root, pf.index, b.path, valueText);
    if (!e) {
      const top = moduleDefinitionSet(pf.parsed.root);
      if (!top) return { reason: `${file} has no attribute set to add ${dotted} to` };
      edits.push(addBindings(file, pf.text, top, [`${dotted} = ${valueText};`]));
    } else edits.push(e);
  }
  return { edits };
}
