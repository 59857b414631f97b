// Pure planning: desired settings vs the VM's live, merged and pending config, with the
// impact each change has on a running VM under real PVE semantics.
import { TaskError } from '../../core/errors.js';
import type { Change, Impact, Need } from '../../core/module.js';
import { formatNet, parseNet } from '../../proxmox/property-string.js';
import type { ProxmoxVmArgs } from './args.js';
import { canonicalValue, parseHotplug } from './canonical.js';
import type { ProxmoxVmFacts } from './gather.js';
import { textOf } from '../../core/text.js';

export const COLD_RESTART_NEED: Need = { kind: 'cold-restart' };
export const NIC_REPLUG_NEED: Need = { kind: 'nic-replug' };

const hasColdRestart = (needs: readonly Need[]) => needs.some((n) => n.kind === 'cold-restart');

/** One managed key's outcome. `write` goes into the config POST; the others are informational. */
export interface PlanItem {
  key: string;
  kind: 'write' | 'already-pending' | 'refused';
  before: string | undefined; // live value (running) or config value (stopped), as the API shows it
  after: string;
  body: string | number; // value for the form body
  impact: Impact;
  needs: Need[];
  /** For net changes: which NIC options differ (queues, model). */
  detail?: string;
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
  const vmPath = `/nodes/${encodeURIComponent(facts.node)}/qemu/${facts.vmid}`;
  const writes = items.filter((i) => i.kind === 'write');
  // Proxmox skips the concurrent-change check when the digest is empty: never write without one.
  if (writes.length > 0 && facts.digest === '')
    throw new TaskError(`proxmox_vm: VM ${facts.vmid}'s config came without a digest; refusing an unguarded write`);
  const restartNow = args.cold_restart === 'now' && items.some((i) => i.kind !== 'refused' && hasColdRestart(i.needs));
  const changes: Change[] = [];
  let opPlaced = false;
  for (const item of items) {
    const change: Change = {
      summary: summaryOf(item, facts),
      diff: {
        path: `pve://${facts.proxmox}/${facts.node}/qemu/${facts.vmid}/config#${item.key}`,
        before: item.before === undefined ? null : `${item.key}: ${item.before}\n`,
        after: `${item.key}: ${item.after}\n`,
      },
      ops: [],
      impact: item.impact,
      ...(item.needs.length > 0 && !(restartNow && hasColdRestart(item.needs)) ? { needs: item.needs } : {}),
    };
    if (item.kind === 'write' && !opPlaced) {
      // One config write for all keys, guarded by the digest the plan was made from; it rides on the first write.
      const body: Record<string, string | number> = {};
      for (const w of writes) body[w.key] = w.body;
      body['digest'] = facts.digest;
      const replug = writes.find((w) => w.impact === 'nic-replug');
      change.ops.push({
        kind: 'pve',
        method: 'POST',
        path: `${vmPath}/config`,
        body,
        waitTask: true,
        ...(replug ? { failureNote: replugFailureNote(replug.key, facts.vmid) } : {}),
      });
      opPlaced = true;
    }
    changes.push(change);
  }
  if (restartNow) {
    changes.push({
      summary: `cold restart VM ${facts.vmid} on ${facts.node} now (shutdown, then start; applies pending changes)`,
      ops: [
        {
          kind: 'pve',
          method: 'POST',
          path: `${vmPath}/status/shutdown`,
          body: { timeout: args.shutdown_timeout, forceStop: 1 },
          waitTask: true,
        },
        { kind: 'pve', method: 'POST', path: `${vmPath}/status/start`, body: {}, waitTask: true },
      ],
      impact: 'cold-restart',
    });
  }
  return changes;
}

/** A re-plug unplugs the NIC, then plugs the new one: when the plug fails, the running VM has no NIC at all. */
function replugFailureNote(key: string, vmid: number): string {
  return (
    `re-plugging ${key} of VM ${vmid} failed: if the unplug failed, ${key} kept its old settings and the change ` +
    `stays pending; if the plug failed, VM ${vmid} has NO ${key} now (its traffic on that NIC is down): ` +
    `write ${key} again or cold-restart the VM at once`
  );
}

function summaryOf(item: PlanItem, facts: ProxmoxVmFacts): string {
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
  switch (item.impact) {
    case 'pending':
      return `${what} (pending until cold restart)`;
    case 'nic-replug':
      return `${what} (NIC re-plugged live: the link drops briefly)`;
    default:
      return what;
  }
}
