// min_healthy_domains: the serving nodes outside the batch must span that many failure domains (the verdict,
// and the capacity step of the node runner with the roll's domains).
import { describe, expect, it } from 'vitest';
import type { PlayContext } from '../../../src/engine/play-context.js';
import { capacityVerdict, type PeerState } from '../../../src/engine/rolling/capacity.js';
import { ColdRestartSlots } from '../../../src/engine/rolling/cold-restart-slots.js';
import type { NodeProbe } from '../../../src/engine/rolling/node-probe.js';
import type { NodeOps } from '../../../src/engine/rolling/node-ops.js';
import { makeNodeRunner } from '../../../src/engine/rolling/node-runner.js';
import { targetFromVars } from '../../../src/engine/rolling/target.js';
import type { HostSession } from '../../../src/engine/host-session.js';
import type { RollingSpec } from '../../../src/playbook/types.js';

const peer = (name: string, serving: boolean): PeerState => ({
  name,
  serving,
  why: serving ? 'serving' : '/health 503',
});
const domains = new Map([
  ['lb01', 'pve1'],
  ['lb02', 'pve1'],
  ['lb03', 'pve2'],
  ['lb04', 'pve3'],
]);

describe('the domain floor (capacityVerdict)', () => {
  it('counts the domains that still have a serving node, not the nodes', () => {
    // lb01 is out; lb02 (pve1), lb03 (pve2) serve, lb04 (pve3) does not: 2 domains.
    const peers = [peer('lb02', true), peer('lb03', true), peer('lb04', false)];
    expect(capacityVerdict(peers, { minHealthy: 1, domains, minDomains: 2 })).toEqual({
      ok: true,
      text:
        '2 of 3 other node(s) serving, min_healthy 1; 2 domain(s) serving [pve1, pve2], min_healthy_domains 2 ' +
        '(lb02: serving; lb03: serving; lb04: /health 503)',
    });
    expect(capacityVerdict(peers, { minHealthy: 1, domains, minDomains: 3 }).ok).toBe(false);
  });
  it('two serving nodes of one PVE host are one domain: min_healthy passes, the domain floor does not', () => {
    const peers = [peer('lb01', true), peer('lb02', true), peer('lb04', false)];
    const verdict = capacityVerdict(peers, { minHealthy: 2, domains, minDomains: 2 });
    expect(verdict.ok).toBe(false);
    expect(verdict.text).toContain('1 domain(s) serving [pve1], min_healthy_domains 2');
  });
  it('without min_healthy_domains the verdict is the node count alone', () => {
    const peers = [peer('lb01', true), peer('lb02', true)];
    expect(capacityVerdict(peers, { minHealthy: 2, domains }).text).toBe(
      '2 of 2 other node(s) serving, min_healthy 2 (lb01: serving; lb02: serving)',
    );
  });
});

const SERVING = {
  health: 200,
  units: { haproxy: 'active', exabgp: 'active', keepalived: 'inactive' },
  withdrawnFile: false,
  announcer: { state: 'announced' },
  bgpEstablished: 1,
} as unknown as NodeProbe;

function peerOps(name: string, serving: boolean): NodeOps {
  return {
    target: targetFromVars(name, '10.0.0.1', {}, 'bgp'),
    exec: () => Promise.reject(new Error('not used')),
    probe: async () => (serving ? SERVING : { ...SERVING, health: 503 }),
  };
}

describe('the capacity step with spread_by', () => {
  const spec = (minHealthyDomains?: number): RollingSpec => ({
    serial: 1,
    drain: 'bgp',
    minHealthy: 1,
    drainTimeoutMs: 0,
    settleMs: 0,
    spread: {
      by: { kind: 'pve_node' },
      ...(minHealthyDomains !== undefined ? { minHealthyDomains } : {}),
      at: { spreadBy: null, minHealthyDomains: null },
    },
  });
  const capacity = (s: RollingSpec, others: NodeOps[]) =>
    makeNodeRunner({
      ctx: { options: {} } as unknown as PlayContext,
      session: {} as unknown as HostSession,
      ops: peerOps('lb01', true),
      others,
      fleet: [],
      spec: s,
      me: { runId: 'r', user: 'u', workstation: 'w', pid: 1, command: 'c' },
      takeover: null,
      timeouts: { healthMs: 1000, verifyMs: 1000, reconnectMs: 1000 },
      coldRestartSlots: new ColdRestartSlots(),
      domains,
    })('capacity');

  it('refuses to take the batch when the serving peers span fewer domains than min_healthy_domains', async () => {
    // lb03 (pve2) is down: lb02 and lb04 still serve in pve1 and pve3.
    const others = [peerOps('lb02', true), peerOps('lb03', false), peerOps('lb04', true)];
    expect((await capacity(spec(2), others)).detail).toContain('2 domain(s) serving [pve1, pve3]');
    await expect(capacity(spec(3), others)).rejects.toThrow(
      /capacity floor not met: 2 of 3 other node\(s\) serving, min_healthy 1; 2 domain\(s\) serving \[pve1, pve3\], min_healthy_domains 3/,
    );
  });
  it('spread_by alone adds no floor', async () => {
    const detail = (await capacity(spec(), [peerOps('lb02', true)])).detail;
    expect(detail).toBe('1 of 1 other node(s) serving, min_healthy 1 (lb02: serving)');
  });
});
