// File modes as chmod, tmpfiles and SocketMode write them: octal (`0777`, `1777`) or symbolic
// (`a+rw`, `o+w,g-x`).

/** A mode that gives others (not owner, not group) write access. */
export function worldWritableMode(mode: string): boolean {
  if (/^0?[0-7]{3,4}$/.test(mode)) return [2, 3, 6, 7].includes(Number(mode.at(-1)));
  return mode.split(",").some((clause) => {
    const m = /^([ugoa]*)([+=])([rwxXst]*)$/.exec(clause);
    return !!m && m[3]!.includes("w") && (m[1]!.includes("o") || m[1]!.includes("a"));
  });
}

/** An octal mode with the sticky bit (`1777`): others may add files but not remove or rename
 * those of others, as in /tmp. */
export function stickyMode(mode: string): boolean {
  return /^[0-7]{4}$/.test(mode) ? (Number(mode[0]) & 1) === 1 : /^0[0-7]{4}$/.test(mode) ? (Number(mode[1]) & 1) === 1 : /(?:^|,)[ugoa]*[+=][rwxXs]*t/.test(mode);
}
