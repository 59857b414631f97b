// Batched probes: one shell script per gather prints named sections; pure functions parse them.
import { CommandError } from '../../core/errors.js';
import type { ExecResult } from '../../core/module.js';
import { quote } from '../../core/shell.js';

const MARK = '@@ober-section:';

/** Shell line that starts a section named `name` in a probe's stdout. */
export function section(name: string): string {
  return `printf '%s\\n' ${quote(`${MARK}${name}@@`)}`;
}

/** Split probe output into its sections (text without the trailing newline). */
export function parseSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  const flush = (): void => {
    if (current !== null) out.set(current, lines.join('\n'));
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK) && line.endsWith('@@')) {
      flush();
      current = line.slice(MARK.length, -2);
      lines = [];
    } else if (current !== null) {
      lines.push(line);
    }
  }
  flush();
  for (const [k, v] of out) out.set(k, v.replace(/\n$/, ''));
  return out;
}

/** A probe must exit 0; otherwise its output is an error, not facts. */
export function requireOk(result: ExecResult, host: string, what: string): ExecResult {
  if (result.code !== 0) {
    throw new CommandError({
      host,
      what,
      exitCode: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return result;
}
