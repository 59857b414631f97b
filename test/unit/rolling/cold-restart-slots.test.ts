// One cold restart per PVE node at a time: the slots alone, and through the node runner's vm-cold-restart step
// with real sessions whose VMs restart when the test says so (ordering observed from the calls, never a sleep).
import { describe, expect, it } from 'vitest';
import type { VmApi } from '../../../src/core/module.js';
import type { Transport } from '../../../src/core/transport.js';
import { HostSession } from '../../../src/engine/host-session.js';
import type { PlayContext } from '../../../src/engine/play-context.js';
import { ColdRestartSlots, inColdRestartSlot } from '../../../src/engine/rolling/cold-restart-slots.js';
import { makeNodeRunner } from '../../../src/engine/rolling/node-runner.js';
import { sessionOps } from '../../../src/engine/rolling/node-ops.js';
import { targetFromVars } from '../../../src/engine/rolling/target.js';
import type { Host } from '../../../src/inventory/types.js';
import { probeOut } from './fake-nodes.js';

/** A promise the test resolves, and one that says when the code under test got there. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('ColdRestartSlots', () => {
  it('hands one PVE node’s slot out in arrival order, and other PVE nodes’ slots at once', async () => {
    let clock = 0;
    const slots = new ColdRestartSlots(() => clock);
    const first = await slots.take('pve1', 'lb01');
    const log: string[] = [];
    const second = slots.take('pve1', 'lb02').then((t) => (log.push('lb02'), t));
    const third = slots.take('pve1', 'lb03').then((t) => (log.push('lb03'), t));
    const other = await slots.take('pve2', 'lb04');
    expect(other.after).toEqual([]);
    expect(log).toEqual([]);
    clock = 1200;
    first.release();
    const turn2 = await second;
    expect(log).toEqual(['lb02']);
    expect(turn2).toMatchObject({ after: ['lb01'], waitedMs: 1200 });
    turn2.release();
    turn2.release(); // twice is harmless: lb03 is not let in early, nor twice
    expect((await third).after).toEqual(['lb01', 'lb02']);
    expect(log).toEqual(['lb02', 'lb03']);
  });
  it('a node that will not restart (or has no PVE node) never waits', async () => {
    const slots = new ColdRestartSlots();
    await slots.take('pve1', 'lb01'); // held, never released
    const skip = await inColdRestartSlot(slots, { host: 'lb02', pveNode: 'pve1', restarts: false }, async () => ({
      status: 'skipped',
    }));
    expect(skip).toEqual({ status: 'skipped' });
    const unbound = await inColdRestartSlot(slots, { host: 'lb03', pveNode: undefined, restarts: true }, async () => ({
      status: 'ok',
    }));
    expect(unbound).toEqual({ status: 'ok' });
  });
  it('gives the slot back when the step fails', async () => {
    const slots = new ColdRestartSlots();
    const failing = inColdRestartSlot(slots, { host: 'lb01', pveNode: 'pve1', restarts: true }, () =>
      Promise.reject(new Error('stop failed')),
    );
    await expect(failing).rejects.toThrow('stop failed');
    expect((await slots.take('pve1', 'lb02')).after).toEqual([]);
  });
});

interface FakeVmNode {
  name: string;
  session: HostSession;
  /** Opens this VM's cold restart (it starts when the step calls it, ends when opened). */
  finish: () => void;
  started: Promise<void>;
}

/** A node whose VM on `pveNode` needs a cold restart; its boot id changes once the restart ends. */
function vmNode(name: string, pveNode: string, log: string[]): FakeVmNode {
  let boot = `${name}-boot-1`;
  const start = gate();
  const end = gate();
  const host: Host = {
    name,
    address: '10.0.0.1',
    vm: { proxmox: 'pve', node: pveNode, vmid: 100 },
    vars: {},
    groups: ['all'],
    location: null,
  };
  const connect = (): Transport => ({
    host: name,
    exec: async () => ({
      code: 0,
      stdout: `${probeOut({ health: 200, lock: '' }).replace('boot_id@@\nb1', `boot_id@@\n${boot}`)}\n`,
      stderr: '',
    }),
    close: async () => undefined,
  });
  const vm = {
    coldRestart: async () => {
      log.push(`start ${name}`);
      start.open();
      await end.opened;
      boot = `${name}-boot-2`;
      log.push(`end ${name}`);
      return 'stop + start';
    },
  } as unknown as VmApi;
  const session = new HostSession({ host, connect, vms: { forHost: async () => vm }, emit: () => undefined });
  session.addNeed({ kind: 'cold-restart' });
  return { name, session, finish: end.open, started: start.opened };
}

describe('the vm-cold-restart step', () => {
  it('two nodes of one PVE node in one batch restart one after the other; another PVE node does not wait', async () => {
    const log: string[] = [];
    const slots = new ColdRestartSlots();
    const [lb01, lb02, lb03] = [vmNode('lb01', 'pve1', log), vmNode('lb02', 'pve1', log), vmNode('lb03', 'pve2', log)];
    if (!lb01 || !lb02 || !lb03) throw new Error('nodes');
    const run = (n: FakeVmNode) =>
      makeNodeRunner({
        ctx: { options: {} } as unknown as PlayContext,
        session: n.session,
        ops: sessionOps(n.session, targetFromVars(n.name, '10.0.0.1', {}, 'bgp'), true),
        others: [],
        fleet: [],
        spec: { serial: 3, drain: 'bgp', minHealthy: 0, drainTimeoutMs: 0, settleMs: 0 },
        me: { runId: 'r', user: 'u', workstation: 'w', pid: 1, command: 'c' },
        takeover: null,
        timeouts: { healthMs: 1000, verifyMs: 1000, reconnectMs: 5000 },
        coldRestartSlots: slots,
        domains: null,
      })('vm-cold-restart');
    const first = run(lb01);
    await lb01.started;
    const second = run(lb02);
    const other = run(lb03);
    await lb03.started;
    lb03.finish();
    expect((await other).detail).toMatch(/^stop \+ start; SSH back after \d+ ms$/);
    // lb03 (pve2) came and went while lb01 holds pve1: lb02 has not started.
    expect(log).toEqual(['start lb01', 'start lb03', 'end lb03']);
    lb01.finish();
    await lb02.started;
    expect(log).toEqual(['start lb01', 'start lb03', 'end lb03', 'end lb01', 'start lb02']);
    lb02.finish();
    const [o1, o2] = await Promise.all([first, second]);
    expect(o1.detail).toMatch(/^stop \+ start; /);
    expect(o2).toMatchObject({ status: 'ok' });
    expect(o2.detail).toMatch(
      /^waited \d+\.\d s for lb01's cold restart on pve1; stop \+ start; SSH back after \d+ ms$/,
    );
    expect(lb02.session.needs.size).toBe(0);
  });
});
