# npmDepsHash of package-lock.json for buildNpmPackage (nix/package.nix). Recompute it with
# scripts/update-npm-deps-hash.sh after package-lock.json changes; CI checks it is current.
# PLACEHOLDER: this value was written on a machine without nixpkgs (prefetch-npm-deps could not
# run), so it is not the real hash yet: run the script once where Nix can fetch nixpkgs.
"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
