// The import direction of docs/architecture.md, checked: every file of src/ belongs to one part,
// imports only parts its part may import (static, type-only, re-export and dynamic `import()`
// alike), and no files and no parts import each other in a loop. The table below is the one the
// document shows; the last test keeps the two the same.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** The parts, lowest first, and the parts each may import. A part may always import itself. */
export const PARTS: Record<string, { files: string[]; mayImport: string[] }> = {
  meta: { files: ["version.ts", "built.ts"], mayImport: [] },
  text: { files: ["text/"], mayImport: [] },
  model: { files: ["report/schema.ts", "report/severity.ts"], mayImport: [] },
  system: { files: ["system/"], mayImport: ["meta"] },
  nix: { files: ["nix/"], mayImport: ["text", "meta"] },
  shell: { files: ["shell/"], mayImport: ["text"] },
  secrets: { files: ["secrets/"], mayImport: ["model", "text"] },
  exposure: { files: ["exposure/"], mayImport: ["model", "text", "system", "meta"] },
  rules: { files: ["rules/"], mayImport: ["exposure", "secrets", "shell", "nix", "model", "text", "meta"] },
  scan: { files: ["scan/"], mayImport: ["rules", "exposure", "secrets", "shell", "nix", "system", "model", "text", "meta"] },
  drift: { files: ["drift/"], mayImport: ["secrets", "shell", "nix", "system", "model", "text", "meta"] },
  remediate: { files: ["remediate/"], mayImport: ["scan", "drift", "rules", "shell", "nix", "system", "model", "text", "meta"] },
  report: { files: ["report/"], mayImport: ["remediate", "drift", "scan", "rules", "secrets", "system", "model", "text", "meta"] },
  vulns: { files: ["vulns/"], mayImport: ["report", "drift", "scan", "secrets", "nix", "system", "model", "text", "meta"] },
  history: { files: ["history/"], mayImport: ["report", "drift", "scan", "system", "model", "text", "meta"] },
  fleet: { files: ["fleet/"], mayImport: ["vulns", "history", "report", "remediate", "drift", "scan", "nix", "system", "model", "text", "meta"] },
  mcp: {
    files: ["mcp/"],
    mayImport: ["fleet", "history", "vulns", "report", "remediate", "drift", "scan", "rules", "exposure", "secrets", "shell", "nix", "system", "model", "text", "meta"],
  },
  agents: { files: ["agents/"], mayImport: ["mcp", "system", "model", "text", "meta"] },
  cli: {
    files: ["cli/"],
    mayImport: ["agents", "mcp", "fleet", "history", "vulns", "report", "remediate", "drift", "scan", "rules", "exposure", "secrets", "shell", "nix", "system", "model", "text", "meta"],
  },
};

/** Folders outside src/ that src/ must never import: development tooling, not shipped code. */
const DEV_ONLY = ["test", "scripts", "bench"];

/** The part a file of src/ (relative, `/`-separated) belongs to: the longest matching entry. */
export function partOf(file: string): string | undefined {
  let best: { part: string; length: number } | undefined;
  for (const [part, { files }] of Object.entries(PARTS)) {
    for (const f of files) {
      const hit = f.endsWith("/") ? file.startsWith(f) : file === f;
      if (hit && (!best || f.length > best.length)) best = { part, length: f.length };
    }
  }
  return best?.part;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(SRC, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

interface Import {
  from: string;
  /** Relative to src/ when inside it, else relative to the repository root with a leading `../`. */
  to: string;
  inSrc: boolean;
}

/** Every relative import of a file: static, `import type`, `export ... from`, `import()` and
 * `typeof import()` (the TypeScript scanner's list, so imports in comments and strings do not count). */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith(".")) continue; // packages and node: builtins
    const abs = resolve(dirname(join(SRC, file)), ref.fileName.replace(/\.js$/, ".ts"));
    const rel = relative(SRC, abs).split(sep).join("/");
    out.push({ from: file, to: rel, inSrc: !rel.startsWith("../") });
  }
  return out;
}

/** The strongly connected components with more than one member (Tarjan). */
export function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

/** The imports that load code at run time: not `import type`, not `export type`, not imports whose
 * every name is a type, not `typeof import()`. */
export function valueImportsOf(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  // Import and export declarations are statements of the file; only an `import(...)` can stand
  // deeper, so the whole tree is walked only where the text has one.
  const deep = /\bimport\s*\(/.test(text);
  const specs: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly = c && (c.isTypeOnly || (!c.name && c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specs.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      if (!n.isTypeOnly) specs.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      specs.push(n.arguments[0].text);
    }
    if (deep) ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return specs
    .filter((x) => x.startsWith("."))
    .map((x) => relative(SRC, resolve(dirname(join(SRC, file)), x.replace(/\.js$/, ".ts"))).split(sep).join("/"));
}

const FILES = sourceFiles(SRC);
const IMPORTS = FILES.flatMap((f) => importsOf(f, readFileSync(join(SRC, f), "utf8")));

describe("architecture (docs/architecture.md)", () => {
  it("reads the imports of the whole tree", () => {
    expect(FILES.length).toBeGreaterThan(150);
    expect(IMPORTS.filter((i) => i.inSrc).length).toBeGreaterThan(800);
    // The scanner sees the forms the code uses: a dynamic import, a type-only import, a re-export.
    expect(importsOf("cli/main.ts", 'const m = () => import("./scan.js");').map((i) => i.to)).toEqual(["cli/scan.ts"]);
    expect(importsOf("a/b.ts", 'import type { X } from "../c/d.js";\nexport { y } from "./e.js";\n// import "./f.js"').map((i) => i.to)).toEqual(["c/d.ts", "a/e.ts"]);
  });

  it("every file of src/ belongs to a part", () => {
    expect(FILES.filter((f) => partOf(f) === undefined)).toEqual([]);
  });

  it("the parts' own table runs one way (no part may import one that may import it)", () => {
    const edges = new Map(Object.entries(PARTS).map(([p, { mayImport }]) => [p, new Set(mayImport)]));
    expect(cycles(edges)).toEqual([]);
    for (const { mayImport } of Object.values(PARTS)) for (const q of mayImport) expect(Object.keys(PARTS)).toContain(q);
  });

  it("no file imports against the direction of the parts", () => {
    const wrong = IMPORTS.filter((i) => i.inSrc)
      .map((i) => ({ ...i, a: partOf(i.from)!, b: partOf(i.to) }))
      .filter(({ a, b }) => b !== undefined && a !== b && !PARTS[a]!.mayImport.includes(b))
      .map(({ from, to, a, b }) => `${from} (${a}) -> ${to} (${b})`);
    expect(wrong).toEqual([]);
  });

  it("src/ does not import test, script or benchmark code", () => {
    const wrong = IMPORTS.filter((i) => !i.inSrc && DEV_ONLY.some((d) => i.to.startsWith(`../${d}/`))).map((i) => `${i.from} -> ${i.to}`);
    expect(wrong).toEqual([]);
  });

  it("no import loop between files", () => {
    const edges = new Map<string, Set<string>>();
    // A module naming its own namespace (`import * as self from "./syntax.js"`) is not a loop.
    for (const i of IMPORTS) if (i.inSrc && i.to !== i.from) edges.set(i.from, (edges.get(i.from) ?? new Set()).add(i.to));
    expect(cycles(edges)).toEqual([]);
  });

  it("no import loop between parts", () => {
    const edges = new Map<string, Set<string>>();
    for (const i of IMPORTS) {
      const a = partOf(i.from);
      const b = i.inSrc ? partOf(i.to) : undefined;
      if (a && b && a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
    expect(cycles(edges)).toEqual([]);
  });

  it("rules are pure: no rule loads, however indirectly, code that runs programs or writes state", () => {
    // What runs programs or touches the machine: system/ and the systemd-analyze runner.
    const impure = (f: string) => f.startsWith("system/") || f === "exposure/analyze.ts";
    // Each file's imports read when the walk from the rules reaches it (not the whole tree's).
    const known = new Set(FILES);
    const edges = new Map<string, string[]>();
    const edgesOf = (f: string): string[] => {
      if (!known.has(f)) return [];
      let e = edges.get(f);
      if (!e) edges.set(f, (e = valueImportsOf(f, readFileSync(join(SRC, f), "utf8")).filter((t) => !t.startsWith("../"))));
      return e;
    };
    const reaches = new Map<string, string[] | undefined>();
    const pathTo = (f: string, seen = new Set<string>()): string[] | undefined => {
      if (impure(f)) return [f];
      if (reaches.has(f)) return reaches.get(f);
      if (seen.has(f)) return undefined;
      seen.add(f);
      let found: string[] | undefined;
      for (const t of edgesOf(f)) {
        const p = pathTo(t, seen);
        if (p) {
          found = [f, ...p];
          break;
        }
      }
      reaches.set(f, found);
      return found;
    };
    const impureRules = FILES.filter((f) => partOf(f) === "rules").map((f) => pathTo(f)).filter((p): p is string[] => !!p).map((p) => p.join(" -> "));
    expect(impureRules).toEqual([]);
    expect(valueImportsOf("a/b.ts", 'import type { X } from "./x.js";\nimport { type Y } from "./y.js";\nimport { z } from "./z.js";\nexport type { W } from "./w.js";')).toEqual(["a/z.ts"]);
  });

  it("finds a loop and a wrong-way import when there is one", () => {
    expect(cycles(new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])]]))).toEqual([["a", "b", "c"]]);
    expect(partOf("rules/access/sshd.ts")).toBe("rules");
    expect(partOf("report/schema.ts")).toBe("model");
    expect(partOf("report/outputs.ts")).toBe("report");
    expect(PARTS.rules!.mayImport).not.toContain("remediate");
    expect(PARTS.rules!.mayImport).not.toContain("scan");
  });

  it("docs/architecture.md shows the same table", () => {
    const doc = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");
    const rows = new Map<string, string[]>();
    for (const m of doc.matchAll(/^\| `([a-z]+)` \|[^|]*\|[^|]*\| ([^|]*) \|$/gm)) {
      rows.set(m[1]!, m[2]!.trim() === "nothing" ? [] : [...m[2]!.matchAll(/`([a-z]+)`/g)].map((x) => x[1]!).sort());
    }
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(PARTS).map(([p, { mayImport }]) => [p, [...mayImport].sort()])));
  });
});
