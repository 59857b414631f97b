// doctor at the routers: each router's next hops for each VIP against the nodes that announce it.
import { describe, expect, it } from 'vitest';
import type { RouterView } from '../../../src/engine/rolling/routers.js';
import { routerChecks, type AnnouncingNode } from '../../../src/fleet/router-checks.js';

const node = (i: number, vips = ['10.5.100.1']): AnnouncingNode => ({
  host: `lb${String(i).padStart(2, '0')}`,
  address: `10.5.0.${10 + i}`,
  vips,
});
const fleet = Array.from({ length: 20 }, (_, i) => node(i + 1));
const router = (name: string, answer: string[] | Error, optional = false): RouterView => ({
  name,
  optional,
  nextHops: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)),
});

describe('routerChecks', () => {
  it('a router capped at 16 next hops for 20 announcing nodes fails and names the 4 left out', async () => {
    const sixteen = fleet.slice(0, 16).map((n) => n.address);
    const [report] = await routerChecks([router('edge1', sixteen)], fleet);
    expect(report?.checks).toEqual([
      {
        id: 'ecmp 10.5.100.1',
        level: 'fail',
        message: '16 next hop(s) for 20 announcing node(s); missing lb17, lb18, lb19, lb20',
        fix: expect.stringContaining('BIRD `merge paths on limit N` in the kernel protocol (default 16)') as string,
      },
    ]);
  });

  it('every announcing node listed is ok; a withdrawn node still listed, or a foreign hop, is a warning', async () => {
    const three = [node(1), node(2), node(3, [])];
    const reports = await routerChecks(
      [router('ok', ['10.5.0.11', '10.5.0.12']), router('stale', ['10.5.0.11', '10.5.0.12', '10.5.0.13', '10.5.0.99'])],
      three,
    );
    expect(reports.map((r) => [r.router, r.checks.map((c) => [c.level, c.message])])).toEqual([
      ['ok', [['ok', '2 next hop(s) for 2 announcing node(s), every one of them']]],
      [
        'stale',
        [
          [
            'warn',
            '4 next hop(s) for 2 announcing node(s); also via lb03 (not announcing), 10.5.0.99 (a stale route?)',
          ],
        ],
      ],
    ]);
  });

  it('a router that cannot be asked fails, or warns when optional; each VIP is checked', async () => {
    const two = [node(1, ['10.5.100.1', '10.5.100.2'])];
    const down = new Error('connect ECONNREFUSED');
    const reports = await routerChecks([router('core', down), router('lab', down, true)], two);
    expect(reports.map((r) => r.checks.map((c) => `${c.id} ${c.level} ${c.message}`))).toEqual([
      [
        'ecmp 10.5.100.1 fail could not be asked: connect ECONNREFUSED',
        'ecmp 10.5.100.2 fail could not be asked: connect ECONNREFUSED',
      ],
      [
        'ecmp 10.5.100.1 warn could not be asked: connect ECONNREFUSED',
        'ecmp 10.5.100.2 warn could not be asked: connect ECONNREFUSED',
      ],
    ]);
  });
});
