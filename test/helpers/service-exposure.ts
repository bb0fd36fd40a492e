// Reading systemd-service-exposure's results from a report: its findings by unit name, and a
// unit's exposure in the inventory.
import type { SecurityReport } from "../../src/report/schema.js";

export const SERVICE_EXPOSURE = "systemd-service-exposure";

/** The rule's findings by unit name (their option path without `systemd.services.`). */
export const byService = (r: SecurityReport) => Object.fromEntries(r.findings.filter((f) => f.ruleId === SERVICE_EXPOSURE).map((f) => [f.optionPath!.replace("systemd.services.", ""), f]));

/** A unit's exposure as the inventory lists it. */
export const exposureOf = (r: SecurityReport, name: string) => r.inventory.services.find((s) => s.name === name)?.exposure;
