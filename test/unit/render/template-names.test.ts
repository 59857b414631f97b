// What the check before any connection reads from a template: bare names must exist; a helper's argument may not.
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPlays } from '../../../src/engine/run-playbook.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { TemplateError } from '../../../src/render/template-error.js';
import { templateNames } from '../../../src/render/template-names.js';

describe('templateNames', () => {
  it('lists bare names with their line; helper arguments are guarded; each/with bodies are another context', () => {
    const names = templateNames(
      'a {{ x.y }}\n{{#if g}}{{ g.z }}{{/if}}\n{{default d "1"}} {{join list ","}}\n{{#each items}}{{name}}{{/each}}\n{{#with w}}{{inner}}{{/with}}{{ @index }}{{ this }}',
      't',
    );
    expect(names.required).toEqual([
      { name: 'x', line: 1 },
      { name: 'g', line: 2 },
    ]);
    expect([...names.guarded].sort()).toEqual(['d', 'g', 'items', 'list', 'w']);
  });
  it('a syntax error is a TemplateError with its line and one phrase', () => {
    const error = (() => {
      try {
        templateNames('ok\n{{#if a}}\nnever closed', 'x.hbs');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ line: 3, reason: 'unexpected end of the template (a block left open?)' });
  });
});

describe('the shipped playbooks pass the input check with the example inventory', () => {
  it.each(['site.yml', 'rolling-restart.yml', 'upgrade.yml'])('%s', async (name) => {
    const inventory = await loadInventory('inventory/example.yml');
    const playbook = await loadPlaybook(`playbooks/${name}`, builtinModules);
    const options = { check: true, diff: false, verify: false, forks: 1, tags: [], skipTags: [], extraVars: {} };
    expect(
      planPlays(inventory, playbook, options, { modules: builtinModules, baseDir: dirname(playbook.file) }).length,
    ).toBe(playbook.plays.length);
  });
});
