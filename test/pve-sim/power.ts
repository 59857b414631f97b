// Power actions and their tasks, including HA-managed VMs whose tasks end before the state changes.
import { die } from './http-error.js';
import type { SimState } from './state.js';
import type { SimVm } from './vm.js';

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot';

export function powerAction(
  state: SimState,
  vm: SimVm,
  action: PowerAction,
  params: Record<string, string>,
  user: string,
): string {
  const node = vm.node;
  const id = String(vm.vmid);
  if (action === 'reboot') {
    if (vm.status !== 'running') throw die(`VM ${vm.vmid} not running`);
    return state.tasks.start(node, 'qmreboot', id, user, state.delays.shutdown, async () => {
      await doStop(state, vm, 'shutdown');
      // qmeventd restarts the VM afterwards in its own task, owned by root@pam.
      state.tasks.start(node, 'qmstart', id, 'root@pam', state.delays.rebootRestart, () => doStart(state, vm));
      return ['requesting reboot', 'guest shut down'];
    });
  }
  if (vm.ha?.managed) return haRequest(state, vm, action === 'start' ? 'start' : 'stop', user);
  if (action === 'start')
    return state.tasks.start(node, 'qmstart', id, user, state.delays.start, () => doStart(state, vm));
  if (action === 'stop')
    return state.tasks.start(node, 'qmstop', id, user, state.delays.stop, () => doStop(state, vm, 'stop'));
  const ignores = state.ignoresAcpi.has(vm.vmid) && vm.status === 'running';
  const forceStop = params['forceStop'] === '1';
  return state.tasks.start(
    node,
    'qmshutdown',
    id,
    user,
    ignores ? state.delays.shutdownTimeout : state.delays.shutdown,
    () => {
      if (vm.status === 'stopped') return ['VM already stopped'];
      if (ignores && !forceStop) throw new Error('VM quit/powerdown failed - got timeout');
      return doStop(state, vm, 'shutdown');
    },
  );
}

/**
 * An HA resource's start or stop is only a request: the `hastart`/`hastop` task sets HA's requested state and ends;
 * the local resource manager acts later in its own root@pam task. With ha-rebalance-on-start (`haRebalanceOnStart`)
 * a stopped VM is first moved to another online node (CRS's choice), then started there.
 */
function haRequest(state: SimState, vm: SimVm, action: 'start' | 'stop', user: string): string {
  const node = vm.node;
  const id = String(vm.vmid);
  return state.tasks.start(node, action === 'start' ? 'hastart' : 'hastop', id, user, state.delays.haTask, () => {
    // A resource in HA's error state stays there until it is disabled: a start request does not recover it.
    if (vm.ha?.state === 'error') return [`service 'vm:${vm.vmid}' is in error state`];
    vm.ha = { managed: true, state: action === 'start' ? 'started' : 'stopped' };
    if (action === 'stop') {
      state.tasks.start(node, 'qmshutdown', id, 'root@pam', state.delays.haAction, () => doStop(state, vm, 'shutdown'));
      return [`Requesting HA stop for VM ${vm.vmid}`];
    }
    const target = vm.haRebalanceOnStart && vm.status === 'stopped' ? otherOnlineNode(state, node) : undefined;
    if (target === undefined) {
      state.tasks.start(node, 'qmstart', id, 'root@pam', state.delays.haAction, () => haStart(state, vm));
      return [`Requesting HA start for VM ${vm.vmid}`];
    }
    state.tasks.start(node, 'qmigrate', id, 'root@pam', state.delays.haAction, () => {
      vm.node = target; // the config file moves: requests for the old node now 500 "does not exist"
      state.tasks.start(target, 'qmstart', id, 'root@pam', state.delays.start, () => haStart(state, vm));
      return [`migration of VM ${vm.vmid} to node '${target}' finished`];
    });
    return [`Requesting HA start for VM ${vm.vmid} (rebalance on start)`];
  });
}

/** The resource manager's start; when it fails, HA gives up on the resource (its retries are not simulated). */
async function haStart(state: SimState, vm: SimVm): Promise<string[]> {
  try {
    return await doStart(state, vm);
  } catch (err) {
    vm.ha = { managed: true, state: 'error' };
    throw err;
  }
}

function otherOnlineNode(state: SimState, from: string): string | undefined {
  return [...state.nodes].find(([name, n]) => name !== from && n.online)?.[0];
}

async function doStart(state: SimState, vm: SimVm): Promise<string[]> {
  if (vm.lock) throw new Error(`VM is locked (${vm.lock})`);
  if (vm.status === 'running') throw new Error(`VM ${vm.vmid} already running`);
  const applied = vm.applyPending();
  // qemu-server's config_to_command: pending is already applied (and stays), then the vCPU count is checked.
  const sockets = Number(vm.conf.get('sockets') ?? 1);
  const cores = Number(vm.conf.get('cores') ?? 1);
  const cpus = state.nodes.get(vm.node)?.cpus ?? Number.POSITIVE_INFINITY;
  if (sockets * cores > cpus) throw new Error(`MAX ${cpus} vcpus allowed per VM on this node`);
  await state.machines?.start(vm.vmid, { sockets, cores });
  vm.status = 'running';
  vm.nicsDown.clear(); // a new QEMU process has every NIC of its config
  state.events.push({ type: 'power', vmid: vm.vmid, action: 'start', appliedPending: applied });
  state.onPower?.(vm.vmid, 'start');
  return applied.length > 0 ? [`applied pending: ${applied.join(',')}`] : [];
}

/** `shutdown`: the guest powers down cleanly; `stop`: the machine is killed. */
async function doStop(state: SimState, vm: SimVm, how: 'shutdown' | 'stop'): Promise<string[]> {
  if (vm.status === 'stopped') return [];
  await (how === 'shutdown' ? state.machines?.shutdown(vm.vmid) : state.machines?.stop(vm.vmid));
  vm.status = 'stopped';
  const applied = vm.applyPending();
  state.events.push({ type: 'power', vmid: vm.vmid, action: 'stop', appliedPending: applied });
  state.onPower?.(vm.vmid, 'stop');
  return applied.length > 0 ? [`applied pending: ${applied.join(',')}`] : [];
}
