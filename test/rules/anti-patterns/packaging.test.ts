// trivial-wrapper and installphase-without-runhook: Nix code as code (functions, packages).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, lineOf, nixEval, scanWith } from "./helpers.js";

const WRAP = "trivial-wrapper";
const HOOK = "installphase-without-runhook";

const LIB = `{ lib, myLib }:
let
  upper = s: lib.toUpper s;
  concat = a: b: lib.concatStrings [ a b ];
  join = lib.concatStringsSep ", ";
  sepBy = sep: xs: lib.concatStringsSep sep xs;
  prefixed = s: lib.concatStrings [ "x-" s ];
  twice = s: lib.concatStrings [ s s ];
  flipped = a: b: lib.concatStringsSep b a;
  mine = x: myLib.f x;
  base = p: builtins.baseNameOf p;
  # upper2 = s: lib.toUpper s;
  doc = "f = x: lib.g x;";
in
{
  out = [ (upper (concat "a" "b")) join sepBy prefixed twice flipped mine base doc ];
  apply = x: lib.toLower x;
  mapped = map (x: lib.toUpper x) [ "a" ];
  lower = s: lib.toLower s;
  helpers.lower2 = s: lib.toLower s;
}
`;

describe(WRAP, () => {
  it("reports named functions that only forward to lib/builtins, not ones that add something", async () => {
    const report = await scanWith(WRAP, { "lib.nix": LIB });
    expect(sites(report, WRAP)).toEqual(["upper =", "concat =", "sepBy =", "base =", "  lower ="].map((n) => `lib.nix:${lineOf(LIB, n)}`));
    const [upper, concat] = findingsOf(report, WRAP);
    expect(upper).toMatchObject({ severity: "info", column: 3, fix: { safety: "auto" } });
    expect(upper!.message).toContain("it is `lib.toUpper` under another name");
    expect(concat!.message).toContain("only collects its arguments into the list lib.concatStrings takes");
    expect(concat!.fix).toMatchObject({ safety: "manual" });
  });

  it.skipIf(!nixAvailable)("replaces an eta-expanded wrapper by the function itself: same results in Nix", async () => {
    const text = `let\n  base = p: builtins.baseNameOf p;\nin\n[ (base "/a/b.nix") (base "c") ]\n`;
    const report = await scanWith(WRAP, { "x.nix": text });
    const patched = await applyFix({ "x.nix": text }, findingsOf(report, WRAP)[0]);
    expect(patched["x.nix"]).toContain("  base = builtins.baseNameOf;\n");
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-wrap-"));
    try {
      await writeFile(join(dir, "before.nix"), text);
      await writeFile(join(dir, "after.nix"), patched["x.nix"]!);
      expect(nixEval("import ./after.nix", dir)).toEqual(nixEval("import ./before.nix", dir));
      expect(nixEval("import ./after.nix", dir)).toEqual(["b.nix", "c"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const PKGS = `{ stdenv, python3Packages, lib }:
{
  a = stdenv.mkDerivation {
    pname = "a"; version = "1"; src = ./.;
    installPhase = ''
      mkdir -p $out
      cp a $out/
    '';
  };
  b = stdenv.mkDerivation (finalAttrs: {
    pname = "b"; version = "1"; src = ./.;
    buildPhase = ''
      runHook preBuild
      make
    '';
    installPhase = ''
      runHook preInstall
      # runHook postInstall
      cp x $out
    '';
  });
  c = python3Packages.buildPythonApplication rec {
    pname = "c"; version = "1"; src = ./.;
    installPhase = "install -Dm755 c.py $out/bin/c";
  };
  d = stdenv.mkDerivation {
    pname = "d"; version = "1"; src = ./.;
    installPhase = ''
      runHook preInstall
      cp -r . $out
      runHook postInstall
    '';
    postInstall = "echo done";
    checkPhase = ":";
    configurePhase = lib.optionalString true "echo";
  };
  e = { installPhase = "cp x $out"; };
  f = stdenv.mkDerivation {
    pname = "f"; version = "1"; src = ./.;
    installPhase = "echo 'runHook preInstall' && runHook postInstall";
  };
  g = stdenv.mkDerivation {
    name = "only-creates-its-output"; dontUnpack = true;
    installPhase = "mkdir -p $out";
  };
  h = stdenv.mkDerivation {
    name = "inline-helpers";
    buildInputs = [ (stdenv.mkDerivation { name = "x"; installPhase = "cp x $out"; }) ];
    src = stdenv.mkDerivation { name = "src"; installPhase = "cp -r . $out"; outputHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; outputHashMode = "recursive"; };
    chart = stdenv.mkDerivation { name = "chart"; phases = [ "installPhase" ]; installPhase = "mkdir $out; cp -r x/* $out"; };
  };
}
`;

describe(HOOK, () => {
  it("reports overridden phases without their runHook calls (comments and quoted text do not count)", async () => {
    const report = await scanWith(HOOK, { "pkgs.nix": PKGS });
    // g only creates its output; h's helpers are inline (a list element, a fixed-output src, one
    // that names the only phase it runs): nobody can hook into them.
    // One finding per derivation: b's buildPhase and installPhase are one finding, at the first.
    expect(sites(report, HOOK)).toEqual([5, 12, 24, lineOf(PKGS, "echo 'runHook")].map((l) => `pkgs.nix:${l}`));
    const [a, b, c, f] = findingsOf(report, HOOK);
    // Plain copies into $out: nothing hooks into these phases today (maintenance, info).
    expect(a).toMatchObject({ severity: "info", column: 5, fix: { safety: "review" } });
    expect(a!.message).toContain("installPhase (`runHook preInstall`, `runHook postInstall`) of this mkDerivation call replaces the standard phase without running its hooks");
    expect(a!.message).toContain("Maintenance, not security");
    expect(b!.message).toContain("buildPhase (`runHook postBuild`) and installPhase (`runHook postInstall`) of this mkDerivation call replace the standard phases");
    expect(b!.fix!.description).toBe("buildPhase: start it with `runHook preBuild` and end it with `runHook postBuild`; installPhase: start it with `runHook preInstall` and end it with `runHook postInstall`.");
    expect(c!.message).toContain("buildPythonApplication");
    expect(c).toMatchObject({ severity: "info", fix: { safety: "manual" } });
    expect(f!.message).toContain("installPhase (`runHook preInstall`)");
  });

  it("is low where the builder's setup hooks work in the skipped hook (cargo, npm, python, autoPatchelf), info elsewhere", async () => {
    const RUST = `{ rustPlatform, buildNpmPackage, python3Packages, stdenv, autoPatchelfHook, buildGoModule }:
{
  rust = rustPlatform.buildRustPackage {
    pname = "r"; version = "1"; src = ./.; cargoHash = "";
    patchPhase = "substituteInPlace src/main.rs --replace-fail /usr/bin/ip ip";
    installPhase = "install -Dm755 target/r $out/bin/r";
  };
  npm = buildNpmPackage {
    pname = "n"; version = "1"; src = ./.; npmDepsHash = "";
    patchPhase = "sed -i s/a/b/ package.json";
  };
  py = python3Packages.buildPythonApplication {
    pname = "p"; version = "1"; src = ./.;
    fixupPhase = "chmod +x $out/bin/p";
  };
  bin = stdenv.mkDerivation {
    pname = "b"; version = "1"; src = ./.;
    nativeBuildInputs = [ autoPatchelfHook ];
    fixupPhase = "strip $out/bin/b";
  };
  # Look-alikes: the same phases where no setup hook works in them.
  go = buildGoModule {
    pname = "g"; version = "1"; src = ./.; vendorHash = null;
    patchPhase = "sed -i s/a/b/ main.go";
  };
  rustInstall = rustPlatform.buildRustPackage {
    pname = "r2"; version = "1"; src = ./.; cargoHash = "";
    installPhase = "install -Dm755 target/r2 $out/bin/r2";
  };
  plain = stdenv.mkDerivation {
    pname = "c"; version = "1"; src = ./.;
    patchPhase = "sed -i s/a/b/ Makefile";
  };
}
`;
    const found = findingsOf(await scanWith(HOOK, { "pkgs.nix": RUST }), HOOK);
    expect(found.map((f) => `${f.line} ${f.severity}`)).toEqual(["5 low", "10 low", "14 low", "19 low", "24 info", "28 info", "32 info"]);
    const [rust, npm, py, bin] = found;
    expect(rust!.message).toContain("patchPhase (`runHook prePatch`, `runHook postPatch`) and installPhase (`runHook preInstall`, `runHook postInstall`) of this buildRustPackage call");
    expect(rust!.message).toContain("cargoSetupPostPatchHook (which checks that Cargo.lock matches the vendored dependencies) never runs");
    expect(rust!.message).not.toContain("Maintenance");
    expect(npm!.message).toContain("npmConfigHook");
    expect(py!.message).toContain("wrapPythonPrograms");
    expect(bin!.message).toContain("autoPatchelfHook");
    expect(found[4]!.message).toContain("Maintenance, not security");
  });

  it.skipIf(!nixAvailable)("adds the runHook lines inside the phase; Nix reads the same script with the hooks around it", async () => {
    const files = { "pkgs.nix": PKGS };
    const report = await scanWith(HOOK, files);
    const [a, b] = findingsOf(report, HOOK);
    const patched = await applyFix(files, a);
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-hook-"));
    try {
      await writeFile(join(dir, "pkgs.nix"), patched["pkgs.nix"]!);
      // Only to read the phase string back as Nix sees it: mkDerivation returns its argument.
      const args = "{ stdenv = { mkDerivation = a: if builtins.isFunction a then a { } else a; }; python3Packages.buildPythonApplication = a: a; lib.optionalString = c: s: s; }";
      expect(nixEval(`(import ./pkgs.nix ${args}).a.installPhase`, dir)).toBe("runHook preInstall\nmkdir -p $out\ncp a $out/\nrunHook postInstall\n");
      // b's one patch fixes both of its phases.
      const patchedB = await applyFix(files, b);
      await writeFile(join(dir, "pkgs.nix"), patchedB["pkgs.nix"]!);
      expect(nixEval(`(import ./pkgs.nix ${args}).b.buildPhase`, dir)).toBe("runHook preBuild\nmake\nrunHook postBuild\n");
      expect(nixEval(`(import ./pkgs.nix ${args}).b.installPhase`, dir)).toBe("runHook preInstall\n# runHook postInstall\ncp x $out\nrunHook postInstall\n");
      expect(sites(await scanWith(HOOK, patchedB), HOOK)).toEqual([5, 26, lineOf(PKGS, "echo 'runHook") + 2].map((l) => `pkgs.nix:${l}`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
