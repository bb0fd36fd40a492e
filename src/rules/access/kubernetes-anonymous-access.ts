// kubernetes-anonymous-access: a kubelet or kube-apiserver that answers requests nobody
// authenticated, or lets whoever authenticated do anything.
// - kubelet: `authentication.anonymous.enabled = true` in its KubeletConfiguration (NixOS's
//   services.kubernetes.kubelet.extraConfig, or a module's own `kubelet.settings`), `authorization.mode
//   = "AlwaysAllow"`, or the flags --anonymous-auth=true / --authorization-mode=AlwaysAllow (extraOpts,
//   k3s's --kubelet-arg, an ExecStart). Both together: anyone who reaches port 10250 runs commands
//   in every pod (`/exec`, `/run`), which is root on the node; high. AlwaysAllow alone (every
//   authenticated client may do everything): medium; anonymous alone (the webhook still decides what
//   system:anonymous may do): low.
//   arianvp-nixos-stuff modules/kubernetes/kubernetes.nix (altra, kubelet on :: with both), found by
//   an admin, missed.
// - kube-apiserver: AlwaysAllow in services.kubernetes.apiserver.authorizationMode or
//   --authorization-mode (every authenticated user, and with anonymous auth every client, is
//   cluster-admin): high; --anonymous-auth=true explicitly: low (RBAC still limits
//   system:anonymous); the old insecure port (services.kubernetes.apiserver.insecurePort or
//   --insecure-port other than 0: no authentication nor authorisation at all): high.
// Silent for the safe values (anonymous off, Webhook/RBAC/Node modes, --insecure-port=0), and for
// Grafana's or any other `anonymous.enabled` outside a kubelet's configuration.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { OptionDefinition } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { nixosOption } from "../shared/references.js";
import type { NixFileContext, Rule } from "../types.js";

type Component = "kubelet" | "apiserver";
type What = "anonymous" | "always-allow" | "insecure-port";

interface Hit {
  component: Component;
  what: What;
  node: SyntaxNode;
  def: OptionDefinition;
  how: string;
}

const truthy = (v: unknown) => v === true || (typeof v === "string" && /^true$/i.test(v.trim()));
const KUBELET_CONFIG = /(?:^|\.)kubelet\.(?:settings|extraConfig|config|configuration)\./;

/** Which component a flag belongs to: the flag's own prefix (k3s), the option it is written in
 * (`services.kubernetes.kubelet.extraOpts`, `systemd.services.kube-apiserver`), else the program
 * the text runs (an apiserver's command line names `--kubelet-client-certificate`, so the program
 * name decides, not any mention). */
function componentOf(prefix: string | undefined, path: string, text = ""): Component | undefined {
  if (prefix) return /kubelet/.test(prefix) ? "kubelet" : /apiserver/.test(prefix) ? "apiserver" : undefined;
  if (/apiserver|api-server/i.test(path)) return "apiserver";
  if (/kubelet/i.test(path)) return "kubelet";
  if (/\bkube-apiserver\b/.test(text)) return "apiserver";
  if (/\/bin\/kubelet\b|^\s*kubelet\s/m.test(text)) return "kubelet";
  return undefined;
}

// `--anonymous-auth=true`, `--anonymous-auth` alone, `--authorization-mode=Node,AlwaysAllow`,
// `--insecure-port=8080`, with k3s's `--kube-apiserver-arg=` / `--kubelet-arg=` (`anonymous-auth=true`).
const FLAG = /(?:--(kube-apiserver-arg|kubelet-arg)[= ]["']?)?(?:--)?\b(anonymous-auth|authorization-mode|insecure-port)(?:[= ]["']?([\w,.-]+))?/g;

function flagHits(def: OptionDefinition, node: SyntaxNode): Array<Omit<Hit, "def" | "node">> {
  const text = node.text;
  if (!/anonymous-auth|authorization-mode|insecure-port/.test(text)) return [];
  const out: Array<Omit<Hit, "def" | "node">> = [];
  for (const m of text.matchAll(FLAG)) {
    const [whole, prefix, flag, value] = m;
    // A bare word (`anonymous-auth` in prose) is a flag only with `--` or a k3s prefix before it.
    if (!prefix && !whole!.includes("--")) continue;
    const component = componentOf(prefix, def.path, text);
    if (!component) continue;
    if (flag === "anonymous-auth" && (value === undefined || /^true$/i.test(value))) out.push({ component, what: "anonymous", how: whole!.trim() });
    if (flag === "authorization-mode" && value && value.split(",").includes("AlwaysAllow")) out.push({ component, what: "always-allow", how: whole!.trim() });
    if (flag === "insecure-port" && component === "apiserver" && value && /^\d+$/.test(value) && value !== "0") out.push({ component, what: "insecure-port", how: whole!.trim() });
  }
  return out;
}

function hitsIn(ctx: NixFileContext): Hit[] {
  if (!/anonymous|AlwaysAllow|insecure-?[pP]ort/.test(ctx.text)) return [];
  const hits: Hit[] = [];
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner) continue;
    const v = staticValue(def.inner);
    const path = def.path;
    const pathComponent = componentOf(undefined, path);
    // KubeletConfiguration as Nix attributes.
    if (KUBELET_CONFIG.test(path) && /\.authentication\.anonymous\.enabled$/.test(path) && truthy(v)) hits.push({ component: "kubelet", what: "anonymous", node: def.inner, def, how: "authentication.anonymous.enabled = true" });
    else if (KUBELET_CONFIG.test(path) && /\.authorization\.mode$/.test(path) && v === "AlwaysAllow") hits.push({ component: "kubelet", what: "always-allow", node: def.inner, def, how: 'authorization.mode = "AlwaysAllow"' });
    // Flags as Nix attributes (`kube-apiserver.settings.anonymous-auth = true`).
    else if (/(?:^|\.)"?anonymous-auth"?$/.test(path) && truthy(v) && pathComponent) hits.push({ component: pathComponent, what: "anonymous", node: def.inner, def, how: "anonymous-auth = true" });
    else if (/(?:^|\.)"?authorization-mode"?$/.test(path) && pathComponent && (Array.isArray(v) ? v.includes("AlwaysAllow") : typeof v === "string" && v.split(",").includes("AlwaysAllow")))
      hits.push({ component: pathComponent, what: "always-allow", node: def.inner, def, how: "authorization-mode AlwaysAllow" });
    // NixOS's services.kubernetes.apiserver options.
    else if (path === "services.kubernetes.apiserver.authorizationMode" && Array.isArray(v) && v.includes("AlwaysAllow")) hits.push({ component: "apiserver", what: "always-allow", node: def.inner, def, how: 'authorizationMode contains "AlwaysAllow"' });
    else if (path === "services.kubernetes.apiserver.insecurePort" && typeof v === "number" && v > 0) hits.push({ component: "apiserver", what: "insecure-port", node: def.inner, def, how: `insecurePort = ${v}` });
    // Command-line flags in strings (extraOpts, k3s extraFlags, ExecStart, scripts).
    else if (def.isLeaf) {
      const strings = def.inner.kind === K.NODE_STRING ? [def.inner] : def.inner.descendants(K.NODE_STRING);
      for (const s of strings) for (const h of flagHits(def, s)) hits.push({ ...h, node: s, def });
    }
  }
  return hits;
}

const PORT: Record<Component, string> = { kubelet: "10250", apiserver: "6443" };

function checkNix(ctx: NixFileContext): void {
  const hits = hitsIn(ctx);
  for (const component of ["kubelet", "apiserver"] as const) {
    const mine = hits.filter((h) => h.component === component);
    const anon = mine.find((h) => h.what === "anonymous");
    const allow = mine.find((h) => h.what === "always-allow");
    const insecure = mine.find((h) => h.what === "insecure-port");
    if (insecure) {
      ctx.report({
        node: insecure.node,
        optionPath: insecure.def.path,
        severity: "high",
        title: "kube-apiserver serves its insecure port",
        message: `${insecure.def.path}: ${insecure.how} opens kube-apiserver's insecure port, which skips authentication and authorisation altogether: every process that reaches it is cluster-admin, and through a privileged pod root on every node.`,
        fix: { safety: "review", description: "Remove the insecure port (--insecure-port=0; newer Kubernetes no longer has it) and talk to the API server over its secure port with client certificates or tokens." },
      });
    }
    const first = anon ?? allow;
    if (!first) continue;
    let severity: Severity;
    let what: string;
    if (component === "kubelet") {
      severity = anon && allow ? "high" : allow ? "medium" : "low";
      what =
        anon && allow
          ? "answers anonymous requests and authorises every request (AlwaysAllow): anyone who reaches port 10250 lists the pods, reads their logs and runs commands in every container (/exec, /run), which is root on the node"
          : allow
            ? "authorises every request it authenticates (AlwaysAllow): any client holding a certificate or token of the cluster, whatever its role, runs commands in every container of the node (/exec, /run)"
            : "accepts anonymous requests (as system:anonymous); its authorisation mode still decides what they may do, so make sure it is Webhook and RBAC gives system:anonymous nothing";
    } else {
      severity = allow ? "high" : "low";
      what = allow
        ? `authorises every request (AlwaysAllow)${anon ? " and accepts anonymous ones" : ""}: every authenticated client${anon ? ", and anyone at all," : ""} is cluster-admin, and through a privileged pod root on every node`
        : "accepts anonymous requests explicitly (as system:anonymous); RBAC still decides what they may do, so make sure no binding grants system:anonymous or system:unauthenticated anything";
    }
    const how = [anon?.how, allow?.how].filter(Boolean).join(" and ");
    ctx.report({
      node: first.node,
      optionPath: first.def.path,
      severity,
      title: component === "kubelet" ? (anon && allow ? "kubelet API open to anyone (anonymous auth, AlwaysAllow)" : "kubelet API authentication or authorisation weakened") : allow ? "kube-apiserver authorises every request (AlwaysAllow)" : "kube-apiserver accepts anonymous requests",
      message: `The ${component === "kubelet" ? "kubelet" : "kube-apiserver"} (${how}) ${what}. Its port (${PORT[component]} by default) is reached by every local user and container of the host, and by every network the firewall lets to it.`,
      fix: {
        safety: "review",
        description:
          component === "kubelet"
            ? "Set authentication.anonymous.enabled = false, authentication.webhook.enabled = true and authorization.mode = \"Webhook\" (the kubelet then asks the API server, and RBAC decides), with the API server's client CA in authentication.x509.clientCAFile."
            : "Use authorization modes Node and RBAC (services.kubernetes.apiserver.authorizationMode = [ \"RBAC\" \"Node\" ], the NixOS default) and --anonymous-auth=false unless something needs anonymous health checks.",
      },
    });
  }
}

export const kubernetesAnonymousAccess: Rule = {
  id: "kubernetes-anonymous-access",
  examples: {
    fire: [
      hostExample(
        `{\n  services.kubernetes.kubelet = {\n    enable = true;\n    extraConfig = {\n      authentication = { anonymous.enabled = true; webhook.enabled = false; };\n      authorization.mode = "AlwaysAllow";\n    };\n  };\n}\n`,
      ),
      hostExample(`{\n  services.kubernetes.apiserver = { enable = true; authorizationMode = [ "AlwaysAllow" ]; };\n}\n`),
      hostExample(`{\n  services.k3s = { enable = true; role = "server"; extraFlags = "--kubelet-arg=anonymous-auth=true --kubelet-arg=authorization-mode=AlwaysAllow"; };\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.kube-apiserver.serviceConfig.ExecStart = "\${pkgs.kubernetes}/bin/kube-apiserver --insecure-port=8080 --insecure-bind-address=0.0.0.0 --etcd-servers=http://127.0.0.1:2379";\n}\n`),
    ],
    silent: [
      hostExample(
        `{\n  services.kubernetes.kubelet.extraConfig = {\n    authentication = { anonymous.enabled = false; webhook.enabled = true; };\n    authorization.mode = "Webhook";\n  };\n  services.kubernetes.apiserver.authorizationMode = [ "RBAC" "Node" ];\n}\n`,
      ),
      // Grafana's anonymous access is not a kubelet's.
      hostExample(`{\n  services.grafana.settings."auth.anonymous".enabled = true;\n  services.grafana.settings.auth.anonymous.enabled = true;\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.kube-apiserver.serviceConfig.ExecStart = "\${pkgs.kubernetes}/bin/kube-apiserver --authorization-mode=Node,RBAC --anonymous-auth=false --insecure-port=0";\n}\n`),
    ],
  },
  name: "Kubernetes API without authentication",
  category: "access",
  severity: "high",
  rationale:
    "The kubelet and the API server run every pod of the node or cluster. With anonymous authentication and AlwaysAllow authorisation (or the API server's insecure port) anyone who reaches their port runs commands in every container, which is root on the node.",
  fix: "Kubelet: anonymous authentication off, webhook authentication and authorisation on. API server: Node and RBAC authorisation, no insecure port, anonymous authentication off unless needed.",
  references: [
    { title: "Kubernetes: kubelet authentication/authorization", url: "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/" },
    { title: "Kubernetes: authorization modes", url: "https://kubernetes.io/docs/reference/access-authn-authz/authorization/" },
    nixosOption("services.kubernetes.apiserver.authorizationMode"),
    nixosOption("services.kubernetes.kubelet.extraConfig"),
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-01", "PR.AA-05"] },
  checkNix,
};
