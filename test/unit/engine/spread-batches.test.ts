import { describe, expect, it } from 'vitest';
import { batchSize, toBatches, toSpreadBatches } from '../../../src/engine/batches.js';

/** Hosts lb01.. with the PVE node of each, e.g. on('pve1', 'pve1', 'pve2'). */
function on(...nodes: string[]): { hosts: string[]; domainOf: (h: string) => string } {
  const hosts = nodes.map((_, i) => `lb${String(i + 1).padStart(2, '0')}`);
  const map = new Map(hosts.map((h, i) => [h, nodes[i] ?? '']));
  return { hosts, domainOf: (h) => map.get(h) ?? h };
}

/** Every property the spread promises, for any input. */
function expectSpread(hosts: string[], serial: number | string, domainOf: (h: string) => string): string[][] {
  const batches = toSpreadBatches(hosts, serial, domainOf);
  const size = batchSize(hosts.length, serial);
  // A partition of the hosts, no batch larger than serial, never two hosts of one domain in a batch.
  expect(batches.flat().sort()).toEqual([...hosts].sort());
  for (const b of batches) {
    expect(b.length).toBeGreaterThan(0);
    expect(b.length).toBeLessThanOrEqual(size);
    expect(new Set(b.map(domainOf)).size).toBe(b.length);
    // Each batch lists its hosts in host order.
    expect(b).toEqual([...b].sort((x, y) => hosts.indexOf(x) - hosts.indexOf(y)));
  }
  // As few batches as possible: the larger of ceil(hosts / size) and the largest domain.
  const counts = new Map<string, number>();
  for (const h of hosts) counts.set(domainOf(h), (counts.get(domainOf(h)) ?? 0) + 1);
  expect(batches.length).toBe(Math.max(Math.ceil(hosts.length / size), ...counts.values()));
  // Each domain's hosts go in host order.
  const order = batches.flat();
  for (const d of counts.keys()) {
    const mine = hosts.filter((h) => domainOf(h) === d);
    expect(order.filter((h) => domainOf(h) === d)).toEqual(mine);
  }
  return batches;
}

describe('toSpreadBatches', () => {
  it('never takes two nodes of one PVE host in a batch, and keeps host order otherwise', () => {
    const { hosts, domainOf } = on('pve1', 'pve1', 'pve2', 'pve2');
    expect(expectSpread(hosts, 2, domainOf)).toEqual([
      ['lb01', 'lb03'],
      ['lb02', 'lb04'],
    ]);
  });
  it('is exactly toBatches when every host is its own domain, or when serial is 1', () => {
    const distinct = on('pve1', 'pve2', 'pve3', 'pve4', 'pve5');
    for (const serial of [1, 2, 3, '40%', '100%'])
      expect(expectSpread(distinct.hosts, serial, distinct.domainOf)).toEqual(toBatches(distinct.hosts, serial));
    const crowded = on('pve2', 'pve1', 'pve1', 'pve1', 'pve2');
    expect(expectSpread(crowded.hosts, 1, crowded.domainOf)).toEqual(toBatches(crowded.hosts, 1));
  });
  it('a round-robin inventory keeps its plain batches', () => {
    const { hosts, domainOf } = on('pve1', 'pve2', 'pve3', 'pve1', 'pve2', 'pve3');
    expect(expectSpread(hosts, 3, domainOf)).toEqual(toBatches(hosts, 3));
  });
  it('starts a large domain early when it would otherwise need extra batches at the end', () => {
    // Plain first-fit would give [lb01, lb02], [lb03], [lb04], [lb05]: pve3's three hosts one by one at the end.
    const { hosts, domainOf } = on('pve1', 'pve2', 'pve3', 'pve3', 'pve3');
    expect(expectSpread(hosts, 2, domainOf)).toEqual([['lb01', 'lb03'], ['lb02', 'lb04'], ['lb05']]);
  });
  it('more hosts on one PVE node than batches serial allows: as many batches as that node has hosts', () => {
    const { hosts, domainOf } = on('pve1', 'pve1', 'pve1', 'pve1', 'pve2', 'pve3');
    // Batches fill up to serial in host order: pve2 and pve3 go with pve1's first host.
    expect(expectSpread(hosts, 3, domainOf)).toEqual([['lb01', 'lb05', 'lb06'], ['lb02'], ['lb03'], ['lb04']]);
  });
  it('all hosts on one PVE node: one at a time whatever serial says', () => {
    const { hosts, domainOf } = on('pve1', 'pve1', 'pve1');
    expect(expectSpread(hosts, '100%', domainOf)).toEqual([['lb01'], ['lb02'], ['lb03']]);
  });
  it('a percentage is of all the hosts, as in toBatches', () => {
    const { hosts, domainOf } = on('pve1', 'pve1', 'pve2', 'pve2', 'pve3', 'pve3', 'pve4', 'pve4');
    expect(expectSpread(hosts, '25%', domainOf)).toEqual([
      ['lb01', 'lb03'],
      ['lb02', 'lb04'],
      ['lb05', 'lb07'],
      ['lb06', 'lb08'],
    ]);
    expect(expectSpread(hosts, '50%', domainOf)).toEqual([
      ['lb01', 'lb03', 'lb05', 'lb07'],
      ['lb02', 'lb04', 'lb06', 'lb08'],
    ]);
  });
  it('no hosts: no batches', () => {
    expect(toSpreadBatches([], 2, (h) => h)).toEqual([]);
  });
  it('holds its promises over many distributions (a seeded sweep)', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const count = 1 + next(12);
      const spread = 1 + next(5);
      const nodes = Array.from({ length: count }, () => `pve${next(spread)}`);
      const { hosts, domainOf } = on(...nodes);
      const serial = next(3) === 0 ? `${10 * (1 + next(10))}%` : 1 + next(4);
      expectSpread(hosts, serial, domainOf);
    }
  });
});
