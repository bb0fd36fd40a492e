// The schema of `.nix-warden.yaml` (see config.ts), loaded only when the file exists: yaml and zod
// are then needed, and most scans do without them.
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const DateLike = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return d.toISOString().slice(0, 10);
});

const ScanExceptionSchema = z
  .object({
    rule: z.string().min(1),
    path: z.string().optional(),
    option: z.string().optional(),
    reason: z.string().min(1, "an exception needs a reason"),
    expires: DateLike.optional(),
  })
  .strict();

export type StyleMode = "on" | "off" | "all" | "auto";

const ProjectConfig = z
  .object({
    exceptions: z.array(ScanExceptionSchema).default([]),
    /** The style lints (rules of group "style"): `false`/`off` none; `true`/`on` statix's default
     * set; `all` also those statix leaves out of its default set (unquoted splices); unsaid: on,
     * except in a repository with no NixOS host (a Nix library), where they are statix's job. */
    style: z
      .union([z.boolean(), z.enum(["on", "off", "all", "auto"])])
      .default("auto")
      .transform((v): StyleMode => (v === true ? "on" : v === false ? "off" : v)),
  })
  .passthrough();

/** One exception: a rule silenced for a path or option path, with a reason and an optional
 * expiry (YYYY-MM-DD). */
export interface ScanException {
  rule: string;
  path?: string;
  option?: string;
  reason: string;
  expires?: string;
}

export interface LoadedConfig {
  exceptions: ScanException[];
  /** Which style lints run (see the schema); "auto" when unsaid. */
  style: StyleMode;
  errors: string[];
}

/** Parse the config file's text; `source` names it in error messages. */
export function parseProjectConfig(text: string, source: string): LoadedConfig {
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (e) {
    return { exceptions: [], style: "auto", errors: [`${source} is not valid YAML: ${(e as Error).message.split("\n")[0]}`] };
  }
  const parsed = ProjectConfig.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    return { exceptions: [], style: "auto", errors: [`${source}: ${issues}`] };
  }
  return { exceptions: parsed.data.exceptions, style: parsed.data.style, errors: [] };
}
