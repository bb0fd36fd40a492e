// Secrets exported through environment variables: environment.variables / sessionVariables, a
// systemd unit's `environment` or `Environment=`, a container's or a service's `environment` set.
// A value there is written into the unit or profile script in the world-readable store, shown by
// `systemctl show` to every user, and inherited by every child process. Fires on a literal that the
// detectors judge secret (any literal under a password name), and on a value read from a file at
// evaluation (`environment.SMTP_PASSWORD = builtins.readFile ./smtp-password`). In a container's
// `environment` (virtualisation.oci-containers), also on any literal under a secret name that is
// no placeholder, path, URL or reference: `environmentFiles` is the fix.
import { calleeName, flattenApply, unparen, type OptionDefinition } from "../../nix/options.js";
import { resolveLexical } from "../../nix/scope.js";
import { SyntaxKind as K, type LineIndex, type SyntaxNode } from "../../nix/syntax.js";
import { classifyKey, detectSecrets, isPlaceholder, isSecretReference, type SecretMatch } from "../../secrets/index.js";
import { staticStringValue } from "../../nix/values.js";
import { isStaticallyDisabled, rangeOf, redactedLine, stringSource, unwrapped } from "../nix-strings.js";
import type { NixFileContext, Rule } from "../types.js";
import type { Severity } from "../../report/schema.js";
import { AGENIX, SECRETS_COMPLIANCE, SOPS_NIX, SYSTEMD_CREDENTIALS } from "./compliance.js";
import { environmentEntry, type EnvironmentEntry } from "./environment.js";
import { pathLiteralTarget, repositorySecretValue, secretMaterial } from "./material.js";
import { hostExample } from "../shared/examples.js";

const READERS = new Set(["readFile", "fileContents"]);

/** Follow a name to the value its `let` binding gives it (the name resolver: a formal or rec
 * attribute in between shadows it). */
function resolveLet(node: SyntaxNode): SyntaxNode | undefined {
  const b = resolveLexical(node);
  return b?.kind === "let" && b.scope.kind === K.NODE_LET_IN ? b.value : undefined;
}

/** A `readFile`/`fileContents` call the value is (directly or through a let name). */
function readCall(value: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = unwrapped(value);
  for (let guard = 0; n && guard < 8; guard++) {
    if (n.kind === K.NODE_IDENT) {
      n = unwrapped(resolveLet(n));
      continue;
    }
    if (n.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(n);
      const name = calleeName(fn);
      if (name && READERS.has(name) && args.length === 1) return n;
      // `lib.removeSuffix "\n" (readFile ./x)`, `lib.strings.trim (...)`: look at the last argument.
      if (name && /^(?:removeSuffix|removePrefix|trim|trimWith|strip|fileContents)$/.test(name)) {
        n = unwrapped(args[args.length - 1]);
        continue;
      }
    }
    return undefined;
  }
  return undefined;
}

function scopeText(entry: EnvironmentEntry): string {
  return entry.kind === "variable" && !entry.scope.includes(" ") ? `the environment of ${entry.scope}` : entry.kind === "variable" ? entry.scope : `the Environment= of ${entry.scope}`;
}

/** Whose processes get the variable: a user's own session or user units (home-manager's
 * home.sessionVariables, systemd.user.*): "user"; the system's units, shells and containers:
 * "system". */
function reach(ctx: NixFileContext, def: OptionDefinition, entry: EnvironmentEntry): "user" | "system" {
  if (ctx.moduleClass === "home-manager" || ctx.moduleClass === "nix-maid") return "user";
  if (/^(?:home-manager\.users\.[^.]+\.)?systemd\.user\./.test(def.path) || /^home-manager\.users\./.test(def.path)) return "user";
  return entry.kind === "variable" && /^the user's/.test(entry.scope) ? "user" : "system";
}

/** A credential in a URL whose server is the host itself (`postgres://app:pw@localhost/app`):
 * only a process on the host can use it. */
function localServer(text: string): boolean {
  return /:\/\/[^\s/@]*@(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?=[:/]|$)/i.test(text);
}

/** The exposure a message names, and the severity the reach allows: the world-readable store
 * either way; other users' view of the process (systemctl show, /proc/<pid>/environ) only for
 * system units, not for a user's own session or user units, which only that user and root see
 * (Baitinq-nixos-config's home.sessionVariables, cleverca22-nixos-configs' systemd.user.services
 * caller-id-client: judged medium, below a root service's high). */
function exposure(ctx: NixFileContext, def: OptionDefinition, entry: EnvironmentEntry, severity: Severity): { severity: Severity; seen: string } {
  if (reach(ctx, def, entry) === "user") {
    return { severity: severity === "critical" || severity === "high" ? "medium" : severity, seen: "visible to that user's own processes (other users cannot read it from the process, only from the store)" };
  }
  return { severity, seen: "visible to other users (systemctl show, /proc/<pid>/environ)" };
}

function fixFor(def: OptionDefinition, entry: EnvironmentEntry, name: string | undefined): string {
  const unit = /^systemd\.(?:user\.)?services\.([^.]+)/.exec(entry.scope)?.[1];
  const variable = name ?? "the variable";
  if (unit) {
    return (
      `Remove ${variable} from the unit and deliver it from an agenix/sops secret at run time: \`systemd.services.${unit}.serviceConfig.EnvironmentFile = config.age.secrets.${unit}-env.path;\` ` +
      `(a file holding \`${variable}=...\`), or better \`LoadCredential = [ "${variable.toLowerCase()}:\${config.age.secrets.<name>.path}" ]\` and read it from $CREDENTIALS_DIRECTORY. Rotate the secret.`
    );
  }
  if (/oci-containers\.containers\./.test(entry.scope)) {
    return `Use the container's \`environmentFiles = [ config.age.secrets.<name>.path ];\` for ${variable} instead of \`environment\`, and rotate the secret.`;
  }
  if (entry.kind === "variable" && /every|session/.test(entry.scope)) {
    return `Do not export ${variable} to every session: have the programs that need it read it from a file (an agenix/sops secret readable only by its user, e.g. \`gh auth\`/credential helpers), and rotate the secret.`;
  }
  return `Use the service's file option (\`environmentFile\`, \`*File\`) with an agenix/sops secret instead of ${def.path}, and rotate the secret.`;
}

function reportMatches(ctx: NixFileContext, lines: LineIndex, def: OptionDefinition, entry: EnvironmentEntry, str: SyntaxNode, key: string | undefined): number {
  const src = stringSource(str);
  if (!src) return 0;
  const matches: SecretMatch[] = detectSecrets(src.text, { key, optionPath: entry.kind === "variable" ? def.path : undefined })
    .filter((m) => m.kind === "secret")
    .map((m) => ({ ...m, start: m.start + src.offset, end: m.end + src.offset }));
  for (const m of matches) {
    const variable = m.key ?? key;
    const base: Severity = m.severity === "low" ? "medium" : m.severity;
    // A credential for a server on the host itself (`postgres://coder:coder@localhost`): only a
    // local process can use it (ghuntley-ghuntley's coder database URL: judged medium).
    const local = (base === "high" || base === "critical") && localServer(src.text);
    const { severity, seen } = exposure(ctx, def, entry, local ? "medium" : base);
    ctx.report({
      node: str,
      range: rangeOf(lines, m.start, m.end),
      severity,
      optionPath: def.path,
      key: `${m.detector}:${m.redacted}`,
      message: `${m.name} (${m.redacted})${variable ? ` in ${variable}` : ""} is exported through ${scopeText(entry)}: it is written into the world-readable Nix store and ${seen} and to every child process.${local ? " It is the credential of a server on this host (localhost), so only a process on the host can use it." : ""}`,
      evidence: redactedLine(ctx.text, lines, m.start, matches),
      fix: { safety: "manual", description: fixFor(def, entry, variable) },
    });
  }
  return matches.length;
}

const CONTAINER_SCOPE = /(?:^|\.)(?:oci-containers|docker-containers)\.containers\.|^virtualisation\.(?:oci|docker)-containers\./;

/** A container's `environment.TOKEN = "..."` whose literal the detectors leave alone (short or
 * word-like): under a secret name in a container it is still the credential, written into the
 * store, the unit's command line (`-e TOKEN=...`) and `docker inspect`. */
function reportContainerLiteral(ctx: NixFileContext, lines: LineIndex, def: OptionDefinition, entry: EnvironmentEntry & { kind: "variable" }, str: SyntaxNode): void {
  if (!CONTAINER_SCOPE.test(def.path)) return;
  const kind = classifyKey(entry.name);
  if (kind !== "secret" && kind !== "password") return;
  if (str.childNodes().some((c) => c.kind === K.NODE_INTERPOL)) return;
  const v = staticStringValue(str);
  if (v === undefined) return;
  const t = v.trim();
  if (t.length < 6 || /\s/.test(t) || isPlaceholder(t) || isSecretReference(t)) return;
  if (/^(?:\/|\.{1,2}\/|~\/|%[dS]\/)/.test(t) || /^[a-z][a-z0-9+.-]*:\/\//i.test(t) || /^(?:true|false|yes|no|on|off|none|\d+)$/i.test(t)) return;
  const src = stringSource(str);
  if (!src) return;
  const span = { start: src.offset, end: src.offset + src.text.length };
  ctx.report({
    node: str,
    range: rangeOf(lines, span.start, span.end),
    evidence: redactedLine(ctx.text, lines, span.start, [span]),
    secret: v,
    severity: "medium",
    optionPath: def.path,
    key: `container-literal:${entry.name}`,
    message: `${entry.name} of a container is set to a literal in the configuration: it is written into the world-readable Nix store and the container unit's command line (\`-e ${entry.name}=...\`, readable by every local user in /proc/<pid>/cmdline), and shown by \`docker inspect\`/\`podman inspect\`.`,
    fix: { safety: "manual", description: fixFor(def, entry, entry.name) },
  });
}

export const secretInEnvironment: Rule = {
  id: "secret-in-environment",
  examples: {
    fire: [
      // high: a system unit's environment (systemctl show, /proc/<pid>/environ for other users).
      hostExample(`{ systemd.services.app.environment.DB_PASSWORD = "Kq8#vTz2!mWp9xLr"; }\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.vaultwarden = {\n    image = "vaultwarden/server";\n    environment = {\n      DOMAIN = "https://vault.example.org";\n      ADMIN_TOKEN = "vaultwarden2024";\n    };\n  };\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.ci.environment.RUNNER_API_KEY = "runner-key-01";\n}\n`),
      // The repository's own (git-crypt'ed) secrets set, evaluated into the unit.
      hostExample(`{ pkgs, ... }:\nlet secrets = import ./secrets.nix; in {\n  systemd.services.nix-daemon.environment = {\n    AWS_ACCESS_KEY_ID = secrets.cache.s3.accessKeyId;\n    AWS_SECRET_ACCESS_KEY = secrets.cache.s3.accessKeySecret;\n  };\n}\n`),
      // medium: a user unit's environment, seen by that user's processes only (and the store).
      hostExample(`{ systemd.user.services.notify.environment.MQTT_PASSWORD = "Kq8#vTz2!mWp9xLr"; }\n`),
    ],
    silent: [
      hostExample(`{ systemd.services.app.environment.DB_PASSWORD_FILE = "/run/secrets/db-password"; }\n`),
      hostExample(
        `{ config, ... }: {\n  virtualisation.oci-containers.containers.app = {\n    image = "app";\n    environmentFiles = [ config.sops.secrets.app-env.path ];\n    environment = {\n      API_TOKEN = "changeme";\n      SECRET_KEY = "";\n      DB_PASSWORD_FILE = "/run/secrets/db";\n      TOKEN_PATH = config.sops.secrets.token.path;\n      OIDC_TOKEN_ENDPOINT = "https://id.example.org/token";\n      WEBHOOK_SECRET = "\${config.sops.placeholder.webhook}";\n      JWT_SECRET = "<your-secret-here>";\n    };\n  };\n}\n`,
      ),
    ],
  },
  // In a file no host imports (dead code) only the repository's copy is left: the scan reports low.
  literalOutlivesUse: true,
  name: "secret exported through environment variables",
  category: "secrets",
  severity: "high",
  rationale:
    "Environment variables set by NixOS are written into unit files and profile scripts in the world-readable Nix store, are shown by `systemctl show` to unprivileged users, and are inherited by every child process; a secret there is exposed well beyond the program that needs it.",
  fix: "Deliver the secret as a file at run time: systemd `LoadCredential=` or `EnvironmentFile=` pointing at an agenix or sops-nix secret (containers: `environmentFiles`), and rotate it.",
  references: [SYSTEMD_CREDENTIALS, { title: "systemd.exec(5): Environment=", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Environment=" }, AGENIX, SOPS_NIX],
  compliance: SECRETS_COMPLIANCE,

  checkNix(ctx) {
    const lines = ctx.parsed.source.lines;
    for (const def of ctx.index.definitions) {
      if (!def.isLeaf || isStaticallyDisabled(def)) continue;
      const entry = environmentEntry(def);
      if (!entry) continue;
      const name = entry.kind === "variable" ? entry.name : undefined;
      let inner = unwrapped(def.value);
      if (!inner) continue;
      if (entry.kind === "variable" && inner.kind === K.NODE_STRING) {
        if (reportMatches(ctx, lines, def, entry, inner, name) === 0) reportContainerLiteral(ctx, lines, def, entry, inner);
        // `"${smtpPassword}"`: judge the interpolated expression below.
        const parts = inner.childNodes();
        const only = parts.length === 1 && parts[0]!.kind === K.NODE_INTERPOL && stringSource(inner)?.text.length === parts[0]!.end - parts[0]!.start;
        if (!only) continue;
        inner = unparen(parts[0]!.firstChild());
        if (!inner) continue;
      }
      if (entry.kind === "directive") {
        // Environment = "A=b C=d" or [ "A=b" ... ]: every string inside.
        inner.walk((n) => {
          if (n.kind === K.NODE_STRING) reportMatches(ctx, lines, def, entry, n, undefined);
          return n.kind !== K.NODE_STRING;
        });
        continue;
      }
      // A value of the repository's own secrets set (`secrets.s3.accessKeySecret`, a git-crypt'ed
      // secrets.nix imported at evaluation): the evaluated secret is written into the unit.
      const fromSet = name ? repositorySecretValue(inner, name) : undefined;
      if (fromSet && name) {
        const { severity, seen } = exposure(ctx, def, entry, "high");
        ctx.report({
          node: inner,
          severity,
          optionPath: def.path,
          message: `${name} is set to ${fromSet}, a value of the repository's secrets evaluated into the configuration, and exported through ${scopeText(entry)}: the secret is written into the world-readable Nix store and ${seen}.`,
          fix: { safety: "manual", description: fixFor(def, entry, name) },
        });
        continue;
      }
      // A value read from a file while evaluating, under a secret-like name or from secret material.
      const call = readCall(inner);
      if (!call || !name) continue;
      const arg = unparen(flattenApply(call).args[0]);
      const target = arg?.kind === K.NODE_PATH ? pathLiteralTarget(ctx.file, arg) : undefined;
      const found = target?.kind === "repo" ? secretMaterial(ctx.repoFile, target.path, ctx.repoFilesUnder) : undefined;
      // A FIDO2 security-key handle is no secret without its hardware token.
      const material = found?.cls?.securityKeyHandle ? undefined : found;
      if (!material && !classifyKey(name)) continue;
      const source = target?.kind === "repo" ? target.path : unparen(flattenApply(call).args[0])?.text ?? "a file";
      const { severity, seen } = exposure(ctx, def, entry, "high");
      ctx.report({
        node: inner,
        severity,
        optionPath: def.path,
        message: `${name} is set to the content of ${source}, read while evaluating and exported through ${scopeText(entry)}: the secret is written into the world-readable Nix store and ${seen}.`,
        fix: { safety: "manual", description: fixFor(def, entry, name) },
      });
    }
  },
};
