{ lib, stdenv, fetchurl, makeWrapper, restic }:
let
  concat = a: b: lib.concatStrings [ a b ];
in
stdenv.mkDerivation rec {
  pname = "backup-tool";
  version = "1.2.0";
  src = fetchurl {
    url = "https://example.org/backup-tool-${version}.tar.gz";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };
  nativeBuildInputs = [ makeWrapper ];
  installPhase = ''
    mkdir -p $out/bin
    cp backup-tool $out/bin/
    wrapProgram $out/bin/backup-tool --prefix PATH : ${lib.makeBinPath [ restic ]}
  '';
  meta.description = concat "Back up " "the homelab";
}
