// The rule registry: every rule nix-warden runs, in one list. Each rule lives in its own module
// (one rule or a small family per file) with its metadata beside its check.
import { committedSecretFile } from "./secrets/committed-secret-file.js";
import { hardcodedSecret } from "./secrets/hardcoded-secret.js";
import { plaintextPasswordOption } from "./secrets/plaintext-password-option.js";
import { secretInEnvironment } from "./secrets/secret-in-environment.js";
import { secretInNixStore } from "./secrets/secret-in-nix-store.js";
import { worldReadableSecret } from "./secrets/world-readable-secret.js";
import { serviceHardening } from "./service-hardening.js";
import { acmeTermsAndContact } from "./tls/acme-terms-and-contact.js";
import { certificateExpiryRule } from "./tls/certificate-expiry.js";
import { nginxAddSslWithoutForceSsl } from "./tls/nginx-addssl.js";
import { tlsOldProtocol, tlsWeakCipher } from "./tls/tls-config.js";
import { allowInsecure, knownVulnerabilitiesOverride, permittedInsecurePackages } from "./vulnerability/insecure-packages.js";
import type { Rule } from "./types.js";

export const ALL_RULES: Rule[] = [
  serviceHardening,
  secretInNixStore,
  hardcodedSecret,
  plaintextPasswordOption,
  secretInEnvironment,
  committedSecretFile,
  worldReadableSecret,
  tlsOldProtocol,
  tlsWeakCipher,
  nginxAddSslWithoutForceSsl,
  acmeTermsAndContact,
  certificateExpiryRule,
  permittedInsecurePackages,
  allowInsecure,
  knownVulnerabilitiesOverride,
];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
