// The text-edit vocabulary shared by rules (which propose fixes), the scan (which turns them into
// diffs) and remediate (which applies them). It sits below all three so none imports another
// backwards for it.

/** A change to one file: replace [start, end) with `text`. Offsets are into the file's text. */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  text: string;
}
