// quote() and the sh tag, checked against the real dash: `printf %s <quoted>` must print the input exactly.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, raw, sh } from '../../../src/core/shell.js';

const dash = (script: string): string => execFileSync('dash', ['-c', script], { encoding: 'utf8' });

const nasty = [
  '',
  'plain',
  "it's",
  "''",
  "'",
  '"double" quotes',
  'back\\slash\\\\ and \\n',
  '$(touch /tmp/ober-pwned)',
  '`id`',
  '${HOME} $HOME $1 $@ $$',
  'line1\nline2\n',
  '\n',
  '* ? [a-z] ~ ~root {a,b}',
  '; rm -rf / & | > < >> 2>&1',
  '-n',
  '--help',
  '-e \\t',
  'ünïcødé ☃ 日本語 🚀',
  '\t tabs and  spaces  ',
  '#comment',
  'a=b',
  '%s%d',
  '!event',
  'tail\'"\\$`',
];

describe('quote() against dash', () => {
  it.each(nasty.map((s) => [JSON.stringify(s), s]))('round-trips %s', (_label, input) => {
    expect(dash(`printf %s ${quote(input)}`)).toBe(input);
  });

  it('passes every nasty word as exactly one argument', () => {
    const script = `for a in ${nasty.map(quote).join(' ')}; do printf '<%s>' "$a"; done`;
    expect(dash(script)).toBe(nasty.map((s) => `<${s}>`).join(''));
  });

  it('quotes numbers and leaves safe words bare', () => {
    expect(quote(42)).toBe('42');
    expect(quote('/etc/haproxy/haproxy.cfg')).toBe('/etc/haproxy/haproxy.cfg');
    expect(quote('')).toBe("''");
  });
});

describe('sh tag against dash', () => {
  it.each(nasty.map((s) => [JSON.stringify(s), s]))('interpolates %s as one literal word', (_label, input) => {
    expect(dash(sh`printf %s ${input}`.text)).toBe(input);
  });

  it('expands arrays to separate quoted words and composes fragments without double quoting', () => {
    const inner = sh`printf '[%s]' ${['a b', "c'd", '$(x)']}`;
    const outer = sh`${inner}; printf ${'|%s|'} ${'-n'}`;
    expect(dash(outer.text)).toBe("[a b][c'd][$(x)]|-n|");
    expect(dash(sh`echo ${raw('$((1+2))')}`.text)).toBe('3\n');
  });
});
