// The rule registry: every rule nix-warden runs, in one list. Each rule lives in its own module
// (`src/rules/<family>/<rule-id>.ts`) with its metadata and examples beside its check.
// (one rule or a small family per file) with its metadata beside its check.
import { buildToolsInBuildInputs } from "./anti-patterns/build-tools-in-buildinputs.js";
import { letSelfReference } from "./anti-patterns/let-self-reference.js";
import { mkforceHabit } from "./anti-patterns/mkforce-habit.js";
import { mkforceOverOwnDefinition } from "./anti-patterns/mkforce-over-own-definition.js";
import { mkifTrivial } from "./anti-patterns/mkif-trivial.js";
import { nixpkgsReinstantiatedInModule } from "./anti-patterns/nixpkgs-reinstantiated-in-module.js";
import { overrideDerivationAttrs } from "./anti-patterns/override-derivation-attrs.js";
import { packageWithoutMeta } from "./anti-patterns/package-without-meta.js";
import { templateFunctionVariants } from "./anti-patterns/template-function-variants.js";
import { appAuthDisabled } from "./access/app-auth-disabled.js";
import { grafanaDefaultAdmin } from "./access/grafana-default-admin.js";
import { polkitWheelAllowAll } from "./access/polkit-wheel-allow-all.js";
import { databaseTrustAuth } from "./access/database-trust-auth.js";
import { exporterRunsAsSuperuser } from "./access/exporter-runs-as-superuser.js";
import { nfsNoRootSquash } from "./access/nfs-no-root-squash.js";
import { nfsExportToEveryone } from "./access/nfs-export-to-everyone.js";
import { worldWritablePath } from "./access/world-writable-path.js";
import { nixSandboxDisabled } from "./access/nix-sandbox-disabled.js";
import { nixUnsafeEvaluation } from "./access/nix-unsafe-evaluation.js";
import { nixAcceptFlakeConfig } from "./access/nix-accept-flake-config.js";
import { autoUpgradeRemoteFlake } from "./access/auto-upgrade-remote-flake.js";
import { browserSandboxDisabled } from "./access/browser-sandbox-disabled.js";
import { nixTrustedUsers } from "./access/nix-trusted-users.js";
import { insecureBinaryCache } from "./access/insecure-binary-cache.js";
import { rootEquivalentGroup } from "./access/root-equivalent-group.js";
import { sshKeyboardInteractive } from "./access/ssh-keyboard-interactive.js";
import { sshPasswordAuthentication } from "./access/ssh-password-authentication.js";
import { sshPermitRootLogin } from "./access/ssh-permit-root-login.js";
import { sudoNopasswd } from "./access/sudo-nopasswd.js";
import { sudoCredentialCache } from "./access/sudo-credential-cache.js";
import { dockerSocketExposed } from "./access/docker-socket-exposed.js";
import { containerExposedUnauthenticated } from "./access/container-exposed-unauthenticated.js";
import { ciRunnerPrivileged } from "./access/ci-runner-privileged.js";
import { sambaGuestWritable } from "./access/samba-guest-writable.js";
import { sambaLegacyProtocol } from "./access/samba-legacy-protocol.js";
import { consoleAutologinRoot } from "./access/console-autologin-root.js";
import { bluetoothUnauthenticatedPairing } from "./access/bluetooth-unauthenticated-pairing.js";
import { ftpAnonymousAccess } from "./access/ftp-anonymous-access.js";
import { pamNullPassword } from "./access/pam-null-password.js";
import { kubernetesAnonymousAccess } from "./access/kubernetes-anonymous-access.js";
import { sshAgentForwardingSudo } from "./access/ssh-agent-forwarding-sudo.js";
import { sshGatewayPorts } from "./access/ssh-gateway-ports.js";
import { sshHostKeyCheckingDisabled } from "./access/ssh-host-key-checking-disabled.js";
import { userPlaintextPassword } from "./access/user-plaintext-password.js";
import { firewallDisabled } from "./firewall/firewall-disabled.js";
import { openProxy } from "./firewall/open-proxy.js";
import { firewallRawRuleset } from "./firewall/firewall-raw-ruleset.js";
import { firewallSensitivePort } from "./firewall/firewall-sensitive-port.js";
import { firewallTrustedPhysicalInterface } from "./firewall/firewall-trusted-physical-interface.js";
import { firewallWidePortRange } from "./firewall/firewall-wide-port-range.js";
import { resolvedLlmnrExposed } from "./firewall/resolved-llmnr-exposed.js";
import { openFirewallUnauthenticated } from "./firewall/open-firewall-unauthenticated.js";
import { postgresqlNetworkExposed } from "./firewall/postgresql-network-exposed.js";
import { committedSecretFile } from "./secrets/committed-secret-file.js";
import { committedPasswordHash } from "./secrets/committed-password-hash.js";
import { hardcodedSecret } from "./secrets/hardcoded-secret.js";
import { plaintextPasswordOption } from "./secrets/plaintext-password-option.js";
import { secretInEnvironment } from "./secrets/secret-in-environment.js";
import { secretInConfigText } from "./secrets/secret-in-config-text.js";
import { secretOnCommandLine } from "./secrets/secret-on-command-line.js";
import { secretInTmp } from "./secrets/secret-in-tmp.js";
import { secretInNixStore } from "./secrets/secret-in-nix-store.js";
import { sandboxSecretExposure } from "./secrets/sandbox-secret-exposure.js";
import { worldReadableSecret } from "./secrets/world-readable-secret.js";
import { kernelMitigationsDisabled } from "./kernel/kernel-mitigations-disabled.js";
import { kernelSysctlWeakened } from "./kernel/kernel-sysctl-weakened.js";
import { serviceHardening } from "./service-hardening/systemd-service-exposure.js";
import { acmeTermsAndContact } from "./tls/acme-terms-and-contact.js";
import { certificateExpiryRule } from "./tls/certificate-expiry.js";
import { nginxAddSslWithoutForceSsl } from "./tls/nginx-addssl-without-forcessl.js";
import { tlsVerificationDisabled } from "./tls/tls-verification-disabled.js";
import { tlsOldProtocol } from "./tls/tls-old-protocol.js";
import { tlsWeakCipher } from "./tls/tls-weak-cipher.js";
import { allowInsecure } from "./vulnerability/allow-insecure.js";
import { knownVulnerabilitiesOverride } from "./vulnerability/known-vulnerabilities-override.js";
import { permittedInsecurePackages } from "./vulnerability/permitted-insecure-packages.js";
import { boolComparison } from "./style/bool-comparison.js";
import { boolSimplification } from "./style/bool-simplification.js";
import { collapsibleLetIn } from "./style/collapsible-let-in.js";
import { emptyInherit } from "./style/empty-inherit.js";
import { emptyLetIn } from "./style/empty-let-in.js";
import { etaReduction } from "./style/eta-reduction.js";
import { legacyLetSyntax } from "./style/legacy-let-syntax.js";
import { manualInherit } from "./style/manual-inherit.js";
import { manualInheritFrom } from "./style/manual-inherit-from.js";
import { uselessParens } from "./style/useless-parens.js";
import { deprecatedIsNull } from "./style/deprecated-is-null.js";
import { deprecatedToPath } from "./style/deprecated-to-path.js";
import { emptyListConcat } from "./style/empty-list-concat.js";
import { emptyPattern } from "./style/empty-pattern.js";
import { fasterGroupBy } from "./style/faster-groupby.js";
import { fasterZipAttrsWith } from "./style/faster-zipattrswith.js";
import { redundantPatternBind } from "./style/redundant-pattern-bind.js";
import { repeatedKeys } from "./style/repeated-keys.js";
import { unquotedSplice } from "./style/unquoted-splice.js";
import { uselessHasAttr } from "./style/useless-has-attr.js";
import { importFromDerivation } from "./anti-patterns/import-from-derivation.js";
import { installphaseWithoutRunhook } from "./anti-patterns/installphase-without-runhook.js";
import { missingHomeStateVersion } from "./anti-patterns/missing-home-stateversion.js";
import { missingNixGc } from "./anti-patterns/missing-nix-gc.js";
import { mkifConstant } from "./anti-patterns/mkif-constant.js";
import { mkoptionWithoutDescription } from "./anti-patterns/mkoption-without-description.js";
import { nestedWith } from "./anti-patterns/nested-with.js";
import { nixEnvInstallInScript } from "./anti-patterns/nix-env-install-in-script.js";
import { readdirModuleDiscovery } from "./anti-patterns/readdir-module-discovery.js";
import { rebuildUpgradeInScript } from "./anti-patterns/rebuild-upgrade-in-script.js";
import { recLetShadow } from "./anti-patterns/rec-let-shadow.js";
import { trivialWrapper } from "./anti-patterns/trivial-wrapper.js";
import { typesStrMerge } from "./anti-patterns/types-str-merge.js";
import { unquotedUrl } from "./anti-patterns/unquoted-url.js";
import { configOptionsConfusion } from "./anti-patterns/config-options-confusion.js";
import { duplicatedHostBlock } from "./anti-patterns/duplicated-host-block.js";
import { monolithicConfiguration } from "./anti-patterns/monolithic-configuration.js";
import { packageManagedTwice } from "./anti-patterns/package-managed-twice.js";
import { userPackagesInSystem } from "./anti-patterns/user-packages-in-system.js";
import type { Rule } from "./types.js";

export const ALL_RULES: Rule[] = [
  serviceHardening,
  // firewall
  firewallDisabled,
  openProxy,
  firewallWidePortRange,
  firewallSensitivePort,
  firewallTrustedPhysicalInterface,
  resolvedLlmnrExposed,
  openFirewallUnauthenticated,
  postgresqlNetworkExposed,
  firewallRawRuleset,
  // access
  sshPermitRootLogin,
  sshPasswordAuthentication,
  sshKeyboardInteractive,
  sudoNopasswd,
  sudoCredentialCache,
  userPlaintextPassword,
  rootEquivalentGroup,
  nixTrustedUsers,
  nixSandboxDisabled,
  nixUnsafeEvaluation,
  nixAcceptFlakeConfig,
  autoUpgradeRemoteFlake,
  browserSandboxDisabled,
  insecureBinaryCache,
  databaseTrustAuth,
  exporterRunsAsSuperuser,
  nfsNoRootSquash,
  nfsExportToEveryone,
  worldWritablePath,
  appAuthDisabled,
  grafanaDefaultAdmin,
  polkitWheelAllowAll,
  dockerSocketExposed,
  containerExposedUnauthenticated,
  ciRunnerPrivileged,
  sambaGuestWritable,
  sambaLegacyProtocol,
  consoleAutologinRoot,
  bluetoothUnauthenticatedPairing,
  ftpAnonymousAccess,
  pamNullPassword,
  kubernetesAnonymousAccess,
  sshAgentForwardingSudo,
  sshGatewayPorts,
  sshHostKeyCheckingDisabled,
  // kernel and boot
  kernelMitigationsDisabled,
  kernelSysctlWeakened,
  // secrets
  secretInNixStore,
  sandboxSecretExposure,
  hardcodedSecret,
  plaintextPasswordOption,
  secretInEnvironment,
  committedSecretFile,
  worldReadableSecret,
  secretOnCommandLine,
  secretInTmp,
  secretInConfigText,
  committedPasswordHash,
  // tls
  tlsOldProtocol,
  tlsWeakCipher,
  nginxAddSslWithoutForceSsl,
  acmeTermsAndContact,
  certificateExpiryRule,
  tlsVerificationDisabled,
  // vulnerability signals
  permittedInsecurePackages,
  allowInsecure,
  knownVulnerabilitiesOverride,
  // anti-patterns
  mkifConstant,
  nestedWith,
  recLetShadow,
  unquotedUrl,
  importFromDerivation,
  readdirModuleDiscovery,
  nixEnvInstallInScript,
  rebuildUpgradeInScript,
  mkoptionWithoutDescription,
  typesStrMerge,
  missingNixGc,
  missingHomeStateVersion,
  trivialWrapper,
  installphaseWithoutRunhook,
  configOptionsConfusion,
  monolithicConfiguration,
  duplicatedHostBlock,
  packageManagedTwice,
  userPackagesInSystem,
  letSelfReference,
  mkifTrivial,
  buildToolsInBuildInputs,
  overrideDerivationAttrs,
  packageWithoutMeta,
  nixpkgsReinstantiatedInModule,
  mkforceHabit,
  mkforceOverOwnDefinition,
  templateFunctionVariants,
  // style lints (statix's checks; group "style", off with `style: false` in .nix-warden.yaml)
  boolComparison,
  boolSimplification,
  emptyLetIn,
  collapsibleLetIn,
  legacyLetSyntax,
  manualInherit,
  manualInheritFrom,
  emptyInherit,
  etaReduction,
  uselessParens,
  unquotedSplice,
  emptyPattern,
  redundantPatternBind,
  deprecatedIsNull,
  deprecatedToPath,
  fasterGroupBy,
  fasterZipAttrsWith,
  uselessHasAttr,
  repeatedKeys,
  emptyListConcat,
];

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
