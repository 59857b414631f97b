// The schedule of a roll (pure): batches, the steps each node goes through, and which VMs get a cold restart
// inside their drained window. --check prints it; the real run follows it.
import type { NeedKind } from '../../core/module.js';
import type { RollingScheduleBatch } from '../events.js';
import { NODE_STEPS } from './phase.js';

/** Needs that the rolling engine meets with a Proxmox cold restart (stop + start through the API). */
export const COLD_RESTART_NEEDS: readonly NeedKind[] = ['cold-restart', 'nic-replug'];

export function needsColdRestart(needs: Iterable<NeedKind>): boolean {
  return [...needs].some((n) => COLD_RESTART_NEEDS.includes(n));
}

/** What the schedule shows of each host beside its needs: its failure domain (spread_by) and its PVE node. */
export interface ScheduleHostInfo {
  domains?: ReadonlyMap<string, string> | null;
  pveNodes?: ReadonlyMap<string, string>;
}

/** Per batch, the steps of NODE_STEPS that will do something (vm-cold-restart only where a VM needs it). */
export function planSchedule(
  batches: readonly (readonly string[])[],
  needs: ReadonlyMap<string, Iterable<NeedKind>>,
  info: ScheduleHostInfo = {},
): RollingScheduleBatch[] {
  return batches.map((batch) => {
    const coldRestarts = batch.filter((h) => needsColdRestart(needs.get(h) ?? []));
    const steps = NODE_STEPS.filter((s) => s !== 'vm-cold-restart' || coldRestarts.length > 0);
    const { domains, pveNodes } = info;
    const queues = pveNodes ? coldRestartQueues(coldRestarts, pveNodes) : [];
    return {
      hosts: [...batch],
      steps,
      coldRestarts,
      ...(domains ? { domains: batch.map((h) => domains.get(h) ?? h) } : {}),
      ...(queues.length ? { coldRestartQueues: queues } : {}),
    };
  });
}

/** The cold restarts that share a PVE node (the slots run them one after the other, in batch order). */
function coldRestartQueues(
  hosts: readonly string[],
  pveNodes: ReadonlyMap<string, string>,
): Array<{ pveNode: string; hosts: string[] }> {
  const byNode = new Map<string, string[]>();
  for (const h of hosts) {
    const node = pveNodes.get(h);
    if (node !== undefined) byNode.set(node, [...(byNode.get(node) ?? []), h]);
  }
  return [...byNode].filter(([, on]) => on.length > 1).map(([pveNode, on]) => ({ pveNode, hosts: on }));
}

/** A fresh run id: sortable time plus a little randomness, safe in file names. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(random() * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}
