// Each router kind's real output for "the /32 route of a VIP", parsed into next hops. BIRD's and Linux's were
// captured from BIRD 2.0.12 and iproute2 on Debian 12 (two routes for one prefix: the ECMP case); FRR's follows
// FRR 10's `show ip route A.B.C.D/M json` (a selected BGP route with two active next hops, one inactive).
import { describe, expect, it } from 'vitest';
import {
  parseBirdRoutes,
  parseByJsonPath,
  parseByRegex,
  parseFrrRouteJson,
  parseIpRouteJson,
} from '../../../src/routers/next-hops.js';

const BIRD_TWO = `BIRD 2.0.12 ready.
Table master4:
10.5.100.1/32        unicast [lb01 15:06:26.736] * (200)
\tvia 10.5.0.11 on v0
                     unicast [lb02 15:06:26.736] (200)
\tvia 10.5.0.12 on v0
`;

const FRR = JSON.stringify({
  '10.5.100.1/32': [
    {
      prefix: '10.5.100.1/32',
      protocol: 'bgp',
      selected: true,
      installed: true,
      nexthops: [
        { fib: true, ip: '10.5.0.12', afi: 'ipv4', interfaceName: 'br0', active: true },
        { fib: true, ip: '10.5.0.11', afi: 'ipv4', interfaceName: 'br0', active: true },
        { ip: '10.5.0.13', afi: 'ipv4', interfaceName: 'br0', active: false },
      ],
    },
    { prefix: '10.5.100.1/32', protocol: 'static', nexthops: [{ ip: '10.5.0.99', active: true }] },
  ],
});

describe('router answers', () => {
  it('BIRD: every route for the prefix; "Network not found" is none; anything else is an error', () => {
    expect(parseBirdRoutes(BIRD_TWO)).toEqual(['10.5.0.11', '10.5.0.12']);
    expect(parseBirdRoutes('BIRD 2.0.12 ready.\nNetwork not found\n')).toEqual([]);
    expect(() => parseBirdRoutes('Unable to connect to server control socket (/run/bird/bird.ctl)')).toThrow(
      /no route table/,
    );
  });
  it('BIRD: the exports of two Kernel protocols, one without the route (captured with merge paths limit 2)', () => {
    const exported = `BIRD 2.0.12 ready.
Table master4:
10.99.100.1/32       unicast [lb01 17:28:04.037] * (100) [AS65001i]
\tvia 10.99.0.11 on br0 weight 1
\tvia 10.99.0.12 on br0 weight 1
BIRD 2.0.12 ready.
Network not found
`;
    expect(parseBirdRoutes(exported)).toEqual(['10.99.0.11', '10.99.0.12']);
  });
  it('FRR: the active next hops of the selected route, for the exact /32 only', () => {
    expect(parseFrrRouteJson(FRR, '10.5.100.1')).toEqual(['10.5.0.11', '10.5.0.12']);
    expect(parseFrrRouteJson('{}', '10.5.100.1')).toEqual([]);
    expect(parseFrrRouteJson(FRR, '10.5.100.2')).toEqual([]);
    expect(() => parseFrrRouteJson('% Unknown command', '10.5.100.1')).toThrow(/no JSON/);
  });
  it('Linux: a multipath route, a single gateway, and no route', () => {
    const multi =
      '[{"dst":"10.5.100.1","flags":[],"nexthops":[{"gateway":"10.5.0.11","dev":"v0","weight":1,"flags":[]},{"gateway":"10.5.0.12","dev":"v0","weight":1,"flags":[]}]}]';
    expect(parseIpRouteJson(multi)).toEqual(['10.5.0.11', '10.5.0.12']);
    expect(parseIpRouteJson('[{"dst":"10.5.100.2","gateway":"10.5.0.13","dev":"v0","flags":[]}]')).toEqual([
      '10.5.0.13',
    ]);
    expect(parseIpRouteJson('[]\n')).toEqual([]);
    expect(parseIpRouteJson('')).toEqual([]);
  });
  it('a vendor command: a regex group, or a JSON path with wildcards', () => {
    const eos = JSON.stringify({
      vrfs: {
        default: {
          routes: { '10.5.100.1/32': { vias: [{ nexthopAddr: '10.5.0.12' }, { nexthopAddr: '10.5.0.11' }] } },
        },
      },
    });
    expect(parseByJsonPath(eos, 'vrfs.default.routes.*.vias.*.nexthopAddr')).toEqual(['10.5.0.11', '10.5.0.12']);
    expect(parseByJsonPath(eos, 'vrfs.other.routes.*.vias.*.nexthopAddr')).toEqual([]);
    const junos =
      '10.5.100.1/32 *[BGP/170] 00:01:02\n  > to 10.5.0.11 via ge-0/0/0.0\n    to 10.5.0.12 via ge-0/0/0.0\n';
    expect(parseByRegex(junos, 'to (\\d+\\.\\d+\\.\\d+\\.\\d+) via')).toEqual(['10.5.0.11', '10.5.0.12']);
  });
});
