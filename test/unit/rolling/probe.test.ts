import { describe, expect, it } from 'vitest';
import { capacityVerdict, judgePeer } from '../../../src/engine/rolling/capacity.js';
import { healthProblem, isServing, parseProbe } from '../../../src/engine/rolling/node-probe.js';
import { parseWaitOutput } from '../../../src/modules/haproxy/scripts.js';

const sec = (name: string, body: string) => `@@ober-section:${name}@@\n${body}\n`;
const output = (over: Record<string, string> = {}) => {
  const s: Record<string, string> = {
    boot_id: 'b1',
    phase: '',
    lock: '',
    fleet_lock: '',
    withdrawn: 'no',
    health: '200',
    units: 'ober-haproxy active\nober-exabgp active\nober-keepalived inactive',
    announcer: '{"state":"announced","reason":null,"vips":["10.99.100.1"],"since":1}',
    bgp: '1',
    addresses: '1: lo    inet 127.0.0.1/8 scope host lo\n1: lo    inet 10.99.100.1/32 scope global lo',
    drain: 'proc.ober_drain: type=bool value=<0>',
    sessions: '3',
    servers: 'rgw 1 1',
    ...over,
  };
  return Object.entries(s)
    .map(([k, v]) => sec(k, v))
    .join('');
};

describe('parseProbe', () => {
  it('reads a serving BGP node', () => {
    const p = parseProbe(output(), ['10.99.100.1']);
    expect(p).toMatchObject({
      bootId: 'b1',
      health: 200,
      drained: false,
      sessions: 3,
      backends: [{ name: 'rgw', up: 1, total: 1 }],
      bgpEstablished: 1,
      vipsHeld: ['10.99.100.1'],
      announcer: { state: 'announced', reason: null },
    });
    expect(isServing(p, 'bgp')).toBe(true);
    expect(healthProblem(p, 'bgp')).toBeNull();
  });
  it('names what fails the health gate', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ units: 'ober-haproxy failed\nober-exabgp inactive' }, 'ober-haproxy is failed'],
      [{ health: '000' }, '/health does not answer'],
      [{ health: '503' }, '/health answers 503'],
      [{ servers: 'rgw 0 2' }, 'no server up in backend rgw'],
      [{ bgp: '0' }, 'no BGP session established (TCP 179)'],
      [{ announcer: '' }, 'the announcer has not reported its state yet'],
    ];
    for (const [over, problem] of cases)
      expect(healthProblem(parseProbe(output(over), ['10.99.100.1']), 'bgp')).toBe(problem);
  });
  it('a drained or withdrawn node is not serving; HAProxy down leaves drain/sessions unknown', () => {
    expect(isServing(parseProbe(output({ withdrawn: 'yes' }), []), 'bgp')).toBe(false);
    expect(isServing(parseProbe(output({ announcer: '{"state":"withdrawn","reason":"operator"}' }), []), 'bgp')).toBe(
      false,
    );
    const down = parseProbe(output({ drain: '', sessions: '', servers: '' }), []);
    expect(down.drained).toBeNull();
    expect(down.sessions).toBeNull();
    expect(parseProbe(output({ drain: 'proc.ober_drain: type=bool value=<1>' }), []).drained).toBe(true);
  });
});

describe('capacity verdict', () => {
  it('counts only serving peers and lists why the others are not', () => {
    const serving = judgePeer('lb02', parseProbe(output(), []), 'bgp', true);
    const notRouted = judgePeer('lb03', parseProbe(output(), []), 'bgp', false);
    const gone = judgePeer('lb04', new Error('connection refused'), 'bgp', null);
    expect(capacityVerdict([serving, notRouted, gone], { minHealthy: 1 })).toEqual({
      ok: true,
      text: '1 of 3 other node(s) serving, min_healthy 1 (lb02: serving; lb03: not a next hop at the router; lb04: unreachable: connection refused)',
    });
    expect(capacityVerdict([notRouted, gone], { minHealthy: 1 }).ok).toBe(false);
    expect(capacityVerdict([], { minHealthy: 0 }).ok).toBe(true);
  });
});

it("parses the drain loop output (the haproxy module's wait loop, counting requests in flight)", () => {
  expect(parseWaitOutput('sessions=0 elapsed_ms=120 timed_out=0\n')).toEqual({
    sessions: 0,
    elapsed_ms: 120,
    timed_out: false,
  });
  expect(parseWaitOutput('sessions=4 elapsed_ms=30001 timed_out=1')).toEqual({
    sessions: 4,
    elapsed_ms: 30001,
    timed_out: true,
  });
  expect(parseWaitOutput('nope')).toBeNull();
});
