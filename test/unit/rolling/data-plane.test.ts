// The data-plane proof over a node whose new-flow counter follows a script of arrival times: quiet after the
// withdraw once none arrives for the window, a failure while they keep arriving, and flows again after the
// re-announce. The counter is read through the node's ops, as on a real node.
import { describe, expect, it } from 'vitest';
import {
  flowsAfterAnnounce,
  markFlows,
  measureFlowRate,
  quietAfterWithdraw,
  quietWindowMs,
} from '../../../src/engine/rolling/data-plane.js';
import type { NodeOps } from '../../../src/engine/rolling/node-ops.js';
import { DEFAULT_PATHS } from '../../../src/stack/paths.js';

/** A node whose counter grows by one every `everyMs` until `stopAt` (ms from now), or has no counter. */
function node(everyMs: number, stopAt = Infinity, hasCounter = true): NodeOps {
  const start = Date.now();
  const count = () => Math.floor(Math.min(Date.now() - start, stopAt) / everyMs);
  return {
    target: {
      name: 'lb01',
      address: '10.0.0.11',
      mode: 'bgp',
      statsPort: 8404,
      vips: [],
      paths: DEFAULT_PATHS,
      routers: [],
      frontends: [],
    },
    exec: () =>
      Promise.resolve({
        code: 0,
        stdout: hasCounter
          ? `table ip ober_relay {\n\tcounter new_flows {\n\t\tpackets ${count()} bytes 0\n\t}\n}\n`
          : 'none\n',
        stderr: '',
      }),
    probe: () => Promise.reject(new Error('not used')),
  };
}

describe('data-plane proof', () => {
  it('the quiet window is 10 mean interarrival times, within 100 ms and 3 s', () => {
    expect(quietWindowMs(2310)).toBe(100);
    expect(quietWindowMs(20)).toBe(500);
    expect(quietWindowMs(0.5)).toBe(3000);
  });
  it('measures the rate, then proves the withdraw once arrivals stop for the window', async () => {
    const ops = node(5, 400); // 200 new/s, stopping 400 ms from now
    const rate = await measureFlowRate(ops);
    expect(rate?.perSecond).toBeGreaterThan(100);
    const verdict = await quietAfterWithdraw(ops, rate, await markFlows(ops), 5000);
    expect(verdict.text).toMatch(
      /^data plane: \d+ new\/s before; last new flow ≤ \d+ ms after the withdraw; none in 100 ms$/,
    );
    expect(verdict.proof).toMatchObject({ verdict: 'verified', quietMs: 100 });
    expect(verdict.proof.lastFlowMs).toBeGreaterThan(0);
    expect(verdict.proof.newPerSecond).toBeGreaterThan(100);
  });
  it('fails the withdraw while new connections keep arriving', async () => {
    const ops = node(5);
    await expect(quietAfterWithdraw(ops, { perSecond: 200 }, await markFlows(ops), 400)).rejects.toThrow(
      /new connections still arrive \d+ ms after the withdraw \(quiet window 100 ms\)/,
    );
  });
  it('says when it cannot prove anything: no counter, no traffic', async () => {
    expect(await measureFlowRate(node(5, Infinity, false))).toBeNull();
    const none = await quietAfterWithdraw(node(5), null, { at: Date.now(), count: null }, 100);
    expect(none.text).toMatch(/no new-flow counter/);
    expect(none.proof).toEqual({ verdict: 'no-counter' });
    const idle = await quietAfterWithdraw(node(5), { perSecond: 0 }, { at: Date.now(), count: 0 }, 100);
    expect(idle.text).toMatch(/unverifiable: no traffic/);
    expect(idle.proof).toEqual({ verdict: 'unverifiable', newPerSecond: 0 });
  });
  it('after the re-announce, new flows must arrive again', async () => {
    const busy = node(5);
    const again = await flowsAfterAnnounce(busy, { perSecond: 200 }, await markFlows(busy), 2000);
    expect(again.text).toMatch(/^data plane: new flows again ≤ \d+ ms after the announce$/);
    expect(again.proof).toMatchObject({ verdict: 'verified', newPerSecond: 200 });
    const idle = node(5, 0);
    await expect(flowsAfterAnnounce(idle, { perSecond: 200 }, await markFlows(idle), 200)).rejects.toThrow(
      /no new connection within 200 ms/,
    );
  });
});
