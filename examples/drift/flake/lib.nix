# Derivations standing in for nixpkgs packages: real derivations (they instantiate; nothing here
# is ever built by the drift check, which only needs their names and store paths).
let
  system = "x86_64-linux";
  drv = name: attrs: (builtins.derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  }) // attrs;
in rec {
  inherit drv;
  pkg = pname: version: drv "${pname}-${version}" { inherit pname version; };
  shell = pname: version: path: drv "${pname}-${version}" { inherit pname version; shellPath = path; };
  service = _description: wantedBy: serviceConfig: { enable = true; inherit wantedBy serviceConfig; };
}
