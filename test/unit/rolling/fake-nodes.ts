// Nodes for restore tests: real HostSessions over a fake transport that answers every command with a node probe
// (the given lock and health) and records what was sent.
import type { Transport } from '../../../src/core/transport.js';
import type { RunEvent } from '../../../src/engine/events.js';
import { HostSession } from '../../../src/engine/host-session.js';
import { targetFromVars, type RollTarget } from '../../../src/engine/rolling/target.js';
import type { Host } from '../../../src/inventory/types.js';

const MARK = '@@ober-section:'; // src/modules/common/probe.ts

export interface FakeNodeState {
  health: number;
  lock: string;
  /** Default: an unreadable (stale) lock of run-x. */
  fleetLock?: string;
}

export function probeOut(state: FakeNodeState): string {
  return [
    [`boot_id`, 'b1'],
    ['phase', JSON.stringify({ runId: 'run-x', phase: 'worked', at: '2025-01-01T00:00:00Z' })],
    ['lock', state.lock],
    ['fleet_lock', state.fleetLock ?? '{"runId":"run-x"}'],
    ['withdrawn', 'yes'],
    ['health', String(state.health)],
    ['units', 'ober-haproxy active\nober-exabgp active\nober-keepalived inactive'],
    ['announcer', '{"state":"withdrawn","reason":"operator"}'],
    ['bgp', '1'],
    ['addresses', ''],
    ['drain', 'value=<1>'],
    ['sessions', '0'],
    ['servers', 'be 2 2'],
  ]
    .map(([k, v]) => `${MARK}${k}@@\n${v}`)
    .join('\n');
}

export function fakeNodes(
  states: Record<string, FakeNodeState>,
  sent: string[],
  events: RunEvent[],
): Array<{ session: HostSession; target: RollTarget }> {
  return Object.entries(states).map(([name, state]) => {
    const host = {
      name,
      address: `10.0.0.${name.at(-1)}`,
      port: 22,
      user: 'root',
      groups: [],
      vars: {},
    } as unknown as Host;
    const connect = (): Transport => ({
      host: name,
      exec: async (command) => {
        sent.push(command);
        return { code: 0, stdout: `${probeOut(state)}\n`, stderr: '' };
      },
      close: async () => undefined,
    });
    return {
      session: new HostSession({ host, connect, vms: { forHost: async () => null }, emit: (e) => events.push(e) }),
      target: targetFromVars(name, host.address, {}, 'bgp'),
    };
  });
}
