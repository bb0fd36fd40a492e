{ ... }:
{
  users.motd = "Welcome to the NAS.";
}
