import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/render/diff.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `diff -u` (with -N for absent files) without its two header lines. */
function systemDiff(before: string | null, after: string | null): string {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  rmSync(a, { force: true });
  rmSync(b, { force: true });
  if (before !== null) writeFileSync(a, before);
  if (after !== null) writeFileSync(b, after);
  try {
    execFileSync('diff', ['-u', '-N', a, b], { encoding: 'utf8' });
    return '';
  } catch (e) {
    const out = (e as { stdout: string }).stdout;
    return out.split('\n').slice(2).join('\n');
  }
}

function body(diff: string): string {
  return diff.split('\n').slice(2).join('\n');
}

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`): string =>
  Array.from({ length: n }, (_, i) => f(i + 1) + '\n').join('');

const cases: Array<[string, string | null, string | null]> = [
  ['identical', 'a\nb\n', 'a\nb\n'],
  ['one line changed in the middle', lines(20), lines(20).replace('line 10\n', 'line ten\n')],
  ['insert at start', lines(5), 'new\n' + lines(5)],
  ['append at end', lines(5), lines(5) + 'new\n'],
  ['delete at start', lines(8), lines(8).replace('line 1\n', '')],
  ['two distant hunks', lines(30), lines(30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n')],
  ['two close hunks merge', lines(30), lines(30).replace('line 10\n', 'x\n').replace('line 16\n', 'y\n')],
  ['hunks 7 apart stay separate', lines(30), lines(30).replace('line 10\n', 'x\n').replace('line 18\n', 'y\n')],
  ['new file', null, 'a\nb\n'],
  ['removed file', 'a\nb\nc\n', null],
  ['empty to content', '', 'x\n'],
  ['no newline at end, before', 'a\nb', 'a\nb\n'],
  ['no newline at end, after', 'a\nb\n', 'a\nc'],
  ['no newline at end, both differ', 'a\nb', 'a\nc'],
  ['no newline, unchanged last line', 'a\nb\nc\nd\ne', 'A\nb\nc\nd\ne'],
  ['replace block', lines(10), lines(10).replace('line 4\nline 5\nline 6\n', 'four\nfive\n')],
  [
    'config-like edit',
    'global\n    maxconn 100\n\ndefaults\n    timeout 30s\n',
    'global\n    maxconn 9000\n    hard-stop-after 30s\n\ndefaults\n    timeout 300s\n',
  ],
];

describe('unifiedDiff matches diff -u', () => {
  for (const [name, before, after] of cases) {
    it(name, () => {
      const ours = unifiedDiff(before, after, 'f');
      expect(body(ours)).toBe(systemDiff(before, after));
    });
  }

  it('labels headers, /dev/null for absent sides', () => {
    expect(unifiedDiff(null, 'x\n', '/etc/x').split('\n').slice(0, 2)).toEqual(['--- /dev/null', '+++ /etc/x']);
    expect(unifiedDiff('x\n', null, '/etc/x').split('\n').slice(0, 3)).toEqual([
      '--- /etc/x',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
    ]);
    expect(unifiedDiff('same\n', 'same\n', 'f')).toBe('');
  });

  it('random edits: as small as diff -u, and patch(1) turns before into after', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const count = (s: string): number => s.split('\n').filter((l) => l.startsWith('-') || l.startsWith('+')).length;
    for (let t = 0; t < 60; t++) {
      const a = Array.from({ length: rnd(15) }, () => 'abcde'[rnd(5)] + '\n').join('');
      const b = Array.from({ length: rnd(15) }, () => 'abcde'[rnd(5)] + '\n').join('');
      const ours = unifiedDiff(a, b, 'f');
      // Several shortest edit scripts can exist; GNU diff breaks ties differently, so compare sizes.
      expect(count(body(ours))).toBe(count(systemDiff(a, b)));
      const file = join(dir, 'p');
      writeFileSync(file, a);
      if (ours !== '') execFileSync('patch', ['-s', file], { input: ours });
      expect(readFileSync(file, 'utf8')).toBe(b);
    }
  });
});
