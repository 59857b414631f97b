// The broken-input corpus: each case's first line is "# expect: <the first issue, as printed>".
// Inventory cases load alone; playbook cases load with the built-in modules (the fakes replacing some), and are
// then planned against the valid inventory as the engine does before connecting (hosts, variables, local files).
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, UsageError } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { planPlays } from '../../../src/engine/run-playbook.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { fakeModules } from '../../fixtures/fake-modules.js';
import { corpusCases } from '../../support/corpus.js';
import { resolveRunNames } from '../../../src/cli/resolve-names.js';

/** The first problem, formatted as the CLI prints it; null when the input loads. */
async function firstProblem(load: () => Promise<unknown>): Promise<string | null> {
  try {
    await load();
    return null;
  } catch (error) {
    if (error instanceof ConfigError)
      return formatIssue(error.issues[0] ?? { location: null, path: '', message: 'no issues' });
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

// As the CLI does after loading: whitelist host names are resolved (here by a resolver as this lab's empty network
// namespace answers: every name fails with EAI_AGAIN).
const noNetwork = (name: string) => Promise.reject(new Error(`getaddrinfo EAI_AGAIN ${name}`));

describe('broken inventories', () => {
  it.each(corpusCases('inventory'))('$name', async ({ path, expected }) => {
    const load = async () => resolveRunNames(await loadInventory(path), null, {}, noNetwork);
    expect(await firstProblem(load)).toBe(expected);
  });
});

const modules = new Map([...fakeModules, ...builtinModules]);
const options = { check: true, diff: false, verify: false, forks: 1, tags: [], skipTags: [], extraVars: {} };

describe('broken playbooks', () => {
  it.each(corpusCases('playbook'))('$name', async ({ path, expected }) => {
    const problem = await firstProblem(async () => {
      const inventory = await loadInventory('test/fixtures/valid/inventory.yml');
      const playbook = await loadPlaybook(path, modules);
      planPlays(inventory, playbook, options, { modules, baseDir: dirname(playbook.file) });
    });
    expect(problem).toBe(expected);
  });
});

describe('the corpus', () => {
  it('has at least 85 cases', () => {
    expect(corpusCases('inventory').length + corpusCases('playbook').length).toBeGreaterThanOrEqual(85);
  });
});
