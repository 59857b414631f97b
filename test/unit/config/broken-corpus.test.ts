// The broken-input corpus: each case's first line is "# expect: <the first issue, as printed>".
// Inventory cases load alone; playbook cases load with the fake modules, and their plays' host
// patterns are then selected against the valid inventory (as the engine does before connecting).
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, UsageError } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { selectHosts } from '../../../src/inventory/select.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { fakeModules } from '../../fixtures/fake-modules.js';
import { corpusCases } from '../../support/corpus.js';

/** The first problem, formatted as the CLI prints it; null when the input loads. */
async function firstProblem(load: () => Promise<unknown>): Promise<string | null> {
  try {
    await load();
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return formatIssue(error.issues[0] ?? { location: null, path: '', message: 'no issues' });
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

describe('broken inventories', () => {
  it.each(corpusCases('inventory'))('$name', async ({ path, expected }) => {
    expect(await firstProblem(() => loadInventory(path))).toBe(expected);
  });
});

describe('broken playbooks', () => {
  it.each(corpusCases('playbook'))('$name', async ({ path, expected }) => {
    const problem = await firstProblem(async () => {
      const inventory = await loadInventory('test/fixtures/valid/inventory.yml');
      const playbook = await loadPlaybook(path, fakeModules);
      playbook.plays.forEach((play, i) => selectHosts(inventory, play.hosts, { location: play.location, path: `[${i}].hosts` }));
    });
    expect(problem).toBe(expected);
  });
});

describe('the corpus', () => {
  it('has at least 25 cases', () => {
    expect(corpusCases('inventory').length + corpusCases('playbook').length).toBeGreaterThanOrEqual(25);
  });
});
