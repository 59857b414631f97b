// The steps that change a drained node: the play's tasks and handlers (with a reboot a task asked for), and the
// Proxmox cold restart that applies pending VM hardware. Each waits until the node answers over SSH again.
import { needLabel } from '../../core/module.js';
import type { RollingStep } from '../events.js';
import type { NodeRunnerDeps } from './node-runner-deps.js';
import { StepFailed, type StepOutcome } from './node-ops.js';
import { needsColdRestart } from './schedule.js';
import { poll } from './wait.js';

/** Wait until the node answers over SSH again (with a boot id other than `bootBefore` when one is given). */
async function waitForNode(d: NodeRunnerDeps, step: RollingStep, bootBefore: string | null): Promise<number> {
  const r = await poll(
    () => d.ops.probe(true),
    (p) => p.bootId !== '' && (bootBefore === null || p.bootId !== bootBefore),
    { timeoutMs: d.timeouts.reconnectMs, intervalMs: 1000, signal: d.ctx.options.signal },
  );
  if (!r.ok) {
    const how = bootBefore === null ? '' : ' with a new boot id';
    const what = `the node did not come back over SSH${how} within ${d.timeouts.reconnectMs} ms`;
    throw new StepFailed(step, d.ops.target.name, what, r.error);
  }
  return r.ms;
}

export async function workStep(d: NodeRunnerDeps): Promise<StepOutcome> {
  const name = d.ops.target.name;
  const bootBefore = (await d.ops.probe(true)).bootId;
  await d.ctx.runHostTasks(d.session);
  if (!d.session.stopped) await d.ctx.runHandlers(d.session);
  if (d.session.stopped) {
    const what = d.session.stopped === 'unreachable' ? 'lost the host' : 'failed';
    throw new StepFailed('work', name, `a task ${what} (see above)`);
  }
  if (d.ctx.options.signal?.aborted)
    throw new StepFailed('work', name, 'interrupted during the tasks: some may not have run');
  if (!d.session.meetNeed('reboot')) return { status: 'ok' };
  const ms = await waitForNode(d, 'work', bootBefore);
  return { status: 'ok', detail: `rebooted; back over SSH after ${ms} ms` };
}

export async function coldRestartStep(d: NodeRunnerDeps): Promise<StepOutcome> {
  const needs = [...d.session.needs.keys()];
  if (!needsColdRestart(needs)) return { status: 'skipped', detail: 'no pending hardware changes' };
  const vm = await d.session.vm();
  if (!vm) {
    const what = `needs ${needs.map(needLabel).join(', ')} but has no Proxmox vm binding`;
    throw new StepFailed('vm-cold-restart', d.ops.target.name, what);
  }
  // A cold restart boots the guest again: only a new boot id proves it ran on the new hardware.
  const bootBefore = (await d.ops.probe(true)).bootId;
  // A NIC change refused on the serving VM is written while it is stopped (no live re-plug).
  const nic = d.session.needs.get('nic-replug');
  const how = await vm.coldRestart(nic?.kind === 'nic-replug' && nic.write ? { writeWhileStopped: [nic.write] } : {});
  d.session.meetNeed('cold-restart');
  d.session.meetNeed('nic-replug');
  const ms = await waitForNode(d, 'vm-cold-restart', bootBefore);
  return { status: 'ok', detail: `${how}; SSH back after ${ms} ms` };
}
