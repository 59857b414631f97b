// Read a VM's state through the API only (works when the guest is stopped or unreachable).
import { TaskError } from '../../core/errors.js';
import type { ReadContext, VmHandle } from '../../core/module.js';

export interface PendingItem {
  key: string;
  value?: unknown;
  pending?: unknown;
  delete?: number;
}

export interface ProxmoxVmFacts {
  proxmox: string;
  node: string;
  vmid: number;
  /** GET config: pending changes merged in, with `digest`. */
  config: Record<string, unknown>;
  /** GET config?current=1: what the running VM uses. */
  current: Record<string, unknown>;
  /** GET pending, only the items that are actually pending (a value or a delete). */
  pending: PendingItem[];
  status: { status: string; lock?: string; haManaged: boolean; haState?: string };
  /** The digest every write is guarded with. */
  digest: string;
}

interface StatusCurrent {
  status?: string;
  lock?: string;
  ha?: { managed?: number; state?: string };
}

export async function gatherVm(vm: VmHandle): Promise<ProxmoxVmFacts> {
  const base = `/nodes/${encodeURIComponent(vm.node)}/qemu/${vm.vmid}`;
  const [config, current, pendingAll, status] = await Promise.all([
    vm.get<Record<string, unknown>>(`${base}/config`),
    vm.get<Record<string, unknown>>(`${base}/config?current=1`),
    vm.get<PendingItem[]>(`${base}/pending`),
    vm.get<StatusCurrent>(`${base}/status/current`),
  ]);
  const digest = typeof config['digest'] === 'string' ? config['digest'] : '';
  return {
    proxmox: vm.proxmox,
    node: vm.node,
    vmid: vm.vmid,
    config,
    current,
    pending: pendingAll.filter((p) => p.key !== 'digest' && (p.pending !== undefined || (p.delete ?? 0) > 0)),
    status: {
      status: status.status ?? 'unknown',
      ...(status.lock ? { lock: status.lock } : {}),
      haManaged: status.ha?.managed === 1,
      ...(status.ha?.state ? { haState: status.ha.state } : {}),
    },
    digest,
  };
}

export async function gatherFromContext(ctx: ReadContext): Promise<ProxmoxVmFacts> {
  const vm = await ctx.vm();
  if (!vm) throw new TaskError(`proxmox_vm: host ${ctx.host} has no vm: binding in the inventory`);
  return gatherVm(vm);
}
