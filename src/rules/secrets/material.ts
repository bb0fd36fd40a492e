// What a path in a Nix file points at, and whether that is secret material: a repository file that
// classifies as an unencrypted secret, a file named or placed like one (when it is not in the
// scanned files, e.g. git-ignored), or a run-time secret location (`/run/agenix/...`,
// `config.age.secrets.<n>.path`) that must never be read while evaluating.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { classifyKey, classifySecretFile, isSecretLocation, namesNonSecretValue, parseSopsConfig, type SecretFileClass, type SopsCreationRule } from "../../secrets/index.js";
import type { RepoFileLookup, RepoFilesUnder } from "../types.js";

export type PathTarget =
  /** Relative to the scanned root (`secrets/x.txt`); `../x` when it lies outside the root. */
  | { kind: "repo"; path: string }
  | { kind: "absolute"; path: string };

/** The target of a path literal without interpolation (`./x`, `../../secrets/y`, `/run/z`). */
export function pathLiteralTarget(file: string, node: SyntaxNode): PathTarget | undefined {
  if (node.kind !== K.NODE_PATH) return undefined;
  let text = "";
  for (const c of node.children) {
    if (!c.isToken) return undefined; // an interpolated path: not static
    if (c.kind === K.TOKEN_PATH || c.kind === K.TOKEN_PATH_CONTENT) text += c.text;
    else if (c.kind === K.TOKEN_HPATH) return undefined;
  }
  if (text === "") return undefined;
  if (text.startsWith("/")) return { kind: "absolute", path: posix.normalize(text) };
  const dir = posix.dirname(file);
  return { kind: "repo", path: posix.normalize(posix.join(dir === "." ? "" : dir, text)) };
}

/** Test data (fixtures, expected outputs, `libstore-tests/`): findings there are still reported, as low. */
export const TEST_DATA_DIR = /(?:^|\/)(?:[\w.-]*[-_])?(?:tests?|checks|fixtures|testdata|__tests__)\//;

/** Where secret managers put decrypted secrets at run time. */
const RUNTIME_SECRET_DIR = /^\/run\/(?:agenix(?:\.d)?|secrets(?:-for-users)?|keys|credentials)(?:\/|$)/;
/** `config.age.secrets.x.path`, `config.sops.secrets."x".path`, `config.sops.templates.x.path`. */
const RUNTIME_SECRET_REF = /^(?:config|osConfig|nixosConfig)\.(?:age|sops)\.(?:secrets|templates)\.[^\s]+\.path$/;

/** A run-time secret location given as text or an expression. */
export function runtimeSecretReference(text: string): boolean {
  const t = text.replace(/\s+/g, "");
  return RUNTIME_SECRET_DIR.test(t) || RUNTIME_SECRET_REF.test(t);
}

const sopsCache = new Map<string, SopsCreationRule[]>();

/** The creation rules of the nearest `.sops.yaml` from the file's directory up to the root. */
export function sopsRulesFor(repoFile: RepoFileLookup, file: string): SopsCreationRule[] {
  let dir = posix.dirname(file);
  for (let guard = 0; guard < 64; guard++) {
    const cfgPath = dir === "." || dir === "" ? ".sops.yaml" : `${dir}/.sops.yaml`;
    const f = repoFile(cfgPath);
    if (f?.text !== undefined) {
      const key = `${cfgPath}\0${f.text}`;
      let rules = sopsCache.get(key);
      if (!rules) {
        rules = parseSopsConfig(f.text, cfgPath).rules;
        if (sopsCache.size > 256) sopsCache.clear();
        sopsCache.set(key, rules);
      }
      return rules;
    }
    if (dir === "." || dir === "" || dir === "/") return [];
    dir = posix.dirname(dir);
  }
  return [];
}

export interface SecretMaterial {
  /** One sentence saying what the file is; never its content. */
  reason: string;
  /** The file's class when it was read; undefined when judged by its name and place only. */
  cls?: SecretFileClass;
}

/** Names of public material that a secrets folder also holds. */
const PUBLIC_NAME = /\.(?:pub|crt|cert|cer|nix|md)$/i;

/**
 * Whether a repository path is unencrypted secret material: the file's content when the scan has
 * it, else its name and place (`secrets/…`, `*.key`, `id_ed25519`, a sops-managed path).
 */
export function secretMaterial(repoFile: RepoFileLookup, path: string, filesUnder?: RepoFilesUnder): SecretMaterial | undefined {
  const inside = !path.startsWith("../") && path !== "..";
  const sopsRules = inside ? sopsRulesFor(repoFile, path) : [];
  const f = inside ? repoFile(path) : undefined;
  if (f) {
    // As committed-secret-file judges files: secret material as a whole (a key, a token file, a
    // file where secrets are kept). An ordinary file that merely holds a hard-coded secret (a
    // config, an expected-output fixture) is hardcoded-secret's finding, not this one.
    const cls = classifySecretFile(path, f.content, { sopsRules });
    const location = isSecretLocation(path, { sopsRules });
    return cls.secretLike && (cls.kind !== "plain" || location?.expectEncrypted) ? { reason: cls.reason, cls } : undefined;
  }
  const location = isSecretLocation(path.replace(/^(?:\.\.\/)+/, ""), { sopsRules });
  // Encrypted formats (.age, sops) are fine to read; public names are not secrets.
  if (!location || location.expected || PUBLIC_NAME.test(path)) return undefined;
  // A directory of the scan named like a place of secrets (`../secrets/home`, copied whole into
  // the store): judged by what its files hold, not by its name. One of sops-encrypted files
  // exposes nothing (tschwemley-nixos-config lib/default.nix's secrets/{home,nixos,server}, judged
  // wrong at critical); one with a plaintext key in it is reported, naming the file.
  const listed = inside && filesUnder ? filesUnder(path) : [];
  if (listed.length > 0) {
    const secret = listed.filter((file) => secretMaterial(repoFile, file) !== undefined);
    if (secret.length === 0) return undefined;
    const names = secret.map((file) => file.slice(path.length + 1));
    const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ` and ${names.length - 3} more` : "");
    return { reason: `a directory holding ${secret.length === 1 ? "an unencrypted secret file" : `${secret.length} unencrypted secret files`}: ${shown}` };
  }
  return { reason: `${location.reason} (the file is not among the scanned files, so it was judged by its name)` };
}

/** A name for an agenix/sops secret derived from a file name (`smtp-password.txt` -> `smtp-password`). */
export function secretNameFor(path: string): string {
  const base = posix.basename(path).replace(/\.(?:txt|key|pem|age|env|json|ya?ml|conf|secret)$/i, "");
  const name = base.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  return name === "" ? "secret" : name;
}

/**
 * A value taken from the repository's own set of secrets (`secrets.nixCache.privKey`,
 * `secrets.wireguard.privateKeys.host`: an attribute of a name `secrets` or `secret`, such as a
 * git-crypt'ed `secrets.nix` imported at evaluation): evaluated, the secret is a string, and
 * wherever it goes into the store it is readable by every local user. Returns the expression as
 * written, when it is one and says (by its last name or by `context`, the variable or option it is
 * given to) that it holds the secret rather than a path, user name, region or public key.
 * delroth/infra.delroth.net common/nix.nix (S3 credentials in nix-daemon's environment, the cache
 * signing key in writeText), judged missed.
 */
export function repositorySecretValue(node: SyntaxNode | undefined, context?: string): string | undefined {
  let n = node;
  while (n?.kind === K.NODE_PAREN) n = n.childNodes()[0];
  if (n?.kind !== K.NODE_SELECT) return undefined;
  const text = n.text.replace(/\s+/g, "");
  const m = /^secrets?((?:\.(?:[\w-]+|"[^"]*"))+)$/.exec(text);
  if (!m) return undefined;
  // `secrets.wireguard.privateKeys."${machineName}"`: a per-host entry is judged by the set it is in.
  const segments = [...m[1]!.matchAll(/\.([\w-]+|"[^"]*")/g)].map((x) => x[1]!.replace(/^"|"$/g, "")).filter((x) => !x.includes("${"));
  const last = segments.at(-1);
  if (last === undefined) return undefined;
  if (namesNonSecretValue(last)) return undefined;
  const kind = classifyKey(last);
  const contextKind = context === undefined ? undefined : classifyKey(context);
  if (kind !== "secret" && kind !== "password" && contextKind !== "secret" && contextKind !== "password") return undefined;
  return text;
}
