// The cold restart of a VM through the API: what it checks before it stops anything (sockets × cores must fit the
// PVE node, or qemu-server refuses to start it), the config writes that ride on it while the VM is stopped, the
// start that may land on another node (HA), and how it undoes pending hardware that will not start (a stop applies
// every pending change, so a failed start leaves them).
import type { ColdRestartOptions, DeferredConfigWrite } from '../core/module.js';
import { textOf } from '../core/text.js';
import { NicReplugError, PveHaError, PveTaskError } from './errors.js';
import type { VmStatusCurrent } from './tasks.js';

/** One entry of GET .../pending. */
export interface PendingEntry {
  key: string;
  pending?: unknown;
  delete?: number;
}

/** A cold restart refused before anything was stopped, or a start that failed (what was done about it included). */
export class ColdRestartError extends Error {
  readonly vmid: number;
  readonly node: string;
  /** stopped: the VM is down; running: it runs again (on the old hardware after a revert); untouched: never stopped. */
  readonly vmState: 'untouched' | 'running' | 'stopped';
  constructor(args: {
    vmid: number;
    node: string;
    vmState: ColdRestartError['vmState'];
    message: string;
    cause?: unknown;
  }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = 'ColdRestartError';
    this.vmid = args.vmid;
    this.node = args.node;
    this.vmState = args.vmState;
  }
}

/** What a cold restart does to one VM through its API (PveVmApi gives it). */
export interface VmPowerOps {
  readonly vmid: number;
  /** Seconds the guest gets to shut down before it is stopped hard. */
  readonly shutdownTimeoutS: number;
  /** The node the VM is on now (it changes when HA places it elsewhere). */
  node(): string;
  /** GET a path below the VM, e.g. read('config'). */
  read<T>(leaf: string): Promise<T>;
  /** The PVE node's CPU count; null when the token may not read it. */
  nodeCpus(): Promise<number | null>;
  /** POST a power action and wait until the VM is in `target`; `resend`: once more after an unknown outcome. */
  power(
    leaf: string,
    body: Record<string, string | number>,
    target: 'running' | 'stopped',
    resend?: boolean,
  ): Promise<void>;
  /** POST the config (the body carries its digest) and wait for the task. */
  writeConfig(body: Record<string, string | number>): Promise<void>;
  /** Look up where the VM is (/cluster/resources); returns the node it left when it moved, else null. */
  follow(): Promise<string | null>;
}

/**
 * Shut the VM down (ACPI, then a hard stop after the timeout), write what must be written while it is stopped, and
 * start it again, waiting until it runs. A stop and a start both apply pending changes; a reboot from inside the
 * guest does not. An HA-managed running VM is rebooted instead (rebootHaVm). Refused before anything stops when
 * sockets × cores exceeds the node's CPUs; when the start fails anyway, the pending keys are put back and the VM
 * started on its old hardware (ColdRestartError says which). Returns what was done, for the step line.
 */
export async function coldRestartVm(vm: VmPowerOps, options: ColdRestartOptions = {}): Promise<string> {
  const writes = options.writeWhileStopped ?? [];
  const [st, config, current, pending, cpus] = await Promise.all([
    vm.read<VmStatusCurrent>('status/current'),
    vm.read<Record<string, unknown>>('config'),
    vm.read<Record<string, unknown>>('config?current=1'),
    vm.read<PendingEntry[]>('pending'),
    vm.nodeCpus(),
  ]);
  const vcpus = maxVcpus(config);
  if (cpus !== null && vcpus > cpus) {
    const message = `VM ${vm.vmid} would have ${vcpus} vCPUs (sockets × cores) and node ${vm.node()} has ${cpus} CPUs: Proxmox would refuse to start it; nothing was stopped`;
    throw new ColdRestartError({ vmid: vm.vmid, node: vm.node(), vmState: 'untouched', message });
  }
  const ha = st.ha?.managed === 1;
  if (ha && st.status !== 'stopped') return rebootHaVm(vm, writes);
  const wasStopped = st.status === 'stopped';
  if (!wasStopped) await vm.power('status/shutdown', { timeout: vm.shutdownTimeoutS, forceStop: 1 }, 'stopped');
  const deferred = await writeDeferred(vm, writes);
  const from = vm.node();
  try {
    await vm.power('status/start', {}, 'running');
  } catch (error) {
    await vm.follow();
    const keys = [...new Set([...pendingKeys(pending), ...deferred.written])].sort();
    return revertAndStart(vm, { keys, current, ha }, error);
  }
  // An HA start may have placed the VM on another node (ha-rebalance-on-start): later calls must go there.
  await vm.follow();
  const how = startedLine(vm, from, wasStopped, deferred.written);
  return runningUnless(vm, how, deferred.problem);
}

/**
 * An HA-managed running VM is rebooted through the API: status/reboot applies pending changes (a shutdown and a
 * start inside qemu-server) and is no HA request, so HA's requested state stays `started` whatever fails, and the
 * VM stays on its node. A stop and a start would be HA requests: `hastop` sets the requested state to `stopped`, and
 * a failed `hastart` would leave it there, with HA keeping the VM down.
 *
 * The reboot cannot write between its shutdown and its start. A deferred NIC write exists only when the VM's current
 * hotplug has `network` (without it the plan wrote the NIC as pending, which the reboot applies), so it is written
 * live right before the reboot, inside the drained window: the NIC re-plugs once and the guest restarts right after
 * anyway. A re-plug that fails leaves the value pending (and perhaps the VM without that NIC): the reboot applies it,
 * which brings the NIC back with its new settings.
 */
async function rebootHaVm(vm: VmPowerOps, writes: readonly DeferredConfigWrite[]): Promise<string> {
  const deferred = await writeDeferred(vm, writes);
  // A resend after an unknown outcome could reboot twice: the state wait tells whether it ran.
  await vm.power('status/reboot', { timeout: vm.shutdownTimeoutS }, 'running', false);
  let how = `VM ${vm.vmid} on ${vm.node()} rebooted through the API (HA-managed: its HA state stays started)`;
  if (deferred.written.length > 0) {
    const keys = deferred.written.join(', ');
    how += deferred.replug
      ? `; ${keys} failed to re-plug just before it (${deferred.replug.reason}), and the reboot applied it`
      : `; ${keys} written just before it (one live re-plug while drained: a reboot cannot write in between)`;
    const now = await vm.read<Record<string, unknown>>('config?current=1');
    const missed = writes.filter((w) => textOf(now[w.key]) !== w.to).map((w) => w.key);
    if (missed.length > 0) deferred.problem ??= `${missed.join(', ')} did not come up with the new settings`;
  }
  return runningUnless(vm, how, deferred.problem);
}

/** The VM runs again: `how`, unless the deferred write had a problem (then the step fails saying both). */
function runningUnless(vm: VmPowerOps, how: string, problem: string | null): string {
  if (problem === null) return how;
  throw new ColdRestartError({ vmid: vm.vmid, node: vm.node(), vmState: 'running', message: `${how}; but ${problem}` });
}

interface DeferredOutcome {
  /** Keys whose new value is in the config now (applied, or pending after a failed re-plug). */
  written: string[];
  /** Why the writes were not made; null when they were (or there were none). */
  problem: string | null;
  replug?: NicReplugError;
}

/** Write the deferred values, guarded by the digest read now, when the config still has what they were planned from. */
async function writeDeferred(vm: VmPowerOps, writes: readonly DeferredConfigWrite[]): Promise<DeferredOutcome> {
  if (writes.length === 0) return { written: [], problem: null };
  const keys = writes.map((w) => w.key);
  const config = await vm.read<Record<string, unknown>>('config');
  const changed = writes.filter((w) => textOf(config[w.key]) !== w.from);
  if (changed.length > 0) {
    const what = changed.map((w) => `${w.key} is ${textOf(config[w.key]) || '(unset)'}`).join(', ');
    return { written: [], problem: `${what}, not what was planned from: not written (run the play again)` };
  }
  const digest = config['digest'];
  if (typeof digest !== 'string' || digest === '')
    return { written: [], problem: `the config came without a digest: ${keys.join(', ')} not written` };
  const body: Record<string, string | number> = Object.fromEntries(writes.map((w) => [w.key, w.to]));
  try {
    await vm.writeConfig({ ...body, digest });
  } catch (error) {
    // Only a running VM re-plugs: the value stays pending, and the reboot that follows applies it.
    if (error instanceof NicReplugError) return { written: keys, problem: null, replug: error };
    return { written: [], problem: `${keys.join(', ')} not written (${reasonOf(error)})` };
  }
  return { written: keys, problem: null };
}

function startedLine(vm: VmPowerOps, from: string, wasStopped: boolean, written: readonly string[]): string {
  const to = vm.node();
  let how =
    from === to
      ? `VM ${vm.vmid} on ${to} ${wasStopped ? 'started (it was stopped)' : 'stopped and started'}`
      : `VM ${vm.vmid} ${wasStopped ? '' : `stopped on ${from} and `}started on ${to} (HA moved it from ${from})${wasStopped ? '; it was stopped' : ''}`;
  if (written.length > 0) how += `; ${written.join(', ')} written while it was stopped (no live re-plug)`;
  return how;
}

/** The start after a stop failed: put the pending keys back to what the VM ran with and start it on that. */
async function revertAndStart(
  vm: VmPowerOps,
  what: { keys: string[]; current: Record<string, unknown>; ha: boolean },
  startError: unknown,
): Promise<never> {
  const why = reasonOf(startError);
  const at = (): { vmid: number; node: string } => ({ vmid: vm.vmid, node: vm.node() });
  const { keys } = what;
  if (keys.length === 0) {
    const message = `VM ${vm.vmid} did not start again (${why}): it is stopped${await haNote(vm, what.ha)}`;
    throw new ColdRestartError({ ...at(), vmState: 'stopped', message, cause: startError });
  }
  // HA in its error state starts nothing until the resource is disabled and enabled: put back, but do not start.
  const haGaveUp = startError instanceof PveHaError;
  try {
    const { digest } = await vm.read<{ digest?: string }>('config');
    if (!digest) throw new Error('the config came without a digest');
    await vm.writeConfig({ ...revertBody(keys, what.current), digest });
    if (haGaveUp) {
      const message = `VM ${vm.vmid} did not start with its new hardware (${why}); ${keys.join(', ')} put back to what it ran with: it is stopped${await haNote(vm, what.ha)}`;
      throw new ColdRestartError({ ...at(), vmState: 'stopped', message, cause: startError });
    }
    await vm.power('status/start', {}, 'running');
    await vm.follow();
  } catch (again) {
    if (again instanceof ColdRestartError) throw again;
    const message = `VM ${vm.vmid} did not start with its new hardware (${why}), nor after ${keys.join(', ')} were put back (${reasonOf(again)}): it is stopped${await haNote(vm, what.ha)}`;
    throw new ColdRestartError({ ...at(), vmState: 'stopped', message, cause: again });
  }
  const message = `VM ${vm.vmid} did not start with its new hardware (${why}); ${keys.join(', ')} put back to what it ran with and started again on ${vm.node()}: it runs the old hardware`;
  throw new ColdRestartError({ ...at(), vmState: 'running', message, cause: startError });
}

/**
 * For an HA resource left stopped: HA's state, and what to do about it. A start request sets the requested state to
 * `started` (HA keeps trying); only a start request that itself failed leaves it at `stopped`, and `error` means HA
 * gave up: either way the operator must act, and the message says how.
 */
async function haNote(vm: VmPowerOps, ha: boolean): Promise<string> {
  if (!ha) return '';
  let state: string;
  try {
    await vm.follow();
    state = (await vm.read<VmStatusCurrent>('status/current')).ha?.state ?? 'unknown';
  } catch {
    return `; HA's state could not be read: check ha-manager status for vm:${vm.vmid}`;
  }
  const id = `vm:${vm.vmid}`;
  if (state === 'started') return "; HA's requested state is still started (HA keeps trying to start it)";
  if (state === 'error')
    return `; HA gave up on ${id} (error state): ha-manager set ${id} --state disabled, then --state started once the cause is fixed`;
  return `; HA's requested state is ${state} (the start request failed): ha-manager set ${id} --state started once the cause is fixed`;
}

/** sockets × cores of a config (Proxmox's defaults: 1 and 1). */
export function maxVcpus(config: Readonly<Record<string, unknown>>): number {
  const n = (key: string) => (config[key] === undefined || config[key] === '' ? 1 : Number(config[key]));
  return n('sockets') * n('cores');
}

/** Keys whose change is pending: a value, or a delete. */
export function pendingKeys(pending: readonly PendingEntry[]): string[] {
  return pending
    .filter((p) => p.key !== 'digest' && (p.pending !== undefined || (p.delete ?? 0) > 0))
    .map((p) => p.key);
}

/** The config write that puts `keys` back to what the VM ran with (`current`), deleting the ones it did not have. */
export function revertBody(
  keys: readonly string[],
  current: Readonly<Record<string, unknown>>,
): Record<string, string | number> {
  const body: Record<string, string | number> = {};
  const remove: string[] = [];
  for (const key of keys) {
    const value = current[key];
    if (value === undefined || value === null) remove.push(key);
    else body[key] = typeof value === 'number' ? value : textOf(value);
  }
  if (remove.length > 0) body['delete'] = remove.join(',');
  return body;
}

/** One line on why a step failed: a task's exit status, else the first line of the message. */
export function reasonOf(error: unknown): string {
  if (error instanceof PveTaskError) return error.exitStatus;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
