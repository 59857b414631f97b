// The few Handlebars helpers templates may use. Each is pure; the list is the whole vocabulary.
import type { HelperDelegate } from 'handlebars';

/** Handlebars passes an options object as the last argument; strip it. */
function args(list: unknown[]): unknown[] {
  return list.slice(0, -1);
}

export const helpers: Readonly<Record<string, HelperDelegate>> = Object.freeze({
  /** {{#if (eq a b)}}: strict equality. */
  eq: (...a: unknown[]) => {
    const [x, y] = args(a);
    return x === y;
  },
  /** {{#if (ne a b)}}: strict inequality. */
  ne: (...a: unknown[]) => {
    const [x, y] = args(a);
    return x !== y;
  },
  /** {{join list ", "}}: a list's items joined by a separator (default one space). */
  join: (...a: unknown[]) => {
    const [list, sep] = args(a);
    if (!Array.isArray(list)) throw new Error('join: expected a list');
    return list.map(String).join(typeof sep === 'string' ? sep : ' ');
  },
  /** {{json value}}: JSON text (for quoting strings in configs that accept JSON-style strings). */
  json: (...a: unknown[]) => JSON.stringify(args(a)[0]),
  /** {{default value fallback}}: value unless it is undefined or null. */
  default: (...a: unknown[]) => {
    const [v, d] = args(a);
    return v === undefined || v === null ? d : v;
  },
  /** {{indent n text}}: prefix every non-empty line of text with n spaces. */
  indent: (...a: unknown[]) => {
    const [n, text] = args(a);
    const pad = ' '.repeat(Number(n));
    return String(text)
      .split('\n')
      .map((l) => (l === '' ? l : pad + l))
      .join('\n');
  },
  /** {{add a b}}: numeric sum. */
  add: (...a: unknown[]) => {
    const [x, y] = args(a);
    return Number(x) + Number(y);
  },
  /** {{inc @index}}: 1-based index. */
  inc: (...a: unknown[]) => Number(args(a)[0]) + 1,
});
