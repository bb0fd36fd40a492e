// duplicated-host-block: the same run of option definitions copied into the modules of different
// hosts. Lines are compared with their indentation and spacing normalised, blank and comment-only
// lines skipped; a run counts when it holds at least DUPLICATE_DEFINITIONS lines that define
// something (`name = value`). Only a host's own files are compared (under a directory named after
// the host, or `<host>.nix`), and only files of disjoint host sets (a module two hosts both import
// is shared already); hardware scans and disk layouts (written per machine from the same examples
// by nature) and templates (copies by design) are left out, and so are blocks switched off
// (`enable = false`) in either copy: dead configuration drifts nowhere. Each file is reported
// once, against the first file it copies from, with the other copies named and every host holding
// a copy among the finding's hosts: ten copies of one block are nine findings, not forty-five.
// Maintenance (info): copies are no security problem until one is changed alone.
import { posix } from "node:path";
import { flakeWith } from "../shared/examples.js";
import { staticValue } from "../../nix/values.js";
import type { NixFileContext, RepositorySink, Rule } from "../types.js";
import { nixosManual } from "../shared/references.js";
import { filesAnswering } from "../shared/track.js";

/** Definition lines a copied run must hold. */
export const DUPLICATE_DEFINITIONS = 10;
/** Lines hashed together to find candidate runs. */
const SEED = 4;

interface Line {
  text: string;
  line: number;
  defines: boolean;
}

function normalisedLines(text: string): Line[] {
  const out: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    const t = raw.trim().replace(/\s+/g, " ");
    if (!t || t.startsWith("#")) return;
    out.push({ text: t, line: i + 1, defines: /^[\w"'${}.-]+(\s*\.\s*[\w"'${}-]+)*\s*=[^=]/.test(t) });
  });
  return out;
}

/** Disk layouts and hardware scans: written per machine from the same examples by nature. */
const HARDWARE_TREES = new Set(["disko", "fileSystems", "swapDevices"]);

/** A host's own file (under a directory named after one of its hosts, or `<host>.nix`), not a
 * shared module that happens to be imported by one host only. */
function eligible(f: NixFileContext): boolean {
  if (f.hosts.length === 0 || !f.index.isModule) return false;
  const base = posix.basename(f.file);
  if (base === "flake.nix" || /hardware[-_]configuration\.nix$|disko|disks?[-_.]/.test(base)) return false;
  const parts = f.file.split("/");
  if (parts.some((s) => /^(templates?|examples?|tests?|checks)$/.test(s))) return false;
  if (!f.hosts.some((h) => parts.slice(0, -1).includes(h) || base === `${h}.nix`)) return false;
  const defs = f.index.definitions;
  return !(defs.length > 0 && defs.every((d) => HARDWARE_TREES.has(d.segments[0]?.name ?? "")));
}

/** Lines of a file that configure a service or program switched off there (`services.zrepl = {
 * enable = false; settings = ...; }`): the settings of a disabled service are dead configuration,
 * no copy to keep in sync. The `enable = false` line itself still counts (it may turn off what is
 * on by default), and so do switched-off systemd units and targets (`systemd.targets.sleep.enable
 * = false` is the setting, not dead code). */
function disabledLines(f: NixFileContext): Set<number> {
  const off = f.index.definitions
    .filter((d) => /^(services|programs)\./.test(d.path) && d.segments.at(-1)?.name === "enable" && staticValue(d.inner) === false)
    .map((d) => d.path.slice(0, -".enable".length));
  const out = new Set<number>();
  if (off.length === 0) return out;
  const lineOf = (offset: number) => f.parsed.source.lines.position(offset).line;
  const keep = new Set<number>();
  for (const d of f.index.definitions) {
    if (off.some((p) => d.path === `${p}.enable`)) keep.add(lineOf(d.binding.start));
    // The set holding the switch (`services.zrepl = { ... }`) and everything else under it.
    if (!off.some((p) => d.path === p || d.path.startsWith(`${p}.`))) continue;
    for (let l = lineOf(d.binding.start); l <= lineOf(d.binding.end); l++) out.add(l);
  }
  for (const l of keep) out.delete(l);
  return out;
}

/** A definition describing the machine itself: its disks and mounts (`fileSystems`, `disko`,
 * `swapDevices`, LUKS devices) or a set the repository keeps its hardware facts in
 * (`deviceSpecific.devInfo = { cpu = ...; ram = 8; }`). Hosts with the same disk layout or the
 * same model repeat these by nature (chvp-nixos-config's per-machine ZFS datasets, NickCao-flakes'
 * disko ESP partition): they are facts about each machine, not shared configuration to factor out. */
const HARDWARE_FACTS = /^(?:dev|device|hardware|machine)[-_]?(?:info|specs?|facts)$/i;
function describesMachine(path: string, segments: ReadonlyArray<{ name?: string }>): boolean {
  return HARDWARE_TREES.has(segments[0]?.name ?? "") || /^boot\.initrd\.luks\.devices\b/.test(path) || segments.some((s) => HARDWARE_FACTS.test(s.name ?? ""));
}

/** Lines of a file that describe the machine (describesMachine): they do not count toward a copy. */
function machineLines(f: NixFileContext): Set<number> {
  const out = new Set<number>();
  const lineOf = (offset: number) => f.parsed.source.lines.position(offset).line;
  for (const d of f.index.definitions) {
    if (!describesMachine(d.path, d.segments)) continue;
    for (let l = lineOf(d.binding.start); l <= lineOf(d.binding.end); l++) out.add(l);
  }
  return out;
}

/** Definition lines of a run that configure something switched on. */
function liveDefinitions(ls: Line[], start: number, length: number, off: Set<number>): number {
  let n = 0;
  for (let i = start; i < start + length; i++) if (ls[i]!.defines && !off.has(ls[i]!.line)) n++;
  return n;
}

interface Run {
  a: number;
  b: number;
  length: number;
  defines: number;
}

/** The longest qualifying run two files share (from seed positions), or undefined. Definitions
 * count when they configure something switched on and describe no machine in both copies (`offA`,
 * `offB`): a run of mounts beside a shorter copied block does not hide the block. */
function longestRun(la: Line[], lb: Line[], seeds: Array<[number, number]>, offA: Set<number>, offB: Set<number>): Run | undefined {
  let best: Run | undefined;
  const covered = new Set<string>();
  for (const [i0, j0] of seeds) {
    if (covered.has(`${i0}:${j0}`)) continue;
    let i = i0;
    let j = j0;
    while (i > 0 && j > 0 && la[i - 1]!.text === lb[j - 1]!.text) {
      i--;
      j--;
    }
    let length = 0;
    let defines = 0;
    while (i + length < la.length && j + length < lb.length && la[i + length]!.text === lb[j + length]!.text) {
      covered.add(`${i + length}:${j + length}`);
      if (la[i + length]!.defines && !offA.has(la[i + length]!.line) && !offB.has(lb[j + length]!.line)) defines++;
      length++;
    }
    if (defines >= DUPLICATE_DEFINITIONS && (!best || defines > best.defines)) best = { a: i, b: j, length, defines };
  }
  return best;
}

function checkRepository(files: NixFileContext[], sink: RepositorySink): void {
  // Only eligible files take part (a changed file that is none leaves the result as it was).
  const candidates = filesAnswering(files, "duplicated-host-block", eligible).sort((x, y) => (x.file < y.file ? -1 : 1));
  const lines = new Map<NixFileContext, Line[]>(candidates.map((f) => [f, normalisedLines(f.text)]));
  // Seeds: windows of SEED lines that hold a definition, by their text.
  const windows = new Map<string, Array<[NixFileContext, number]>>();
  for (const f of candidates) {
    const ls = lines.get(f)!;
    for (let i = 0; i + SEED <= ls.length; i++) {
      if (!ls.slice(i, i + SEED).some((l) => l.defines)) continue;
      const key = ls.slice(i, i + SEED).map((l) => l.text).join("\n");
      let list = windows.get(key);
      if (!list) windows.set(key, (list = []));
      if (list.length < 64) list.push([f, i]);
    }
  }
  const pairs = new Map<NixFileContext, Map<NixFileContext, Array<[number, number]>>>();
  for (const list of windows.values()) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const [fa, ia] = list[x]!;
        const [fb, ib] = list[y]!;
        if (fa === fb || fa.hosts.some((h) => fb.hosts.includes(h))) continue;
        const [first, second, i, j] = fa.file < fb.file ? [fa, fb, ia, ib] : [fb, fa, ib, ia];
        let m = pairs.get(second);
        if (!m) pairs.set(second, (m = new Map()));
        let seeds = m.get(first);
        if (!seeds) m.set(first, (seeds = []));
        seeds.push([i, j]);
      }
    }
  }
  const offCache = new Map<NixFileContext, Set<number>>();
  const offOf = (f: NixFileContext) => {
    let off = offCache.get(f);
    if (!off) offCache.set(f, (off = new Set([...disabledLines(f), ...machineLines(f)])));
    return off;
  };
  // Copies between several hosts form a group (enigma repeats atlas, lapa repeats both...): the
  // group is one finding, at the file holding the largest copy, naming the other copies.
  const records: Array<{ f: NixFileContext; from: NixFileContext; run: Run; copies: NixFileContext[] }> = [];
  const parent = new Map<NixFileContext, NixFileContext>();
  const root = (f: NixFileContext): NixFileContext => {
    let r = f;
    while (parent.get(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(f, r);
    return r;
  };
  for (const f of candidates) {
    const m = pairs.get(f);
    if (!m) continue;
    const found: Array<{ from: NixFileContext; run: Run }> = [];
    for (const from of [...m.keys()].sort((x, y) => (x.file < y.file ? -1 : 1))) {
      const run = longestRun(lines.get(from)!, lines.get(f)!, m.get(from)!, offOf(from), offOf(f));
      // A block switched off (`enable = false`) in either copy is dead configuration, not a copy
      // that drifts (Xe/nixos-configs' disabled zrepl blocks); the machine's own disks, mounts and
      // hardware facts do not count either (machineLines).
      if (
        run &&
        (liveDefinitions(lines.get(f)!, run.b, run.length, offOf(f)) < DUPLICATE_DEFINITIONS ||
          liveDefinitions(lines.get(from)!, run.a, run.length, offOf(from)) < DUPLICATE_DEFINITIONS)
      )
        continue;
      if (run) found.push({ from, run });
    }
    if (found.length === 0) continue;
    const best = found.reduce((x, y) => (y.run.defines > x.run.defines ? y : x));
    records.push({ f, ...best, copies: found.map((x) => x.from) });
    for (const x of found) parent.set(root(x.from), root(f));
  }
  const groups = new Map<NixFileContext, typeof records>();
  for (const r of records) groups.set(root(r.f), [...(groups.get(root(r.f)) ?? []), r]);
  for (const group of groups.values()) {
    const { f, from, run } = group.reduce((x, y) => (y.run.defines > x.run.defines ? y : x));
    const members = [...new Set(group.flatMap((r) => [r.f, ...r.copies]))].sort((x, y) => (x.file < y.file ? -1 : 1));
    const la = lines.get(from)!;
    const lb = lines.get(f)!;
    const startB = lb[run.b]!;
    const endB = lb[run.b + run.length - 1]!;
    const startA = la[run.a]!.line;
    const endA = la[run.a + run.length - 1]!.line;
    const others = members.filter((x) => x !== f && x !== from).map((x) => x.file);
    const endText = f.text.split("\n")[endB.line - 1] ?? "";
    // Every host holding a copy.
    const holders = [...new Set(members.flatMap((x) => x.hosts))].sort();
    sink.report(f, {
      alsoHosts: holders,
      range: { line: startB.line, column: 1, endLine: endB.line, endColumn: endText.length + 1 },
      key: `copy of ${from.file}`,
      message:
        `Lines ${startB.line}-${endB.line} of ${f.file} (host ${f.hosts.join(", ")}) repeat lines ${startA}-${endA} of ${from.file} (host ${from.hosts.join(", ")}): ${run.defines} option definitions copied between hosts, which drift apart the first time one copy is changed` +
        (others.length ? `; blocks of them are copied in ${others.slice(0, 4).join(", ")}${others.length > 4 ? ` and ${others.length - 4} more` : ""} too` : "") +
        `. Hosts holding a copy: ${holders.join(", ")}. Maintenance, not security.`,
      evidence: `${lb.slice(run.b, run.b + 3).map((l) => l.text).join("\n")}\n… (${run.length} lines, the same as ${from.file}:${startA})`,
      fix: { safety: "manual", description: `Move the block into a shared module (e.g. modules/common/<concern>.nix) imported by the hosts, keeping only what differs in each host.` },
    });
  }
}

const BLOCK = `  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  services.openssh.settings.KbdInteractiveAuthentication = false;
  services.fail2ban.enable = true;
  time.timeZone = "Europe/Berlin";
  i18n.defaultLocale = "en_US.UTF-8";
  console.keyMap = "de";
  nix.gc.automatic = true;
  nix.gc.dates = "weekly";
  nix.settings.auto-optimise-store = true;
  programs.zsh.enable = true;
  security.sudo.wheelNeedsPassword = true;
`;

/** A block switched off in both hosts: dead configuration, not a copy to keep in sync. */
const DISABLED = `  services.zrepl = {
    enable = false;
    settings.global.logging = [ { type = "syslog"; level = "info"; format = "human"; } ];
    settings.jobs.snap.type = "snap";
    settings.jobs.snap.filesystems."rpool/safe<" = true;
    settings.jobs.snap.snapshotting.type = "periodic";
    settings.jobs.snap.snapshotting.prefix = "zrepl_";
    settings.jobs.snap.snapshotting.interval = "15m";
    settings.jobs.snap.pruning.keep_sender = [ { type = "last_n"; count = 10; } ];
    settings.jobs.push.type = "push";
    settings.jobs.push.connect.type = "tcp";
    settings.jobs.push.connect.address = "backup.example.org:8888";
    settings.jobs.push.send.encrypted = false;
  };
`;

/** Two machines on the same ZFS layout and model: per-machine facts, alike by nature. */
const ZFS = ["root", "nix", "nix/store", "data", "cache"].map((d) => `  fileSystems."/${d === "root" ? "" : d}" = {\n    device = "rpool/local/${d}";\n    fsType = "zfs";\n    neededForBoot = true;\n  };\n`).join("");
const DEV_INFO = `  deviceSpecific.devInfo = {
    legacy = true;
    cpu = { vendor = "intel"; clock = 2500; cores = 2; };
    drive = { type = "ssd"; speed = 1000; size = 120; };
    ram = 8;
  };
  boot.initrd.availableKernelModules = [ "nvme" "xhci_pci" ];
  boot.initrd.luks.devices.crypt = {
    device = "/dev/disk/by-partlabel/ROOT";
    allowDiscards = true;
    bypassWorkqueues = true;
  };
`;

function twoHosts(a: string, b: string, extra: Record<string, string> = {}): Record<string, string> {
  const flake = flakeWith(["./hosts/alpha.nix"], "alpha").replace(
    "  };\n}",
    `    nixosConfigurations.beta = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      modules = [ ./hosts/beta.nix ];\n    };\n  };\n}`,
  );
  return { "flake.nix": flake, "hosts/alpha.nix": a, "hosts/beta.nix": b, ...extra };
}

export const duplicatedHostBlock: Rule = {
  id: "duplicated-host-block",
  name: "Option definitions copied between host files",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: Blocks of settings pasted from one host's configuration into another's drift apart the first time one copy is edited (a hardening or a security fix applied to one host only), and every change has to be made, and reviewed, several times.",
  fix: "Move the shared block into a module that both hosts import, and keep only what differs in each host's own file.",
  references: [
    nixosManual("Modularity", "sec-modularity"),
    { title: "NixOS wiki: NixOS modules", url: "https://wiki.nixos.org/wiki/NixOS_modules" },
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is organised, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      twoHosts(`{ ... }:\n{\n  networking.hostName = "alpha";\n${BLOCK}}\n`, `{ ... }:\n{\n  networking.hostName = "beta";\n\n  # copied from alpha\n${BLOCK.replace(/^ {2}/gm, "    ")}  boot.loader.systemd-boot.enable = true;\n}\n`),
      // Copied settings next to the machine's mounts still count (the mounts alone would not).
      twoHosts(`{ ... }:\n{\n  networking.hostName = "alpha";\n${ZFS}${BLOCK}}\n`, `{ ... }:\n{\n  networking.hostName = "beta";\n${ZFS}${BLOCK}}\n`),
    ],
    silent: [
      // Both hosts import one shared module: nothing is copied.
      twoHosts(`{ imports = [ ../common.nix ]; networking.hostName = "alpha"; }\n`, `{ imports = [ ../common.nix ]; networking.hostName = "beta"; }\n`, { "common.nix": `{ ... }:\n{\n${BLOCK}}\n` }),
      // A short common prefix (a few lines) is not a copied block.
      twoHosts(`{ ... }:\n{\n${BLOCK.split("\n").slice(0, 5).join("\n")}\n  networking.hostName = "alpha";\n}\n`, `{ ... }:\n{\n${BLOCK.split("\n").slice(0, 5).join("\n")}\n  networking.hostName = "beta";\n}\n`),
      // The copied block is switched off (`enable = false`) in both hosts.
      twoHosts(`{ ... }:\n{\n  networking.hostName = "alpha";\n${DISABLED}}\n`, `{ ... }:\n{\n  networking.hostName = "beta";\n${DISABLED}}\n`),
      // Two machines on the same ZFS dataset layout (a per-host hardware.nix): facts about each
      // machine, not configuration to share.
      twoHosts(`{ ... }:\n{\n  networking.hostName = "alpha";\n  boot.kernelModules = [ "kvm-amd" ];\n${ZFS}}\n`, `{ ... }:\n{\n  networking.hostName = "beta";\n  boot.kernelModules = [ "kvm-amd" ];\n${ZFS}}\n`),
      // The same model described twice (a repository's hardware-facts set, LUKS devices).
      twoHosts(`{ ... }:\n{\n  networking.hostName = "alpha";\n${DEV_INFO}}\n`, `{ ... }:\n{\n  networking.hostName = "beta";\n${DEV_INFO}}\n`),
      // Generated hardware scans look alike by construction.
      twoHosts(`{ imports = [ ./alpha-hw/hardware-configuration.nix ]; }\n`, `{ imports = [ ./beta-hw/hardware-configuration.nix ]; }\n`, {
        "hosts/alpha-hw/hardware-configuration.nix": `{ ... }:\n{\n${BLOCK}}\n`,
        "hosts/beta-hw/hardware-configuration.nix": `{ ... }:\n{\n${BLOCK}}\n`,
      }),
    ],
  },
  checkRepository,
};
