// nix-accept-flake-config: `accept-flake-config = true` in the system's nix.conf (`nix.settings`,
// or a line of nix.extraOptions) on a host where someone besides root is a Nix trusted user. A
// flake's `nixConfig` can set any nix.conf setting for the command that evaluates it; Nix asks
// before using settings a user could not set alone, and accept-flake-config answers yes without
// asking. For a trusted user the daemon takes them: `extra-substituters` and
// `extra-trusted-public-keys` of the flake's choosing, so `nix run github:someone/tool` (or a flake
// input's own flake) can fill the root-owned store with paths built by its author under the names
// of real ones (a glibc, an openssh your next system build reuses). The trusted user could do this
// on purpose; the setting lets the author of any flake they evaluate do it without a prompt.
// Medium: it needs a trusted user to evaluate a hostile flake, and gives the store.
// Silent: accept-flake-config false or unset, only root trusted (an untrusted user's daemon ignores
// the flake's substituters and keys), a home-manager module (nixSettingSites skips it).
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { nixSettingSites, type NixSettingSite } from "./nix-settings.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { trustedEntries } from "./root-paths.js";
import { nixConfSetting, nixosOption } from "../shared/references.js";

const NAME = "accept-flake-config";

function sites(ctx: NixFileContext): NixSettingSite[] {
  return nixSettingSites(ctx, NAME, []).filter((site) => (site.kind === "line" ? site.value === "true" : staticValue(site.def.inner) === true));
}

const checks = perHost(sites, (site, scope, file, report) => {
  const trusted = trustedEntries(scope).filter((e) => e.entry !== "root" && e.entry !== "");
  if (!trusted.length) return;
  const who = [...new Map(trusted.map((t) => [t.entry, t])).values()].map((t) => `"${t.entry}" (${t.at})`).join(", ");
  const message =
    `${site.kind === "line" ? `${site.optionPath} sets ${NAME} = true` : `${site.optionPath} = true`} and ${who} ${trusted.length > 1 ? "are" : "is"} trusted by the Nix daemon: the nixConfig of any flake such a user evaluates (nix run github:…, a flake input) is applied without a prompt, ` +
    "so the flake's author can add their own substituter and signing key (extra-substituters, extra-trusted-public-keys) and have the daemon put paths they built into the root-owned store under the names of real ones, which later builds and system generations reuse.";
  const fix = {
    safety: "review" as const,
    description: `Remove ${NAME} (it defaults to false, and Nix then asks before using a flake's settings), and put the caches you do trust in nix.settings.substituters and trusted-public-keys; pass --accept-flake-config for the one command that needs a flake's own cache.`,
  };
  const title = "Flake settings accepted without a prompt for trusted users (accept-flake-config)";
  if (site.kind === "line") {
    report({ range: site.range, optionPath: site.optionPath, key: NAME, severity: "medium", title, message, fix: { ...fix, safety: "manual" } });
  } else {
    report({ node: site.def.inner ?? site.def.binding, optionPath: site.optionPath, severity: "medium", title, message, fix: { ...fix, edits: site.def.inner ? [replaceNode(file.file, site.def.inner, "false")] : undefined } });
  }
});

export const nixAcceptFlakeConfig: Rule = {
  id: "nix-accept-flake-config",
  examples: {
    fire: [
      hostExample(`{\n  nix.settings = {\n    accept-flake-config = true;\n    trusted-users = [ "root" "@wheel" ];\n  };\n}\n`),
      // The trusted user is set in another module of the host.
      hostExample(`{\n  imports = [ ./users.nix ];\n  nix.extraOptions = ''\n    accept-flake-config = true\n  '';\n}\n`, "configuration.nix", { "users.nix": `{ nix.settings.trusted-users = [ "alice" ]; }\n` }),
    ],
    silent: [
      // Only root is trusted: a user's daemon ignores the flake's substituters and keys.
      hostExample(`{ nix.settings.accept-flake-config = true; }\n`),
      hostExample(`{ nix.settings = { accept-flake-config = true; trusted-users = [ "root" ]; }; }\n`),
      // Look-alike: the prompt is kept.
      hostExample(`{ nix.settings = { accept-flake-config = false; trusted-users = [ "root" "@wheel" ]; }; }\n`),
      hostExample(`{ nix.settings.trusted-users = [ "root" "@wheel" ]; }\n`),
    ],
  },
  name: "Flake settings accepted without a prompt for trusted users",
  category: "access",
  severity: "medium",
  rationale:
    "With accept-flake-config = true, a flake's nixConfig is applied without asking. For a Nix trusted user that includes extra substituters and trusted public keys, so the author of any flake the user evaluates can make the daemon import store paths they built and signed into the root-owned store.",
  fix: "Leave accept-flake-config at its default (false); list trusted caches in nix.settings.substituters and trusted-public-keys, and pass --accept-flake-config only to a command whose flake you trust.",
  references: [nixConfSetting("accept-flake-config"), nixConfSetting("trusted-users"), nixosOption("nix.settings")],
  compliance: { cis: ["1.2 Configure Software Updates"], nist: ["PR.PS-02"] },
  ...checks,
};
