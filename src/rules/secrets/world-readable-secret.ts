// agenix / sops-nix secrets decrypted with a mode that lets other users read them
// (`age.secrets.x.mode = "0644"`), or readable by the `users` group that every human account is in.
// The decrypted file under /run/agenix or /run/secrets is the plaintext secret; its mode is the only
// thing between it and every local user and process.
import type { OptionDefinition } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import { nixString, replaceNode } from "../../nix/edit.js";
import { isStaticallyDisabled, unwrapped } from "../nix-strings.js";
import type { Rule } from "../types.js";
import { AGENIX, SOPS_NIX } from "./compliance.js";
import { hostExample } from "../shared/examples.js";

/** `age.secrets.<n>.mode`, `sops.secrets.<n>.mode`, `sops.templates.<n>.mode`. */
function isSecretMode(def: OptionDefinition): boolean {
  const [a, b, , d, ...rest] = def.segments.map((s) => s.name);
  return rest.length === 0 && d === "mode" && ((a === "age" && b === "secrets") || (a === "sops" && (b === "secrets" || b === "templates")));
}

/** Octal mode digits of a value (`"0644"`, `"644"`, `"u=rw,go=r"` is not handled: undefined). */
export function parseMode(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^[0-7]{3,4}$/.test(value)) return undefined;
  return parseInt(value, 8);
}

export const worldReadableSecret: Rule = {
  id: "world-readable-secret",
  examples: {
    fire: [hostExample(`{ age.secrets.db = { file = ./db.age; mode = "0644"; }; }\n`)],
    silent: [hostExample(`{ age.secrets.db = { file = ./db.age; mode = "0400"; owner = "postgres"; }; }\n`)],
  },
  name: "decrypted secret readable by other users",
  category: "secrets",
  severity: "high",
  rationale:
    "agenix and sops-nix decrypt secrets to files under /run; their mode decides who can read the plaintext. A mode with read for others (0644, 0444, 0604) gives the secret to every local user and every compromised service.",
  fix: "Use mode 0400 (or 0440 with a dedicated group) and set `owner`/`group` to the account of the service that reads the secret.",
  references: [
    { title: "agenix: age.secrets.<name>.mode", url: "https://github.com/ryantm/agenix#agesecretsnamemode" },
    { title: "sops-nix: setting a user/group/mode for secrets", url: "https://github.com/Mic92/sops-nix#set-secret-permissionowner-and-allow-services-to-access-it" },
    AGENIX,
    SOPS_NIX,
  ],
  compliance: { cis: ["6.1 System File Permissions"], nist: ["PR.AA-05", "PR.DS-01"] },

  checkNix(ctx) {
    for (const def of ctx.index.definitions) {
      if (def.segments.length !== 4 || !isSecretMode(def) || isStaticallyDisabled(def)) continue;
      const mode = parseMode(staticValue(def.value));
      if (mode === undefined) continue;
      const prefix = def.path.slice(0, -".mode".length);
      const group = groupOf(ctx.index.byPath.get(`${prefix}.group`) ?? []);
      const valueNode = unwrapped(def.value) ?? def.value!;
      const modeText = (staticValue(def.value) as string).padStart(4, "0");
      if (mode & 0o004) {
        const fixed = (mode & ~0o007).toString(8).padStart(4, "0");
        ctx.report({
          node: valueNode,
          optionPath: def.path,
          message: `${def.path} = "${modeText}" lets every local user read the decrypted secret${mode & 0o002 ? " (and write it)" : ""}.`,
          fix: {
            safety: "review",
            description: `Set the mode to "${fixed}" (no access for others) and make sure \`${prefix}.owner\`/\`group\` is the account of the service that reads it (services running as another user lose access).`,
            edits: [replaceNode(ctx.file, valueNode, nixString(fixed))],
          },
        });
      } else if (mode & 0o040 && group === "users") {
        const fixed = (mode & ~0o070).toString(8).padStart(4, "0");
        ctx.report({
          node: valueNode,
          optionPath: def.path,
          severity: "medium",
          message: `${def.path} = "${modeText}" with group "users" lets every human account read the decrypted secret.`,
          fix: {
            safety: "review",
            description: `Set the group to the service's own group (or drop group read: "${fixed}").`,
            edits: [replaceNode(ctx.file, valueNode, nixString(fixed))],
          },
        });
      }
    }
  },
};

function groupOf(defs: OptionDefinition[]): string | undefined {
  for (const d of defs) {
    const v = staticValue(d.value);
    if (typeof v === "string") return v;
  }
  return undefined;
}
