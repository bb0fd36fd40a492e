// `.nix-warden.yaml` at the repository root: the scan's exceptions (`exceptions:`) and whether the
// style lints run (`style: false`). Other keys
// belong to other parts (`drift:`) and are left alone. A malformed file is an error entry, never a
// crash; the scan goes on without it.
import type { LoadedConfig, ScanException } from "./config-schema.js";
import type { RepoSource } from "./source.js";

export type { LoadedConfig, ScanException };

export const CONFIG_FILE = ".nix-warden.yaml";

export async function loadProjectConfig(source: RepoSource): Promise<LoadedConfig> {
  let text: string;
  try {
    text = source.read(CONFIG_FILE).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { exceptions: [], style: "auto", errors: [] };
    return { exceptions: [], style: "auto", errors: [`cannot read ${CONFIG_FILE}: ${(e as Error).message}`] };
  }
  const { parseProjectConfig } = await import("./config-schema.js");
  return parseProjectConfig(text, CONFIG_FILE);
}
