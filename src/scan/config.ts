// `.nix-warden.yaml` at the repository root: the scan's exceptions (`exceptions:`). Other keys
// belong to other parts (`drift:`) and are left alone. A malformed file is an error entry, never a
// crash; the scan goes on without it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export const CONFIG_FILE = ".nix-warden.yaml";

const DateLike = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return d.toISOString().slice(0, 10);
});

export const ScanException = z
  .object({
    rule: z.string().min(1),
    path: z.string().optional(),
    option: z.string().optional(),
    reason: z.string().min(1, "an exception needs a reason"),
    expires: DateLike.optional(),
  })
  .strict();
export type ScanException = z.infer<typeof ScanException>;

const ProjectConfig = z
  .object({
    exceptions: z.array(ScanException).default([]),
  })
  .passthrough();

export interface LoadedConfig {
  exceptions: ScanException[];
  errors: string[];
}

export async function loadProjectConfig(root: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(join(root, CONFIG_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { exceptions: [], errors: [] };
    return { exceptions: [], errors: [`cannot read ${CONFIG_FILE}: ${(e as Error).message}`] };
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (e) {
    return { exceptions: [], errors: [`${CONFIG_FILE} is not valid YAML: ${(e as Error).message.split("\n")[0]}`] };
  }
  const parsed = ProjectConfig.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    return { exceptions: [], errors: [`${CONFIG_FILE}: ${issues}`] };
  }
  return { exceptions: parsed.data.exceptions, errors: [] };
}
