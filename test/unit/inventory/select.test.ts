import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { selectHosts } from '../../../src/inventory/select.js';
import type { Inventory } from '../../../src/inventory/types.js';

let inv: Inventory;
beforeAll(async () => {
  inv = await loadInventory('test/fixtures/valid/inventory.yml');
});

describe('selectHosts', () => {
  it.each([
    ['all', ['lb01', 'lb02', 'lb03', 'rgw1.internal', 'rgw2.internal', 'rgw5.internal', 'bastion']],
    ['*', ['lb01', 'lb02', 'lb03', 'rgw1.internal', 'rgw2.internal', 'rgw5.internal', 'bastion']],
    ['lb02', ['lb02']],
    ['ingress', ['lb01', 'lb02', 'lb03']],
    ['s3', ['lb01', 'lb02', 'lb03', 'rgw1.internal', 'rgw2.internal', 'rgw5.internal']],
    ['lb0*', ['lb01', 'lb02', 'lb03']],
    ['lb0?', ['lb01', 'lb02', 'lb03']],
    ['rgw?.internal', ['rgw1.internal', 'rgw2.internal', 'rgw5.internal']],
    ['ing*', ['lb01', 'lb02', 'lb03']],
    ['bastion,lb01', ['lb01', 'bastion']],
    ['bastion:lb01', ['lb01', 'bastion']],
    ['ingress,!lb02', ['lb01', 'lb03']],
    ['ingress:!edge', ['lb02', 'lb03']],
    ['s3,&ingress', ['lb01', 'lb02', 'lb03']],
    ['s3,&ingress,!lb01', ['lb02', 'lb03']],
    ['!ingress', ['rgw1.internal', 'rgw2.internal', 'rgw5.internal', 'bastion']],
    ['lb[02-03]', ['lb02', 'lb03']],
    ['ingress,!nothing*', ['lb01', 'lb02', 'lb03']],
  ])('%s', (pattern, expected) => {
    expect(selectHosts(inv, pattern)).toEqual(expected);
  });

  it.each([
    ['lb9*', "--limit 'lb9*' matches no host"],
    ['lb01,lb9*', "--limit 'lb01,lb9*': 'lb9*' matches no host"],
    ['ingress,&backends', "--limit 'ingress,&backends' leaves no host"],
    ['lb01,!lb01', "--limit 'lb01,!lb01' leaves no host"],
    ['lb[3-1]', `--limit 'lb[3-1]': invalid host range "lb[3-1]": 3-1 runs backwards`],
    [' , ', "--limit ' , ' is an empty host pattern"],
  ])('rejects --limit %s', (pattern, message) => {
    expect(() => selectHosts(inv, pattern)).toThrow(UsageError);
    expect(() => selectHosts(inv, pattern)).toThrow(message);
  });

  it('reports a play pattern as a ConfigError at the play', () => {
    const location = { file: 'site.yml', line: 3, column: 3 };
    try {
      selectHosts(inv, 'web', { location, path: '[0].hosts' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        { location, path: '[0].hosts', message: "'web' matches no host" },
      ]);
    }
  });
});
