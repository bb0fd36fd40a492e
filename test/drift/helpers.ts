// Shared test helpers for the drift tests: temporary roots, fixture paths, declared states.
import { mkdir, mkdtemp, rm, symlink, writeFile, lutimes } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onCleanup } from "../helpers/cleanup.js";
import { DeclaredState } from "../../src/drift/declared/schema.js";
import { undoOf } from "../../src/remediate/undo.js";
import type { DriftItem } from "../../src/report/schema.js";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, "..", "..");
export const FIXTURES = join(REPO, "test", "fixtures", "drift");
export const EXAMPLE = join(REPO, "examples", "drift");

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixture(...parts), "utf8");
}

/** A temporary directory removed after the test. */
export async function tempDir(prefix = "nix-warden-drift-test-"): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(() => rm(d, { recursive: true, force: true }));
  return d;
}

export interface RootSpec {
  files?: Record<string, string>;
  links?: Record<string, string | { target: string; time: string }>;
  dirs?: string[];
}

/** A root directory with these files, links (optionally dated) and directories. */
export async function makeRoot(spec: RootSpec, root?: string): Promise<string> {
  const dir = root ?? (await tempDir());
  for (const d of spec.dirs ?? []) await mkdir(join(dir, d), { recursive: true });
  for (const [p, text] of Object.entries(spec.files ?? {})) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), text);
  }
  for (const [p, l] of Object.entries(spec.links ?? {})) {
    const target = typeof l === "string" ? l : l.target;
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await symlink(target, join(dir, p));
    if (typeof l !== "string") await lutimes(join(dir, p), new Date(l.time), new Date(l.time));
  }
  return dir;
}

/** A declared state with NixOS defaults for everything not given. */
export function declared(partial: Record<string, unknown> = {}): DeclaredState {
  return DeclaredState.parse({ schemaVersion: 1, ...partial });
}

/** The example host's declared state (examples/drift/declared.json, the extractor's output). */
export function exampleDeclared(): DeclaredState {
  return DeclaredState.parse(JSON.parse(readFileSync(join(EXAMPLE, "declared.json"), "utf8")));
}

export const CTX = { host: "web1", flakeRef: "/etc/nixos" };

/** How to undo each command of the item's revert, as a plan would say (src/remediate/undo.ts). */
export function revertUndos(item: DriftItem | undefined): Array<string[] | string> {
  const revert = item?.remediation.find((r) => r.strategy === "revert");
  return (revert?.commands ?? []).map((c) => undoOf(c, item));
}
