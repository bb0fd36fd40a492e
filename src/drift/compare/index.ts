// All comparisons: declared state and actual state in, drift items out. Pure: no I/O.
import type { DeclaredState } from "../declared/schema.js";
import type { ActualState } from "../probes/index.js";
import type { DriftItemX } from "../model.js";
import type { CompareContext } from "./common.js";
import { compareConfigs } from "./configs.js";
import { compareFiles } from "./files.js";
import { compareFirewall } from "./firewall.js";
import { compareGenerations } from "./generations.js";
import { compareGit } from "./git.js";
import { compareMounts } from "./mounts.js";
import { compareNetwork } from "./network.js";
import { comparePackages } from "./packages.js";
import { compareServices } from "./services.js";
import { compareSysctl } from "./sysctl.js";
import { compareUsers } from "./users.js";

export function compareAll(declared: DeclaredState, actual: ActualState, ctx: CompareContext): DriftItemX[] {
  const items: DriftItemX[] = [];
  if (actual.packages) items.push(...comparePackages(declared, actual.packages, ctx));
  if (actual.services) items.push(...compareServices(declared, actual.services, ctx));
  if (actual.users) items.push(...compareUsers(declared, actual.users, ctx));
  if (actual.files) items.push(...compareFiles(declared, actual.files, ctx));
  if (actual.network) items.push(...compareNetwork(declared, actual.network, ctx, { firewall: actual.firewall, generatedUnits: actual.services?.generatedUnits }));
  if (actual.firewall) items.push(...compareFirewall(declared, actual.firewall, ctx));
  if (actual.sysctl) items.push(...compareSysctl(declared, actual.sysctl, ctx));
  if (actual.mounts) items.push(...compareMounts(declared, actual.mounts, ctx));
  if (actual.generations) items.push(...compareGenerations(declared, actual.generations, ctx));
  if (actual.configs) items.push(...compareConfigs(actual.configs, ctx));
  if (actual.git) items.push(...compareGit(declared, actual.git, ctx, actual.generations));
  return items;
}

export type { CompareContext } from "./common.js";
