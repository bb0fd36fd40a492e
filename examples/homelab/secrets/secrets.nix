# agenix recipients: public keys only, safe to commit.
let
  alice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVeXaMpLeKeYn0tAsEcReTjUsTaPuBlIcKeY alice@workstation";
  nas = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn4sHoStKeYfOrThEnAsBoXaBcDeFgHiJkLmNo root@nas";
in
{
  "restic.age".publicKeys = [ alice nas ];
  "smtp-password.age".publicKeys = [ alice nas ];
}
