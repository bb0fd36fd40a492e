// sandbox-secret-exposure: a credential put inside every Nix build's sandbox. `extra-sandbox-paths`
// (`sandbox-paths`, the legacy nix.sandboxPaths) bind-mounts host paths into each build; naming
// the daemon's netrc-file there (bobvanderlinden-nixos-config: `extra-sandbox-paths = [
// "/etc/nix/netrc" ]` with `netrc-file = "/etc/nix/netrc"`), another netrc, SSH keys, a secret
// manager's run-time files or a path named for tokens or credentials hands them to every
// derivation built on the host: a third-party flake's package, a build a user starts. A build can
// copy the file into its (world-readable) output, and a fixed-output derivation, which has the
// network, can send it anywhere. The sandbox itself stays on (nix-sandbox-disabled is about
// turning it off). Not reported: caches, devices and interpreters (ccache, /dev/net, binfmt,
// store paths), and nix-darwin files (a Mac's sandbox settings are its own matter).
import { staticValue } from "../../nix/values.js";
import { isDarwin, nixSettingSites } from "../access/nix-settings.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixConfSetting } from "../shared/references.js";
import { SECRETS_COMPLIANCE } from "./compliance.js";

/** A path that holds credentials: a netrc, SSH keys, git or docker credentials, a secret manager's
 * run-time files, or a file or folder named for secrets, tokens or credentials. */
const CREDENTIAL_PATH =
  /(?:^|\/)(?:\.?netrc|\.ssh(?:\/|$)|id_(?:rsa|ecdsa|ed25519)\b|\.git-credentials|\.docker\/config\.json)|^\/run\/(?:agenix|secrets)(?:[./]|$)|(?:^|[/_.-])(?:access-tokens|credentials|secrets?|tokens?)(?:[/_.-]|$)/i;

function checkNix(ctx: NixFileContext): void {
  if (isDarwin(ctx)) return;
  const netrc = new Set<string>();
  for (const site of nixSettingSites(ctx, "netrc-file", [])) {
    const v = site.kind === "line" ? site.value : staticValue(site.def.inner);
    if (typeof v === "string") netrc.add(v.trim());
  }
  for (const name of ["extra-sandbox-paths", "sandbox-paths"]) {
    for (const site of nixSettingSites(ctx, name, name === "sandbox-paths" ? ["nix.sandboxPaths", "nix.extraSandboxPaths"] : [])) {
      if (site.platform === "darwin") continue;
      const v = site.kind === "line" ? site.value.split(/\s+/) : staticValue(site.def.inner);
      const paths = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
      // `target=source` or `path?` (optional): the host side is what is exposed.
      const hit = paths.map((p) => p.replace(/\?$/, "").split("=").pop()!).find((p) => netrc.has(p) || CREDENTIAL_PATH.test(p));
      if (!hit) continue;
      const report = {
        optionPath: site.optionPath,
        key: `sandbox-path:${hit}`,
        severity: "medium" as const,
        title: "Credentials inside the Nix build sandbox",
        message:
          `${site.optionPath} puts ${hit}${netrc.has(hit) ? " (the daemon's netrc-file: the credentials of its private caches and hosts)" : ", which holds credentials,"} inside every build's sandbox: ` +
          "every derivation built on this host (a third-party flake's package, a build a user starts) can read it and copy it into a world-readable store path, and a fixed-output derivation, which has the network, can send it out.",
        fix: {
          safety: "manual" as const,
          description:
            "Remove it from the sandbox paths. The daemon uses netrc-file for its own downloads without showing it to builds; a build that really needs a credential should get a dedicated, narrowly scoped one.",
        },
      };
      if (site.kind === "line") ctx.report({ ...report, range: site.range });
      else ctx.report({ ...report, node: site.def.inner ?? site.def.binding });
    }
  }
}

export const sandboxSecretExposure: Rule = {
  id: "sandbox-secret-exposure",
  examples: {
    fire: [
      // The daemon's netrc bind-mounted into every build.
      hostExample(`{\n  nix.settings = {\n    netrc-file = "/etc/nix/netrc";\n    extra-sandbox-paths = [ "/etc/nix/netrc" ];\n  };\n}\n`),
      hostExample(`{\n  nix.extraOptions = ''\n    extra-sandbox-paths = /root/.ssh/id_ed25519\n  '';\n}\n`),
    ],
    silent: [
      // A compiler cache, binfmt interpreters, an optional device: no credentials.
      hostExample(`{ pkgs, ... }: {\n  nix.settings.netrc-file = "/etc/nix/netrc";\n  nix.settings.extra-sandbox-paths = [ "/var/cache/ccache" "/run/binfmt" "\${pkgs.qemu}" "/dev/net?" ];\n}\n`),
    ],
  },
  name: "Credentials inside the Nix build sandbox",
  category: "secrets",
  severity: "medium",
  rationale:
    "Paths in extra-sandbox-paths are visible to every build on the host. A credential there (the daemon's netrc, SSH keys, run-time secrets) can be read by any derivation, including ones from flakes the owner does not control, and sent out by a fixed-output derivation.",
  fix: "Keep credentials out of sandbox-paths; let the daemon use netrc-file for its downloads, and give a build that needs a credential its own narrowly scoped one.",
  references: [nixConfSetting("sandbox-paths"), nixConfSetting("netrc-file")],
  compliance: SECRETS_COMPLIANCE,
  checkNix,
};
