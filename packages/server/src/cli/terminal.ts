// Everything the CLI prints that came from input (object names, messages, file contents, file
// names) passes through here. Control characters could move the cursor, recolour or retitle the
// terminal; bidi controls and line separators could reorder or split what the reader sees. They
// are shown escaped (`\u202e`) instead.

const UNSAFE =
  // C0 and C1 controls and DEL; Arabic letter mark; zero-width space/joiners and the LRM/RLM
  // marks; line and paragraph separators; bidi embeddings, overrides and isolates; BOM.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
