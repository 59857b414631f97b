// Pure planning: desired settings vs the VM's live, merged and pending config, with the
// impact each change has on a running VM under real PVE semantics.
import { TaskError } from '../../core/errors.js';
import type { Change, DeferredConfigWrite, Impact, Need, Op } from '../../core/module.js';
import { formatNet, parseNet } from '../../proxmox/property-string.js';
import type { ProxmoxVmArgs } from './args.js';
import { canonicalValue, parseHotplug } from './canonical.js';
import type { ProxmoxVmFacts } from './gather.js';
import { textOf } from '../../core/text.js';

export const COLD_RESTART_NEED: Need = { kind: 'cold-restart' };
export const NIC_REPLUG_NEED: Need = { kind: 'nic-replug' };

const hasColdRestart = (needs: readonly Need[]) => needs.some((n) => n.kind === 'cold-restart');

/**
 * One managed key's outcome. `write` goes into the config POST; `at-cold-restart` is written while the VM is stopped
 * during the cold restart the plan needs anyway (a NIC change that would re-plug live); the others are informational.
 */
export interface PlanItem {
  key: string;
  kind: 'write' | 'already-pending' | 'refused' | 'at-cold-restart';
  before: string | undefined; // live value (running) or config value (stopped), as the API shows it
  after: string;
  body: string | number; // value for the form body
  impact: Impact;
  needs: Need[];
  /** For net changes: which NIC options differ (queues, model). */
  detail?: string;
  /** For a NIC change that is not written live: what a cold restart writes while the VM is stopped. */
  deferred?: DeferredConfigWrite;
}

interface Desired {
  key: string;
  body: string | number;
  detail?: string;
}

export function desiredValues(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): Desired[] {
  const out: Desired[] = [];
  if (args.cpu !== undefined) out.push({ key: 'cpu', body: args.cpu });
  if (args.cores !== undefined) out.push({ key: 'cores', body: args.cores });
  if (args.sockets !== undefined) out.push({ key: 'sockets', body: args.sockets });
  if (args.balloon !== undefined) {
    const memory = memoryMiB(facts.config);
    if (args.balloon > memory)
      throw new TaskError(
        `proxmox_vm: balloon ${args.balloon} MiB is more than VM ${facts.vmid}'s memory (${memory} MiB)`,
      );
    out.push({ key: 'balloon', body: args.balloon });
  }
  if (args.onboot !== undefined) out.push({ key: 'onboot', body: args.onboot ? 1 : 0 });
  if (args.watchdog !== undefined) {
    const action = args.watchdog.action ? `,action=${args.watchdog.action}` : '';
    out.push({ key: 'watchdog', body: `model=${args.watchdog.model}${action}` });
  }
  const net = desiredNet(facts, args);
  if (net) out.push(net);
  return out;
}

/**
 * vCPUs the VM will have after a cold restart: an explicit `vcpus` (hot-plugged vCPUs), else sockets × cores
 * (desired values win over the merged config). A `vcpus` above sockets × cores is refused: the VM would not start.
 */
export function plannedVcpus(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): number {
  const sockets = args.sockets ?? Number(canonicalValue('sockets', facts.config['sockets']) ?? 1);
  const cores = args.cores ?? Number(canonicalValue('cores', facts.config['cores']) ?? 1);
  const explicit = canonicalValue('vcpus', facts.config['vcpus']);
  if (explicit === undefined || explicit === '0') return sockets * cores;
  const vcpus = Number(explicit);
  if (vcpus > sockets * cores) {
    throw new TaskError(
      `proxmox_vm: VM ${facts.vmid} has vcpus=${vcpus}, more than sockets × cores = ${sockets * cores} after this plan; Proxmox would refuse to start it`,
    );
  }
  return vcpus;
}

/** The VM's memory in MiB (`memory: 4096` or `memory: current=4096`; Proxmox's default is 512). */
function memoryMiB(config: Record<string, unknown>): number {
  const raw = config['memory'];
  if (raw === undefined || raw === null || raw === '') return 512;
  return Number(/^(?:current=)?(\d+)/.exec(textOf(raw))?.[1] ?? Number.NaN);
}

function desiredNet(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): Desired | null {
  if (!args.net || (args.net.model === undefined && args.net.queues === undefined)) return null;
  const key = `net${args.net.index}`;
  const base = facts.config[key];
  if (typeof base !== 'string')
    throw new TaskError(
      `proxmox_vm: VM ${facts.vmid} has no ${key}; this module changes an existing NIC, it does not create one`,
    );
  // Keep MAC, bridge, tag, firewall and every other option; change only what is asked.
  const dev = parseNet(base);
  if (dev.macaddr === undefined)
    throw new TaskError(`proxmox_vm: ${key} of VM ${facts.vmid} has no MAC address: ${base}`);
  const details: string[] = [];
  if (args.net.model !== undefined && args.net.model !== dev.model) {
    details.push(`model ${dev.model} → ${args.net.model}`);
    dev.model = args.net.model;
  }
  if (args.net.queues !== undefined) {
    // Multiqueue is a virtio-net feature; Proxmox keeps `queues` on other models, where it does nothing.
    if (dev.model !== 'virtio')
      throw new TaskError(
        `proxmox_vm: queues apply to virtio NICs only, and ${key} of VM ${facts.vmid} is ${dev.model}`,
      );
    const vcpus = plannedVcpus(facts, args);
    const queues = args.net.queues === 'auto' ? Math.min(64, vcpus) : args.net.queues;
    const now = dev.options['queues'];
    // auto on a single-vCPU VM: multiqueue does nothing, leave the NIC alone.
    const skip = args.net.queues === 'auto' && queues <= 1 && now === undefined;
    if (!skip && now !== String(queues)) {
      details.push(`queues ${now ?? '(unset)'} → ${queues}`);
      dev.options['queues'] = String(queues);
    }
  }
  return { key, body: formatNet(dev), detail: details.join(', ') };
}

export function planItems(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): PlanItem[] {
  return deferNicReplugs(facts, itemsOf(facts, args));
}

/**
 * A NIC change that would re-plug the serving VM's NIC live is deferred to a cold restart when the plan needs one
 * anyway (cpu, cores, sockets, watchdog pending): it is written while the VM is stopped, between the shutdown and
 * the start, so the guest loses its NIC once, not twice. A refused one (nic_replug: refuse) keeps its
 * nic-replug need, now with the write a cold restart makes.
 */
function deferNicReplugs(facts: ProxmoxVmFacts, items: PlanItem[]): PlanItem[] {
  const coldRestartDue = items.some((i) => i.kind !== 'refused' && hasColdRestart(i.needs));
  return items.map((item) => {
    if (item.impact !== 'nic-replug' || item.kind === 'already-pending') return item;
    const deferred = { key: item.key, from: textOf(facts.config[item.key]), to: String(item.body) };
    const need: Need = { kind: 'nic-replug', write: deferred };
    if (coldRestartDue) return { ...item, kind: 'at-cold-restart', impact: 'cold-restart', needs: [need], deferred };
    return item.kind === 'refused' ? { ...item, needs: [need], deferred } : item;
  });
}

function itemsOf(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): PlanItem[] {
  const running = facts.status.status !== 'stopped';
  // What the running VM can hot-plug is its current setting; a pending `hotplug` change applies only at start.
  const hotplug = parseHotplug((running ? facts.current : facts.config)['hotplug']);
  const items: PlanItem[] = [];
  for (const d of desiredValues(facts, args)) {
    const want = canonicalValue(d.key, d.body) ?? '';
    const live = canonicalValue(d.key, facts.current[d.key]);
    const merged = canonicalValue(d.key, facts.config[d.key]);
    const pend = facts.pending.find((p) => p.key === d.key);
    const pendingValue =
      pend && pend.pending !== undefined && !pend.delete ? canonicalValue(d.key, pend.pending) : undefined;
    const hasPending = pend !== undefined;
    const shown = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : textOf(v));
    const base = { key: d.key, after: String(d.body), body: d.body, ...(d.detail ? { detail: d.detail } : {}) };

    if (!running) {
      // A stopped VM applies everything at once (pending left on a stopped VM applies at start).
      if (merged === want) continue;
      items.push({ ...base, kind: 'write', before: shown(facts.config[d.key]), impact: 'live', needs: [] });
      continue;
    }
    if (live === want && !hasPending) continue;
    if (pendingValue !== undefined && pendingValue === want) {
      items.push({
        ...base,
        kind: 'already-pending',
        before: shown(facts.current[d.key]),
        impact: 'pending',
        needs: [COLD_RESTART_NEED],
      });
      continue;
    }
    if (live === want) {
      // Writing the live value drops the other pending value again.
      items.push({ ...base, kind: 'write', before: shown(pend?.pending), impact: 'live', needs: [] });
      continue;
    }
    const { impact, needs } = runningImpact(d.key, facts.current[d.key], d.body, hotplug);
    const kind = impact === 'nic-replug' && args.nic_replug === 'refuse' ? 'refused' : 'write';
    items.push({
      ...base,
      kind,
      before: shown(facts.current[d.key]),
      impact,
      needs: kind === 'refused' ? [NIC_REPLUG_NEED] : needs,
    });
  }
  return items;
}

/** What a change does to a running VM (default hotplug `network,disk,usb`). */
function runningImpact(
  key: string,
  live: unknown,
  want: string | number,
  hotplug: Set<string>,
): { impact: Impact; needs: Need[] } {
  const cold = { impact: 'pending' as const, needs: [COLD_RESTART_NEED] };
  if (key === 'onboot') return { impact: 'live', needs: [] };
  if (key === 'balloon') {
    // Enabling or disabling the balloon device is not hot-pluggable; changing its target is.
    const toggles = canonicalValue('balloon', live) === '0' || Number(want) === 0;
    return toggles ? cold : { impact: 'live', needs: [] };
  }
  if (/^net\d+$/.test(key)) return hotplug.has('network') ? { impact: 'nic-replug', needs: [] } : cold;
  return cold; // cpu, cores, sockets, watchdog
}

export function planChanges(facts: ProxmoxVmFacts, args: ProxmoxVmArgs): Change[] {
  const items = planItems(facts, args);
  const writes = items.filter((i) => i.kind === 'write');
  // Proxmox skips the concurrent-change check when the digest is empty: never write without one.
  if ((writes.length > 0 || items.some((i) => i.deferred)) && facts.digest === '')
    throw new TaskError(`proxmox_vm: VM ${facts.vmid}'s config came without a digest; refusing an unguarded write`);
  const restartNow = args.cold_restart === 'now' && items.some((i) => i.kind !== 'refused' && hasColdRestart(i.needs));
  // With the cold restart in this run, what rides on it is done by it: those needs are met here.
  const metNow = (item: PlanItem) => restartNow && (hasColdRestart(item.needs) || item.kind === 'at-cold-restart');
  const changes: Change[] = [];
  let opPlaced = false;
  for (const item of items) {
    const change: Change = {
      summary: summaryOf(item, facts, restartNow),
      diff: {
        path: `pve://${facts.proxmox}/${facts.node}/qemu/${facts.vmid}/config#${item.key}`,
        before: item.before === undefined ? null : `${item.key}: ${item.before}\n`,
        after: `${item.key}: ${item.after}\n`,
      },
      ops: [],
      impact: item.impact,
      ...(item.needs.length > 0 && !metNow(item) ? { needs: item.needs } : {}),
    };
    if (item.kind === 'write' && !opPlaced) {
      // One config write for all keys, guarded by the digest the plan was made from; it rides on the first write.
      change.ops.push(configWrite(facts, writes));
      opPlaced = true;
    }
    changes.push(change);
  }
  if (restartNow) changes.push(coldRestartChange(facts, args, items));
  return changes;
}

function configWrite(facts: ProxmoxVmFacts, writes: readonly PlanItem[]): Op {
  const body: Record<string, string | number> = {};
  for (const w of writes) body[w.key] = w.body;
  body['digest'] = facts.digest;
  // A failed NIC re-plug is classified by the API layer (NicReplugError: it may have left the VM without the NIC).
  return { kind: 'pve', method: 'POST', path: `${vmPathOf(facts)}/config`, body, waitTask: true };
}

/** cold_restart: now — through the VM's API (HA-managed VMs are rebooted), with the NIC writes that ride on it. */
function coldRestartChange(facts: ProxmoxVmFacts, args: ProxmoxVmArgs, items: readonly PlanItem[]): Change {
  const writeWhileStopped = items.flatMap((i) => (i.kind === 'at-cold-restart' && i.deferred ? [i.deferred] : []));
  const written = writeWhileStopped.length > 0 ? `write ${writeWhileStopped.map((w) => w.key).join(', ')}, ` : '';
  return {
    summary: `cold restart VM ${facts.vmid} on ${facts.node} now (shutdown, ${written}then start; applies pending changes)`,
    ops: [{ kind: 'vm-cold-restart', options: { writeWhileStopped, shutdownTimeoutS: args.shutdown_timeout } }],
    impact: 'cold-restart',
  };
}

function vmPathOf(facts: ProxmoxVmFacts): string {
  return `/nodes/${encodeURIComponent(facts.node)}/qemu/${facts.vmid}`;
}

function summaryOf(item: PlanItem, facts: ProxmoxVmFacts, restartNow: boolean): string {
  const isNet = /^net\d+$/.test(item.key);
  const what = isNet
    ? `${item.key}: ${item.detail || `${item.before ?? '(unset)'} → ${item.after}`}`
    : `${item.key}: ${item.before ?? '(unset)'} → ${item.after}`;
  if (item.kind === 'already-pending') {
    const value = isNet ? `${item.key}(${item.detail || item.after})` : `${item.key}=${item.after}`;
    return `already pending: ${value} (cold restart required)`;
  }
  if (item.kind === 'refused')
    return `${what} needs a drained window (NIC re-plug on running VM ${facts.vmid}; nic_replug: refuse)`;
  if (item.kind === 'at-cold-restart')
    return `${what} (written while VM ${facts.vmid} is stopped ${restartNow ? 'by the cold restart below' : 'at its cold restart'}: no live re-plug)`;
  switch (item.impact) {
    case 'pending':
      return `${what} (pending until cold restart)`;
    case 'nic-replug':
      return `${what} (NIC re-plugged live: the link drops briefly)`;
    default:
      return what;
  }
}
