// `nix-warden advisories update|status|import`: the local advisory cache `vulns` matches against.
import { resolve } from "node:path";
import { ageDays, defaultCachePath, loadCache } from "../vulns/cache.js";
import { importNvdFiles, updateAdvisories } from "../vulns/update.js";
import { EXIT_OK, parseCommandArgs, UsageError } from "./args.js";

export const summary = "download (incrementally) or inspect the local advisory cache (NVD CVE API 2.0)";

const HELP = `usage: nix-warden advisories update [--full] [--url URL] [--cache FILE]
       nix-warden advisories status [--cache FILE]
       nix-warden advisories import FILE... --updated-at ISO-DATE [--cache FILE]

  update      fetch the CVE records modified since the cache's date (all of them the first time,
              or with --full); resumes an interrupted update from its last completed page. Set
              NVD_API_KEY for NVD's higher rate limit (the key is never printed)
  status      the cache's source, date, age and size
  import      build the cache from NVD CVE API 2.0 JSON files (pages saved elsewhere)

  --url URL   the API endpoint (default $NIX_WARDEN_NVD_URL, else NVD's)
  --cache FILE  the cache file (default: the user's cache directory)

exit codes: 0 ok, 2 usage error, 3 the update failed or the cache is missing or unusable.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    full: { type: "boolean" },
    url: { type: "string" },
    cache: { type: "string" },
    "updated-at": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const [sub, ...files] = positionals;
  if (values.help || !sub) {
    console.log(HELP);
    return values.help ? EXIT_OK : 2;
  }
  const cachePath = values.cache !== undefined ? resolve(values.cache) : undefined;
  if (sub === "update") {
    const r = await updateAdvisories({ full: values.full, baseUrl: values.url, cachePath, log: (l) => console.error(l) });
    if (!r.ok) {
      console.error(`nix-warden advisories: ${r.error}`);
      return 3;
    }
    console.log(
      r.mode === "none"
        ? `advisory cache ${r.cachePath} is current (updated ${r.updatedAt})`
        : `advisory cache ${r.cachePath}: ${r.mode} update${r.resumed ? " (resumed)" : ""}, ${r.pages} page(s), ${r.updated} record(s) new or changed, ${r.removed} removed; ${r.records} records, up to ${r.updatedAt}`,
    );
    return EXIT_OK;
  }
  if (sub === "status") {
    const load = await loadCache(cachePath);
    if (load.status === "missing") {
      console.log(`no advisory cache at ${load.path}: run \`nix-warden advisories update\``);
      return 3;
    }
    if (load.status === "corrupt") {
      console.log(`the advisory cache ${load.path} is unusable: ${load.error}`);
      return 3;
    }
    const h = load.cache.header;
    console.log(`${load.path}: ${h.source}${h.sample ? " (recorded sample)" : ""}, ${h.recordCount} records, ${load.cache.products().length} products, updated ${h.updatedAt} (${ageDays(h.updatedAt)} days old)`);
    return EXIT_OK;
  }
  if (sub === "import") {
    if (files.length === 0) throw new UsageError("advisories import needs NVD JSON files");
    const at = values["updated-at"];
    if (!at || Number.isNaN(Date.parse(at))) throw new UsageError("advisories import needs --updated-at ISO-DATE (when the files were downloaded)");
    const path = cachePath ?? (await defaultCachePath());
    const r = await importNvdFiles(files.map((f) => resolve(f)), path, { updatedAt: new Date(at).toISOString() });
    console.log(`advisory cache ${path}: ${r.records} records, dated ${new Date(at).toISOString()}`);
    return EXIT_OK;
  }
  throw new UsageError(`unknown advisories command '${sub}' (update, status, import)`);
}
