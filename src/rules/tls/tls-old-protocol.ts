// tls-old-protocol: SSLv3, TLS 1.0 or 1.1 allowed by a server's settings (see ./tls-config.ts).
import { LineIndex } from "../../nix/syntax.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { checkProtocols, fileSettings, nixSettings, TLS_COMPLIANCE } from "./tls-config.js";
import { nixosOption } from "../shared/references.js";

export const tlsOldProtocol: Rule = {
  id: "tls-old-protocol",
  examples: {
    fire: [hostExample(`{ services.nginx = { enable = true; sslProtocols = "TLSv1 TLSv1.1 TLSv1.2"; }; }\n`)],
    silent: [hostExample(`{ services.nginx = { enable = true; sslProtocols = "TLSv1.2 TLSv1.3"; }; }\n`)],
  },
  name: "old TLS/SSL protocol enabled",
  category: "tls",
  severity: "medium",
  rationale:
    "SSLv3, TLS 1.0 and TLS 1.1 have known attacks (POODLE, BEAST, downgrade) and were deprecated by RFC 8996; allowing them lets an attacker in the network path weaken or break the encryption of clients that can be made to negotiate them.",
  fix: "Allow TLS 1.2 and 1.3 only (nginx: `TLSv1.2 TLSv1.3`, the NixOS default; Apache: `All -SSLv2 -SSLv3 -TLSv1 -TLSv1.1`).",
  references: [
    { title: "RFC 8996: Deprecating TLS 1.0 and TLS 1.1", url: "https://www.rfc-editor.org/rfc/rfc8996" },
    { title: "Mozilla Server Side TLS recommendations", url: "https://wiki.mozilla.org/Security/Server_Side_TLS" },
    nixosOption("services.nginx.sslProtocols"),
  ],
  compliance: TLS_COMPLIANCE,
  checkNix(ctx) {
    checkProtocols(ctx.file, ctx.parsed.source.lines, nixSettings(ctx), (r) => ctx.report(r));
  },
  checkFile(ctx) {
    if (ctx.unparsedNix) return;
    const settings = fileSettings(ctx);
    if (settings.length) checkProtocols(ctx.file, new LineIndex(ctx.text!), settings, (r) => ctx.report(r));
  },
};
