// Splitting a derivation name into pname and version the way Nix does (DrvName, builtins.
// parseDrvName): the version starts at the first '-' that is followed by a character that is not
// a letter. "hello-2.12" -> hello / 2.12; "python3.11-requests-2.31.0" -> python3.11-requests / 2.31.0.

export interface DrvName {
  pname: string;
  version: string;
}

export function parseDrvName(name: string): DrvName {
  for (let i = 0; i < name.length - 1; i++) {
    if (name[i] === "-" && !/[A-Za-z]/.test(name[i + 1] as string)) {
      return { pname: name.slice(0, i), version: name.slice(i + 1) };
    }
  }
  return { pname: name, version: "" };
}

/** The name part of a store path: /nix/store/<32 chars>-hello-2.12 -> hello-2.12. */
export function storePathName(storePath: string): string {
  const base = storePath.split("/").filter(Boolean).pop() ?? storePath;
  return /^[0-9a-z]{32}-/.test(base) ? base.slice(33) : base;
}
