// Where the shipped agent definitions live, and the trigger specs the build derives from them
// (kept apart from definitions.ts so that the prompt hook can find them without loading yaml and zod).
import { join } from "node:path";
import { PACKAGE_ROOT } from "../version.js";

export const AGENT_DEFINITIONS_DIR = join(PACKAGE_ROOT, "agent-definitions");

/** The CLI as it is run: the bundle the build makes (scripts/bundle.ts), package.json's bin. */
export const CLI_MAIN_PATH = join(PACKAGE_ROOT, "dist", "bundle", "main.js");

/** The trigger specs of the shipped agents, as the build writes them (see src/built.ts). */
export const TRIGGERS_JSON_PATH = join(PACKAGE_ROOT, "dist", "agent-triggers.json");

/** The prompt hook's classifier (plain JavaScript; the plugin and the extension ship copies). */
export const HOOK_SCRIPT_PATH = join(AGENT_DEFINITIONS_DIR, "hook", "nix-warden-hook.mjs");
