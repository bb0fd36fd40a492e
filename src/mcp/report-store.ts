// The report store: every report the MCP server produces, per (kind, host), latest and history, in
// memory and on disk (in nix-warden's state directory for the repository, never in the repository:
// `<state>/repos/<key>/reports/<kind>/<host>/<id>.json`), so the reports survive a restart and
// agents can read them back as resources. Adding a report emits "added" (the server turns that into
// notifications/resources/list_changed).
import { randomInt } from "node:crypto";
import { EventEmitter } from "node:events";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ensureOwnDirectory, writeFileAtomic } from "../system/state.js";
import { DriftReport, SecurityReport } from "../report/schema.js";
import { isValidHostKey } from "../report/host-key.js";

export { isValidHostKey };

export const REPORT_KINDS = ["security", "drift"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Host keys: a NixOS host name, `all` (a scan of every host), or hosts joined by `+`. */
const REPORT_ID = /^\d{8}T\d{6}\d{3}Z-[0-9a-f]{6}$/;

export function isValidReportId(id: string): boolean {
  return REPORT_ID.test(id);
}

/** The host key of a security scan: the hosts it was limited to, or `all`. */
export function securityHostKey(hosts: string[] | undefined): string {
  return hosts && hosts.length ? [...new Set(hosts)].sort().join("+") : "all";
}

export interface StoredReport {
  id: string;
  kind: ReportKind;
  host: string;
  generatedAt: string;
  /** Findings or drift items listed in the report. */
  total: number;
  bySeverity: Record<string, number>;
}

type AnyReport = SecurityReport | DriftReport;

interface Entry {
  meta: StoredReport;
  report?: AnyReport;
}

export interface ReportStoreOptions {
  /** The directory holding the reports (called on every use: the allowed roots can change). It is
   * nix-warden's own (created 0700 and checked by src/system/state.ts), not the repository's. */
  dir: () => string | Promise<string>;
  /** Reports kept per (kind, host); older ones are deleted. Default 20. */
  keep?: number;
}

export class ReportStore extends EventEmitter<{ added: [StoredReport] }> {
  private loadedFor: string | undefined;
  /** The newest id stored or handed out: new ids sort after it, even within one millisecond. */
  private lastId: string | undefined;
  private entries = new Map<string, Entry[]>();
  private loadErrors: string[] = [];
  private readonly keep: number;

  constructor(private readonly options: ReportStoreOptions) {
    super();
    this.keep = options.keep ?? 20;
  }

  /** Problems met while loading stored reports (unreadable or invalid files, skipped). */
  errors(): string[] {
    return [...this.loadErrors];
  }

  private key(kind: ReportKind, host: string): string {
    return `${kind}/${host}`;
  }

  /** Read what is on disk, once per directory; returns the directory. */
  private async load(): Promise<string> {
    const dir = await this.options.dir();
    if (this.loadedFor === dir) return dir;
    this.loadedFor = dir;
    this.entries = new Map();
    this.loadErrors = [];
    this.lastId = undefined;
    for (const kind of REPORT_KINDS) {
      const hosts = await readdir(join(dir, kind)).catch(() => [] as string[]);
      for (const host of hosts) {
        if (!isValidHostKey(host)) continue;
        const files = await readdir(join(dir, kind, host)).catch(() => [] as string[]);
        const list: Entry[] = [];
        for (const f of files.sort()) {
          const id = f.replace(/\.json$/, "");
          if (!f.endsWith(".json") || !isValidReportId(id)) continue;
          try {
            const report = parseReport(kind, JSON.parse(await readFile(join(dir, kind, host, f), "utf8")));
            list.push({ meta: metaOf(id, kind, host, report) });
            if (!this.lastId || id > this.lastId) this.lastId = id;
          } catch (e) {
            this.loadErrors.push(`${kind}/${host}/${f}: ${(e as Error).message.split("\n")[0]}`);
          }
        }
        if (list.length) this.entries.set(this.key(kind, host), list);
      }
    }
    return dir;
  }

  /** Store a report; returns its metadata (id) and emits "added". */
  async add(kind: ReportKind, host: string, report: AnyReport): Promise<StoredReport> {
    if (!isValidHostKey(host)) throw new Error(`not a valid host name for the report store: ${JSON.stringify(host)}`);
    const dir = await this.load();
    const id = newReportId(new Date(), this.lastId);
    this.lastId = id;
    const meta = metaOf(id, kind, host, report);
    await ensureOwnDirectory(join(dir, kind));
    await ensureOwnDirectory(join(dir, kind, host));
    await writeFileAtomic(join(dir, kind, host, `${id}.json`), JSON.stringify(report, null, 2) + "\n");
    const k = this.key(kind, host);
    const list = this.entries.get(k) ?? [];
    list.push({ meta, report });
    while (list.length > this.keep) {
      const old = list.shift()!;
      await rm(join(dir, kind, host, `${old.meta.id}.json`), { force: true });
    }
    this.entries.set(k, list);
    this.emit("added", meta);
    return meta;
  }

  /** Every stored report, newest first. */
  async list(filter: { kind?: ReportKind; host?: string } = {}): Promise<StoredReport[]> {
    await this.load();
    const out: StoredReport[] = [];
    for (const list of this.entries.values())
      for (const e of list) if ((!filter.kind || e.meta.kind === filter.kind) && (!filter.host || e.meta.host === filter.host)) out.push(e.meta);
    return out.sort((a, b) => b.id.localeCompare(a.id));
  }

  /** Host keys with stored reports. */
  async hosts(kind?: ReportKind): Promise<string[]> {
    await this.load();
    const hosts = new Set<string>();
    for (const [k, list] of this.entries) if (list.length && (!kind || k.startsWith(`${kind}/`))) hosts.add(k.slice(k.indexOf("/") + 1));
    return [...hosts].sort();
  }

  /** A report by id, or the latest with id "latest". */
  async get(kind: ReportKind, host: string, id: string): Promise<{ meta: StoredReport; report: AnyReport } | undefined> {
    if (!isValidHostKey(host) || (id !== "latest" && !isValidReportId(id))) return undefined;
    await this.load();
    const list = this.entries.get(this.key(kind, host));
    if (!list?.length) return undefined;
    const entry = id === "latest" ? list[list.length - 1] : list.find((e) => e.meta.id === id);
    if (!entry) return undefined;
    if (!entry.report) {
      const text = await readFile(join(await this.options.dir(), kind, host, `${entry.meta.id}.json`), "utf8");
      entry.report = parseReport(kind, JSON.parse(text));
    }
    return { meta: entry.meta, report: entry.report };
  }
}

/** The id's time part: the UTC time to the millisecond, `20260203T040506007Z`. */
function idTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(".", "");
}

function parseId(id: string): { ms: number; seq: number } | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([0-9a-f]{6})$/.exec(id);
  if (!m) return undefined;
  return { ms: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!), seq: parseInt(m[8]!, 16) };
}

const SEQ_LIMIT = 0x1000000;

/**
 * Sortable, unique ids: `<UTC time to the ms>Z-<6 hex digits>`, always sorting after `after` (the
 * newest id so far). A new millisecond starts its sequence at a random number in the lower half
 * (two servers on one repository seldom meet); within a millisecond, or when the clock went back,
 * the sequence counts up from `after` (as ULID's monotonic mode does), so order is creation order.
 */
export function newReportId(now: Date, after?: string): string {
  let ms = now.getTime();
  let seq = randomInt(0, SEQ_LIMIT / 2);
  const prev = after ? parseId(after) : undefined;
  if (prev && ms <= prev.ms) {
    ms = prev.ms;
    seq = prev.seq + 1;
    // 16 million ids in one millisecond: borrow the next one.
    if (seq >= SEQ_LIMIT) [ms, seq] = [ms + 1, 0];
  }
  return `${idTime(ms)}-${seq.toString(16).padStart(6, "0")}`;
}

function parseReport(kind: ReportKind, data: unknown): AnyReport {
  // The stored JSON is the report as produced; validate the contract, keep every field.
  const schema = kind === "security" ? SecurityReport : DriftReport;
  const r = schema.safeParse(data);
  if (!r.success) throw new Error(`not a ${kind} report: ${r.error.issues[0]?.message ?? "invalid"}`);
  return data as AnyReport;
}

function metaOf(id: string, kind: ReportKind, host: string, report: AnyReport): StoredReport {
  const total = report.summary.total;
  return { id, kind, host, generatedAt: report.generatedAt, total, bySeverity: { ...report.summary.bySeverity } };
}
