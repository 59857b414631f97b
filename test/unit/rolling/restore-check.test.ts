// `restore --check` reports what restore would do and sends nothing but read-only probes: the real restoreNodes
// over a fake transport that answers the probe and records every command.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/engine/events.js';
import { restoreNodes } from '../../../src/engine/rolling/restore.js';
import { fakeNodes } from './fake-nodes.js';

describe('restore --check', () => {
  it('says per node what it would do, sends only probes, changes nothing; false when a node would fail the gate', async () => {
    const sent: string[] = [];
    const events: RunEvent[] = [];
    const stale = '{"runId":"run-x"}'; // unreadable (no since): stale, restore goes on
    const nodes = fakeNodes({ lb01: { health: 200, lock: stale }, lb02: { health: 503, lock: stale } }, sent, events);
    const ok = await restoreNodes({
      nodes,
      selected: ['lb01', 'lb02'],
      emit: (e) => events.push(e),
      options: { check: true },
    });
    expect(ok).toBe(false);
    // Every command sent was a probe (reads only): no undrain, no rm, no phase write, no relay clear.
    expect(sent.length).toBeGreaterThan(0);
    for (const c of sent) {
      expect(c.startsWith('export LC_ALL=C')).toBe(true);
      expect(c).not.toMatch(/\brm -f|mv -f|ober_drain bool|nft /);
    }
    const steps = events.flatMap((e) =>
      e.type === 'rolling-step' ? [`${e.host} ${e.step} ${e.status}: ${e.detail ?? ''}`] : [],
    );
    expect(steps).toEqual([
      'lb01 health skipped: check mode: would turn the drain switch off, then would pass the health gate now',
      'lb01 announce skipped: check mode: would remove /var/lib/ober-push/withdrawn and re-announce (bgp)',
      'lb01 unlock skipped: check mode: would remove /var/lib/ober-push/roll.lock and record phase announced',
      'lb02 health skipped: check mode: would turn the drain switch off, then would wait for the health gate; now: /health answers 503',
      'lb02 announce skipped: check mode: would remove /var/lib/ober-push/withdrawn and re-announce (bgp)',
      'lb02 unlock skipped: check mode: would remove /var/lib/ober-push/roll.lock and record phase announced',
    ]);
    const recap = events.find((e) => e.type === 'rolling-recap');
    expect(recap?.type === 'rolling-recap' && recap.nodes.map((n) => n.note)).toEqual([
      'check mode, nothing changed: would be restored',
      'check mode, nothing changed: would not pass the health gate now (/health answers 503)',
    ]);
  });
});

describe('restore under a live roll', () => {
  const live = JSON.stringify({
    runId: 'run-live',
    user: 'alice',
    workstation: 'ws-other',
    pid: 4242,
    since: new Date().toISOString(),
    command: 'rolling-restart.yml',
  });
  it('refuses the node a live roll holds: no undrain, no announce, no unlock, no relay or fleet lock touched', async () => {
    const sent: string[] = [];
    const events: RunEvent[] = [];
    const nodes = fakeNodes({ lb01: { health: 200, lock: live }, lb02: { health: 200, lock: '' } }, sent, events);
    const ok = await restoreNodes({
      nodes,
      selected: ['lb01'],
      emit: (e) => events.push(e),
      options: { pidAlive: () => true },
    });
    expect(ok).toBe(false);
    for (const c of sent) expect(c).not.toMatch(/\brm -f|mv -f|ober_drain bool|nft /);
    const steps = events.flatMap((e) =>
      e.type === 'rolling-step' && e.status !== 'start' ? [`${e.host} ${e.step} ${e.status}: ${e.detail ?? ''}`] : [],
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatch(/^lb01 lock failed: a live roll holds lb01 \(alice@ws-other /);
    const failed = events.find((e) => e.type === 'rolling-recap');
    expect(failed?.type === 'rolling-recap' && failed.nodes[0]?.note).toMatch(
      /^not restored: a live roll holds lb01 \(alice@ws-other \(pid 4242, rolling-restart\.yml, run run-live\) since .*\): it re-announces the node itself; restore once that roll has ended$/,
    );
  });
  it('leaves the relay alone while a live roll holds only fleet locks (it has not reached these nodes yet)', async () => {
    const sent: string[] = [];
    const events: RunEvent[] = [];
    const nodes = fakeNodes(
      { lb01: { health: 503, lock: '', fleetLock: live }, lb02: { health: 200, lock: '', fleetLock: live } },
      sent,
      events,
    );
    const ok = await restoreNodes({
      nodes,
      selected: ['lb01'],
      emit: (e) => events.push(e),
      options: { pidAlive: () => true, healthTimeoutMs: 50 },
    });
    expect(ok).toBe(false); // lb01 stays unhealthy
    expect(sent.some((c) => c.includes('nft flush chain'))).toBe(false);
  });
  it('--check says restore would refuse', async () => {
    const events: RunEvent[] = [];
    const nodes = fakeNodes({ lb01: { health: 200, lock: live } }, [], events);
    expect(
      await restoreNodes({
        nodes,
        selected: ['lb01'],
        emit: (e) => events.push(e),
        options: { check: true, pidAlive: () => true },
      }),
    ).toBe(false);
    const step = events.find((e) => e.type === 'rolling-step');
    expect(step?.type === 'rolling-step' && step.detail).toMatch(
      /^check mode: restore would refuse: a live roll holds lb01 \(alice@ws-other/,
    );
  });
});
