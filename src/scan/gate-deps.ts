// What the host graph's answers about gates and per-host values (host-gates.ts, host-values.ts)
// were worked out from, so that a graph built after one file changed can keep the answers of the
// last one that nothing changed under (hosts.ts gateKey, the rule caches' key of every file).
//
// An answer reads the file it is asked of (its tree), the hosts (their files, declarations and
// module arguments) and the repository's facts about options, looked up by key:
//   d:<path>   the declarations of option <path> (its default)
//   s:<path>   the settings of <path>;  e:<path>  the settings of a longer path ending in .<path>
//   o:<path>   the settings that may set anything under <path> (a computed name, a set written whole)
//   v          the settings made for a specialisation
//   go:<path>  the declarations of <path>.enable off by default;  gs:<path>  the settings turning it on
//   n:<path>   which files name the option in their text (GateReader.offEverywhere; with it "n")
//   arg:<host> the literals the host's builder passes as module arguments
//   pt:<fn>    the settings a builder function <fn> makes from its arguments (`jd = systemConfig`)
//   *          something that is not kept (a cycle, a depth limit): never carried over
// Each memoised answer keeps the keys it read, and hands them to whatever asks it again.
import type { SyntaxNode } from "../nix/syntax.js";

export class DepFrames {
  private readonly stack: Set<string>[] = [];
  /** Off until a graph's gate keys are asked for (a scan that keeps nothing never asks): answers
   * worked out before have no keys, and are never carried over. */
  tracking = false;

  note(key: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top) top.add(key);
  }

  noteAll(keys: ReadonlySet<string> | undefined): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    if (!keys) top.add("*");
    else for (const k of keys) top.add(k);
  }

  /** Runs `fn` noting what it reads, for the caller's memo; the keys are noted in the enclosing
   * frame too. Undefined keys when not tracking. */
  run<T>(fn: () => T): [T, Set<string> | undefined] {
    if (!this.tracking) return [fn(), undefined];
    const deps = new Set<string>();
    this.stack.push(deps);
    let value: T;
    try {
      value = fn();
    } finally {
      this.stack.pop();
      this.noteAll(deps);
    }
    return [value, deps];
  }
}

/** The keys under which a tree's facts about options are looked up (see above), given the facts. */
export function settingKeys(path: string, out: Set<string>): void {
  out.add(`s:${path}`);
  if (path.startsWith("options.")) return;
  for (let i = path.indexOf("."); i >= 0; i = path.indexOf(".", i + 1)) out.add(`e:${path.slice(i + 1)}`);
}

/** What a graph's answers depend on beyond the facts looked up by key: the files (and their trees),
 * the hosts (as text, and the nodes and environments of their declarations and arguments, by
 * identity), and the files the hosts' module arguments were read from. */
export interface GateShape {
  files: readonly string[];
  treeOf: (file: string) => SyntaxNode | undefined;
  signature: string;
  identities: readonly unknown[];
  /** Files read for the hosts' module arguments (argLiteral), filled as they are read; with those
   * of the graphs before whose answers this one carries (an answer kept was not worked out again,
   * and read its files then). */
  argReads: Set<string>;
  hostNames: readonly string[];
}

interface KeyEntry {
  key: string;
  deps: Set<string>;
}

/**
 * A graph's gate keys (hosts.ts gateKey), each with what it read; a graph built after files
 * changed keeps the last graph's key of a file whose tree is the same when the hosts are the same
 * and no key it read names a fact of a changed file (in its tree before or after).
 */
export class GateKeys<Reader, Values> {
  private readonly keys = new Map<string, KeyEntry>();
  private carried: Map<string, KeyEntry> | undefined;
  /** Fact keys of the changed files, before and after. */
  private changed = new Set<string>();
  /** The changed files' trees before and after, for `n:` keys (which file names an option). */
  private changedTrees: Array<[SyntaxNode | undefined, SyntaxNode | undefined]> = [];
  private readonly namingChanged = new Map<string, boolean>();
  /** The sources of the changed files' trees before the change (their nodes are gone). */
  private readonly goneSources = new Set<unknown>();
  /** This graph's readers (host-gates.ts, host-values.ts), whose answers a graph built next takes
   * over (their carryFrom). */
  reader: Reader | undefined;
  values: Values | undefined;
  /** The last graph's readers, when its hosts are these. */
  private previous: { reader: Reader | undefined; values: Values | undefined } | undefined;

  constructor(
    readonly frames: DepFrames,
    private readonly shape: GateShape,
    previous: GateKeys<Reader, Values> | undefined,
    /** A tree's fact keys, and whether its text names an option (host-values.ts, host-gates.ts). */
    private readonly facts: { keys(tree: SyntaxNode, out: Set<string>): void; names(tree: SyntaxNode, option: string): boolean },
  ) {
    if (!previous || previous.keys.size === 0 || !sameShape(previous.shape, shape)) return;
    const before = previous.shape.treeOf;
    for (const f of shape.files) {
      if (!f.endsWith(".nix")) continue;
      const a = before(f);
      const b = shape.treeOf(f);
      if (a === b) continue;
      if (a) {
        facts.keys(a, this.changed);
        this.goneSources.add(a.source);
      }
      if (b) facts.keys(b, this.changed);
      this.changedTrees.push([a, b]);
      if (previous.shape.argReads.has(f)) for (const h of shape.hostNames) this.changed.add(`arg:${h}`);
    }
    for (const f of previous.shape.argReads) shape.argReads.add(f);
    this.carried = new Map();
    for (const [f, entry] of previous.keys) if (before(f) === shape.treeOf(f)) this.carried.set(f, entry);
    this.previous = { reader: previous.reader, values: previous.values };
  }

  /** Whether an answer that read `deps` holds in this graph (see holds). */
  readonly keeps = (deps: ReadonlySet<string> | undefined): boolean => deps !== undefined && this.holds(deps);
  /** Is a node of a tree no longer there? */
  readonly gone = (node: SyntaxNode): boolean => this.goneSources.has(node.source);
  /** Does a changed file name `option` otherwise than it did? */
  readonly renames = (option: string): boolean => this.names(option);

  /** The last graph's readers, when its hosts are these (once: the last graph is then let go). */
  takePrevious(): { reader: Reader | undefined; values: Values | undefined } | undefined {
    const p = this.previous;
    this.previous = undefined;
    return p;
  }

  /** The key of `file`: kept from the last graph when nothing it read changed, else computed. */
  get(file: string, compute: () => string): string {
    // A scan keeping its results asks: from now on the answers note what they read.
    this.frames.tracking = true;
    const known = this.keys.get(file);
    if (known) return known.key;
    const old = this.carried?.get(file);
    if (old && this.holds(old.deps)) {
      this.keys.set(file, old);
      return old.key;
    }
    const [key, deps] = this.frames.run(compute);
    this.keys.set(file, { key, deps: deps! });
    return key;
  }

  private holds(deps: ReadonlySet<string>): boolean {
    if (deps.has("*")) return false;
    // The fewer keys looked up in the other (a change touches few).
    if (this.changed.size < deps.size) {
      for (const k of this.changed) if (deps.has(k)) return false;
    } else for (const d of deps) if (this.changed.has(d)) return false;
    if (deps.has("n")) for (const d of deps) if (d.startsWith("n:") && this.names(d.slice(2))) return false;
    return true;
  }

  /** Does a changed file name `option` otherwise than it did? */
  private names(option: string): boolean {
    let v = this.namingChanged.get(option);
    if (v === undefined) {
      v = this.changedTrees.some(([a, b]) => (a ? this.facts.names(a, option) : false) !== (b ? this.facts.names(b, option) : false));
      this.namingChanged.set(option, v);
    }
    return v;
  }
}

function sameShape(a: GateShape, b: GateShape): boolean {
  if (a.signature !== b.signature || a.files.length !== b.files.length || a.identities.length !== b.identities.length) return false;
  for (let i = 0; i < a.files.length; i++) if (a.files[i] !== b.files[i]) return false;
  for (let i = 0; i < a.identities.length; i++) if (a.identities[i] !== b.identities[i]) return false;
  return true;
}
