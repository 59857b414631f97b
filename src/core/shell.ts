// POSIX shell quoting. Every interpolated value is single-quoted, so no value can inject a command.

/** Quote one word for a POSIX shell (dash, bash, busybox sh). */
export function quote(word: string | number): string {
  const s = String(word);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote a command's first word: NAME=value too, which the shell would take as an assignment, not a program. */
export function quoteProgram(word: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) ? `'${word.replace(/'/g, `'\\''`)}'` : quote(word);
}

/** A quoted list of words: arrays become space-separated quoted words. */
function quoteValue(value: ShellValue): string {
  if (value instanceof RawShell) return value.text;
  if (typeof value === 'string' || typeof value === 'number') return quote(value);
  return value.map((v) => quoteValue(v)).join(' ');
}

/** A fragment that is already valid shell (built by `sh` or `raw`); it is inserted as is. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type ShellValue = string | number | RawShell | ReadonlyArray<string | number | RawShell>;

/**
 * Tagged template that builds a shell command, quoting every interpolation:
 *   sh`install -m ${mode} ${src} ${dest}`
 * Returns a RawShell so fragments compose without double quoting.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): RawShell {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += quoteValue(value) + (strings[i + 1] ?? '');
  });
  return new RawShell(out);
}

/** Mark a trusted constant as shell text. Never pass user input here. */
export function raw(text: string): RawShell {
  return new RawShell(text);
}
