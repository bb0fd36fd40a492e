// Host keys name reports and history entries on disk and in resource URIs: a NixOS host name,
// `all` (a scan of every host), or hosts joined by `+`. Anything else never reaches a file name.
const HOST_KEY = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export function isValidHostKey(host: string): boolean {
  return HOST_KEY.test(host) && !host.includes("..");
}
