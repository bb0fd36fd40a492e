// Reading a flake's inputs without evaluating it: which repository each input name points at.
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { flakeInputs, inputRepositories, repoOfUrl } from "../../src/nix/flake-inputs.js";

const repos = (text: string) => Object.fromEntries(inputRepositories(flakeInputs(parseNix(text).root)));

describe("repoOfUrl", () => {
  it("reads GitHub, GitLab, sourcehut, git+https/ssh, tarballs, FlakeHub and registry names", () => {
    expect(repoOfUrl("github:nix-community/home-manager")).toBe("nix-community/home-manager");
    expect(repoOfUrl("github:hyprwm/Hyprland/v0.40.0?submodules=1")).toBe("hyprwm/hyprland");
    expect(repoOfUrl("git+https://github.com/hyprwm/Hyprland?submodules=1")).toBe("hyprwm/hyprland");
    expect(repoOfUrl("git+ssh://git@github.com/me/secrets.git?shallow=1")).toBe("me/secrets");
    expect(repoOfUrl("https://github.com/nix-community/NUR/archive/master.tar.gz")).toBe("nix-community/nur");
    expect(repoOfUrl("gitlab:rycee/nur-expressions?dir=pkgs/firefox-addons")).toBe("gitlab.com/rycee/nur-expressions");
    expect(repoOfUrl("git+https://git.clan.lol/clan/clan-core?ref=main")).toBe("git.clan.lol/clan/clan-core");
    expect(repoOfUrl("https://flakehub.com/f/gmodena/nix-flatpak/0.7.0.tar.gz")).toBe("gmodena/nix-flatpak");
    expect(repoOfUrl("flake:nixos-hardware")).toBe("nixos/nixos-hardware");
    expect(repoOfUrl("path:./vendor/hm")).toBeUndefined();
    expect(repoOfUrl("git+file:///home/me/fork-nixos-hardware")).toBeUndefined();
  });
});

describe("flakeInputs", () => {
  it("reads every way of writing inputs, resolves follows, and marks unreadable locations", () => {
    const text = `{
  description = "x";
  outputs = inputs: { };
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    hm = {
      url = "github:nix-community/home-manager";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    hardware = { type = "github"; owner = "NixOS"; repo = "nixos-hardware"; };
    home-manager.follows = "hm";
    local.url = "path:/home/me/src/thing";
    computed.url = "github:\${owner}/thing";
    nur = { };
  };
  inputs.chaotic.url = "github:chaotic-cx/nyx/nyxpkgs-unstable";
  inputs.wsl = { url = "git+https://github.com/nix-community/NixOS-WSL.git"; };
}
`;
    expect(repos(text)).toEqual({
      nixpkgs: "nixos/nixpkgs",
      hm: "nix-community/home-manager",
      hardware: "nixos/nixos-hardware",
      "home-manager": "nix-community/home-manager",
      local: null,
      computed: null,
      nur: "nix-community/nur",
      chaotic: "chaotic-cx/nyx",
      wsl: "nix-community/nixos-wsl",
    });
  });

  it("knows nothing of a file that is not a flake", () => {
    expect(repos(`{ pkgs, ... }: { imports = [ ]; }`)).toEqual({});
  });
});
