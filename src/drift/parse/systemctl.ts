// `systemctl show` output: one block of Key=Value lines per unit, blocks separated by a blank line
// (the format systemd 252 prints; see test/fixtures/drift/recorded/systemctl/). ExecStart-like
// properties are printed as "{ path=… ; argv[]=… ; ignore_errors=… ; … }", one brace group per
// command.

export type ShowBlock = Record<string, string>;

export function parseSystemctlShow(text: string): ShowBlock[] {
  const blocks: ShowBlock[] = [];
  let cur: ShowBlock = {};
  let has = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line === "") {
      if (has) blocks.push(cur);
      cur = {};
      has = false;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    cur[line.slice(0, eq)] = line.slice(eq + 1);
    has = true;
  }
  if (has) blocks.push(cur);
  return blocks;
}

export interface ShowUnit {
  id: string;
  names: string[];
  loadState?: string;
  activeState?: string;
  subState?: string;
  unitFileState?: string;
  fragmentPath?: string;
  dropInPaths: string[];
  needDaemonReload: boolean;
  transient: boolean;
  mainPid?: number;
  /** argv of each ExecStart command as systemd holds it loaded. */
  execStart: string[][];
}

/** Blocks from `systemctl show -p Id,Names,... PATTERN...` as unit records (blocks without Id are dropped). */
export function showUnits(text: string): ShowUnit[] {
  return parseSystemctlShow(text)
    .filter((b) => b.Id)
    .map((b) => ({
      id: b.Id as string,
      names: (b.Names ?? b.Id ?? "").split(" ").filter(Boolean),
      loadState: b.LoadState || undefined,
      activeState: b.ActiveState || undefined,
      subState: b.SubState || undefined,
      unitFileState: b.UnitFileState || undefined,
      fragmentPath: b.FragmentPath || undefined,
      dropInPaths: (b.DropInPaths ?? "").split(" ").filter(Boolean),
      needDaemonReload: b.NeedDaemonReload === "yes",
      transient: b.Transient === "yes",
      mainPid: b.MainPID && b.MainPID !== "0" ? Number(b.MainPID) : undefined,
      execStart: parseExecProperty(b.ExecStart ?? ""),
    }));
}

/** "{ path=/bin/x ; argv[]=/bin/x -a b ; ... } { ... }" -> [["/bin/x","-a","b"], ...] */
export function parseExecProperty(value: string): string[][] {
  const out: string[][] = [];
  const re = /argv\[\]=(.*?) ; (?:ignore_errors|flags)=/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) out.push((m[1] as string).split(" ").filter((w) => w !== ""));
  return out;
}
