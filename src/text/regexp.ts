// A string matched literally inside a regular expression (Node 24's RegExp.escape, which Node 20
// and 22 lack, escapes more than this needs).
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
