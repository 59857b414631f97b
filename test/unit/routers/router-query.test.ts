// The exact read-only command each router kind runs for a VIP, and how a failed query is reported.
import { describe, expect, it } from 'vitest';
import type { RouterSpec } from '../../../src/inventory/types.js';
import { parseRouterAnswer, routerQuery } from '../../../src/routers/router-query.js';

function spec(over: Partial<RouterSpec>): RouterSpec {
  return { name: 'r1', kind: 'bird', via: { local: true }, sudo: false, optional: false, location: null, ...over };
}

describe('router queries', () => {
  it('asks for the exact /32, with the control socket where one is given', () => {
    const vip = '10.5.100.1';
    // BIRD: what it exports to each Kernel protocol that is up (the FIB, after merge paths), else its table.
    expect(routerQuery(spec({}), vip).text.split('\n')).toEqual([
      `kernels=$(birdc show protocols | awk '$2 == "Kernel" && $4 == "up" { print $1 }')`,
      '[ -n "$kernels" ] || exec birdc show route 10.5.100.1/32',
      'for k in $kernels; do birdc show route export "$k" 10.5.100.1/32; done; exit 0',
    ]);
    expect(routerQuery(spec({ socket: '/run/b d.ctl' }), vip).text).toContain(
      'birdc -s \'/run/b d.ctl\' show route export "$k" 10.5.100.1/32',
    );
    expect(routerQuery(spec({ kind: 'frr' }), vip).text).toBe("vtysh -c 'show ip route 10.5.100.1/32 json'");
    expect(routerQuery(spec({ kind: 'frr', socket: '/srv/frr' }), vip).text).toBe(
      "vtysh --vty_socket /srv/frr -c 'show ip route 10.5.100.1/32 json'",
    );
    expect(routerQuery(spec({ kind: 'linux' }), vip).text).toBe('ip -j route show 10.5.100.1/32');
    expect(routerQuery(spec({ kind: 'command', command: 'show {vip} | json' }), vip).text).toBe(
      'show 10.5.100.1 | json',
    );
  });

  it('a failed query is an error with its last lines; BIRD\'s "Network not found" is no route', () => {
    const failed = { code: 1, stdout: '', stderr: 'first\nzebra is not running\n' };
    expect(() => parseRouterAnswer(spec({ kind: 'frr' }), '10.5.100.1', failed)).toThrow(
      'frr query for 10.5.100.1 failed: first zebra is not running',
    );
    const notFound = { code: 8, stdout: 'BIRD 2.0.12 ready.\nNetwork not found\n', stderr: '' };
    expect(parseRouterAnswer(spec({}), '10.5.100.1', notFound)).toEqual([]);
  });
});
