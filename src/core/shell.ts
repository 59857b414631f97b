// POSIX shell quoting and the one type a command has. Every interpolated value is single-quoted, so no value can
// inject a command; ops, probes and the rolling scripts take a ShellCommand (built by `sh`), never a bare string.

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
  if (value instanceof ShellCommand) return value.text;
  if (typeof value === 'string' || typeof value === 'number') return quote(value);
  return value.map((v) => quoteValue(v)).join(' ');
}

/** Valid shell text (built by `sh`, `raw` or `script`): inserted into another command as is, never re-quoted. */
export class ShellCommand {
  // A private member makes the type nominal: a string or a `{ text }` object is not a ShellCommand.
  declare private readonly brand: never;
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type ShellValue = string | number | ShellCommand | ReadonlyArray<string | number | ShellCommand>;

/**
 * Tagged template that builds a shell command, quoting every interpolation:
 *   sh`install -m ${mode} ${src} ${dest}`
 * Returns a ShellCommand so fragments compose without double quoting.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += quoteValue(value) + (strings[i + 1] ?? '');
  });
  return new ShellCommand(out);
}

/** Mark a trusted constant as shell text. Never pass user input here. */
export function raw(text: string): ShellCommand {
  return new ShellCommand(text);
}

/** Commands as one script, one per line. */
export function script(...parts: ReadonlyArray<ShellCommand | readonly ShellCommand[]>): ShellCommand {
  return new ShellCommand(
    parts
      .flat()
      .map((p) => p.text)
      .join('\n'),
  );
}
