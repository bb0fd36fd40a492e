// systemd sandbox exposure scoring: the public API. See docs/exposure.md.
export type { NixServiceDef, NixUnknown, NixValue, ToUnitOptions } from "./unit.js";
export { attrsToSection, isUnknown, nixToString, renderUnitFile, serviceUnitName, toOption, toUnitSettings } from "./unit.js";
export type { ExposureCheck, ExposureFailure, ExposureOutcome, ExposureResult, UnitSettings, Verdict } from "./score.js";
export { ASSESSORS, analysedUnitId, assessExposure, assessUnitText, formatExposure, formatUnitSettings, verdictFor } from "./score.js";
export type { AnalyzeOptions, AnalyzeRun, ExposureForOptions, ExposureSource, SourcedOutcome, UnitToAnalyze } from "./analyze.js";
export { analyzeUnits, exposureFor, exposureForMany, parseSecurityOutput } from "./analyze.js";
export type { BaselineValue, HardeningBaseline } from "./baseline.js";
export { baselineToNix, hardeningBaseline } from "./baseline.js";
export { SYSTEMD_VERSION } from "./tables.js";
