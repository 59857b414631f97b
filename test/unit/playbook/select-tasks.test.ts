import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { filterTasksByTags, findStartTask } from '../../../src/playbook/select-tasks.js';
import type { Playbook, Task } from '../../../src/playbook/types.js';

const task = (name: string, tags: string[]): Task => ({
  name,
  module: 'command',
  args: {},
  notify: [],
  tags,
  ignoreErrors: false,
  location: { file: 'site.yml', line: 1, column: 1 },
});

const tasks = [
  task('plain', []),
  task('haproxy', ['haproxy']),
  task('bgp', ['bgp', 'network']),
  task('always', ['always']),
  task('always-bgp', ['always', 'bgp']),
  task('debug', ['never', 'debug']),
];

const names = (tags: string[], skip: string[] = []) => filterTasksByTags(tasks, tags, skip).map((t) => t.name);

describe('filterTasksByTags', () => {
  it.each([
    [[], [], ['plain', 'haproxy', 'bgp', 'always', 'always-bgp']],
    [['haproxy'], [], ['haproxy', 'always', 'always-bgp']],
    [['network'], [], ['bgp', 'always', 'always-bgp']],
    [['debug'], [], ['always', 'always-bgp', 'debug']],
    [['never'], [], ['always', 'always-bgp', 'debug']],
    [['all'], [], ['plain', 'haproxy', 'bgp', 'always', 'always-bgp']],
    [['tagged'], [], ['haproxy', 'bgp', 'always', 'always-bgp']],
    [['untagged'], [], ['plain', 'always', 'always-bgp']],
    [[], ['bgp'], ['plain', 'haproxy', 'always']],
    [[], ['always'], ['plain', 'haproxy', 'bgp']],
    [['haproxy', 'debug'], ['always'], ['haproxy', 'debug']],
    [[], ['untagged'], ['haproxy', 'bgp', 'always', 'always-bgp']],
  ])('--tags %j --skip-tags %j', (tags, skip, expected) => {
    expect(names(tags, skip)).toEqual(expected);
  });
});

describe('findStartTask', () => {
  const play = (tasksOfPlay: Task[]) => ({
    name: 'p',
    hosts: 'all',
    vars: {},
    gatherFacts: true,
    tasks: tasksOfPlay,
    handlers: [],
    location: { file: 'site.yml', line: 1, column: 1 },
  });
  const book: Playbook = {
    file: 'site.yml',
    plays: [play([task('a', []), task('b', [])]), play([task('c', []), task('b', [])])],
  };

  it('finds the first task with that name, in playbook order', () => {
    expect(findStartTask(book, 'b')).toEqual({ playIndex: 0, taskIndex: 1 });
    expect(findStartTask(book, 'c')).toEqual({ playIndex: 1, taskIndex: 0 });
  });

  it('rejects a name that matches no task', () => {
    expect(() => findStartTask(book, 'z')).toThrow(UsageError);
    expect(() => findStartTask(book, 'z')).toThrow("--start-at-task 'z' matches no task in site.yml");
  });
});
