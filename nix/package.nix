# nix-warden built from this repository with nixpkgs' buildNpmPackage. npmDepsHash pins the npm
# dependencies of package-lock.json: scripts/update-npm-deps-hash.sh recomputes it after the lock
# file changes, and CI checks that it is current.
{ lib, buildNpmPackage, nodejs_20, systemd, nix, git, makeWrapper }:
buildNpmPackage {
  pname = "nix-warden";
  version = (builtins.fromJSON (builtins.readFile ../package.json)).version;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../tsconfig.build.json
      ../src
      ../scripts
      ../bench
      ../prompts
      ../agent-definitions
      ../examples
      ../docs
    ];
  };

  nodejs = nodejs_20;
  npmDepsHash = import ./npm-deps-hash.nix;

  nativeBuildInputs = [ makeWrapper ];
  # `npm run build` (tsc and the generated data), as package.json's prepare script does.
  npmBuildScript = "build";
  # The tests need Nix, systemd and sshd: `nix flake check` runs them in the VM test instead.
  doCheck = false;

  postInstall = ''
    # systemd-analyze (the exposure scorer's ground truth), nix and git on PATH for the CLI.
    wrapProgram $out/bin/nix-warden --suffix PATH : ${lib.makeBinPath [ systemd nix git ]}
  '';

  meta = {
    description = "Security scanning, drift detection and safe remediation for NixOS flake repositories";
    license = lib.licenses.mit;
    mainProgram = "nix-warden";
    platforms = lib.platforms.linux;
  };
}
