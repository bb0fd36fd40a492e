// Reading a repository: discover its files, read them, parse and index the Nix ones (cached by
// content), and attribute files to hosts. Shared by the scan and by remediate (which needs to know
// where each host's settings live).
import { createHash } from "node:crypto";
import { join, posix } from "node:path";
import { DeadlineExceeded, withDeadline } from "../nix/deadline.js";
import { parseNix, type ParsedNix } from "../nix/index.js";
import { buildOptionIndex, type OptionIndex } from "../nix/options.js";
import type { ReportError } from "../report/schema.js";
import { isBinary, type Discovery, type FileStamp } from "./discover.js";
import { buildHostGraph, builtFolderHosts, colmenaHosts, declaredHosts, directoryHosts, frameworkHosts, hostDependentPaths, moduleReferences, networkHosts, registryHosts, type DeclaredHost, type HostGraph } from "./hosts.js";
import type { SyntaxNode } from "../nix/syntax.js";
import { diskSource, type RepoSource } from "./source.js";
import { homeManagerFiles } from "./home-manager.js";
import { clearFactIndex } from "./host-values.js";

// Hosts a file declares, per tree: valid while the file list and the trees of the other files it
// read (helpers imported from ./lib) are the same.
const declaredCache = new WeakMap<ParsedNix, { file: string; filesKey: string; read: Map<string, ParsedNix | string | undefined>; hosts: DeclaredHost[] }>();

export interface ParsedFile {
  hash: string;
  text: string;
  parsed: ParsedNix;
  index: OptionIndex;
  references: string[];
  /** Paths that depend on the host (`./${hostname}/extra.nix`), resolved per host. */
  hostPaths: SyntaxNode[];
  /** Does the text mention `nixosConfigurations` (can it declare hosts)? */
  mentionsHosts: boolean;
}

export interface Repository {
  root: string;
  discovery: Discovery;
  texts: Map<string, string>;
  /** Text files' bytes where their text does not give them back exactly (invalid UTF-8). Binary
   * files are not held (images and archives were most of the memory of a scan): `content` reads
   * them again when asked; nor are the bytes of a text that encodes back to them (most): `content`
   * encodes the text again. */
  contents: Map<string, Buffer>;
  /** A file's bytes: a text file's text encoded again (or its bytes, when held), a binary file's
   * read again; undefined when not a file of the repository or no longer readable. */
  content: (file: string) => Buffer | undefined;
  /** Every file's content hash (sha256, hex), kept across scans with the content. */
  hashes: Map<string, string>;
  nixFiles: Map<string, ParsedFile>;
  /** Files other than Nix, with their bytes when held (binary files: undefined, see `content`). */
  otherFiles: Map<string, Buffer | undefined>;
  flakeFile: string | undefined;
  graph: HostGraph;
  /** The files that are home-manager modules (see home-manager.ts), computed when first asked and
   * kept with the host graph (the same files and trees give the same answer). */
  homeManager: () => Set<string>;
  errors: ReportError[];
}

// Parse results by content hash and path (relative paths in a file resolve against its directory).
const parseCache = new Map<string, ParsedFile>();
/** The last host graph built, with what it was built from (see loadRepository). */
let graphMemo: { key: string; stamps: unknown[]; graph: HostGraph; homeManager?: Set<string> } | undefined;
// File contents by path and stamp (size, times, inode): an unchanged file is not read again.
// A binary file's entry keeps no content (only its stamp, hash and kind); a text file's keeps its
// text, and its bytes only when the text does not encode back to them (`exact` false).
const contentCache = new Map<string, { stamp: FileStamp | undefined; content?: Buffer; text?: string; exact?: boolean; hash?: string; binary?: boolean }>();

/** Does a file's text, decoded from UTF-8, encode back to exactly its bytes? Node decodes every
 * invalid sequence as U+FFFD, so a text without one was decoded from valid UTF-8 and gives its
 * bytes back (a text holding a U+FFFD of its own keeps its bytes too: the test is cheap and safe). Held
 * as text alone, a file's bytes are not kept twice (5 MB of olafkfreund/nixos_config's scan). */
function encodesBack(text: string): boolean {
  return !text.includes("\uFFFD");
}

/** How long the work on one file may take by default (parsing and indexing it; then, in the
 * scan, running the rules on it). Past it the file gets an error entry and the scan goes on. */
export const DEFAULT_FILE_BUDGET_MS = 10_000;

/** Let other work on the event loop (an MCP server's pings, a cancellation) run between files:
 * a scan is synchronous work file after file, and a long stretch of it would stall everything.
 * The pause is a promise only when one is due (`const p = breathe(); if (p) await p;`): awaiting
 * on every one of a thousand files costs a turn of the microtask queue each. */
export function eventLoopBreather(everyMs = 20): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < everyMs) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      last = performance.now();
    });
  };
}

/** The error entry for a file whose work ran over its budget or blew the stack; other errors
 * are bugs and go on up. */
export function budgetError(e: unknown): string | undefined {
  if (e instanceof DeadlineExceeded) return e.message;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return "too deeply nested to analyse; skipped";
  return undefined;
}

export function clearParseCache(): void {
  parseCache.clear();
  contentCache.clear();
  graphMemo = undefined;
  clearFactIndex();
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

function hashOf(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

export async function loadRepository(
  root: string,
  options: { signal?: AbortSignal; onFile?: (done: number, total: number) => void; fileBudgetMs?: number; source?: RepoSource } = {},
): Promise<Repository> {
  const { signal } = options;
  const source = options.source ?? diskSource(root);
  const budgetMs = options.fileBudgetMs ?? DEFAULT_FILE_BUDGET_MS;
  const breathe = eventLoopBreather();
  const errors: ReportError[] = [];
  const discovery = await source.list({ signal });
  // Broken links are often many (links into a home directory that is not here): one entry for all.
  const broken = discovery.skipped.filter((s) => s.reason === "broken symbolic link");
  for (const s of discovery.skipped) if (s.reason !== "broken symbolic link") errors.push({ source: "discovery", file: s.file, message: `skipped: ${s.reason}` });
  if (broken.length === 1) errors.push({ source: "discovery", file: broken[0]!.file, message: "skipped: broken symbolic link" });
  else if (broken.length > 1) {
    const shown = broken.slice(0, 5).map((s) => s.file).join(", ");
    errors.push({ source: "discovery", message: `skipped ${broken.length} broken symbolic links: ${shown}${broken.length > 5 ? ", ..." : ""}` });
  }
  const texts = new Map<string, string>();
  const contents = new Map<string, Buffer>();
  const hashes = new Map<string, string>();
  const nixFiles = new Map<string, ParsedFile>();
  const otherFiles = new Map<string, Buffer | undefined>();
  const unheld = new Set<string>();
  let done = 0;
  // The content cache's key for a file (joined, not normalised: it is only a key).
  const prefix = root.endsWith("/") ? root : `${root}/`;
  for (const file of discovery.files) {
    const pause = breathe();
    if (pause) await pause;
    signal?.throwIfAborted();
    let content: Buffer | undefined;
    const abs = prefix + file;
    const stamp = discovery.stamps.get(file);
    let entry = contentCache.get(abs);
    try {
      if (entry?.stamp && stamp && sameStamp(entry.stamp, stamp) && (entry.content || (entry.hash !== undefined && (entry.binary || entry.exact)))) content = entry.content;
      else {
        // Synchronous reads: hundreds of small files read in sequence, each awaited through the
        // thread pool, spend most of their time waiting; read directly they take milliseconds.
        content = source.read(file);
        entry = { stamp, content };
        if (stamp) contentCache.set(abs, entry);
      }
    } catch (e) {
      errors.push({ source: "read", file, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    // Hashed once per content: the rule caches key on it and check their dependencies with it.
    const hash = (entry!.hash ??= hashOf(content!));
    hashes.set(file, hash);
    // A text file's text, and its bytes only when the text does not give them back.
    const holdText = (): string => {
      const e = entry!;
      if (e.text === undefined) {
        e.text = content!.toString("utf8");
        e.exact = encodesBack(e.text);
        if (e.exact) delete e.content;
      }
      if (!e.exact) contents.set(file, e.content!);
      return e.text;
    };
    if (file.endsWith(".nix")) {
      if ((entry!.binary ??= isBinary(content!))) {
        unheld.add(file);
        delete entry!.content;
        errors.push({ source: "read", file, message: "skipped: binary content in a .nix file" });
        continue;
      }
      const text = holdText();
      const key = `${hash}\0${source.cacheKey}\0${file}`;
      let pf = parseCache.get(key);
      if (!pf) {
        try {
          pf = withDeadline(budgetMs, () => {
            const parsed = parseNix(text, { path: join(root, file), keepAst: false, whitespace: false });
            const index = buildOptionIndex(parsed.root);
            return { hash, text, parsed, index, references: moduleReferences(source.kind, file, parsed.root), hostPaths: hostDependentPaths(parsed.root), mentionsHosts: text.includes("nixosConfigurations") || file === "flake.nix" || file.endsWith("/flake.nix") };
          });
        } catch (e) {
          const message = budgetError(e);
          if (message === undefined) throw e;
          // Not cached: a later scan with a larger budget (or a faster machine) tries again.
          errors.push({ source: "parse", file, message });
          texts.set(file, text);
          options.onFile?.(++done, discovery.files.length);
          continue;
        }
        parseCache.set(key, pf);
      }
      nixFiles.set(file, pf);
      texts.set(file, text);
      if (pf.parsed.error) {
        const e = pf.parsed.error;
        errors.push({ source: "parse", file, line: e.line, column: e.column, message: `does not parse: ${e.message}` });
      }
    } else {
      if (!(entry!.binary ??= isBinary(content!))) {
        texts.set(file, holdText());
        otherFiles.set(file, contents.get(file));
      } else {
        otherFiles.set(file, undefined);
        unheld.add(file);
        delete entry!.content;
      }
    }
    options.onFile?.(++done, discovery.files.length);
  }
  const flakeFile = nixFiles.has("flake.nix") ? "flake.nix" : undefined;
  const content = (file: string): Buffer | undefined => {
    const held = contents.get(file);
    if (held) return held;
    // A text held alone gives its bytes back encoded (a .nix file that ran over its parse budget
    // is among the texts too).
    const text = texts.get(file);
    if (text !== undefined) return Buffer.from(text, "utf8");
    if (!unheld.has(file)) return undefined;
    try {
      return source.read(file);
    } catch {
      return undefined;
    }
  };
  // The same files with the same trees and contents: the same hosts (a repeat scan of an unchanged
  // repository, as an agent makes them, builds the host graph once).
  const stamps = discovery.files.map((f) => nixFiles.get(f)?.parsed ?? hashes.get(f));
  const graphKey = `${source.cacheKey}\0${discovery.files.join("\0")}`;
  const homeManagerOf = (memo: NonNullable<typeof graphMemo>) => () =>
    (memo.homeManager ??= homeManagerFiles(new Map([...nixFiles].map(([file, pf]) => [file, { root: pf.parsed.error ? undefined : pf.parsed.root, index: pf.index }]))));
  if (graphMemo?.key === graphKey && graphMemo.stamps.length === stamps.length && graphMemo.stamps.every((st, i) => st === stamps[i])) {
    return { root, discovery, texts, contents, content, hashes, nixFiles, otherFiles, flakeFile, graph: graphMemo.graph, homeManager: homeManagerOf(graphMemo), errors };
  }
  // Hosts: `nixosConfigurations.<host>` declared in flake.nix or in a flake-parts module; when
  // none can be read statically, a hosts/<name>/ layout.
  const declared: DeclaredHost[] = [];
  const nixFileSet = new Set(nixFiles.keys());
  const filesKey = [...nixFileSet].join("\0");
  for (const [file, pf] of nixFiles) {
    if (pf.parsed.error || !pf.mentionsHosts) continue;
    // Same tree, same file list, same helpers: the same hosts (a repeat scan reads them once).
    let memo = declaredCache.get(pf.parsed);
    const current = (f: string) => nixFiles.get(f)?.parsed;
    // What a file read for the hosts was: its tree, or for a registry (hosts.toml) its hash.
    const stamp = (f: string) => current(f) ?? hashes.get(f);
    if (memo?.file !== file || memo.filesKey !== filesKey || [...memo.read].some(([f, seen]) => stamp(f) !== seen)) {
      const textOf = (f: string) => (otherFiles.has(f) ? texts.get(f) : undefined);
      const reader = { treeOf: (f: string) => (current(f)?.error ? undefined : current(f)?.root), textOf, read: new Set<string>() };
      const hosts = declaredHosts(pf.parsed.root, file, nixFileSet, reader);
      declaredCache.set(pf.parsed, (memo = { file, filesKey, read: new Map([...reader.read].map((f) => [f, stamp(f)])), hosts }));
    }
    declared.push(...memo.hosts);
  }
  // A nested flake (a template, an installer with a flake.nix of its own) is another flake: its
  // hosts are named as flake references name them, `<dir>#<host>`, so that its `ghost` and the
  // repository's `ghost` stay two hosts. Then one declaration per name, the first found.
  const flakeDirs = [...nixFileSet].filter((f) => f === "flake.nix" || f.endsWith("/flake.nix")).map((f) => posix.dirname(f));
  const flakeDirOf = (file: string): string => {
    let best = ".";
    for (const d of flakeDirs) if (d !== "." && file.startsWith(`${d}/`) && d.length > best.length) best = d;
    return best;
  };
  const named = new Map<string, DeclaredHost>();
  const treeOfNix = (f: string) => (nixFiles.get(f)?.parsed.error ? undefined : nixFiles.get(f)?.parsed.root);
  for (const h of registryHosts(source.kind, declared, discovery.files, treeOfNix)) {
    const dir = flakeDirOf(h.file);
    const name = dir === "." ? h.name : `${dir}#${h.name}`;
    if (!named.has(name)) named.set(name, name === h.name ? h : { ...h, name });
  }
  const unique = [...named.values()];
  const treeOf = (f: string) => (nixFiles.get(f)?.parsed.error ? undefined : nixFiles.get(f)?.parsed.root);
  // Hosts a flake-parts framework declares (nixos-unified's autowiring, lite-config), unless a
  // `nixosConfigurations.<name>` of the same name was read.
  const framework = frameworkHosts(source.kind, discovery.files, treeOf);
  for (const h of framework.hosts) if (!named.has(h.name)) unique.push(h);
  // The nodes of a deployment network that is not a flake (nixus), unless a host of that name was read.
  const network = networkHosts(discovery.files, { treeOf, read: new Set<string>() });
  for (const h of network) if (!unique.some((u) => u.name === h.name)) unique.push(h);
  // The nodes of a colmena hive, unless a host of that name was read.
  for (const h of colmenaHosts(discovery.files, { treeOf, read: new Set<string>() })) if (!unique.some((u) => u.name === h.name)) unique.push(h);
  // Hosts of nested flakes alone (a template's `nixosConfigurations.container`) say nothing of the
  // repository's own: its folders are read as when no host was declared at all.
  const hosts = unique.some((h) => flakeDirOf(h.file) === ".") ? [...unique, ...builtFolderHosts(unique, discovery.files, treeOf)] : [...unique, ...directoryHosts(discovery.files, treeOf)];
  const graph = buildHostGraph(
    source.kind,
    hosts,
    (f) => nixFiles.get(f)?.references ?? [],
    (f) => nixFiles.get(f)?.hostPaths ?? [],
    { files: discovery.files, treeOf },
    // The last graph's gate keys that nothing changed under are kept (gate-deps.ts).
    graphMemo?.graph,
  );
  if (framework.darwinModules.size > 0) graph.darwinModules = framework.darwinModules;
  graphMemo = { key: graphKey, stamps, graph };
  return { root, discovery, texts, contents, content, hashes, nixFiles, otherFiles, flakeFile, graph, homeManager: homeManagerOf(graphMemo), errors };
}
