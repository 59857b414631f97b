// What a cold restart must know before it stops a VM, and how it undoes pending hardware that will not start:
// the vCPUs the VM gets (sockets × cores must fit the PVE node, or qemu-server refuses to start it), and the
// config that puts back what the VM ran with (a stop applies every pending change, so a failed start leaves them).
import { textOf } from '../core/text.js';

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
