/**
 * Excerpts of source content for error messages: short, escaped, never more than a glimpse.
 */

/** Longest excerpt of file content quoted in a message or problem (characters). */
const EXCERPT_CHARS = 40;
// Control characters are exactly what this matches.
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff'\\]/u;

/**
 * A short, escaped excerpt of file content for error messages: at most {@link EXCERPT_CHARS}
 * characters (an ellipsis marks a cut), control, invisible and bidirectional characters, quotes
 * and backslashes escaped — so that an error never carries more than a glimpse of the file, nor
 * anything a terminal or log viewer would interpret.
 */
export function excerpt(s: string): string {
  let out = '';
  for (const ch of s) {
    const piece = UNPRINTABLE.test(ch)
      ? ch === "'" || ch === '\\'
        ? `\\${ch}`
        : `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`
      : ch;
    if (out.length + piece.length > EXCERPT_CHARS - 1) return `${out}…`;
    out += piece;
  }
  return out;
}
