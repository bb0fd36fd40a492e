# VM test: relaxed settings are fine inside a throwaway VM.
{ pkgs }:
pkgs.testers.runNixOSTest {
  name = "web";
  nodes.server = { ... }: {
    services.openssh.enable = true;
    services.openssh.settings.PermitRootLogin = "yes";
    networking.firewall.enable = false;
    users.users.root.password = "test";
    services.nginx.enable = true;
  };
  testScript = ''
    server.wait_for_unit("nginx.service")
  '';
}
