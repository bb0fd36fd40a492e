// The secret detectors as the detection tests read them.
import { detectSecrets } from "../../src/secrets/index.js";

/** The detectors that find something in `text`, in order. */
export const detectors = (text: string, ctx: Parameters<typeof detectSecrets>[1] = {}) => detectSecrets(text, ctx).map((m) => m.detector);
