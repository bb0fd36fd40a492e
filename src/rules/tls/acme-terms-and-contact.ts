// A host that obtains certificates with NixOS's ACME module (a virtual host with `enableACME` or
// `useACMEHost`, or `security.acme.certs.<name>`) must accept the CA's terms
// (`security.acme.acceptTerms = true`) and give a contact address (`security.acme.defaults.email`,
// or an email on every certificate). Without them NixOS's assertions stop the build, and without a
// contact nobody hears about revocations or account problems. Host-level: the settings usually
// live in a shared module, so every file of the host counts.
import type { OptionDefinition } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import { setOption } from "../../nix/edit.js";
import { isStaticallyDisabled } from "../nix-strings.js";
import type { HostContext, NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosManual } from "../shared/references.js";

type Found = Array<{ file: NixFileContext; def: OptionDefinition }>;

const live = (found: Found) => found.filter(({ def }) => !isStaticallyDisabled(def));

function acmeUses(ctx: HostContext): Found {
  const out: Found = [];
  for (const service of ["nginx", "httpd", "caddy"]) {
    out.push(...live(ctx.matching(`services.${service}.virtualHosts.*.enableACME`)).filter(({ def }) => staticValue(def.value) === true));
    out.push(...live(ctx.matching(`services.${service}.virtualHosts.*.useACMEHost`)).filter(({ def }) => staticValue(def.value) !== null));
  }
  out.push(...live([...ctx.matching("security.acme.certs.*"), ...ctx.matching("security.acme.certs.*.*")]));
  return out.sort((a, b) => a.file.file.localeCompare(b.file.file) || a.def.line - b.def.line);
}

export const acmeTermsAndContact: Rule = {
  id: "acme-terms-and-contact",
  examples: {
    fire: [hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { forceSSL = true; enableACME = true; }; }; }\n`)],
    silent: [hostExample(`{ security.acme = { acceptTerms = true; defaults.email = "admin@example.org"; }; services.nginx = { enable = true; virtualHosts."example.org" = { forceSSL = true; enableACME = true; }; }; }\n`)],
  },
  name: "ACME without accepted terms or contact address",
  category: "tls",
  severity: "low",
  rationale:
    "NixOS's ACME module refuses to build unless the CA's terms are accepted and a contact address is set; the contact is where the CA reports revoked certificates and account problems. Found here, it fails before a deployment instead of during one.",
  fix: "Set `security.acme.acceptTerms = true;` (after reading the CA's terms) and `security.acme.defaults.email` to an address someone reads.",
  references: [
    nixosManual("SSL/TLS Certificates with ACME", "module-security-acme"),
    { title: "Let's Encrypt: Policy and Legal Repository", url: "https://letsencrypt.org/repository/" },
  ],
  compliance: { cis: ["CIS NGINX Benchmark 4.1.2 Ensure a trusted certificate and trust chain is installed"], nist: ["PR.DS-02", "PR.PS-01"] },

  checkHost(ctx) {
    // A host guessed from a directory layout may set them in a module not found.
    if (ctx.partial) return;
    const uses = acmeUses(ctx);
    if (uses.length === 0) return;
    const terms = live(ctx.definitions("security.acme.acceptTerms")).some(({ def }) => staticValue(def.value) === true);
    const email =
      live([...ctx.definitions("security.acme.defaults.email"), ...ctx.definitions("security.acme.email"), ...ctx.matching("security.acme.certs.*.email")]).filter(
        ({ def }) => staticValue(def.value) !== null,
      ).length > 0;
    if (terms && email) return;
    const { file, def } = uses[0]!;
    const missing = [!terms ? "security.acme.acceptTerms = true" : undefined, !email ? "a contact email (security.acme.defaults.email)" : undefined].filter(Boolean);
    const edit = !terms ? setOption(file.file, file.text, file.parsed.root, file.index, ["security", "acme", "acceptTerms"], "true") : undefined;
    ctx.report({
      file: file.file,
      node: def.attrpath ?? def.binding,
      optionPath: !terms ? "security.acme.acceptTerms" : "security.acme.defaults.email",
      message:
        `Host ${ctx.host} obtains certificates with ACME (${def.path}) but none of its files sets ${missing.join(" or ")}: ` +
        "NixOS's assertions will stop the build unless a module from outside this repository sets it.",
      fix: {
        safety: !terms && email ? "review" : "manual",
        description:
          (!terms ? "Read the CA's terms (https://letsencrypt.org/repository/) and set `security.acme.acceptTerms = true;`. " : "") +
          (!email ? 'Set `security.acme.defaults.email = "<an address someone reads>";`.' : ""),
        edits: !terms && email && edit ? [edit] : undefined,
      },
    });
  },
};
