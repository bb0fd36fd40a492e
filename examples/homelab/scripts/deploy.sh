#!/usr/bin/env bash
# Deploys every host. Run from the repository root.
set -euo pipefail

# Comment only, not a finding: never run `nix-env -i` on the hosts.
export CACHIX_AUTH_TOKEN="eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiI4ZjM1YjQxNi1hYzMzIn0.Q2hhbmdlTWVBbmRSb3RhdGVNZVBsZWFzZTEy"
STRIPE_KEY="sk_live_51HxT4kLm2Qw8Rt6Yu0Io9PaSdFgHjKlZx"

for host in nas workstation laptop; do
  nixos-rebuild switch --upgrade --flake ".#${host}" --target-host "root@${host}"
done
ssh root@nas nix-env -iA nixos.htop
