// Regenerates src/exposure/tables.json (typed by src/exposure/tables.ts): the lookup tables the built-in exposure scorer needs
// to read unit files the way systemd 252 does. Every table comes from the real thing on this machine,
// never typed by hand:
//   - system call groups: `systemd-analyze syscall-filter` (the tables compiled into systemd),
//   - system call name <-> number: libseccomp (what systemd links against), via python3 ctypes,
//   - address families, capabilities, errno names: the C headers, through cpp and a tiny C program,
//     exactly the way systemd's own generate-*-list.sh scripts build its gperf tables.
// Run: npm run build && node dist/scripts/gen-exposure-tables.js
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../src/system/run.js";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");
const OUT = join(ROOT, "src", "exposure", "tables.json");

async function must(file: string, args: string[], input?: string): Promise<string> {
  const r = await run(file, args, { timeoutMs: 60_000, input });
  if (!r.ok) throw new Error(`${[file, ...args].join(" ")}: ${r.error}\n${r.stderr}`);
  return r.stdout;
}

interface Group {
  description: string;
  members: string[];
}

/** Parses `systemd-analyze syscall-filter` output: "@name", "    # description", "    member". */
function parseSyscallFilter(text: string): Record<string, Group> {
  const groups: Record<string, Group> = {};
  let current: Group | undefined;
  for (const line of text.split("\n")) {
    if (/^@\S+$/.test(line)) {
      current = { description: "", members: [] };
      groups[line] = current;
    } else if (current && /^ {4}# /.test(line)) {
      current.description = line.slice(6);
    } else if (current && /^ {4}\S+$/.test(line)) {
      current.members.push(line.trim());
    } else if (line.trim() === "" || line.startsWith("#")) {
      current = undefined;
    }
  }
  return groups;
}

/** Names in the "Ungrouped System Calls" comment block (known to systemd, in no group but @known). */
function parseUngrouped(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("# Ungrouped System Calls")) inBlock = true;
    else if (inBlock && /^# {3}\S+$/.test(line)) out.push(line.slice(4).trim());
    else if (inBlock) inBlock = false;
  }
  return out;
}

const PY_RESOLVE = `
import ctypes, sys, json
l = ctypes.CDLL("libseccomp.so.2")
l.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
l.seccomp_syscall_resolve_name.restype = ctypes.c_int
l.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
l.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
libc = ctypes.CDLL(None)
libc.free.argtypes = [ctypes.c_void_p]
names = json.load(sys.stdin)
res = {}
canon = {}
for n in names:
    num = l.seccomp_syscall_resolve_name(n.encode())
    if num == -1:
        continue
    res[n] = num
    if num not in canon:
        p = l.seccomp_syscall_resolve_num_arch(0, num)
        if p:
            canon[num] = ctypes.string_at(p).decode()
            libc.free(p)
print(json.dumps({"resolve": res, "canonical": {str(k): v for k, v in canon.items()}}))
`;

/** `#define NAME ...` names from cpp -dM over the given includes, filtered like systemd's scripts. */
async function cppDefines(includes: string[], pattern: RegExp, exclude?: RegExp): Promise<string[]> {
  const args = ["-dM", ...includes.flatMap((i) => ["-include", i]), "-"];
  const out = await must("cpp", args, "");
  const names = new Set<string>();
  for (const line of out.split("\n")) {
    const m = pattern.exec(line);
    if (m && m[1] && !(exclude && exclude.test(line))) names.add(m[1]);
  }
  return [...names].sort();
}

/** Evaluates integer macros by compiling a tiny C program (the values systemd's gperf tables hold). */
async function macroValues(includes: string[], names: string[]): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "nw-gen-"));
  try {
    const src = [
      "#include <stdio.h>",
      ...includes.map((i) => `#include <${i}>`),
      "int main(void) {",
      ...names.map((n) => `  printf("%s %ld\\n", "${n}", (long) (${n}));`),
      "  return 0;",
      "}",
    ].join("\n");
    await writeFile(join(dir, "m.c"), src);
    await must("gcc", ["-o", join(dir, "m"), join(dir, "m.c")]);
    const out = await must(join(dir, "m"), []);
    const values: Record<string, number> = {};
    for (const line of out.trim().split("\n")) {
      const [n, v] = line.split(" ");
      if (n && v !== undefined) values[n] = Number(v);
    }
    return values;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const version = (await must("systemd-analyze", ["--version"])).split("\n")[0]?.trim() ?? "";
  const filterText = await must("systemd-analyze", ["syscall-filter", "--no-pager"]);
  const groups = parseSyscallFilter(filterText);
  const ungrouped = parseUngrouped(filterText);
  if (!groups["@system-service"] || !groups["@known"]) throw new Error("syscall-filter output not understood");

  const allNames = new Set<string>(ungrouped);
  for (const g of Object.values(groups)) for (const m of g.members) if (!m.startsWith("@")) allNames.add(m);
  const resolved = JSON.parse(await must("python3", ["-c", PY_RESOLVE], JSON.stringify([...allNames].sort()))) as {
    resolve: Record<string, number>;
    canonical: Record<string, string>;
  };

  // generate-af-list.sh: AF_* defined as [AP]F_*, without AF_UNSPEC and AF_MAX.
  const afNames = await cppDefines(["sys/socket.h"], /^#define[ \t]+(AF_[^ \t]+)[ \t]+[AP]F_[^ \t]/, /AF_UNSPEC|AF_MAX/);
  const afValues = await macroValues(["sys/socket.h"], afNames);
  // generate-cap-list.sh: CAP_[A-Z_]+ from linux/capability.h, without CAP_LAST_CAP.
  const capNames = (await cppDefines(["linux/capability.h"], /^#define[ \t]+(CAP_[A-Z_]+)[ \t]+/)).filter(
    (n) => n !== "CAP_LAST_CAP",
  );
  const capValues = await macroValues(["linux/capability.h"], capNames);
  // generate-errno-list.sh: E[^ _]+ from errno.h, without ECANCELLED and EREFUSED.
  const errnoNames = await cppDefines(["errno.h"], /^#define[ \t]+(E[^ _]+)[ \t]+/, /^#define[ \t]+(ECANCELLED|EREFUSED)/);
  const errnoValues = await macroValues(["errno.h"], errnoNames);

  const tables = {
    generatedBy: "scripts/gen-exposure-tables.ts (do not edit)",
    source: `${version}; libseccomp (x86-64 native); glibc/linux headers via cpp.`,
    systemdVersion: version,
    syscallGroups: groups,
    syscallNumbers: resolved.resolve,
    syscallCanonical: resolved.canonical,
    addressFamilies: afValues,
    capabilities: capValues,
    errnoNames: errnoValues,
  };
  await writeFile(OUT, JSON.stringify(tables, null, 1) + "\n");
  const check = await readFile(OUT, "utf8");
  console.log(
    `wrote ${OUT}: ${Object.keys(groups).length} groups, ${Object.keys(resolved.resolve).length} syscalls, ` +
      `${Object.keys(afValues).length} address families, ${Object.keys(capValues).length} capabilities, ` +
      `${Object.keys(errnoValues).length} errno names (${check.length} bytes)`,
  );
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
