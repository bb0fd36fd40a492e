// `.nix-warden.yaml` at the repository root: the scan's exceptions (`exceptions:`). Other keys
// belong to other parts (`drift:`) and are left alone. A malformed file is an error entry, never a
// crash; the scan goes on without it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedConfig, ScanException } from "./config-schema.js";

export type { LoadedConfig, ScanException };

export const CONFIG_FILE = ".nix-warden.yaml";

export async function loadProjectConfig(root: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(join(root, CONFIG_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { exceptions: [], errors: [] };
    return { exceptions: [], errors: [`cannot read ${CONFIG_FILE}: ${(e as Error).message}`] };
  }
  const { parseProjectConfig } = await import("./config-schema.js");
  return parseProjectConfig(text, CONFIG_FILE);
}
