// The list_hosts tool: the hosts a repository declares, found as security_scan finds them (flake.nix,
// flake-parts modules, helpers, nested flakes; read from the syntax trees, no evaluation), with the
// latest stored reports for each, so an agent knows what it can scan or check.
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { ReportStore, StoredReport } from "../report-store.js";
import { answer, fitPage } from "../answer.js";
import { repositoryHosts } from "../../scan/host-list.js";
import { errorResult, readOnlyTool, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";

export const LIST_HOSTS_DESCRIPTION = `List the NixOS hosts (nixosConfigurations) a flake repository declares, where each is declared, and the latest security and drift reports nix-warden holds for it. Read-only and fast (reads the repository's Nix files as security_scan does, evaluates nothing). A flake nested in the repository names its hosts dir#host, the form check_drift's flake argument takes.

Use it first when the user names no host or an unclear one ("the nginx box", "my laptop"), to choose the host argument of security_scan or check_drift. machineHostname is the name of the machine the server runs on (check_drift's default host).`;

const ReportRef = z.object({ id: z.string(), generatedAt: z.string(), total: z.number().int(), uri: z.string() });

export const ListHostsOutput = z.object({
  root: z.string(),
  flake: z.string().optional(),
  machineHostname: z.string(),
  hosts: z.array(
    z.object({
      name: z.string(),
      file: z.string().optional(),
      line: z.number().int().optional(),
      latestSecurity: ReportRef.optional(),
      latestDrift: ReportRef.optional(),
    }),
  ),
  /** Hosts known in all; \`hosts\` lists as many as fit in a bounded answer (sorted by name). */
  total: z.number().int().optional(),
  errors: z.array(z.string()),
});
export type ListHostsOutput = z.infer<typeof ListHostsOutput>;

function ref(meta: StoredReport | undefined) {
  return meta ? { id: meta.id, generatedAt: meta.generatedAt, total: meta.total, uri: reportLinks(meta).json } : undefined;
}

export async function listHosts(root: string, store: ReportStore): Promise<ListHostsOutput> {
  const declared = await repositoryHosts(root);
  const errors = declared.error ? [declared.error] : [];
  const names = new Set(declared.hosts.map((h) => h.name));
  const reports = await store.list();
  // Hosts with reports but no declaration here (another repository, a renamed host) still show.
  for (const r of reports) if (r.host !== "all" && r.host !== "unknown" && !r.host.includes("+")) names.add(r.host);
  const hosts = [...names].sort().map((name) => {
    const d = declared.hosts.find((h) => h.name === name);
    const latestSecurity = ref(reports.find((r) => r.kind === "security" && r.host === name) ?? reports.find((r) => r.kind === "security" && r.host === "all"));
    const latestDrift = ref(reports.find((r) => r.kind === "drift" && r.host === name));
    return {
      name,
      ...(d ? { file: d.file, line: d.line } : {}),
      ...(latestSecurity ? { latestSecurity } : {}),
      ...(latestDrift ? { latestDrift } : {}),
    };
  });
  return { root, ...(declared.hosts.length ? { flake: join(root, "flake.nix") } : {}), machineHostname: hostname(), hosts, errors };
}

export function registerListHostsTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "list_hosts",
    {
      title: "List the hosts of a NixOS flake",
      description: LIST_HOSTS_DESCRIPTION,
      inputSchema: { path: z.string().max(4096).optional().describe("The repository (flake directory). Default: the first allowed root.") },
      outputSchema: ListHostsOutput,
      annotations: readOnlyTool("List NixOS hosts"),
    },
    async (args) => {
      try {
        await ctx.rootsReady();
        const root = await ctx.roots.resolve(args.path, { directory: true, label: "path" });
        const out = await listHosts(root, ctx.store);
        // A repository of hundreds of hosts still gets an answer an agent can read.
        const { page } = fitPage(out.hosts, 0, out.hosts.length, (hosts) => ({ ...out, hosts: [...hosts], total: out.hosts.length }));
        return answer(page);
      } catch (e) {
        return errorResult("list_hosts", e);
      }
    },
  );
}
