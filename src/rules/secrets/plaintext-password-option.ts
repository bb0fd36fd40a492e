// Plaintext passwords in options outside users.users: `admin_password`, `rootPassword`, `password`
// in a service's settings, nginx `basicAuth.<user>`. Any literal counts, whatever its entropy: a
// `changeme` is deployed as the real password. Not findings: `*File` / `passwordFile` options,
// hashed passwords, references (`config.age.secrets.x.path`, interpolations, `$VAR`), sops values.
// Options that hold a secret by definition though their key does not say so (services.k3s.token,
// the cluster join token) count too (secrets/keys.ts, isPasswordByPath).
// users.users.<name>.password / initialPassword are the users rules'.
import { staticString } from "../../nix/options.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { isAppSecretKeyOption, plaintextPassword } from "../../secrets/index.js";
import { rangeOf, redactedLine, stringSource, unwrapped } from "../nix-strings.js";
import type { Rule } from "../types.js";
import { AGENIX, NIXOS_WIKI_SECRETS, SOPS_NIX } from "./compliance.js";
import { environmentEntry } from "./environment.js";
import { hostExample } from "../shared/examples.js";

const USERS = /(?:^|\.)users\.(?:users|extraUsers)\./;

/** How the option's service usually takes the password from a file. */
function fileVariant(path: string, key: string): string {
  if (/^services\.searxn?g?\.settings\.server\.secret_key$/.test(path)) return '`services.searx.environmentFile` (a file holding `SEARX_SECRET_KEY=...`, from agenix/sops) with `secret_key = "@SEARX_SECRET_KEY@"`';
  if (/^services\.grafana\.settings\./.test(path)) return `\`${key} = "$__file{\${config.age.secrets.<name>.path}}";\` (Grafana reads the value from the file)`;
  if (/\.settings\./.test(path)) return `the service's file variant of \`${key}\` (often \`${key}_file\`, \`${key}File\`, or a separate \`environmentFile\`/\`secretFile\` option) pointing at \`config.age.secrets.<name>.path\``;
  return `\`${key}File\` (or the module's \`passwordFile\`) set to \`config.age.secrets.<name>.path\``;
}

export const plaintextPasswordOption: Rule = {
  id: "plaintext-password-option",
  examples: {
    fire: [
      hostExample(`{ services.grafana.settings.security.admin_password = "replaceme"; }\n`),
      // A cluster join token is a secret whatever it looks like (three words here).
      hostExample(`{ services.k3s = { enable = true; role = "server"; token = "Lantern4.Orbit.Meadow"; }; }\n`),
      // An application's secret key (low: forged cookies and signed URLs).
      hostExample(`{ services.searx = { enable = true; settings.server.secret_key = "notsosecret"; }; }\n`),
    ],
    silent: [
      hostExample(`{ services.grafana.settings.security.admin_password = "$__file{/run/secrets/grafana-admin}"; }\n`),
      hostExample(`{ config, ... }: { services.k3s = { enable = true; tokenFile = config.sops.secrets.k3s-token.path; token = ""; }; }\n`),
      hostExample(`{ config, ... }: { services.searx = { enable = true; environmentFile = config.sops.secrets.searx.path; settings.server.secret_key = "@SEARX_SECRET_KEY@"; }; }\n`),
    ],
  },
  name: "plaintext password in an option",
  category: "secrets",
  severity: "high",
  rationale:
    "A password written as an option's value is readable by everyone with the repository, and it is copied into the world-readable Nix store (in the generated configuration file or unit) where every local user can read it.",
  fix: "Use the option's file variant (`passwordFile`, `<name>File`, `environmentFile`) pointing at an agenix or sops-nix secret, and rotate the password.",
  references: [AGENIX, SOPS_NIX, NIXOS_WIKI_SECRETS],
  compliance: { cis: ["6.1 System File Permissions", "5.4 User Accounts and Environment"], nist: ["PR.AA-01", "PR.DS-01"] },

  checkNix(ctx) {
    const lines = ctx.parsed.source.lines;
    for (const def of ctx.index.definitions) {
      if (!def.isLeaf || USERS.test(def.path) || environmentEntry(def)) continue;
      const inner = unwrapped(def.value);
      if (inner?.kind !== K.NODE_STRING) continue;
      const value = staticString(inner);
      if (value === undefined) continue; // interpolated: a reference or computed
      const last = def.segments[def.segments.length - 1];
      if (!last) continue;
      const key = last.name;
      const pw = plaintextPassword(key, value, def.path);
      if (!pw) continue;
      const src = stringSource(inner)!;
      const lead = src.text.length - src.text.trimStart().length;
      const start = src.offset + lead;
      const end = src.offset + src.text.trimEnd().length;
      const secret = [{ start, end }];
      ctx.report({
        node: inner,
        range: rangeOf(lines, start, end),
        severity: pw.severity,
        optionPath: def.path,
        message: isAppSecretKeyOption(def.path)
          ? `${def.path} holds the application's secret key in plaintext (${pw.redacted}): it is readable in the repository and in the world-readable Nix store, so anyone can forge this instance's signed cookies and URLs or decrypt the credentials it stores encrypted with it.`
          :
          `${def.path} holds a plaintext password (${pw.redacted})${pw.placeholderLike ? ", a placeholder-like value that is deployed as the real password" : ""}: ` +
          "it is readable in the repository and in the world-readable Nix store.",
        evidence: redactedLine(ctx.text, lines, start, secret),
        fix: {
          safety: "manual",
          description: `Store the ${isAppSecretKeyOption(def.path) ? "key" : "password"} with agenix or sops-nix and use ${fileVariant(def.path, key)}; then rotate it (it is in git history).`,
        },
      });
    }
  },
};
