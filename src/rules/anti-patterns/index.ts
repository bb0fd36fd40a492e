// The anti-pattern rules, in catalogue order. Each reads its metadata from
// src/rules/anti-patterns.yaml (see catalogue.ts).
import type { Rule } from "../types.js";
import { importFromDerivation } from "./import-from-derivation.js";
import { installphaseWithoutRunhook } from "./installphase-without-runhook.js";
import { missingHomeStateVersion } from "./missing-home-stateversion.js";
import { missingNixGc } from "./missing-nix-gc.js";
import { mkifConstant } from "./mkif-constant.js";
import { mkoptionWithoutDescription } from "./mkoption-without-description.js";
import { nestedWith } from "./nested-with.js";
import { nixEnvInstallInScript } from "./nix-env-install-in-script.js";
import { readdirModuleDiscovery } from "./readdir-module-discovery.js";
import { rebuildUpgradeInScript } from "./rebuild-upgrade-in-script.js";
import { recLetShadow } from "./rec-let-shadow.js";
import { trivialWrapper } from "./trivial-wrapper.js";
import { typesStrMerge } from "./types-str-merge.js";
import { unquotedUrl } from "./unquoted-url.js";

export const ANTI_PATTERN_RULES: Rule[] = [
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
];
