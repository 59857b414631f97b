// Dotted key paths as printed in messages: hosts.lb01.port, [0].tasks[2].copy.mode.

export type PathSegment = string | number;

/** Formats path segments: string keys joined with ".", list indexes as "[n]". */
export function formatKeyPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
    } else {
      const key = seg === '' || /\s/.test(seg) ? JSON.stringify(seg) : seg;
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

/** Joins a printed prefix and a printed suffix path ("hosts.lb01" + "port"). */
export function joinKeyPath(prefix: string, suffix: string): string {
  if (prefix === '') return suffix;
  if (suffix === '') return prefix;
  return suffix.startsWith('[') ? `${prefix}${suffix}` : `${prefix}.${suffix}`;
}
