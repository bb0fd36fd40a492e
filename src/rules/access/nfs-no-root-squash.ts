// nfs-no-root-squash: `no_root_squash` in services.nfs.server.exports. NFS (AUTH_SYS) trusts the
// client's word for who is asking; root_squash maps a client's root to nobody, no_root_squash
// leaves it root, so root on any allowed client (or anyone who can send packets from an allowed
// address) owns every file of the export and can plant setuid-root programs in it. The exports
// text is read line by line as exportfs reads /etc/exports (exports(5)): `#` comments, backslash
// continuations, `path [-defaults] client(options) ...`; the finding points at the option. High for
// wildcard, network and `*` clients, medium for a single named host.
import { staticValue } from "../../nix/values.js";
import { isDead } from "../shared/scope.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { cookString, INTERPOLATION, logicalLines, sourceRange, sourceSpan, type CookedString } from "../shared/string-lines.js";
import type { Severity } from "../../report/schema.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";

interface ExportOption {
  client: string;
  /** Cooked index range of `no_root_squash` within the line. */
  start: number;
  end: number;
}

/** `no_root_squash` occurrences in one exports line, with the client they apply to. */
export function noRootSquash(line: string): { path: string; hits: ExportOption[] } | undefined {
  const hash = line.indexOf("#");
  const text = hash >= 0 ? line.slice(0, hash) : line;
  const re = /"[^"]*"|\S+/g;
  const words: Array<{ w: string; at: number }> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) words.push({ w: m[0], at: m.index });
  if (words.length < 2) return undefined;
  const path = words[0]!.w;
  const hits: ExportOption[] = [];
  for (const { w, at } of words.slice(1)) {
    // `-opts` sets default options for the clients after it; `client(opts)` options for one.
    const paren = w.indexOf("(");
    if (!w.startsWith("-") && paren < 0) continue;
    const opts = w.startsWith("-") ? w.slice(1) : w.slice(paren + 1, w.endsWith(")") ? -1 : undefined);
    const client = w.startsWith("-") ? "the clients listed after it" : w.slice(0, paren) || "*";
    const optStart = w.startsWith("-") ? at + 1 : at + paren + 1;
    let offset = 0;
    for (const o of opts.split(",")) {
      if (o === "no_root_squash") hits.push({ client, start: optStart + offset, end: optStart + offset + o.length });
      offset += o.length + 1;
    }
  }
  return { path, hits };
}

function clientSeverity(client: string): Severity {
  if (client.includes(INTERPOLATION)) return "high";
  if (client === "the clients listed after it" || client === "*" || /[*?[\]/]/.test(client) || client.startsWith("@") || client.startsWith("gss/")) return "high";
  return "medium";
}

function report(ctx: NixFileContext, s: CookedString, lineText: string, path: string, hit: ExportOption, start: number, end: number): void {
  const span = sourceSpan(s, start, end);
  const exact = s.text.slice(start, end) === "no_root_squash";
  const client = hit.client.replaceAll(INTERPOLATION, "${…}");
  ctx.report({
    range: sourceRange(s, start, end),
    optionPath: "services.nfs.server.exports",
    key: `${path} ${client}`,
    severity: clientSeverity(hit.client),
    title: "NFS export without root squashing",
    message: `services.nfs.server.exports exports ${path.replaceAll(INTERPOLATION, "${…}")} to ${client} with no_root_squash: root on ${hit.client === "*" ? "any client" : hit.client.startsWith("the clients") ? "those clients" : client} is root on the export, owns every file in it and can plant setuid-root programs there.`,
    evidence: lineText.trim().replaceAll(INTERPOLATION, "${…}"),
    fix: {
      safety: "review",
      description: "Use root_squash (the default: drop no_root_squash); give the clients that need to write a dedicated uid/gid (anonuid/anongid with all_squash) instead of root.",
      edits: span && exact ? [{ file: ctx.file, start: span.start, end: span.end, text: "root_squash" }] : undefined,
    },
  });
}

function checkNix(ctx: NixFileContext): void {
  const disabled = (ctx.index.byPath.get("services.nfs.server.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false);
  if (disabled) return;
  for (const def of ctx.index.byPath.get("services.nfs.server.exports") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (s) {
      for (const line of logicalLines(s)) {
        const parsed = noRootSquash(line.text);
        if (!parsed) continue;
        for (const hit of parsed.hits) report(ctx, s, line.text, parsed.path, hit, line.start + hit.start, line.start + hit.end);
      }
    }
    // Exports computed from pieces (`${concatMapStringsSep " " (host: "${host}(rw,no_root_squash)") hosts}`):
    // the option groups of every string inside, whole-line parsing aside.
    def.inner?.walk((n) => {
      if (n.kind !== K.NODE_STRING || n === s?.node) return;
      const piece = cookString(n);
      if (!piece) return false;
      for (const m of piece.text.matchAll(/([^\s(]*)\(([^()]*)\)/g)) {
        let offset = m.index! + m[1]!.length + 1;
        for (const o of m[2]!.split(",")) {
          if (o === "no_root_squash") report(ctx, piece, piece.text, "(computed)", { client: m[1] || "*", start: 0, end: 0 }, offset, offset + o.length);
          offset += o.length + 1;
        }
      }
    });
  }
}

export const nfsNoRootSquash: Rule = {
  id: "nfs-no-root-squash",
  examples: {
    fire: [hostExample(`{ services.nfs.server = { enable = true; exports = "/srv 192.168.1.0/24(rw,no_root_squash)"; }; }\n`)],
    silent: [hostExample(`{ services.nfs.server = { enable = true; exports = "/srv 192.168.1.0/24(rw,root_squash)"; }; }\n`)],
  },
  name: "NFS export with no_root_squash",
  category: "access",
  severity: "high",
  rationale:
    "NFS with AUTH_SYS believes the uid a client sends. no_root_squash lets a client's root act as root on the export: anyone with root on (or spoofing the address of) an allowed client owns the exported files and can plant setuid binaries.",
  fix: "Keep the default root_squash; map writers to a dedicated account (all_squash, anonuid, anongid) or use Kerberos (sec=krb5p).",
  references: [
    { title: "exports(5): root_squash / no_root_squash", url: "https://man7.org/linux/man-pages/man5/exports.5.html" },
    { title: "NixOS option services.nfs.server.exports", url: "https://search.nixos.org/options?query=services.nfs.server.exports" },
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-05", "PR.DS-01"] },
  checkNix,
};
