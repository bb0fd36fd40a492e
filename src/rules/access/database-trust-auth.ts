// database-trust-auth: PostgreSQL `trust` authentication, and PgBouncer's `trust`/`any`. With trust
// the server believes whatever role name the client sends, postgres superuser included, and a
// superuser runs shell commands as the postgres account (COPY ... FROM PROGRAM). Each pg_hba
// record in services.postgresql.authentication is read (comments skipped) and the finding points
// at its method. Severity by who reaches the record:
// - `local`, loopback addresses, samehost: every local account is any database role, the
//   superuser included (a local privilege escalation to the postgres account, open to any service
//   that is compromised, each running as its own user): medium, not lower, as an admin rates it;
// - one remote host (a /32, /128 or a host name): everything on that host is: medium;
// - a network (a subnet, samenet): high;
// - anywhere (0.0.0.0/0, ::/0, all): critical when the server listens on the network in this file
//   (enableTCPIP, or listen_addresses other than localhost), high otherwise.
// The message says which role the record hands out: the superuser (the role column is `all`, the
// superuser's name, `postgres` unless services.postgresql.superUser says otherwise, or a `+group`
// or `@file` that may hold it), named as such, or only the roles it lists (their data, not the
// server). The title says so too, so each superuser line stands out among the trust lines.
// The fix replaces the method: scram-sha-256 for host records, peer for local ones (review: clients
// then need a password or a matching OS user).
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, sourceSpan, stringLines } from "../shared/string-lines.js";
import { parseHbaLine, reachOf } from "./pg-hba.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

function listensOnNetwork(ctx: NixFileContext): boolean {
  const values = (path: string) => (ctx.index.byPath.get(path) ?? []).filter((d) => !isDead(d)).map((d) => staticValue(d.inner));
  if (values("services.postgresql.enableTCPIP").includes(true)) return true;
  return values("services.postgresql.settings.listen_addresses").some((v) => typeof v === "string" && v.split(",").some((a) => !/^\s*(localhost|127\.0\.0\.1|::1)\s*$/.test(a)));
}

/** What the role column of a trust record gives: the superuser, maybe the superuser, or named
 * ordinary roles. */
function roleReach(roles: string, superUser: string): "superuser" | "maybe" | "roles" {
  const list = roles.split(",").map((r) => r.trim().replace(/^"(.*)"$/, "$1"));
  if (list.some((r) => r === "all" || r === superUser)) return "superuser";
  if (list.some((r) => r.startsWith("+") || r.startsWith("@") || r.startsWith("/"))) return "maybe";
  return "roles";
}

function checkPostgres(ctx: NixFileContext): void {
  if ((ctx.index.byPath.get("services.postgresql.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false)) return;
  for (const def of ctx.index.byPath.get("services.postgresql.authentication") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    const network = listensOnNetwork(ctx);
    const configured = (ctx.index.byPath.get("services.postgresql.superUser") ?? []).map((d) => staticValue(d.inner)).find((v) => typeof v === "string");
    const superUser = typeof configured === "string" ? configured : "postgres";
    for (const line of stringLines(s)) {
      const rec = parseHbaLine(line.text);
      if (!rec || rec.method.text !== "trust") continue;
      const reach = reachOf(rec);
      let severity: Severity;
      let who: string;
      let why = "";
      if (reach === "local" && ctx.moduleClass === "darwin") {
        // nix-darwin: the server runs under the Mac user's own launchd job, not a postgres system
        // account a service could climb to, and a Mac has few local accounts
        // (ivankovnatsky-nixos-config's Mac mini matrix database: judged low).
        severity = "low";
        who = rec.type === "local" ? "every local account, over the Unix socket," : `every process on the Mac (${rec.address!.text})`;
        why = " On nix-darwin the server runs under a launchd job of the Mac's user, not a postgres system account, so a local process gains that database and the server's account, on a machine with few local accounts.";
      } else if (reach === "local") {
        severity = "medium";
        who = rec.type === "local" ? "every local account, over the Unix socket," : `every process on the host (${rec.address!.text})`;
        why = " Rated medium although only local: any local account, a compromised web app or daemon running as its own user included, becomes the database superuser and so the postgres system account; it takes a foothold on the host first.";
      } else if (reach === "anywhere") {
        severity = network ? "critical" : "high";
        who = network ? `anyone on any network (${rec.address!.text}), and the server listens on the network,` : `anyone who reaches the port (${rec.address!.text}; the server listens on the network once enableTCPIP or listen_addresses is set)`;
      } else if (reach === "host") {
        severity = "medium";
        who = `every account on ${rec.address!.text}${rec.mask ? ` ${rec.mask.text}` : ""} (and anything that can use its address)`;
      } else if (reach === "network") {
        severity = "high";
        who = `every machine in ${rec.address!.text}${rec.mask ? ` ${rec.mask.text}` : ""}`;
      } else {
        severity = "high";
        who = "the clients of a computed address";
      }
      const start = line.start + rec.method.start;
      const end = line.start + rec.method.end;
      const span = sourceSpan(s, start, end);
      const replacement = rec.type === "local" ? "peer" : "scram-sha-256";
      const roles = roleReach(rec.user.text, superUser);
      const replication = rec.database.text === "replication";
      const gives =
        replication && roles !== "roles"
          ? `role ${rec.user.text}${rec.user.text === superUser ? "" : `, which includes the ${superUser} superuser`} (a physical copy of every database of the server, with pg_basebackup)`
          : roles === "superuser"
          ? `${rec.user.text === superUser ? "" : `role ${rec.user.text}, which includes `}the ${superUser} superuser, who can run commands as the ${superUser} system account (COPY ... FROM PROGRAM)`
          : roles === "maybe"
            ? `role ${rec.user.text}, whose members may include the ${superUser} superuser (who can run commands as the ${superUser} system account)`
            : `role ${rec.user.text} (not the superuser: that role's data and whatever it owns or is granted)`;
      if (roles === "roles") why = why.replace("becomes the database superuser and so the postgres system account", `becomes role ${rec.user.text}`);
      ctx.report({
        range: sourceRange(s, start, end),
        optionPath: "services.postgresql.authentication",
        key: line.text.trim().replace(/\s+/g, " "),
        severity,
        title: roles === "superuser" ? "PostgreSQL trust authentication for the superuser" : "PostgreSQL trust authentication",
        message: `services.postgresql.authentication line \`${line.text.trim()}\` lets ${who} ${replication ? "open replication connections" : `connect to database ${rec.database.text}`} as ${gives}, without a password: with trust PostgreSQL believes whatever role name the client sends.${why}`,
        evidence: line.text.trim(),
        fix: {
          safety: "review",
          description: `Use ${replacement} instead of trust${rec.type === "local" ? " (the OS user must match the role, or map it with identMap)" : " and give the clients passwords (or use certificates: hostssl ... cert)"}.`,
          edits: span ? [{ file: ctx.file, start: span.start, end: span.end, text: replacement }] : undefined,
        },
      });
    }
  }
}

function checkPgbouncer(ctx: NixFileContext): void {
  for (const path of ["services.pgbouncer.settings.pgbouncer.auth_type", "services.pgbouncer.authType"]) {
    for (const def of ctx.index.byPath.get(path) ?? []) {
      const v = staticValue(def.inner);
      if (isDead(def) || (v !== "trust" && v !== "any")) continue;
      const listen = [...(ctx.index.byPath.get("services.pgbouncer.settings.pgbouncer.listen_addr") ?? []), ...(ctx.index.byPath.get("services.pgbouncer.listenAddress") ?? [])].map((d) => staticValue(d.inner));
      const local = listen.length > 0 && listen.every((l) => typeof l === "string" && /^(localhost|127\.0\.0\.1|::1)$/.test(l.trim()));
      ctx.report({
        node: def.inner ?? def.binding,
        optionPath: def.path,
        severity: local ? "medium" : "high",
        title: `PgBouncer auth_type ${v}`,
        message: `${def.path} = "${v}": PgBouncer accepts ${v === "any" ? "any user name without a password" : "the user names in its auth file without a password"}${local ? " from local clients" : " from anyone who reaches its port"}, and connects them to the database with its own credentials.`,
        fix: { safety: "review", description: 'Use auth_type = "scram-sha-256" (or "hba" with a pg_hba file that does not trust) and give clients passwords.' },
      });
    }
  }
}

export const databaseTrustAuth: Rule = {
  id: "database-trust-auth",
  examples: {
    fire: [
      hostExample(`{ services.postgresql = { enable = true; authentication = "host all all 0.0.0.0/0 trust"; }; }\n`),
      // Medium, not low: local only, but any local account becomes the superuser.
      hostExample(`{ services.postgresql = { enable = true; authentication = "local all all trust"; }; }\n`),
      // The superuser's own records, among records for an application's role.
      hostExample(`{ services.postgresql = { enable = true; authentication = ''\n  local app app trust\n  local all postgres trust\n  local postgres postgres trust\n''; }; }\n`),
    ],
    silent: [
      hostExample(`{ services.postgresql = { enable = true; authentication = "host all all 10.0.0.0/8 scram-sha-256"; }; }\n`),
      hostExample(`{ services.postgresql = { enable = true; authentication = "local all postgres peer"; }; }\n`),
    ],
  },
  name: "Database trust authentication",
  category: "access",
  severity: "high",
  rationale:
    "PostgreSQL's trust method accepts any client that reaches a matching pg_hba record as any role it names, the superuser included; a superuser can run shell commands on the server (COPY ... FROM PROGRAM). From the network that is unauthenticated remote code execution.",
  fix: "Use scram-sha-256 (or cert) for host records and peer for local ones; keep trust out of pg_hba entirely.",
  references: [
    { title: "PostgreSQL: trust authentication", url: "https://www.postgresql.org/docs/current/auth-trust.html" },
    { title: "PostgreSQL: the pg_hba.conf file", url: "https://www.postgresql.org/docs/current/auth-pg-hba-conf.html" },
    nixosOption("services.postgresql.authentication"),
    { title: "PgBouncer: auth_type", url: "https://www.pgbouncer.org/config.html#auth_type" },
  ],
  compliance: { cis: ["5 Access, Authentication and Authorization"], nist: ["PR.AA-03", "PR.AA-05"] },
  checkNix(ctx) {
    checkPostgres(ctx);
    checkPgbouncer(ctx);
  },
};
