// Which CPE vendor:product a nixpkgs package is. Matching by product name alone is what gives
// vulnix its famous false positives (Adobe Flex CVEs on the flex lexer, a "screen" web app on GNU
// screen): here a package matches an advisory only when vendor AND product agree.
//
// Reviewed entries come first. A package without one is matched under its own name as product
// with a vendor of the same name or "<name>_project" (the NVD convention for projects without a
// company: sudo_project:sudo, systemd_project:systemd); CVEs filed under another vendor for that
// product are not reported but listed as "other vendor" so a reviewer can add a mapping.

export interface CpeId {
  vendor: string;
  product: string;
}

const m = (...pairs: string[]): CpeId[] =>
  pairs.map((p) => {
    const [vendor, product] = p.split(":") as [string, string];
    return { vendor, product };
  });

/** Reviewed: nixpkgs pname -> CPE vendor:product (every name NVD has used for it). */
export const REVIEWED_MAPPING: Readonly<Record<string, CpeId[]>> = {
  openssl: m("openssl:openssl"),
  curl: m("haxx:curl", "haxx:libcurl"),
  curlMinimal: m("haxx:curl", "haxx:libcurl"),
  sudo: m("sudo_project:sudo", "todd_miller:sudo"),
  openssh: m("openbsd:openssh"),
  bash: m("gnu:bash"),
  bashInteractive: m("gnu:bash"),
  "bash-interactive": m("gnu:bash"),
  glibc: m("gnu:glibc"),
  nginx: m("f5:nginx", "nginx:nginx"),
  flex: m("westes:flex"),
  zlib: m("zlib:zlib", "gnu:zlib"),
  linux: m("linux:linux_kernel"),
  "linux-kernel": m("linux:linux_kernel"),
  python3: m("python:python"),
  nodejs: m("nodejs:node.js"),
  git: m("git-scm:git"),
  vim: m("vim:vim"),
  systemd: m("systemd_project:systemd"),
  sqlite: m("sqlite:sqlite"),
  libxml2: m("xmlsoft:libxml2"),
  expat: m("libexpat_project:libexpat"),
  postgresql: m("postgresql:postgresql"),
  openldap: m("openldap:openldap"),
  busybox: m("busybox:busybox"),
  xz: m("tukaani:xz"),
  dnsmasq: m("thekelleys:dnsmasq"),
  bind: m("isc:bind"),
  samba: m("samba:samba"),
  libtiff: m("libtiff:libtiff"),
  gnutls: m("gnu:gnutls"),
  krb5: m("mit:kerberos_5"),
  screen: m("gnu:screen"),
  gnutar: m("gnu:tar"),
  wget: m("gnu:wget"),
  coreutils: m("gnu:coreutils"),
  binutils: m("gnu:binutils"),
  gcc: m("gnu:gcc"),
  less: m("gnu:less"),
  redis: m("redis:redis"),
  nss: m("mozilla:nss"),
  firefox: m("mozilla:firefox"),
  libssh2: m("libssh2:libssh2"),
  libpng: m("libpng:libpng"),
  pcre2: m("pcre:pcre2"),
  libgcrypt: m("gnupg:libgcrypt"),
  gnupg: m("gnupg:gnupg"),
  openvpn: m("openvpn:openvpn"),
  unzip: m("info-zip:unzip"),
  zip: m("info-zip:zip"),
  libarchive: m("libarchive:libarchive"),
  "util-linux": m("kernel:util-linux"),
  polkit: m("polkit_project:polkit"),
  dbus: m("freedesktop:dbus"),
  e2fsprogs: m("e2fsprogs_project:e2fsprogs"),
  ffmpeg: m("ffmpeg:ffmpeg"),
  imagemagick: m("imagemagick:imagemagick"),
  go: m("golang:go"),
  rustc: m("rust-lang:rust"),
  perl: m("perl:perl"),
  php: m("php:php"),
  ruby: m("ruby-lang:ruby"),
  tmux: m("tmux_project:tmux"),
  grub2: m("gnu:grub2"),
  shadow: m("shadow_project:shadow", "debian:shadow"),
  "wpa_supplicant": m("w1.fi:wpa_supplicant"),
  haproxy: m("haproxy:haproxy"),
  apacheHttpd: m("apache:http_server"),
  "apache-httpd": m("apache:http_server"),
  mariadb: m("mariadb:mariadb"),
};

/** The CPE identities a package is matched under. */
export function cpeIdsFor(pname: string): { ids: CpeId[]; reviewed: boolean } {
  const reviewed = Object.hasOwn(REVIEWED_MAPPING, pname) ? REVIEWED_MAPPING[pname] : undefined;
  if (reviewed) return { ids: reviewed, reviewed: true };
  const product = pname.toLowerCase().replace(/-/g, "_");
  const names = new Set([pname.toLowerCase(), product]);
  const ids: CpeId[] = [];
  for (const p of names) for (const vendor of [p, `${p}_project`]) ids.push({ vendor, product: p });
  return { ids, reviewed: false };
}
