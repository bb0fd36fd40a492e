// What one file says about its users: `users.users.<name>` (and the legacy `users.extraUsers`)
// system/normal flags and groups, and `users.groups.<group>.members`. Rules about a user's
// password or groups judge it with what the same file declares (a user is nearly always declared
// in one place).
import { staticValue } from "../../nix/values.js";
import type { OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "../../nix/read.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext } from "../types.js";

export interface UserFacts {
  name: string;
  systemUser?: boolean;
  normalUser?: boolean;
  /** extraGroups, the primary group, and groups listing the user as a member. */
  groups: Set<string>;
}

/** Every option of `users.users.<name>` that gives the account a password. */
export const PASSWORD_OPTION_NAMES: readonly string[] = ["password", "hashedPassword", "initialPassword", "initialHashedPassword", "passwordFile", "hashedPasswordFile"];

/** `users.users.<name>.<rest>` or `users.extraUsers.<name>.<rest>`: the user and the rest. */
export function userOption(def: OptionDefinition): { user: string; rest: string[] } | undefined {
  const s = def.segments;
  if (s.length < 4 || s[0]!.name !== "users" || (s[1]!.name !== "users" && s[1]!.name !== "extraUsers")) return undefined;
  return { user: s[2]!.name, rest: s.slice(3).map((x) => x.name) };
}

export function usersIn(ctx: NixFileContext): Map<string, UserFacts> {
  const users = new Map<string, UserFacts>();
  const get = (name: string) => {
    let u = users.get(name);
    if (!u) users.set(name, (u = { name, groups: new Set() }));
    return u;
  };
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    const u = userOption(def);
    if (u && u.rest.length === 1) {
      const v = staticValue(def.inner);
      const facts = get(u.user);
      if (u.rest[0] === "isSystemUser" && typeof v === "boolean") facts.systemUser = v;
      if (u.rest[0] === "isNormalUser" && typeof v === "boolean") facts.normalUser = v;
      if (u.rest[0] === "extraGroups") for (const g of listedStrings(def.inner)) facts.groups.add(g);
      if (u.rest[0] === "group" && typeof v === "string") facts.groups.add(v);
    }
    const s = def.segments;
    if (s.length === 4 && s[0]!.name === "users" && (s[1]!.name === "groups" || s[1]!.name === "extraGroups") && s[3]!.name === "members") {
      const v = staticValue(def.inner);
      if (Array.isArray(v)) for (const m of v) if (typeof m === "string") get(m).groups.add(s[2]!.name);
    }
  }
  return users;
}

/** The literal strings of a list, also of the literal lists in a `++` concatenation
 * (`[ "wheel" ] ++ ifTheyExist [ "docker" ]`: "wheel" is there whatever the call returns; the
 * call's argument is not, since the function may filter it). */
function listedStrings(node: SyntaxNode | undefined): string[] {
  const n = unparen(node);
  if (!n) return [];
  if (n.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_CONCAT) return n.childNodes().flatMap((c) => listedStrings(c));
  const v = staticValue(n);
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === "string") : [];
}

/** An administrator: root, or a member of wheel. */
export function isAdmin(facts: UserFacts | undefined, name: string): boolean {
  return name === "root" || !!facts?.groups.has("wheel");
}
