import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { validateRenderedArgs } from '../../../src/playbook/task.js';
import { fakeModules } from '../../fixtures/fake-modules.js';

function playbookFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ober-playbook-'));
  const file = join(dir, 'site.yml');
  writeFileSync(file, text);
  return file;
}

async function issuesOf(text: string): Promise<string[]> {
  try {
    await loadPlaybook(playbookFile(text), fakeModules);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.location?.line}:${i.location?.column} ${i.path}: ${i.message}`);
  }
}

describe('loadPlaybook', () => {
  it('loads plays, tasks, handlers, conditions and the rolling spec', async () => {
    const book = await loadPlaybook('test/fixtures/valid/playbook.yml', fakeModules);
    const [play] = book.plays;
    expect(play).toMatchObject({
      name: 'ingress',
      hosts: 'ingress',
      vars: { stats_port: 8404 },
      gatherFacts: true,
      rolling: { serial: '25%', drain: 'bgp', minHealthy: 2, drainTimeoutMs: 60_000, settleMs: 500 },
    });
    expect(play?.tasks.map((t) => [t.name, t.module])).toEqual([
      ['write haproxy.cfg', 'copy'],
      ['probe stats', 'haproxy_stats'],
      ['only on request', 'command'],
    ]);
    expect(play?.tasks[0]).toMatchObject({ notify: ['reload haproxy'], tags: ['haproxy'], ignoreErrors: false });
    expect(play?.tasks[0]?.location).toEqual({ file: 'test/fixtures/valid/playbook.yml', line: 13, column: 7 });
    // The template string stays raw: the engine renders and validates it again.
    expect(play?.tasks[1]).toMatchObject({
      args: { port: '{{ stats_port }}' },
      register: 'stats',
      changedWhen: 'false',
    });
    expect(play?.tasks[1]?.when).toBe("stats_port is defined and role in ['ingress', 'edge']");
    expect(play?.handlers.map((h) => h.name)).toEqual(['reload haproxy']);
  });

  it('applies defaults: name from hosts, gather_facts true, rolling defaults, task name from module', async () => {
    const book = await loadPlaybook(
      playbookFile('- hosts: [lb01, lb02]\n  rolling: {}\n  tasks:\n    - command: {cmd: x}\n'),
      fakeModules,
    );
    expect(book.plays[0]).toMatchObject({
      name: 'lb01,lb02',
      hosts: 'lb01,lb02',
      gatherFacts: true,
      rolling: { serial: 1, drain: 'bgp', minHealthy: 1, drainTimeoutMs: 60_000, settleMs: 2000 },
    });
    expect(book.plays[0]?.tasks[0]?.name).toBe('command');
    expect(book.plays[0]?.rolling).not.toHaveProperty('maxResets');
  });

  it('takes a loss budget per node (rolling.max_resets)', async () => {
    const book = await loadPlaybook(
      playbookFile('- hosts: all\n  rolling: {max_resets: 0}\n  tasks: []\n'),
      fakeModules,
    );
    expect(book.plays[0]?.rolling?.maxResets).toBe(0);
  });

  it('accepts "- ping:"-style null args as {} and joins a list of conditions with and', async () => {
    const book = await loadPlaybook(
      playbookFile('- hosts: all\n  tasks:\n    - command: {cmd: x}\n      when: [a == 1, b is defined]\n'),
      fakeModules,
    );
    expect(book.plays[0]?.tasks[0]?.when).toBe('(a == 1) and (b is defined)');
  });

  it('collects every issue of the file, in reading order', async () => {
    const issues = await issuesOf(`- hosts: all
  serial: 0
  tasks:
    - copy: {dest: 1, content: x}
    - name: two
      command: {cmd: x}
      when: a ==
    - ping: {}
`);
    expect(issues).toEqual([
      '2:11 [0].serial: expected a positive integer or a percentage like "25%", got 0',
      '4:20 [0].tasks[0].copy.dest: expected a string, got 1',
      '7:17 [0].tasks[1].when: invalid condition: unexpected end of condition',
      '8:7 [0].tasks[2].ping: unknown module "ping" (known modules: command, copy, haproxy_stats, service)',
    ]);
  });

  it('defers only the issues of values that are templates', async () => {
    expect(await issuesOf('- hosts: all\n  tasks:\n    - haproxy_stats: {port: "{{ p }}"}\n')).toEqual([]);
    expect(await issuesOf('- hosts: all\n  tasks:\n    - haproxy_stats: {port: "{{ p }}", pth: x}\n')).toEqual([
      '3:40 [0].tasks[0].haproxy_stats.pth: unknown key (did you mean "path"?)',
    ]);
    expect(await issuesOf('- hosts: all\n  tasks:\n    - haproxy_stats: {port: "80"}\n')).toEqual([
      '3:29 [0].tasks[0].haproxy_stats.port: expected an integer 1-65535, got "80"',
    ]);
  });

  it('checks notify in handlers too, and duplicate handler names', async () => {
    const issues = await issuesOf(`- hosts: all
  tasks: []
  handlers:
    - name: a
      command: {cmd: x}
      notify: b
    - name: a
      command: {cmd: y}
`);
    expect(issues).toEqual([
      '7:7 [0].handlers: handler "a" is defined twice in this play',
      '6:15 [0].handlers[0].notify: no handler named "b" in this play (handlers: "a")',
    ]);
  });
});

describe('validateRenderedArgs', () => {
  it('re-validates rendered args and locates issues at the task', async () => {
    const book = await loadPlaybook('test/fixtures/valid/playbook.yml', fakeModules);
    const task = book.plays[0]?.tasks[1];
    const module = fakeModules.get('haproxy_stats');
    if (!task || !module) throw new Error('fixture changed');
    expect(validateRenderedArgs(task, module, { port: 8404 })).toEqual([]);
    expect(validateRenderedArgs(task, module, { port: 'abc' }).map(formatIssue)).toEqual([
      'test/fixtures/valid/playbook.yml:17:7 haproxy_stats.port: expected an integer 1-65535, got "abc" (after rendering templates)',
    ]);
  });
});
