// `restore --check` reports what restore would do and sends nothing but read-only probes: the real restoreNodes
// over a fake transport that answers the probe and records every command.
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../../src/core/transport.js';
import type { RunEvent } from '../../../src/engine/events.js';
import { HostSession } from '../../../src/engine/host-session.js';
import { restoreNodes } from '../../../src/engine/rolling/restore.js';
import { targetFromVars } from '../../../src/engine/rolling/target.js';
import type { Host } from '../../../src/inventory/types.js';

const MARK = '@@ober-section:'; // src/modules/common/probe.ts
const probeOut = (health: number) =>
  [
    [`boot_id`, 'b1'], ['phase', JSON.stringify({ runId: 'run-x', phase: 'worked', at: '2025-01-01T00:00:00Z' })], ['lock', '{"runId":"run-x"}'], ['fleet_lock', '{"runId":"run-x"}'],
    ['withdrawn', 'yes'], ['health', String(health)], ['units', 'ober-haproxy active\nober-exabgp active\nober-keepalived inactive'],
    ['announcer', '{"state":"withdrawn","reason":"operator"}'], ['bgp', '1'], ['addresses', ''], ['drain', 'value=<1>'], ['sessions', '0'], ['servers', 'be 2 2'],
  ].map(([k, v]) => `${MARK}${k}@@\n${v}`).join('\n');

describe('restore --check', () => {
  it('says per node what it would do, sends only probes, changes nothing; false when a node would fail the gate', async () => {
    const sent: string[] = [];
    const events: RunEvent[] = [];
    const health: Record<string, number> = { lb01: 200, lb02: 503 };
    const nodes = ['lb01', 'lb02'].map((name) => {
      const host = { name, address: `10.0.0.${name.at(-1)}`, port: 22, user: 'root', groups: [], vars: {} } as unknown as Host;
      const connect = (): Transport => ({
        host: name,
        exec: async (command) => {
          sent.push(command);
          return { code: 0, stdout: `${probeOut(health[name] ?? 0)}\n`, stderr: '' };
        },
        close: async () => undefined,
      });
      return { session: new HostSession({ host, connect, vms: { forHost: async () => null }, emit: (e) => events.push(e) }), target: targetFromVars(name, host.address, {}, 'bgp') };
    });
    const ok = await restoreNodes({ nodes, selected: ['lb01', 'lb02'], emit: (e) => events.push(e), options: { check: true } });
    expect(ok).toBe(false);
    // Every command sent was a probe (reads only): no undrain, no rm, no phase write, no relay clear.
    expect(sent.length).toBeGreaterThan(0);
    for (const c of sent) {
      expect(c.startsWith('export LC_ALL=C')).toBe(true);
      expect(c).not.toMatch(/\brm -f|mv -f|ober_drain bool|nft /);
    }
    const steps = events.flatMap((e) => (e.type === 'rolling-step' ? [`${e.host} ${e.step} ${e.status}: ${e.detail ?? ''}`] : []));
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
