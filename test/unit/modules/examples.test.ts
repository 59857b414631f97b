// Every example playbook's task args validate against the module's schema.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtinModules } from '../../../src/modules/registry.js';

const dir = new URL('../../../playbooks/examples/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const TASK_KEYS = new Set([
  'name',
  'notify',
  'register',
  'when',
  'become',
  'tags',
  'changed_when',
  'failed_when',
  'ignore_errors',
]);

describe('example playbooks', () => {
  it('one per module', () => {
    expect(files.map((f) => f.replace(/\.yml$/, '')).sort()).toEqual([...builtinModules.keys()].sort());
  });
  it.each(files)('%s', (file) => {
    const plays = parse(readFileSync(new URL(file, dir), 'utf8')) as Array<{ tasks?: unknown[]; handlers?: unknown[] }>;
    for (const play of plays) {
      for (const task of [...(play.tasks ?? []), ...(play.handlers ?? [])] as Array<Record<string, unknown>>) {
        const keys = Object.keys(task).filter((k) => !TASK_KEYS.has(k));
        expect(keys, `${file}: ${String(task['name'])}`).toHaveLength(1);
        const mod = builtinModules.get(keys[0] ?? '');
        expect(mod, `${file}: module ${keys[0]}`).toBeDefined();
        const result = mod?.args.safeParse(task[keys[0] ?? '']);
        expect(result?.success, `${file}: ${String(task['name'])}: ${JSON.stringify(result?.error?.issues)}`).toBe(
          true,
        );
      }
    }
  });
});
