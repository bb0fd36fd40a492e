// Packages installed imperatively (nix-env / nix profile). Nothing in a profile is declared by the
// NixOS configuration, so every entry is drift; one the configuration also declares (for the same
// user or system-wide) is a shadowing duplicate and weighs less.
import type { DeclaredState } from "../declared/schema.js";
import { nixAttr } from "../declared/flake-ref.js";
import { parseDrvName } from "../parse/drv-name.js";
import type { PackagesFacts, ProfileFacts, ProfilePackage } from "../probes/packages.js";
import type { DriftItemX } from "../model.js";
import { adopt, item, optionPath, revert, shGuard, type CompareContext } from "./common.js";

/** Profiles filled by tools that declare their own contents (home-manager's standalone mode). */
const DECLARED_ELSEWHERE = new Set(["home-manager-path"]);

export function comparePackages(declared: DeclaredState, actual: PackagesFacts, _ctx: CompareContext): DriftItemX[] {
  const systemWide = new Set(declared.systemPackages.map(pnameOf));
  const items: DriftItemX[] = [];
  for (const profile of actual.profiles) {
    const ownerUser = profile.owner === "*" ? undefined : Object.values(declared.users).find((u) => u.name === profile.owner);
    const forOwner = new Set((ownerUser?.packages ?? []).map(pnameOf));
    for (const pkg of profile.packages) {
      if (DECLARED_ELSEWHERE.has(pkg.pname)) continue;
      const duplicate = systemWide.has(pkg.pname) || forOwner.has(pkg.pname);
      const since = installedSince(profile, pkg);
      const where = profile.owner === "*" ? "the system-wide default profile" : `${profile.owner}'s profile`;
      items.push(
        item({
          category: "package",
          subject: pkg.name,
          key: `${profile.path}\0${pkg.name}`,
          severity: duplicate ? "medium" : "high",
          declared: duplicate ? { declaredAs: systemWide.has(pkg.pname) ? "environment.systemPackages" : optionPath("users", "users", profile.owner, "packages") } : null,
          actual: { profile: profile.path, owner: profile.owner, format: profile.format, name: pkg.name, version: pkg.version, storePaths: pkg.storePaths, ...(pkg.attrPath ? { attrPath: pkg.attrPath } : {}), ...(since ? { generation: since.number } : {}) },
          evidence:
            `${pkg.name} is installed imperatively in ${where} ${profile.path} (${profile.format === "nix-env" ? "nix-env" : "nix profile"}, generation ${profile.currentGeneration ?? "?"})` +
            (pkg.storePaths[0] ? `: ${pkg.storePaths[0]}` : "") +
            (duplicate ? `; the configuration also declares ${pkg.pname}, so this copy shadows the declared one in PATH` : "; the configuration does not declare it"),
          cause: since
            ? { description: `installed into ${profile.path} by generation ${since.number}`, when: since.createdAt, source: `profile generation ${profile.path}-${since.number}-link` }
            : undefined,
          remediation: [removeOption(profile, pkg), adoptOption(profile, pkg)],
        }),
      );
    }
  }
  return items;
}

function pnameOf(p: { name: string | null; pname: string | null }): string {
  return p.pname ?? (p.name ? parseDrvName(p.name).pname : "");
}

/** The oldest generation of the unbroken run, ending at the current one, that holds the package. */
function installedSince(profile: ProfileFacts, pkg: ProfilePackage): { number: number; createdAt?: string } | undefined {
  const gens = profile.generations;
  let idx = gens.findIndex((g) => g.number === profile.currentGeneration);
  if (idx < 0) idx = gens.length - 1;
  let since: { number: number; createdAt?: string } | undefined;
  for (let i = idx; i >= 0; i--) {
    const g = gens[i];
    if (!g || !g.packages.some((p) => p.name === pkg.name)) break;
    since = { number: g.number, createdAt: g.createdAt };
  }
  return since;
}

function asOwner(profile: ProfileFacts, command: string[]): string[] {
  // Run as the profile's owner so new generation links keep their ownership.
  return profile.owner === "*" || profile.owner === "root" ? command : ["runuser", "-u", profile.owner, "--", ...command];
}

function removeOption(profile: ProfileFacts, pkg: ProfilePackage) {
  if (profile.format === "nix-profile") {
    const element = pkg.storePaths[0] ?? pkg.element ?? pkg.name;
    return revert(
      "auto",
      `Remove ${pkg.name} from ${profile.path} (nix profile remove; the previous generation stays available for rollback).`,
      [asOwner(profile, ["nix", "--extra-experimental-features", "nix-command flakes", "profile", "remove", "--profile", profile.path, "--", element])],
      shGuard('nix --extra-experimental-features "nix-command flakes" profile list --profile "$1" | grep -qF -- "$2"', profile.path, element),
    );
  }
  // nix-env (2.x) reads every argument starting with `-` as a flag, even after `--`: a package
  // named like `--store=…` cannot be passed to it safely, so it is left to be removed by hand.
  if (pkg.name.startsWith("-")) return revert("manual", `Uninstall ${pkg.name} from ${profile.path} by hand: nix-env cannot be given a name that starts with "-".`);
  return revert(
    "auto",
    `Uninstall ${pkg.name} from ${profile.path} (nix-env -e; the previous generation stays available for rollback).`,
    [asOwner(profile, ["nix-env", "-p", profile.path, "-e", pkg.name])],
    ["nix-env", "-p", profile.path, "-q", pkg.name],
  );
}

function adoptOption(profile: ProfileFacts, pkg: ProfilePackage) {
  // nix profile records the attribute path; nix-env does not, so the pname is the best guess.
  const attr = pkg.attrPath ? (pkg.attrPath.split(".").pop() as string) : pkg.pname;
  const guessed = !pkg.attrPath;
  const userScoped = profile.owner !== "*" && profile.owner !== "root";
  const path = userScoped ? optionPath("users", "users", profile.owner, "packages") : "environment.systemPackages";
  return adopt(
    path,
    `${path} = [ pkgs.${nixAttr(attr)} ];`,
    `Declare it${userScoped ? ` for ${profile.owner}` : " system-wide"}, rebuild, then remove the imperative copy.` +
      (guessed ? ` The attribute pkgs.${attr} is inferred from the package name (nix-env does not record it): check it exists.` : ""),
  );
}
