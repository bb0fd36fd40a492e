// nfs-no-root-squash: `no_root_squash` in services.nfs.server.exports. NFS (AUTH_SYS) trusts the
// client's word for who is asking; root_squash maps a client's root to nobody, no_root_squash
// leaves it root, so root on any allowed client (or anyone who can send packets from an allowed
// address) owns every file of the export and can plant setuid-root programs in it. The exports
// text is read line by line as exportfs reads /etc/exports (exports(5)): `#` comments, backslash
// continuations, `path [-defaults] client(options) ...`; the finding points at the option. High for
// wildcard, network and `*` clients, medium for a single named host. An option list that also has
// all_squash is left alone: all_squash maps root to anonuid too, so no_root_squash has no effect
// there (ners-NixOS nixos/rocinante/gold.nix, judged wrong).
import { staticValue } from "../../nix/values.js";
import { isDead } from "../shared/scope.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { cookString, INTERPOLATION, logicalLines, showInterpolations, sourceRange, sourceSpan, type CookedString } from "../shared/string-lines.js";
import type { Severity } from "../../report/schema.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { hostExample } from "../shared/examples.js";
import { escapeRegExp } from "../../text/regexp.js";
import { nixosOption } from "../shared/references.js";

interface ExportOption {
  client: string;
  /** Cooked index range of `no_root_squash` within the line. */
  start: number;
  end: number;
  /** The same option list has `insecure`: requests from unprivileged source ports are accepted. */
  insecure: boolean;
  /** The same option list says `ro` (and no later `rw`): the client cannot write to the export. */
  readOnly: boolean;
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
    const insecure = opts.split(",").includes("insecure");
    const access = opts.split(",").filter((o) => o === "ro" || o === "rw").at(-1);
    const readOnly = access === "ro";
    // all_squash maps every uid, root's too, to anonuid: no_root_squash then changes nothing.
    if (opts.split(",").includes("all_squash")) continue;
    for (const o of opts.split(",")) {
      if (o === "no_root_squash") hits.push({ client, start: optStart + offset, end: optStart + offset + o.length, insecure, readOnly });
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

/** One `no_root_squash` found: in which string, at which cooked offsets, for which client. */
interface Hit {
  s: CookedString;
  client: string;
  start: number;
  end: number;
  insecure: boolean;
  readOnly: boolean;
}

/** One finding per exports line (an export and its clients): the clients of all its
 * `no_root_squash` options listed, the worst severity, every occurrence fixed. */
function report(ctx: NixFileContext, path: string, lineText: string, hits: Hit[]): void {
  const first = hits[0]!;
  const clients = [...new Set(hits.map((h) => showInterpolations(h.client)))];
  const insecure = hits.some((h) => h.insecure);
  // `insecure` lets any local user of an allowed client speak NFS from an unprivileged port and
  // claim uid 0 itself: with no_root_squash that is root on the export for every account there.
  // Read-only for every client (`ro`): root there cannot write, own files or plant setuid programs;
  // it only reads what only root may read (cleverca22-nixos-configs nas.nix `10.0.0.15(ro,
  // no_root_squash)`, judged wrong at medium: "should be low").
  const readOnly = hits.every((h) => h.readOnly);
  // (Medium when a wildcard or a network may mount it: root of any machine there reads them.)
  const wide = hits.some((h) => clientSeverity(h.client) === "high");
  const severity: Severity = readOnly ? (wide || insecure ? "medium" : "low") : insecure || wide ? "high" : "medium";
  const insecureNote = insecure
    ? " With insecure as well, the server accepts requests from unprivileged source ports (1024 and above), so not only root: any local user on an allowed client can run a user-space NFS client, claim uid 0, and be root on the export."
    : "";
  const anyClient = hits.some((h) => h.client === "*");
  const who = anyClient ? "any client" : clients.length === 1 && first.client.startsWith("the clients") ? "those clients" : clients.join(", ");
  const edits: TextEdit[] = [];
  for (const h of hits) {
    const span = sourceSpan(h.s, h.start, h.end);
    if (span && h.s.text.slice(h.start, h.end) === "no_root_squash") edits.push({ file: ctx.file, start: span.start, end: span.end, text: "root_squash" });
  }
  ctx.report({
    range: sourceRange(first.s, first.start, first.end),
    optionPath: "services.nfs.server.exports",
    key: `${path} ${clients.join(" ")}`,
    severity,
    title: "NFS export without root squashing",
    message: readOnly
      ? `services.nfs.server.exports exports ${showInterpolations(path)} read-only to ${clients.join(", ")} with no_root_squash: root on ${who} reads every file of the export as root, those only root may read included (keys, shadow copies, other users' private files). The export is ro, so it cannot change them.${insecureNote}`
      : `services.nfs.server.exports exports ${showInterpolations(path)} to ${clients.join(", ")} with no_root_squash: root on ${who} is root on the export, owns every file in it and can plant setuid-root programs there.${insecureNote}`,
    evidence: showInterpolations(lineText.trim()),
    fix: {
      safety: "review",
      description: `Use root_squash (the default: drop no_root_squash); give the clients that need to write a dedicated uid/gid (anonuid/anongid with all_squash) instead of root.${insecure ? " Drop insecure too (secure, the default, takes requests from privileged ports only), unless a client really needs it (some macOS and user-space clients)." : ""}`,
      // Only when every occurrence can be edited: a partial fix would look complete.
      edits: edits.length === hits.length ? edits : undefined,
    },
  });
}

/** The name a piece of text is bound to in a `let` (`exportHome = imap0 (... "${ip}(...)") hosts;`). */
function letBoundName(node: SyntaxNode, stop: SyntaxNode): string | undefined {
  for (let n: SyntaxNode | null = node.parent; n && n !== stop; n = n.parent) {
    if (n.kind === K.NODE_ATTRPATH_VALUE && n.parent?.kind === K.NODE_LET_IN) {
      const [path] = n.childNodes();
      return path?.text.trim();
    }
  }
  return undefined;
}

function checkNix(ctx: NixFileContext): void {
  const disabled = (ctx.index.byPath.get("services.nfs.server.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false);
  if (disabled) return;
  for (const def of ctx.index.byPath.get("services.nfs.server.exports") ?? []) {
    if (isDead(def)) continue;
    // `exports = let pieces = ...; in '' ... '';`: the string is the let's body.
    let body = def.inner;
    while (body?.kind === K.NODE_LET_IN) body = body.childNodes().at(-1);
    const s = cookString(body);
    const lines: Array<{ path: string; text: string; hits: Hit[]; from: number; to: number; source: string }> = [];
    if (s) {
      for (const line of logicalLines(s)) {
        const parsed = noRootSquash(line.text);
        if (!parsed) continue;
        const from = s.offsets[line.start]!;
        const to = s.offsets[Math.min(line.start + line.text.length, s.offsets.length - 1)]!;
        const hits = parsed.hits.map((h) => ({ s, client: h.client, start: line.start + h.start, end: line.start + h.end, insecure: h.insecure, readOnly: h.readOnly }));
        lines.push({ path: parsed.path, text: line.text, hits, from, to, source: s.node.source.text.slice(from, to) });
      }
    }
    // Exports computed from pieces (`${concatMapStringsSep " " (host: "${host}(rw,no_root_squash)") hosts}`):
    // the option groups of every string inside, whole-line parsing aside. A piece belongs to the
    // line it is interpolated into, directly or through a let-bound name; others are one group.
    const computed: Hit[] = [];
    def.inner?.walk((n) => {
      if (n.kind !== K.NODE_STRING || n === s?.node) return;
      const piece = cookString(n);
      if (!piece) return false;
      const found: Hit[] = [];
      for (const m of piece.text.matchAll(/([^\s(]*)\(([^()]*)\)/g)) {
        let offset = m.index! + m[1]!.length + 1;
        const insecure = m[2]!.split(",").includes("insecure");
        const readOnly = m[2]!.split(",").filter((o) => o === "ro" || o === "rw").at(-1) === "ro";
        if (m[2]!.split(",").includes("all_squash")) continue;
        for (const o of m[2]!.split(",")) {
          if (o === "no_root_squash") found.push({ s: piece, client: m[1] || "*", start: offset, end: offset + o.length, insecure, readOnly });
          offset += o.length + 1;
        }
      }
      if (!found.length) return false;
      const bound = letBoundName(n, def.inner!);
      const owner =
        lines.find((l) => n.start >= l.from && n.end <= l.to) ??
        (bound ? lines.find((l) => new RegExp(`\\$\\{[^}]*(?<![\\w'-])${escapeRegExp(bound)}(?![\\w'-])`).test(l.source)) : undefined);
      if (owner) owner.hits.push(...found);
      else computed.push(...found);
      return false;
    });
    for (const l of lines) if (l.hits.length) report(ctx, l.path, l.text, l.hits);
    if (computed.length) report(ctx, "(computed)", computed[0]!.s.text, computed);
  }
}

export const nfsNoRootSquash: Rule = {
  id: "nfs-no-root-squash",
  examples: {
    fire: [
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv 192.168.1.0/24(rw,no_root_squash)"; }; }\n`),
      // insecure makes it worse: any user on the client, not only its root (high for one host too).
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv nas-client(rw,insecure,no_root_squash)"; }; }\n`),
      // Read-only: root on the client reads root-only files but writes nothing (low).
      hostExample(`{ services.nfs.server = { enable = true; exports = "/home/game 10.0.0.15(ro,no_root_squash)"; }; }\n`),
    ],
    silent: [
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv 192.168.1.0/24(rw,root_squash)"; }; }\n`),
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv 192.168.1.0/24(rw,no_root_squash,all_squash,anonuid=1000,anongid=100)"; }; }\n`),
    ],
  },
  name: "NFS export with no_root_squash",
  category: "access",
  severity: "high",
  rationale:
    "NFS with AUTH_SYS believes the uid a client sends. no_root_squash lets a client's root act as root on the export: anyone with root on (or spoofing the address of) an allowed client owns the exported files and can plant setuid binaries.",
  fix: "Keep the default root_squash; map writers to a dedicated account (all_squash, anonuid, anongid) or use Kerberos (sec=krb5p).",
  references: [
    { title: "exports(5): root_squash / no_root_squash", url: "https://man7.org/linux/man-pages/man5/exports.5.html" },
    nixosOption("services.nfs.server.exports"),
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-05", "PR.DS-01"] },
  checkNix,
};
