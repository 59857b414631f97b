// The broken-input corpus (test/fixtures/broken/): each case's first line is "# expect: <the first issue, as printed>".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS = 'test/fixtures/broken';

export interface CorpusCase {
  name: string;
  /** File or directory, relative to the repo root (tests run from it). */
  path: string;
  expected: string;
}

export function corpusCases(kind: 'inventory' | 'playbook'): CorpusCase[] {
  const dir = join(CORPUS, kind);
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const first = statSync(path).isDirectory() ? join(path, readdirSync(path).sort()[0] ?? '') : path;
      const line = readFileSync(first, 'utf8').split('\n')[0] ?? '';
      const match = /^# expect: (.*)$/.exec(line);
      if (!match?.[1]) throw new Error(`${first}: the first line must be "# expect: <message>"`);
      return { name, path, expected: match[1] };
    });
}
