// The real steps for one node over its session (the fake in the unit tests replaces this whole function).
import { needLabel } from '../../core/module.js';
import type { RollingSpec } from '../../playbook/types.js';
import type { RollingStep } from '../events.js';
import type { HostSession } from '../host-session.js';
import type { PlayContext } from '../play-context.js';
import { checkCapacity } from './capacity.js';
import { drain } from './drain.js';
import { healthGate } from './health-gate.js';
import { holderKey, lockContent, type Me } from './lock.js';
import type { NodeOps, StepOutcome } from './node-ops.js';
import { mustExec, StepFailed } from './node-ops.js';
import { acquireScript, releaseScript, rollFiles } from './remote-files.js';
import { relayNote, setRelay } from './relay.js';
import { needsColdRestart } from './schedule.js';
import { poll, sleep } from './wait.js';
import { announce, withdraw } from './withdraw.js';

export interface NodeRunnerDeps {
  ctx: PlayContext;
  session: HostSession;
  ops: NodeOps;
  /** The play's other nodes outside this batch (capacity floor, VRRP peers). */
  others: NodeOps[];
  /** Every node of the play, this one included (they all relay strays while the ECMP set changes). */
  fleet: NodeOps[];
  spec: RollingSpec;
  me: Me;
  /** The exact node lock text this run may replace (its earlier process's, or the one --break-lock takes over). */
  takeover: string | null;
  timeouts: { healthMs: number; verifyMs: number; reconnectMs: number };
}

export function makeNodeRunner(d: NodeRunnerDeps): (step: RollingStep) => Promise<StepOutcome> {
  const t = d.ops.target;
  const files = rollFiles(t.paths);
  const signal = d.ctx.options.signal;
  let vipsHeld: string[] = t.vips;
  let bootBefore: string | null = null;

  /** Wait until the node answers over SSH again (a new boot id when `newBoot`). */
  const waitForNode = async (step: RollingStep, newBoot: boolean): Promise<number> => {
    const r = await poll(
      () => d.ops.probe(true),
      (p) => p.bootId !== '' && (!newBoot || p.bootId !== bootBefore),
      { timeoutMs: d.timeouts.reconnectMs, intervalMs: 1000, signal },
    );
    if (!r.ok)
      throw new StepFailed(
        step,
        t.name,
        `the node did not come back over SSH${newBoot ? ' with a new boot id' : ''} within ${d.timeouts.reconnectMs} ms`,
        r.error,
      );
    return r.ms;
  };

  return async (step) => {
    switch (step) {
      case 'lock': {
        const r = await mustExec(
          d.ops,
          'lock',
          'taking the node lock',
          acquireScript(files.lock, lockContent(d.me, new Date()), d.takeover),
        );
        if (!r.stdout.startsWith('acquired'))
          throw new StepFailed('lock', t.name, `node lock held: ${r.stdout.split('\n').slice(1).join(' ').trim()}`);
        return { status: 'ok', detail: files.lock };
      }
      case 'capacity':
        return checkCapacity(d.ops, d.others, d.spec.minHealthy);
      case 'withdraw': {
        // Armed before the route changes, disarmed once drained: connections still open here keep their packets.
        const relay = await setRelay(d.fleet, t.name, true);
        const r = await withdraw(d.ops, {
          peers: d.others,
          verifyTimeoutMs: d.timeouts.verifyMs,
          signal,
        });
        if (r.vipsHeld.length > 0 || t.mode !== 'vrrp') vipsHeld = r.vipsHeld;
        const detail = `${r.detail ?? ''}${relayNote(relay)}`;
        return { status: r.status, ...(detail ? { detail } : {}) };
      }
      case 'drain': {
        const r = await drain(d.ops, d.spec.drainTimeoutMs);
        await setRelay(d.fleet, t.name, false);
        return r;
      }
      case 'work': {
        bootBefore = (await d.ops.probe(true)).bootId;
        await d.ctx.runHostTasks(d.session);
        if (!d.session.stopped) await d.ctx.runHandlers(d.session);
        if (d.session.stopped)
          throw new StepFailed(
            'work',
            t.name,
            `a task ${d.session.stopped === 'unreachable' ? 'lost the host' : 'failed'} (see above)`,
          );
        if (signal?.aborted)
          throw new StepFailed('work', t.name, 'interrupted during the tasks: some may not have run');
        if (d.session.meetNeed('reboot')) {
          const ms = await waitForNode('work', true);
          return { status: 'ok', detail: `rebooted; back over SSH after ${ms} ms` };
        }
        return { status: 'ok' };
      }
      case 'vm-cold-restart': {
        if (!needsColdRestart(d.session.needs.keys()))
          return { status: 'skipped', detail: 'no pending hardware changes' };
        const vm = await d.session.vm();
        if (!vm)
          throw new StepFailed(
            'vm-cold-restart',
            t.name,
            `needs ${[...d.session.needs.keys()].map(needLabel).join(', ')} but has no Proxmox vm binding`,
          );
        const how = await vm.coldRestart();
        d.session.meetNeed('cold-restart');
        d.session.meetNeed('nic-replug');
        const ms = await waitForNode('vm-cold-restart', false);
        return { status: 'ok', detail: `${how}; SSH back after ${ms} ms` };
      }
      case 'health':
        return healthGate(d.ops, d.timeouts.healthMs, signal);
      case 'announce': {
        // Armed before the route changes and held through settle: connections the new hash moves keep their node.
        const relay = await setRelay(d.fleet, t.name, true);
        const r = await announce(d.ops, {
          vipsHeld,
          verifyTimeoutMs: d.timeouts.verifyMs,
          signal,
        });
        const detail = `${r.detail ?? ''}${relayNote(relay)}`;
        return { status: r.status, ...(detail ? { detail } : {}) };
      }
      case 'settle': {
        if (d.spec.settleMs > 0) await sleep(d.spec.settleMs);
        await setRelay(d.fleet, t.name, false);
        return d.spec.settleMs > 0 ? { status: 'ok', detail: `${d.spec.settleMs} ms` } : { status: 'skipped' };
      }
      case 'unlock':
        await mustExec(d.ops, 'unlock', 'releasing the node lock', releaseScript(files.lock, holderKey(d.me)));
        return { status: 'ok' };
    }
  };
}
