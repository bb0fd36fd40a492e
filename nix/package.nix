# nix-warden built from this repository with nixpkgs' buildNpmPackage. The npm dependencies come
# from package-lock.json through importNpmLock: each package is a fixed-output fetch pinned by the
# lock's own `integrity`, so there is no npmDepsHash to keep current when the lock changes.
{ lib, buildNpmPackage, importNpmLock, nodejs_20, systemd, nix, git, makeWrapper }:
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
  npmDeps = importNpmLock {
    npmRoot = ../.;
    # The lock with each package's registry URL filled in (./npm-lock.nix says why).
    packageLock = import ./npm-lock.nix { lockFile = ../package-lock.json; };
  };
  npmConfigHook = importNpmLock.npmConfigHook;

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
