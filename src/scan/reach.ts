// Files no host includes that only tests or examples use. A module named (by a path) only from a
// NixOS VM test's nodes or from a test file is test code too: ghuntley-ghuntley
// patterns/integration-testing/configuration.nix is `nodes.machine = ./configuration.nix` of the
// test.nix that `pkgs.nixosTest` runs, and its password SSH login is what the test checks (reported
// critical, judged wrong with a harmful fix). A file under an `examples/` directory, or named only
// from such files, is an example configuration: mrkuz-nixos profiles/hosts/minimal.nix, imported
// only by examples/* container and VM images (firewall off, judged low at most), and the images'
// own test passwords (judged low). Worked out after the rules ran, from every file's paths, so
// that no rule's cached result depends on other files.
import type { SyntaxNode } from "../nix/syntax.js";
import { mayName } from "./enabled.js";

export type ReachContext = "test-file" | "example";

/** A directory of example configurations, anywhere in the path. */
const EXAMPLE_DIRS = /(^|\/)examples?\//;

export function isExamplePath(file: string): boolean {
  return EXAMPLE_DIRS.test(file);
}

export interface ReachFile {
  file: string;
  text: string;
  root?: SyntaxNode;
  hosts: readonly string[];
}

interface Mention {
  from: ReachFile;
  path: string;
  offset: number;
}

export class Reach {
  private byEnd?: Map<string, Mention[]>;
  private readonly known = new Map<string, ReachContext | null>();
  private readonly byFile: Map<string, ReachFile>;

  constructor(
    private readonly files: readonly ReachFile[],
    private readonly isTestNode: (node: SyntaxNode) => boolean,
    private readonly isTestPath: (file: string) => boolean,
  ) {
    this.byFile = new Map(files.map((f) => [f.file, f]));
  }

  private mentions(): Map<string, Mention[]> {
    if (this.byEnd) return this.byEnd;
    const byEnd = new Map<string, Mention[]>();
    for (const f of this.files) {
      for (const m of f.text.matchAll(/(?:^|[^\w.-])((?:\.{1,2}\/|\/)(?:[\w.@-]+\/)*([\w.@-]+))/g)) {
        const end = m[2]!.replace(/\.nix$/, "");
        const list = byEnd.get(end) ?? [];
        if (!byEnd.has(end)) byEnd.set(end, list);
        list.push({ from: f, path: m[1]!, offset: m.index + m[0].length - m[1]!.length });
      }
    }
    return (this.byEnd = byEnd);
  }

  /** The context of a Nix file no host includes, when only tests or examples use it. */
  of(file: string): ReachContext | undefined {
    const k = this.known.get(file);
    if (k !== undefined) return k ?? undefined;
    // Until answered, a file counts as not reached that way: files naming only each other are neither.
    this.known.set(file, null);
    const answer = this.find(file);
    this.known.set(file, answer ?? null);
    return answer;
  }

  private find(file: string): ReachContext | undefined {
    const own = this.byFile.get(file);
    if (!own || own.hosts.length) return undefined;
    if (isExamplePath(file)) return "example";
    const parts = file.split("/");
    const base = parts.at(-1) === "default.nix" ? parts.at(-2) : parts.at(-1)?.replace(/\.nix$/, "");
    if (!base) return undefined;
    const naming = (this.mentions().get(base) ?? []).filter((m) => m.from.file !== file && mayName(m.path, m.from.file, file));
    if (naming.length === 0) return undefined;
    let allTests = true;
    for (const m of naming) {
      if (m.from.hosts.length) return undefined;
      const kind = this.isTestPath(m.from.file) || (m.from.root && this.isTestNode(m.from.root.nodeAt(m.offset))) ? "test-file" : this.of(m.from.file);
      if (kind === undefined) return undefined;
      if (kind !== "test-file") allTests = false;
    }
    return allTests ? "test-file" : "example";
  }
}
