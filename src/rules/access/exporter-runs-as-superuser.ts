// exporter-runs-as-superuser: a Prometheus exporter that answers on the network and connects to
// its database as the database's superuser. `services.prometheus.exporters.postgres.
// runAsLocalSuperUser = true` runs the postgres exporter as the `postgres` system account and has
// it connect over the local socket as the postgres superuser (peer authentication), so a flaw in
// the exporter, or a query it is configured to run, acts as the superuser, who can read and change
// every database and run commands as the postgres account (COPY ... FROM PROGRAM). Medium: the
// exporter's surface is small, but it is a network-facing process holding the server's highest
// privilege for reading statistics a `pg_monitor` role can read.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

const OPTION = "services.prometheus.exporters.postgres.runAsLocalSuperUser";

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.byPath.get(OPTION) ?? []) {
    if (isDead(def) || !def.inner || staticValue(def.inner) !== true) continue;
    // Turned off in the same file (`enable = false`): nothing runs.
    const enable = (ctx.index.byPath.get("services.prometheus.exporters.postgres.enable") ?? []).filter((d) => !isDead(d)).map((d) => staticValue(d.inner));
    if (enable.length > 0 && enable.every((v) => v === false)) continue;
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      title: "Postgres exporter runs as the database superuser",
      message: `${def.path} = true runs the postgres exporter, a process answering scrapes on the network, as the postgres account and connects it as the postgres superuser: a flaw in the exporter or a custom query it runs acts with every privilege of the server, reading and changing every database and running commands as the postgres account (COPY ... FROM PROGRAM).`,
      fix: {
        safety: "review",
        description:
          'Set it to false and give the exporter a role of its own with the pg_monitor role only: `services.postgresql.ensureUsers = [ { name = "postgres-exporter"; } ]` plus `GRANT pg_monitor TO "postgres-exporter"`, and dataSourceName = "user=postgres-exporter host=/run/postgresql dbname=postgres sslmode=disable".',
        edits: [replaceNode(ctx.file, def.inner, "false")],
      },
    });
  }
}

export const exporterRunsAsSuperuser: Rule = {
  id: "exporter-runs-as-superuser",
  examples: {
    fire: [hostExample(`{\n  services.prometheus.exporters.postgres = {\n    enable = true;\n    runAsLocalSuperUser = true;\n  };\n}\n`)],
    silent: [
      hostExample(`{\n  services.prometheus.exporters.postgres = {\n    enable = true;\n    runAsLocalSuperUser = false;\n    dataSourceName = "user=postgres-exporter host=/run/postgresql dbname=postgres sslmode=disable";\n  };\n}\n`),
      hostExample(`{\n  services.prometheus.exporters.postgres = { enable = false; runAsLocalSuperUser = true; };\n}\n`),
    ],
  },
  name: "Exporter runs as the database superuser",
  category: "access",
  severity: "medium",
  rationale:
    "An exporter answers on the network for anyone allowed to scrape it. Run as the database superuser, any flaw in it, or a query it is configured to run, has every privilege of the server, which for PostgreSQL includes running commands as the postgres account. Statistics need only the pg_monitor role.",
  fix: "Set services.prometheus.exporters.postgres.runAsLocalSuperUser = false and connect the exporter as a role granted pg_monitor.",
  references: [
    nixosOption("services.prometheus.exporters.postgres.runAsLocalSuperUser"),
    { title: "postgres_exporter: running as non-superuser (pg_monitor)", url: "https://github.com/prometheus-community/postgres_exporter#running-as-non-superuser" },
    { title: "PostgreSQL: predefined roles (pg_monitor)", url: "https://www.postgresql.org/docs/current/predefined-roles.html" },
  ],
  compliance: { cis: ["5 Access, Authentication and Authorization"], nist: ["PR.AA-05"] },
  checkNix,
};
