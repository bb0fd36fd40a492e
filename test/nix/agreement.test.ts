// The acceptance test of the parser: for tricky snippets, our verdict, error line and printed
// output agree with the real nix-instantiate --parse (Debian's Nix 2.8).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalizeShow, compareFile, nixParse, type FileComparison } from "../../scripts/nix-compat.js";
import { ACCEPT, REJECT } from "../fixtures/nix-parse/snippets.js";
import { nixAvailable } from "../helpers/nix.js";

describe.skipIf(!nixAvailable)("agreement with nix-instantiate --parse", () => {
  let dir: string;
  const results = new Map<string, FileComparison>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nix-warden-agree-"));
    const files: string[] = [];
    const all = [...ACCEPT.map((s, i) => [`a${i}`, s] as const), ...REJECT.map((s, i) => [`r${i}`, s] as const)];
    for (const [name, text] of all) {
      const f = join(dir, `${name}.nix`);
      await writeFile(f, text);
      files.push(f);
    }
    for (const v of await nixParse(files)) {
      const c = await compareFile(v, "nix-2.8");
      results.set(v.file, c);
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(ACCEPT.map((s, i) => [i, s]))("accepts #%i like Nix: %j", (i) => {
    const c = results.get(join(dir, `a${i}.nix`))!;
    expect(c.nix.accepted, `Nix rejects it: ${c.nix.output}`).toBe(true);
    expect(c.ours.accepted, `we reject it: ${c.ours.output}`).toBe(true);
    // Byte for byte, once the two lists Nix 2.8 prints in heap-address order are sorted.
    expect(canonicalizeShow(c.ours.output)).toBe(canonicalizeShow(c.nix.output));
  });

  it.each(REJECT.map((s, i) => [i, s]))("rejects #%i like Nix, at the same line: %j", (i) => {
    const c = results.get(join(dir, `r${i}.nix`))!;
    expect(c.nix.accepted, "Nix accepts it").toBe(false);
    expect(c.ours.accepted, "we accept it").toBe(false);
    expect(c.ours.errorLine).toBe(c.nix.errorLine);
  });
});
