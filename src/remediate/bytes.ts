// Edits are computed on a file's decoded text (UTF-16 offsets), but files are bytes: a Latin-1
// comment decodes to U+FFFD, and writing the decoded text back would destroy it. So edits are
// mapped to byte offsets and applied to the original bytes; everything between edits is copied
// byte for byte.
import type { TextEdit } from "../rules/types.js";

/** The text Buffer#toString("utf8") gives, with the byte offset where each UTF-16 unit starts
 * (offsets[text.length] is the length of the bytes). Follows the WHATWG UTF-8 decoder, which
 * replaces each maximal invalid subsequence by one U+FFFD, as Node's decoder does. */
export function decodeWithOffsets(bytes: Uint8Array): { text: string; offsets: number[] } {
  const units: number[] = [];
  const offsets: number[] = [];
  const emit = (cp: number, at: number) => {
    if (cp > 0xffff) {
      const c = cp - 0x10000;
      units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
      offsets.push(at, at);
    } else {
      units.push(cp);
      offsets.push(at);
    }
  };
  let needed = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      start = i;
      if (b <= 0x7f) emit(b, i);
      else if (b >= 0xc2 && b <= 0xdf) [needed, cp] = [1, b & 0x1f];
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        [needed, cp] = [2, b & 0xf];
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        [needed, cp] = [3, b & 0x7];
      } else emit(0xfffd, i);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is one replacement; this byte starts afresh.
      [needed, seen, cp, lower, upper] = [0, 0, 0, 0x80, 0xbf];
      emit(0xfffd, start);
      i--;
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      emit(cp, start);
      [needed, seen, cp] = [0, 0, 0];
    }
  }
  if (needed) emit(0xfffd, start);
  offsets.push(bytes.length);
  let text = "";
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.slice(i, i + 8192));
  return { text, offsets };
}

/** Apply text edits (offsets into the decoded text) to the bytes they were computed on. Throws when
 * the bytes do not decode to the text the edits were made for. */
export function applyEditsToBytes(bytes: Buffer, edits: readonly Pick<TextEdit, "start" | "end" | "text">[]): Buffer {
  const { text, offsets } = decodeWithOffsets(bytes);
  if (text !== bytes.toString("utf8")) throw new Error("cannot map the edit to the file's bytes (unusual encoding)");
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: Buffer[] = [];
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
    if (e.end < e.start || e.end > text.length) throw new Error(`edit out of range: ${e.start}-${e.end}`);
    parts.push(bytes.subarray(offsets[pos]!, offsets[e.start]!), Buffer.from(e.text, "utf8"));
    pos = e.end;
  }
  parts.push(bytes.subarray(offsets[pos]!));
  return Buffer.concat(parts);
}
