// A host guessed from a directory layout is usually judged as partial: its module list is what
// could be found, so a module not found may set what rules about defaults look for. One shape is
// complete by construction: a classic NixOS configuration outside any flake, `configuration.nix`
// beside its `hardware-configuration.nix` (what nixos-generate-config writes and nixos-rebuild
// reads), whose every import is a file of the repository or a module of nixpkgs, nixos-hardware or
// home-manager by search path (which set no option of the host's own services). Then the files
// found are the whole configuration and NixOS defaults apply (Xe/nixos-configs hosts/kahless:
// sshd on with password authentication left at its default, firewall off).
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { unparen } from "../nix/options.js";
import type { NixFileContext } from "../rules/types.js";

const KNOWN_SEARCH_PATHS = /^<(?:nixpkgs|nixos|nixos-hardware|home-manager)(?:\/[^>]*)?>$/;

/** Is every element of an `imports` value something whose content the scan has or knows? */
function importsKnown(value: SyntaxNode | undefined): boolean {
  const v = unparen(value);
  if (!v) return false;
  if (v.kind === K.NODE_LIST) return v.childNodes().every((el) => importKnown(el));
  // `[ ./a.nix ] ++ [ ./b.nix ]`
  if (v.kind === K.NODE_BIN_OP && v.text.includes("++")) return v.childNodes().every((c) => importsKnown(c));
  return false;
}

function importKnown(el: SyntaxNode): boolean {
  const n = unparen(el);
  if (!n) return false;
  // `<home-manager/nixos>`: a search path (a literal of its own to the parser).
  if (/^<[^<>\s]+>$/.test(n.text.trim())) return KNOWN_SEARCH_PATHS.test(n.text.trim());
  if (n.kind === K.NODE_PATH) {
    const t = n.text.trim();
    return !n.firstChild(K.NODE_INTERPOL) && (t.startsWith("./") || t.startsWith("../"));
  }
  // `"${modulesPath}/profiles/qemu-guest.nix"`: a module of nixpkgs.
  if (n.kind === K.NODE_STRING) return /^"\$\{\s*modulesPath\s*\}\//.test(n.text.trim());
  // `(modulesPath + "/installer/scan/not-detected.nix")`
  if (n.kind === K.NODE_BIN_OP) return /^modulesPath\s*\+\s*"/.test(n.text.trim());
  return false;
}

/** The host (declared by `hostFile`, outside any flake) is a complete classic configuration. */
export function completeClassicHost(hostFile: string, files: readonly NixFileContext[], inFlake: boolean): boolean {
  if (inFlake || posix.basename(hostFile) !== "configuration.nix") return false;
  const dir = posix.dirname(hostFile);
  if (!files.some((f) => f.file === posix.join(dir, "hardware-configuration.nix"))) return false;
  for (const f of files) {
    for (const b of f.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      if (path?.text.trim() !== "imports") continue;
      if (!importsKnown(value)) return false;
    }
  }
  return true;
}
