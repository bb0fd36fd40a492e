// nfs-export-to-everyone: an export that any host can mount. exports(5) reads
// `path client(options)`; a space between the client and its options (`/data 10.0.0.0/8 (rw)`)
// is the classic typo: the client gets the default options (read-only) and the options go to a
// client with no name, which is every host. `*(...)` and a path with no client at all say the same
// on purpose. Read-write to everyone is high (anyone who can reach port 2049 writes the files, as
// any uid they claim); read-only medium (they read them).
import { staticValue } from "../../nix/values.js";
import { isDead } from "../shared/scope.js";
import { cookString, INTERPOLATION, logicalLines, showInterpolations, sourceRange, type CookedString } from "../shared/string-lines.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

export interface WorldExport {
  path: string;
  /** How the export reaches everyone. */
  how: "typo" | "wildcard" | "no-client";
  /** The options everyone gets ("" for the defaults: ro). */
  options: string;
  /** Cooked index range within the line of what to point at. */
  start: number;
  end: number;
  /** The client written before the typo's space, and where that space begins. */
  client?: string;
  gapStart?: number;
}

/** Ways one exports line (comments and continuations already joined) exports to every host. */
export function exportsToEveryone(line: string): WorldExport[] {
  const hash = line.indexOf("#");
  const text = hash >= 0 ? line.slice(0, hash) : line;
  const words = [...text.matchAll(/"[^"]*"|\S+/g)].map((m) => ({ w: m[0], at: m.index }));
  if (words.length === 0) return [];
  const path = words[0]!.w;
  // A path written as an interpolation (`${mountPoint} *(rw,...)`, ners-NixOS rocinante's gold.nix)
  // is a path too.
  if (!path.startsWith("/") && !path.startsWith('"/') && !path.startsWith(INTERPOLATION)) return [];
  const out: WorldExport[] = [];
  const clients = words.slice(1).filter(({ w }) => !w.startsWith("-"));
  if (clients.length === 0 && !path.includes(INTERPOLATION)) out.push({ path, how: "no-client", options: "", start: words[0]!.at, end: words[0]!.at + path.length });
  for (let i = 0; i < clients.length; i++) {
    const { w, at } = clients[i]!;
    const options = w.startsWith("(") ? w.slice(1, w.endsWith(")") ? -1 : undefined) : undefined;
    if (options !== undefined) {
      const before = clients[i - 1];
      out.push({ path, how: "typo", options, start: at, end: at + w.length, ...(before && !before.w.includes("(") ? { client: before.w, gapStart: before.at + before.w.length } : {}) });
    } else if (/^\*\(/.test(w) || w === "*") {
      out.push({ path, how: "wildcard", options: w.startsWith("*(") ? w.slice(2, w.endsWith(")") ? -1 : undefined) : "", start: at, end: at + w.length });
    }
  }
  return out;
}

const readWrite = (options: string): boolean => options.split(",").some((o) => o.trim() === "rw");

function report(ctx: NixFileContext, s: CookedString, lineStart: number, lineText: string, hit: WorldExport): void {
  const rw = readWrite(hit.options);
  const squashed = hit.options.split(",").some((o) => o.trim() === "all_squash");
  const path = showInterpolations(hit.path);
  const how =
    hit.how === "typo"
      ? `the space before \`(${hit.options})\` makes those options apply to every host${hit.client ? ` (${hit.client} itself gets the read-only defaults)` : ""}`
      : hit.how === "wildcard"
        ? "`*` is every host that can reach the server"
        : "an export with no client is open to every host";
  ctx.report({
    range: sourceRange(s, lineStart + hit.start, lineStart + hit.end),
    optionPath: "services.nfs.server.exports",
    key: `${hit.path} ${hit.how}`,
    severity: rw ? "high" : "medium",
    title: `NFS export ${rw ? "writable" : "readable"} by every host`,
    message: `services.nfs.server.exports exports ${path} ${rw ? "read-write" : "read-only"} to every host: ${how}. ${squashed ? `Anyone who can reach port 2049 ${rw ? "writes" : "reads"} what the anonymous user may.` : `With AUTH_SYS anyone who can reach port 2049 ${rw ? "writes" : "reads"} its files as any uid they claim.`}`,
    evidence: showInterpolations(lineText.trim()),
    fix: {
      safety: "review",
      description:
        hit.how === "typo"
          ? `Remove the space: \`${hit.client ?? "client"}(${hit.options})\`.`
          : "Name the clients (a host, or the network the clients are on) instead of every host.",
      edits:
        hit.how === "typo" && hit.client && hit.gapStart !== undefined && !hit.client.includes(INTERPOLATION)
          ? (() => {
              const from = s.offsets[lineStart + hit.gapStart!];
              const to = s.offsets[lineStart + hit.start];
              // Only when the gap is plain spaces in the source (no interpolation or escape between).
              return from !== undefined && to !== undefined && /^[ \t]+$/.test(ctx.text.slice(from, to)) ? [{ file: ctx.file, start: from, end: to, text: "" }] : undefined;
            })()
          : undefined,
    },
  });
}

function checkNix(ctx: NixFileContext): void {
  const disabled = (ctx.index.byPath.get("services.nfs.server.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false);
  if (disabled) return;
  for (const def of ctx.index.byPath.get("services.nfs.server.exports") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    for (const line of logicalLines(s)) for (const hit of exportsToEveryone(line.text)) report(ctx, s, line.start, line.text, hit);
  }
}

export const nfsExportToEveryone: Rule = {
  id: "nfs-export-to-everyone",
  name: "NFS export open to every host",
  category: "access",
  severity: "high",
  rationale:
    "An NFS export is an access list: with AUTH_SYS the server believes whatever uid a client sends, so the client list is the only guard. A space between a client and its options (`/data 10.0.0.0/8 (rw)`) silently gives those options to every host; `*` and an export without clients do the same on purpose.",
  fix: "Write each client with its options attached (`10.0.0.0/8(rw,...)`), and name the clients instead of `*`.",
  references: [
    { title: "exports(5): the space between host and options", url: "https://man7.org/linux/man-pages/man5/exports.5.html" },
    nixosOption("services.nfs.server.exports"),
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-05", "PR.DS-01"] },
  examples: {
    fire: [
      hostExample(`{ services.nfs.server = { enable = true; exports = ''\n  /data  100.64.0.0/10 (rw,fsid=0,no_subtree_check)\n''; }; }\n`),
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv/media *(ro,all_squash)"; }; }\n`),
      // The path from a let binding.
      hostExample(`let\n  mountPoint = "/mnt/gold";\nin\n{\n  services.nfs.server = { enable = true; exports = "\${mountPoint} *(rw,sync,all_squash,anonuid=1000)"; };\n}\n`),
    ],
    silent: [
      hostExample(`{ services.nfs.server = { enable = true; exports = ''\n  /data  100.64.0.0/10(rw,fsid=0,no_subtree_check) 192.168.1.5(ro)\n  # /old *(rw)\n''; }; }\n`),
      hostExample(`{ services.nfs.server = { enable = false; exports = "/srv *(rw)"; }; }\n`),
      hostExample(`{ services.nfs.server = { enable = true; exports = "/srv -rw,sync 10.0.0.0/8 192.168.1.5"; }; }\n`),
    ],
  },
  checkNix,
};
