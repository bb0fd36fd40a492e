#!/usr/bin/env bash
# Recomputes npmDepsHash (nix/npm-deps-hash.nix, used by nix/package.nix's buildNpmPackage) from
# package-lock.json with nixpkgs' prefetch-npm-deps. Run it after package-lock.json changes.
#
#   scripts/update-npm-deps-hash.sh           write the current hash into nix/npm-deps-hash.nix
#   scripts/update-npm-deps-hash.sh --check   exit 1 when the recorded hash is not current (CI)
#
# prefetch-npm-deps comes with `nix develop` (the flake's devShell) or
# `nix shell nixpkgs#prefetch-npm-deps`; it downloads the dependencies from the npm registry.
# Exit 2: prefetch-npm-deps is not available (nothing was checked).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="update"
case "${1:-}" in
  --check) mode="check" ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 64 ;;
esac

if ! command -v prefetch-npm-deps >/dev/null 2>&1; then
  echo "update-npm-deps-hash: prefetch-npm-deps (from nixpkgs) is not installed; run this inside \`nix develop\`" >&2
  exit 2
fi

current="$(prefetch-npm-deps package-lock.json 2>/dev/null | tail -n 1)"
case "$current" in
  sha256-*) ;;
  *) echo "update-npm-deps-hash: prefetch-npm-deps gave no hash" >&2; exit 1 ;;
esac
recorded="$(grep -o '"sha256-[^"]*"' nix/npm-deps-hash.nix | tr -d '"')"

if [ "$mode" = "check" ]; then
  if [ "$current" != "$recorded" ]; then
    echo "update-npm-deps-hash: nix/npm-deps-hash.nix has $recorded, package-lock.json needs $current: run scripts/update-npm-deps-hash.sh" >&2
    exit 1
  fi
  echo "npmDepsHash is current ($current)"
  exit 0
fi

if [ "$current" = "$recorded" ]; then
  echo "npmDepsHash is already current ($current)"
  exit 0
fi
tmp="$(mktemp nix/npm-deps-hash.nix.XXXXXX)"
{
  echo "# npmDepsHash of package-lock.json for buildNpmPackage (nix/package.nix). Recompute it with"
  echo "# scripts/update-npm-deps-hash.sh after package-lock.json changes; CI checks it is current."
  echo "\"$current\""
} > "$tmp"
mv "$tmp" nix/npm-deps-hash.nix
echo "npmDepsHash updated: $current"
