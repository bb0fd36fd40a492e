// The references rules cite most often, built one way: an option's entry in the NixOS option search,
// a section of the NixOS, Nixpkgs or Nix manual. A rule names the option or the section; the title
// and the address follow from it, so every rule words and links them alike.
import type { Reference } from "../types.js";

/**
 * The option's entry in the NixOS option search: "NixOS option <option>" (with ` (<note>)` when a
 * note is given). `query` searches for less than the full name (a prefix every instance shares).
 */
export function nixosOption(option: string, { note, query }: { note?: string; query?: string } = {}): Reference {
  return {
    title: `NixOS option ${option}${note ? ` (${note})` : ""}`,
    url: `https://search.nixos.org/options?query=${encodeURIComponent(query ?? option)}`,
  };
}

/** A section of the NixOS manual, by its title and its anchor (`sec-user-management`). */
export function nixosManual(title: string, anchor: string): Reference {
  return { title: `NixOS manual: ${title}`, url: `https://nixos.org/manual/nixos/stable/#${anchor}` };
}

/** A section of the Nixpkgs manual, by its title and its anchor (`chap-overlays`). */
export function nixpkgsManual(title: string, anchor: string): Reference {
  return { title: `Nixpkgs manual: ${title}`, url: `https://nixos.org/manual/nixpkgs/stable/#${anchor}` };
}

/** A page of the Nix manual, by its title and its place below the manual's root. */
export function nixManual(title: string, page: string): Reference {
  return { title: `Nix manual: ${title}`, url: `https://nix.dev/manual/nix/stable/${page}` };
}

/** A setting of nix.conf in the Nix manual (`conf-file.html#conf-<name>`). */
export function nixConfSetting(name: string, title: string = name): Reference {
  return nixManual(title, `command-ref/conf-file.html#conf-${name}`);
}
