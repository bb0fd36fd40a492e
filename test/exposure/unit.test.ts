// The NixOS side: how serviceConfig values become unit file lines (systemd-lib.nix toOption and
// attrsToSection), checked against the real Nix evaluator where Nix itself decides (toString).
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { assessExposure } from "../../src/exposure/score.js";
import { type NixValue, attrsToSection, nixToString, renderUnitFile, toOption, toUnitSettings } from "../../src/exposure/unit.js";
import { nixAvailable } from "../helpers/nix.js";

function nixEval(expr: string): string {
  return JSON.parse(execFileSync("nix-instantiate", ["--eval", "--json", "--expr", expr], { encoding: "utf8", timeout: 30_000 })) as string;
}

describe("toOption / attrsToSection", () => {
  test("booleans become true/false, numbers decimal, null an empty assignment", () => {
    expect(toOption(true)).toBe("true");
    expect(toOption(false)).toBe("false");
    expect(toOption(42)).toBe("42");
    expect(toOption(null)).toBe("");
    expect(toOption("strict")).toBe("strict");
  });

  test("a list is one line per element, an empty list no line, nested lists join with spaces", () => {
    expect(attrsToSection({ SystemCallFilter: ["@system-service", "~@privileged"], ReadWritePaths: [] })).toEqual([
      ["SystemCallFilter", "@system-service"],
      ["SystemCallFilter", "~@privileged"],
    ]);
    expect(attrsToSection({ CapabilityBoundingSet: [["CAP_KILL", "CAP_CHOWN"]] })).toEqual([["CapabilityBoundingSet", "CAP_KILL CAP_CHOWN"]]);
    expect(attrsToSection({ PrivateTmp: [true, false] })).toEqual([["PrivateTmp", "true"], ["PrivateTmp", "false"]]);
  });

  test("keys come out in Nix's sorted order, null keys stay as resets", () => {
    const lines = attrsToSection({ User: null, ProtectSystem: "strict", DynamicUser: true, AmbientCapabilities: "" });
    expect(lines.map(([k]) => k)).toEqual(["AmbientCapabilities", "DynamicUser", "ProtectSystem", "User"]);
    expect(lines[3]).toEqual(["User", ""]);
  });

  test.skipIf(!nixAvailable)("nixToString agrees with the real builtins.toString", () => {
    const cases: Array<[NixValue, string]> = [
      [["a", null, true, false, 1, ["b", "c"]], '[ "a" null true false 1 [ "b" "c" ] ]'],
      [null, "null"],
      [true, "true"],
      [false, "false"],
      [77, "77"],
      [-3, "-3"],
      [0.5, "0.5"],
      [[], "[ ]"],
      ["x y", '"x y"'],
    ];
    for (const [value, nix] of cases) expect(nixToString(value), nix).toBe(nixEval(`builtins.toString (${nix})`));
  });
});

describe("toUnitSettings / renderUnitFile", () => {
  test("renders [Unit] and [Service] with the script's ExecStart", () => {
    const text = renderUnitFile("web", { serviceConfig: { User: "web", PrivateTmp: true }, unitConfig: { DefaultDependencies: false }, script: true, description: "Web" });
    expect(text).toMatch(/^\[Unit\]\nDefaultDependencies=false\nDescription=Web\n\n\[Service\]\n/);
    expect(text).toMatch(/\nExecStart=\/nix\/store\/[0-9a-z]{32}-unit-script-web-start\/bin\/web-start \nPrivateTmp=true\nUser=web\n$/);
  });

  test("unknown values are left out and listed; unknown commands get a placeholder", () => {
    const s = toUnitSettings("svc", {
      serviceConfig: {
        User: { unknown: true, text: "cfg.user" },
        CapabilityBoundingSet: ["CAP_KILL", { unknown: true }],
        ExecStart: { unknown: true, text: '"${pkg}/bin/svc"' },
        Environment: { unknown: true },
        ProtectSystem: "strict",
      },
    });
    expect(s.unknown).toEqual(["CapabilityBoundingSet", "User"]);
    expect(s.service).toEqual([
      ["ExecStart", "/run/current-system/sw/bin/true"],
      ["ProtectSystem", "strict"],
    ]);
    const r = assessExposure(s);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.unknown).toEqual(["CapabilityBoundingSet", "User"]);
    const user = r.checks.find((c) => c.id === "User=/DynamicUser=");
    expect(user).toMatchObject({ badness: 10, uncertain: true });
    expect(r.checks.find((c) => c.id === "ProtectSystem=")).toMatchObject({ badness: 0 });
    expect(r.checks.find((c) => c.id === "ProtectSystem=")?.uncertain).toBeUndefined();
  });

  test("without ExecStart or script a placeholder keeps the unit loadable (optional)", () => {
    expect(toUnitSettings("x", { serviceConfig: {} }).service).toEqual([["ExecStart", "/run/current-system/sw/bin/true"]]);
    expect(toUnitSettings("x", { serviceConfig: {} }, { placeholderExecStart: false }).service).toEqual([]);
    const refused = assessExposure(toUnitSettings("x", { serviceConfig: {} }, { placeholderExecStart: false }));
    expect(refused).toMatchObject({ ok: false, error: expect.stringContaining("no ExecStart=") });
  });

  test("confinement adds its mkDefault sandboxing under the service's own values", () => {
    const s = toUnitSettings("my@svc", { serviceConfig: { PrivateDevices: false }, confinement: { enable: true } });
    const map = new Map<string, string[]>();
    for (const [k, v] of s.service) map.set(k, [...(map.get(k) ?? []), v]);
    expect(map.get("PrivateDevices")).toEqual(["false"]);
    expect(map.get("PrivateUsers")).toEqual(["true"]);
    expect(map.get("RootDirectory")).toEqual(["/run/confinement/my-svc"]);
    expect(map.get("ReadOnlyPaths")).toEqual(["+/"]);
    const chroot = toUnitSettings("c", { serviceConfig: {}, confinement: { enable: true, mode: "chroot-only" } });
    expect(chroot.service).toContainEqual(["PrivateTmp", "false"]);
    expect(chroot.service).toContainEqual(["PrivateMounts", "true"]);
  });

  test("null renders as a reset: DynamicUser=null makes systemd refuse the unit, User=null means root", () => {
    expect(assessExposure(toUnitSettings("a", { serviceConfig: { DynamicUser: null } }))).toMatchObject({ ok: false });
    const r = assessExposure(toUnitSettings("a", { serviceConfig: { User: null } }));
    expect(r.ok && r.checks.find((c) => c.id === "User=/DynamicUser=")?.badness).toBe(10);
  });
});
