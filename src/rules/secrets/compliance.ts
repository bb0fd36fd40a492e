// Shared references and compliance mappings of the secrets rules.
import type { Reference } from "../types.js";

export const AGENIX: Reference = { title: "agenix: age-encrypted secrets for NixOS", url: "https://github.com/ryantm/agenix" };
export const SOPS_NIX: Reference = { title: "sops-nix: atomic secret provisioning for NixOS", url: "https://github.com/Mic92/sops-nix" };
export const NIXOS_WIKI_SECRETS: Reference = { title: "NixOS Wiki: Comparison of secret managing schemes", url: "https://wiki.nixos.org/wiki/Comparison_of_secret_managing_schemes" };
export const NIX_STORE_READABLE: Reference = {
  title: "Nix manual: the Nix store is world-readable",
  url: "https://nix.dev/manual/nix/stable/store/",
};
export const SYSTEMD_CREDENTIALS: Reference = { title: "systemd: System and Service Credentials", url: "https://systemd.io/CREDENTIALS/" };

/** Secrets exposed to every local user (the store) and to whoever reads the repository. */
export const SECRETS_COMPLIANCE = {
  cis: ["6.1 System File Permissions"],
  nist: ["PR.AA-01", "PR.DS-01"],
};
