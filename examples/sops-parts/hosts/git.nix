{ config, ... }:
{
  networking.hostName = "git";
  services.forgejo.enable = true;
  # Done right: the token is decrypted by sops-nix at activation, never copied into the store.
  sops.secrets.forgejo-runner-token.owner = "forgejo";
  services.gitea-actions-runner.instances.main.tokenFile = config.sops.secrets.forgejo-runner-token.path;
}
