// /proc/net/{tcp,tcp6,udp,udp6} (proc(5)): one socket per line, addresses as hex in the kernel's
// byte order (each 32-bit word little-endian on the machines NixOS runs on), the state as hex
// (0A = LISTEN for TCP, 07 = unconnected for UDP), and the socket inode that links it to the
// owning process through /proc/<pid>/fd/* -> socket:[inode].

export interface ProcSocket {
  proto: "tcp" | "udp";
  family: 4 | 6;
  address: string;
  port: number;
  state: number;
  inode: number;
  uid: number;
}

export function parseProcNet(text: string, proto: "tcp" | "udp", family: 4 | 6): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addrHex, portHex] = (f[1] as string).split(":");
    if (!addrHex || !portHex) continue;
    out.push({
      proto,
      family,
      address: family === 4 ? ipv4(addrHex) : ipv6(addrHex),
      port: parseInt(portHex, 16),
      state: parseInt(f[3] as string, 16),
      uid: Number(f[7]),
      inode: Number(f[9]),
    });
  }
  return out;
}

function ipv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join(".");
}

function ipv6(hex: string): string {
  // Four 32-bit words, each in little-endian byte order.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  // IPv4-mapped (::ffff:a.b.c.d)
  if (groups.slice(0, 5).every((g) => g === "0") && groups[5] === "ffff") {
    const a = parseInt(groups[6] as string, 16);
    const b = parseInt(groups[7] as string, 16);
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(":");
  return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLen).join(":")}`;
}

export const TCP_LISTEN = 0x0a;
export const UDP_UNCONNECTED = 0x07;

/** Bound to every address of its family (0.0.0.0, ::), i.e. reachable on all interfaces. */
export function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

export function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}
