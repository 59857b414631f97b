import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { raw } from '../../../src/core/shell.js';
import {
  commandArgs,
  commandLine,
  commandModule,
  parseGuards,
  planRun,
  shellModule,
  shellArgs,
  splitWords,
} from '../../../src/modules/command.js';

describe('command word splitting', () => {
  it.each([
    ['ls -l /tmp', ['ls', '-l', '/tmp']],
    [`echo 'a b' "c \\"d\\"" e\\ f`, ['echo', 'a b', 'c "d"', 'e f']],
    ['echo $HOME | cat > x', ['echo', '$HOME', '|', 'cat', '>', 'x']],
    [`printf '' x`, ['printf', '', 'x']],
  ])('%s', (text, words) => expect(splitWords(text)).toEqual(words));
  it('an unterminated quote is an error', () => expect(() => splitWords(`echo 'x`)).toThrow(/unterminated/));
  it('no shell features survive: dash prints the words literally', () => {
    const line = commandLine('printf %s| $HOME;>x');
    expect(execFileSync('dash', ['-c', line.text]).toString()).toBe('$HOME;>x|');
  });
  it('a leading NAME=value is the program, not an assignment: dash looks for a program of that name', () => {
    const line = commandLine('PATH=/nonexistent printf ok');
    expect(line.text).toBe("'PATH=/nonexistent' printf ok");
    const run = spawnSync('dash', ['-c', line.text]);
    expect(run.stdout.toString()).toBe('');
    expect(run.status).toBe(127);
    expect(commandLine(['env', 'A=1', 'printf', 'ok']).text).toBe('env A=1 printf ok');
  });
});

describe('command/shell planning', () => {
  const none = { createsExists: null, removesExists: null };
  it.each([
    [none, 1],
    [{ createsExists: true, removesExists: null }, 0],
    [{ createsExists: false, removesExists: null }, 1],
    [{ createsExists: null, removesExists: false }, 0],
    [{ createsExists: null, removesExists: true }, 1],
  ])('guards %j -> %i changes', (f, n) => expect(planRun(f, raw('true'), {}, 'true')).toHaveLength(n));
  it('unguarded: uncertain and repeats; chdir and stdin', () => {
    const [c] = commandModule.plan(
      none,
      commandArgs.parse({ cmd: ['tar', 'xf', 'a b.tar'], chdir: '/srv', stdin: 'x' }),
    );
    expect(c).toEqual({
      summary: "run tar xf 'a b.tar'",
      ops: [{ kind: 'exec', command: raw("cd /srv && tar xf 'a b.tar'"), stdin: 'x' }],
      uncertain: true,
      kind: 'action',
    });
    const [s] = shellModule.plan(
      { createsExists: false, removesExists: null },
      shellArgs.parse({ cmd: 'echo a | wc -l' }),
    );
    expect(s?.ops[0]).toEqual({ kind: 'exec', command: raw('{ echo a | wc -l\n}') });
    expect(s?.kind).toBe('write'); // guarded by creates: it converges
  });
  it('parses guard probe output', () => {
    expect(parseGuards('creates=1\nremoves=0\n')).toEqual({ createsExists: true, removesExists: false });
  });
});
