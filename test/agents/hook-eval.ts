// Scores the hook's classifier on the labelled prompts: precision and recall of its suggestions.
import { classify, type Triggers } from "../../agent-definitions/hook/nix-warden-hook.mjs";
import { LABELLED_PROMPTS } from "./hook-prompts.js";

export interface Score {
  precision: number;
  recall: number;
  truePositives: number;
  suggested: number;
  labelled: number;
  wrong: { prompt: string; expected: string | null; got: string[] }[];
}

export function scoreHook(triggers: Triggers): Score {
  let tp = 0;
  let suggested = 0;
  let labelled = 0;
  const wrong: Score["wrong"] = [];
  for (const [prompt, label] of LABELLED_PROMPTS) {
    const got = classify(prompt, triggers).map((m) => m.agent);
    suggested += got.length;
    if (label) labelled++;
    if (label && got.includes(label)) tp++;
    if (got.length !== (label ? 1 : 0) || (label && !got.includes(label))) wrong.push({ prompt, expected: label, got });
  }
  return { precision: suggested ? tp / suggested : 1, recall: labelled ? tp / labelled : 1, truePositives: tp, suggested, labelled, wrong };
}
