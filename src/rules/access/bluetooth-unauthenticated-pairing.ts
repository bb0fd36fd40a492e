// bluetooth-unauthenticated-pairing: BlueZ settings that let a nearby device in without the
// owner's say-so.
// - `hardware.bluetooth.input.General.ClassicBondedOnly = false` (input.conf): the input plugin
//   accepts HID connections from devices that never bonded, the setting BlueZ turned on by default
//   as the fix for CVE-2023-45866, where an attacker within radio range connects as a keyboard
//   without pairing and types commands into the logged-in session. Medium. (It is the usual
//   workaround for Sony DualShock 3 / Sixaxis pads, which the message says.)
//   balsoft-nixos-config profiles/bluetooth.nix, found by an admin, missed.
// - `hardware.bluetooth.settings.General.JustWorksRepairing = "always"` (main.conf): a device
//   claiming the address of one already paired may pair again by "Just Works", without any
//   confirmation, replacing the stored key; whoever spoofs a paired keyboard's or headset's address
//   takes its place. Low: the attacker must be in radio range and know a paired address, and it is
//   the common workaround for game controllers that forget their keys. "confirm" asks first.
// Silent for the safe values (ClassicBondedOnly = true, JustWorksRepairing = "never"/"confirm")
// and where the same file turns Bluetooth off.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

const BONDED = "hardware.bluetooth.input.General.ClassicBondedOnly";
const REPAIRING = "hardware.bluetooth.settings.General.JustWorksRepairing";

const isFalse = (v: unknown) => v === false || (typeof v === "string" && /^(?:false|no|0)$/i.test(v.trim()));

function checkNix(ctx: NixFileContext): void {
  if (!ctx.text.includes("ClassicBondedOnly") && !ctx.text.includes("JustWorksRepairing")) return;
  const live = ctx.index.definitions.filter((d) => !isDead(d));
  if (live.some((d) => d.path === "hardware.bluetooth.enable" && staticValue(d.inner) === false)) return;
  for (const def of live) {
    if (!def.inner) continue;
    const v = staticValue(def.inner);
    if (def.path === BONDED && isFalse(v)) {
      ctx.report({
        node: def.inner,
        optionPath: def.path,
        severity: "medium",
        title: "Bluetooth accepts keyboards that never paired (ClassicBondedOnly = false)",
        message:
          `${def.path} = false lets BlueZ's input plugin accept HID connections from devices that never bonded with this machine: ` +
          "anyone within radio range can connect as a keyboard without pairing and type into the logged-in session (CVE-2023-45866, which BlueZ 5.71 closed by making true the default). " +
          "It is the usual workaround for Sony DualShock 3 / Sixaxis pads; if that is why it is here, keep Bluetooth off when the pad is not in use.",
        fix: {
          safety: "review",
          description: `Remove the setting (BlueZ's default is true) or set it to true; a DualShock 3 then needs the sixaxis plugin's cable pairing, or another controller.`,
          edits: [replaceNode(ctx.file, def.inner, typeof v === "string" ? '"true"' : "true")],
        },
      });
    }
    if (def.path === REPAIRING && typeof v === "string" && v.trim().toLowerCase() === "always") {
      ctx.report({
        node: def.inner,
        optionPath: def.path,
        severity: "low",
        title: "Bluetooth re-pairs known devices without confirmation (JustWorksRepairing = \"always\")",
        message:
          `${def.path} = "always": a device presenting the address of one already paired may pair again through "Just Works" with no confirmation, replacing the stored key, ` +
          "so whoever in radio range spoofs a paired keyboard's or headset's address takes its place (keystrokes into the session, audio). " +
          'It is the common workaround for game controllers that lose their pairing; "confirm" asks the user first.',
        fix: { safety: "review", description: 'Set it to "confirm" (asked in the desktop\'s Bluetooth agent) or remove it (the default is "never").', edits: [replaceNode(ctx.file, def.inner, '"confirm"')] },
      });
    }
  }
}

export const bluetoothUnauthenticatedPairing: Rule = {
  id: "bluetooth-unauthenticated-pairing",
  examples: {
    fire: [
      hostExample(`{\n  hardware.bluetooth = {\n    enable = true;\n    input.General.ClassicBondedOnly = false;\n  };\n}\n`),
      hostExample(`{\n  hardware.bluetooth = {\n    enable = true;\n    settings.General = { Experimental = true; JustWorksRepairing = "always"; FastConnectable = true; };\n  };\n}\n`),
    ],
    silent: [
      hostExample(`{\n  hardware.bluetooth = {\n    enable = true;\n    input.General = { ClassicBondedOnly = true; UserspaceHID = true; };\n    settings.General = { JustWorksRepairing = "confirm"; Experimental = true; };\n  };\n}\n`),
      hostExample(`{\n  hardware.bluetooth.settings.General = { JustWorksRepairing = "never"; FastConnectable = false; };\n}\n`),
      // Bluetooth turned off in the same file.
      hostExample(`{\n  hardware.bluetooth = { enable = false; input.General.ClassicBondedOnly = false; };\n}\n`),
    ],
  },
  name: "Bluetooth lets devices in without pairing",
  category: "access",
  severity: "medium",
  rationale:
    "BlueZ protects the machine from nearby devices by asking before pairing and by accepting keyboards only once bonded. ClassicBondedOnly = false lets an unpaired device connect as a keyboard and type into the session (CVE-2023-45866); JustWorksRepairing = \"always\" lets a device spoofing a paired one's address re-pair without confirmation.",
  fix: "Keep ClassicBondedOnly at its default (true) and JustWorksRepairing at \"never\" or \"confirm\".",
  references: [
    nixosOption("hardware.bluetooth.input"),
    nixosOption("hardware.bluetooth.settings"),
    { title: "CVE-2023-45866: BlueZ HID unauthenticated keystroke injection", url: "https://nvd.nist.gov/vuln/detail/CVE-2023-45866" },
  ],
  compliance: { cis: ["3.1.3 Ensure bluetooth services are not in use"], nist: ["PR.AA-03", "PR.PS-01"] },
  checkNix,
};
