// Mounts and swap against fileSystems and swapDevices. Virtual filesystems and the mounts NixOS
// and systemd make themselves (/nix/store, /run/wrappers, /run/user/*, ...) are not drift.
import type { Severity } from "../../report/schema.js";
import type { DeclaredFileSystem, DeclaredState } from "../declared/schema.js";
import type { MountEntry, MountsFacts } from "../probes/mounts.js";
import type { DriftItemX } from "../model.js";
import { adopt, item, nixString, nixStrings, revert, type CompareContext } from "./common.js";

const VIRTUAL_FS = new Set([
  "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "cgroup", "cgroup2", "securityfs", "pstore", "bpf", "debugfs", "tracefs", "configfs",
  "fusectl", "mqueue", "hugetlbfs", "efivarfs", "autofs", "ramfs", "binfmt_misc", "nsfs", "rpc_pipefs", "nfsd", "selinuxfs",
  "fuse.gvfsd-fuse", "fuse.portal", "fuse.lxcfs", "overlay", "squashfs", "tracefs", "ecryptfs",
]);
const INTERNAL_PATHS = [/^\/proc(\/|$)/, /^\/sys(\/|$)/, /^\/dev(\/|$)/, /^\/run(\/|$)/, /^\/nix\/store$/, /^\/tmp$/, /^\/var\/lib\/(docker|containers|kubelet|lxcfs|lxd|incus)(\/|$)/, /^\/home\/[^/]+\/\.cache\/doc$/, /^\/etc\/(resolv\.conf|hostname|hosts)$/];
const SECURITY_OPTIONS = ["ro", "noexec", "nosuid", "nodev"];

function internal(m: MountEntry): boolean {
  return VIRTUAL_FS.has(m.fsType) || INTERNAL_PATHS.some((re) => re.test(m.mountPoint));
}

export function compareMounts(declared: DeclaredState, actual: MountsFacts, _ctx: CompareContext): DriftItemX[] {
  const items: DriftItemX[] = [];
  const links = actual.deviceLinks;
  const canonical = (dev: string | null | undefined) => (dev ? links[dev] ?? dev : undefined);

  if (actual.mounts) {
    // The last mount on a mount point is the one in effect.
    const byPoint = new Map<string, MountEntry>();
    for (const m of actual.mounts) byPoint.set(m.mountPoint, m);
    const declaredFs = Object.values(declared.fileSystems).filter((f) => f.enable);
    const declaredPoints = new Set(declaredFs.map((f) => f.mountPoint));

    for (const f of declaredFs) {
      const m = byPoint.get(f.mountPoint);
      if (!m) {
        if (f.options.includes("noauto")) continue;
        items.push(notMounted(f));
        continue;
      }
      const diffs: string[] = [];
      let severity: Severity = "medium";
      const wantDev = canonical(f.device);
      const haveDev = canonical(m.source);
      const resolvable = !f.device?.startsWith("/dev/disk/") || links[f.device] !== undefined;
      if (f.device && m.source.startsWith("/") && resolvable && wantDev !== haveDev && !f.options.includes("bind")) diffs.push(`device ${m.source}${haveDev !== m.source ? ` (${haveDev})` : ""} instead of ${f.device}${wantDev !== f.device ? ` (${wantDev})` : ""}`);
      if (f.fsType && f.fsType !== "auto" && f.fsType !== "none" && f.fsType !== m.fsType && !f.options.includes("bind")) diffs.push(`type ${m.fsType} instead of ${f.fsType}`);
      for (const o of SECURITY_OPTIONS) {
        if (f.options.includes(o) && !m.options.includes(o)) {
          diffs.push(`mounted without ${o}`);
          severity = "high";
        }
      }
      if (!diffs.length) continue;
      items.push(
        item({
          category: "mount",
          subject: f.mountPoint,
          key: "differs",
          severity,
          declared: { device: f.device, fsType: f.fsType, options: f.options },
          actual: { source: m.source, fsType: m.fsType, options: m.options },
          evidence: `${f.mountPoint} is mounted differently from fileSystems.${nixString(f.mountPoint)}: ${diffs.join("; ")}.`,
          remediation: [
            revert("review", `Remount it as declared (check nothing holds it open first).`, [["umount", "--", f.mountPoint], ["mount", "--", f.mountPoint]]),
            adopt(`fileSystems.${nixString(f.mountPoint)}`, fsNix(f.mountPoint, m, links), "Declare the mount as it is now."),
          ],
        }),
      );
    }

    for (const m of byPoint.values()) {
      if (internal(m) || declaredPoints.has(m.mountPoint)) continue;
      const severity: Severity = m.fsType === "zfs" ? "low" : "medium";
      items.push(
        item({
          category: "mount",
          subject: m.mountPoint,
          key: "undeclared",
          severity,
          declared: null,
          actual: { source: m.source, fsType: m.fsType, options: m.options },
          evidence: `${m.source} (${m.fsType}) is mounted on ${m.mountPoint}, which fileSystems does not declare: mounted by hand${m.fsType === "zfs" ? " or by ZFS's own mountpoint property" : ""}, it is gone after a reboot.`,
          remediation: [
            revert("review", "Unmount it (check nothing uses it first).", [["umount", "--", m.mountPoint]], ["mountpoint", "-q", "--", m.mountPoint]),
            adopt(`fileSystems.${nixString(m.mountPoint)}`, fsNix(m.mountPoint, m, links), "Declare the mount so it comes back after a reboot."),
          ],
        }),
      );
    }
  }

  if (actual.swaps) {
    const active = new Map(actual.swaps.map((s) => [canonical(s.filename) ?? s.filename, s]));
    const declaredSwaps = declared.swapDevices.map((s) => s.realDevice ?? s.device).filter((d): d is string => !!d);
    const declaredCanon = new Set(declaredSwaps.map((d) => canonical(d) ?? d));
    for (const d of declaredSwaps) {
      const c = canonical(d) ?? d;
      if (active.has(c) || (d.startsWith("/dev/disk/") && links[d] === undefined && actual.swaps.length > 0)) continue;
      items.push(
        item({
          category: "mount",
          subject: `swap ${d}`,
          key: "swap-missing",
          severity: "medium",
          declared: { device: d },
          actual: { active: actual.swaps.map((s) => s.filename) },
          evidence: `swapDevices declares ${d}, but it is not active (/proc/swaps: ${actual.swaps.map((s) => s.filename).join(", ") || "no swap"}).`,
          remediation: [revert("review", "Activate it.", [["swapon", "--", d]])],
        }),
      );
    }
    for (const [c, s] of active) {
      if (declaredCanon.has(c) || s.filename.startsWith("/dev/zram")) continue;
      items.push(
        item({
          category: "mount",
          subject: `swap ${s.filename}`,
          key: "swap-undeclared",
          severity: "low",
          declared: { swapDevices: declaredSwaps },
          actual: { filename: s.filename, type: s.type, sizeKiB: s.sizeKiB ?? null },
          evidence: `${s.filename} (${s.type}) is active swap that swapDevices does not declare (swapon by hand).`,
          remediation: [
            revert("review", "Deactivate it.", [["swapoff", "--", s.filename]], ["sh", "-c", 'grep -q "^$1[[:space:]]" /proc/swaps', "sh", s.filename]),
            adopt("swapDevices", `swapDevices = [ { device = ${nixString(s.filename)}; } ];`, "Declare it."),
          ],
        }),
      );
    }
  }
  return items;
}

function notMounted(f: DeclaredFileSystem): DriftItemX {
  return item({
    category: "mount",
    subject: f.mountPoint,
    key: "not-mounted",
    severity: f.mountPoint === "/" || f.mountPoint === "/nix" || f.mountPoint === "/boot" ? "high" : "medium",
    declared: { device: f.device, fsType: f.fsType, options: f.options },
    actual: null,
    evidence: `fileSystems.${nixString(f.mountPoint)} (${f.device ?? "?"}, ${f.fsType ?? "?"}) is declared but not mounted: unmounted by hand, or it failed to mount.`,
    remediation: [
      revert("review", "Mount it (systemd's mount unit uses the declared device and options).", [["mount", "--", f.mountPoint]], ["sh", "-c", '! mountpoint -q -- "$1"', "sh", f.mountPoint]),
      adopt(`fileSystems.${nixString(f.mountPoint)}`, `fileSystems.${nixString(f.mountPoint)}.options = ${nixStrings([...f.options.filter((o) => o !== "defaults"), "nofail"])};`, "If it is optional, add nofail (or noauto) so boot does not depend on it."),
    ],
  });
}

/** A fileSystems entry for a mount as it is now, naming the device by UUID when a link says which. */
function fsNix(point: string, m: MountEntry, links: Record<string, string>): string {
  const byUuid = Object.entries(links).find(([l, t]) => l.startsWith("/dev/disk/by-uuid/") && t === m.source)?.[0];
  const options = m.options.filter((o) => !["rw", "relatime", "seclabel"].includes(o) && !o.startsWith("errors=") && !o.startsWith("data="));
  return [
    `fileSystems.${nixString(point)} = {`,
    `  device = ${nixString(byUuid ?? m.source)};`,
    `  fsType = ${nixString(m.fsType)};`,
    ...(options.length ? [`  options = ${nixStrings(options)};`] : []),
    "};",
  ].join("\n");
}
