// What kind of machine a host is, where that changes what a passwordless root or an empty password
// means: a live installer image (it imports nixpkgs' installer profile: accounts with empty
// passwords, passwordless sudo set by the profile with mkImageMediaOverride), a NixOS-WSL guest
// (`wsl.enable`: Windows enters it as root with `wsl -u root`, no password, so the user and root
// are no boundary), or a throwaway qemu-vm test machine (it imports virtualisation/qemu-vm.nix).
import { hostValue, type Scope } from "../shared/scope.js";
import { installerProfile, namedModule } from "./sshd.js";

export type MachineKind =
  | { kind: "installer"; profile: string }
  | { kind: "wsl" }
  | { kind: "vm-test"; profile: string };

const QEMU_VM = /virtualisation\/qemu-vm\.nix/;

/** The qemu-vm module the scope imports (a string or path naming it, not a comment). */
function qemuVmImport(scope: Scope): string | undefined {
  return namedModule(scope, /qemu-vm/, QEMU_VM) ? "qemu-vm.nix" : undefined;
}

/** The kind of machine, when it is one of those; undefined for an ordinary host or module. */
export function machineKind(scope: Scope): MachineKind | undefined {
  const installer = installerProfile(scope);
  if (installer) return { kind: "installer", profile: installer.name };
  const wsl = hostValue(scope, "wsl.enable");
  if (wsl.kind === "known" && wsl.value === true) return { kind: "wsl" };
  const vm = qemuVmImport(scope);
  if (vm) return { kind: "vm-test", profile: vm };
  return undefined;
}
