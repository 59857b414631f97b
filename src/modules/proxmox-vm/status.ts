// Rows for `ober-push vm status`: what each VM runs, what is pending, what differs from the playbook.
import { parseNet } from '../../proxmox/property-string.js';
import type { ProxmoxVmArgs } from './args.js';
import { canonicalValue } from './canonical.js';
import type { ProxmoxVmFacts } from './gather.js';
import { planItems } from './plan.js';

export interface VmStatusRow {
  host: string;
  node: string;
  vmid: number;
  status: string;
  cpu: string;
  cores: number;
  sockets: number;
  queues: number | null;
  watchdog: string | null;
  balloon: number | null;
  /** Pending items as `key=value`, or `-key` for a pending delete. */
  pending: string[];
  /** Keys whose desired value is neither live nor pending (empty without args). */
  drift: string[];
}

export interface VmStatusInput {
  host: string;
  facts: ProxmoxVmFacts;
  args?: ProxmoxVmArgs;
  netIndex?: number;
}

export function vmStatusRows(inputs: VmStatusInput[]): VmStatusRow[] {
  return inputs.map(({ host, facts, args, netIndex }) => {
    const live = facts.current;
    const netKey = `net${netIndex ?? args?.net?.index ?? 0}`;
    let queues: number | null = null;
    if (typeof live[netKey] === 'string') {
      try {
        const q = parseNet(live[netKey]).options['queues'];
        queues = q === undefined ? null : Number(q);
      } catch {
        queues = null;
      }
    }
    const cpu = canonicalValue('cpu', live['cpu']) ?? 'cputype=kvm64';
    return {
      host,
      node: facts.node,
      vmid: facts.vmid,
      status: facts.status.haManaged
        ? `${facts.status.status} (ha: ${facts.status.haState ?? 'managed'})`
        : facts.status.status,
      cpu: cpu.replace(/^cputype=/, ''),
      cores: Number(canonicalValue('cores', live['cores'])),
      sockets: Number(canonicalValue('sockets', live['sockets'])),
      queues,
      watchdog: typeof live['watchdog'] === 'string' ? live['watchdog'] : null,
      balloon: live['balloon'] === undefined ? null : Number(live['balloon']),
      pending: facts.pending.map((p) => (p.delete ? `-${p.key}` : `${p.key}=${String(p.pending)}`)).sort(),
      drift: args
        ? planItems(facts, args)
            .filter((i) => i.kind !== 'already-pending')
            .map((i) => i.key)
        : [],
    };
  });
}
