// What a host rule read, so that a repeat scan can tell whether a changed file changes what the rule
// reports. The scan (scan/index.ts) hands each host rule its files as views that note every read of
// a file's content (its text, tree, option index, test context...); only a file's name, hosts and
// module class, which the scan keys its caches on, are read without a note. A rule's result then
// depends on the files it read and on nothing else of the files it did not.
//
// Helpers that ask the same question of every file of a host (`definitions of this path`, `does the
// text mention nixosModules`) would note every file that way. They ask through `fileAnswers`
// instead: the question is noted once, with a test of one file that is true whenever the file could
// answer anything (a superset is safe), and only the files that pass it are noted as read. A file
// that changed and passes none of the questions a rule asked, and was not read, leaves the rule's
// result as it was.
import type { NixFileContext } from "../types.js";

/** What one rule read over its run on every host (scan/index.ts keeps one per rule). */
export interface ReadLog {
  /** The file's content was read (the result depends on it). */
  read(file: string): void;
  /** A question asked of every file of a host; `test` is true for a file that may answer it. */
  ask(key: string, test: (file: NixFileContext) => boolean): void;
}

/** The file context a view stands for (the view itself when it is none). */
export const UNTRACKED: unique symbol = Symbol("nix-warden.untracked");
/** The read log a view notes into. */
export const READ_LOG: unique symbol = Symbol("nix-warden.read-log");

type Viewed = NixFileContext & { [UNTRACKED]?: NixFileContext; [READ_LOG]?: ReadLog };

/** The file context behind a view, read without a note. */
export function untracked(file: NixFileContext): NixFileContext {
  return (file as Viewed)[UNTRACKED] ?? file;
}

/**
 * Ask `test` of one file of a host, as one of the same question (`key`, which must name the test
 * exactly: two tests under one key would be one question) asked of every file: notes the question,
 * and the file as read when the test holds. `test` must be true whenever the caller goes on to read
 * anything of the file for this question.
 */
export function fileAnswers(file: NixFileContext, key: string, test: (file: NixFileContext) => boolean): boolean {
  const log = (file as Viewed)[READ_LOG];
  const raw = untracked(file);
  log?.ask(key, test);
  const yes = test(raw);
  if (yes) log?.read(raw.file);
  return yes;
}

/** The files of a host that may answer a question (fileAnswers for each, the question noted once). */
export function filesAnswering(files: readonly NixFileContext[], key: string, test: (file: NixFileContext) => boolean): NixFileContext[] {
  const log = files.length ? (files[0] as Viewed)[READ_LOG] : undefined;
  log?.ask(key, test);
  const out: NixFileContext[] = [];
  for (const file of files) {
    const raw = untracked(file);
    if (!test(raw)) continue;
    log?.read(raw.file);
    out.push(file);
  }
  return out;
}
