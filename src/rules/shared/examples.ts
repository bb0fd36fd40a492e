// Building a rule's examples (RuleMeta.examples): most are one module; a host-level rule needs a
// flake that declares a host made of that module.

/** A flake declaring one host `example` made of the given modules (paths relative to the flake). */
export function flakeWith(modules: string[], host = "example"): string {
  return `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.${host} = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ${modules.join(" ")} ];
    };
  };
}
`;
}

/** A repository whose one host is configured by `module` (written to `file`), plus other files. */
export function hostExample(module: string, file = "configuration.nix", others: Record<string, string> = {}): Record<string, string> {
  return { "flake.nix": flakeWith([`./${file}`]), [file]: module, ...others };
}
