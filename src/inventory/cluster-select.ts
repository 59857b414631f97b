// Which cluster VMs a source takes, the groups it puts them in, and the address-tag convention (`ip-A.B.C.D`).
import { isIPv4 } from 'node:net';
import type { ClusterGroupKind, ClusterSourceSpec, ClusterVm } from './cluster-types.js';

/** A VM tag that carries the host's SSH address: `ip-10.0.0.5` (Proxmox tags cannot hold ":", so IPv4 only). */
const ADDRESS_TAG = /^ip-(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function matchesGlob(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}

const sameTag = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Templates are never hosts, nor containers; then every condition the source lists must hold. */
export function selectsVm(select: ClusterSourceSpec['select'], vm: ClusterVm): boolean {
  if (vm.type !== 'qemu' || vm.template) return false;
  if (select.tags.length > 0 && !select.tags.some((t) => vm.tags.some((v) => sameTag(t, v)))) return false;
  if (select.pools.length > 0 && (vm.pool === undefined || !select.pools.includes(vm.pool))) return false;
  if (select.nodes.length > 0 && !select.nodes.includes(vm.node)) return false;
  const name = vm.name;
  if (select.names.length > 0 && (name === undefined || !select.names.some((g) => matchesGlob(g, name)))) return false;
  return true;
}

/** The address tags of a VM, as addresses. */
export function addressTags(vm: ClusterVm): string[] {
  return vm.tags.flatMap((t) => {
    const ip = ADDRESS_TAG.exec(t)?.[1];
    return ip !== undefined && isIPv4(ip) ? [ip] : [];
  });
}

/** True when the source's address for this VM may need the guest agent (asked only then). */
export function needsAgent(spec: ClusterSourceSpec, vm: ClusterVm): boolean {
  const from = spec.address.from;
  const agentAt = from.indexOf('agent');
  if (agentAt < 0 || vm.status !== 'running') return false;
  const tagFirst = from.indexOf('tag') >= 0 && from.indexOf('tag') < agentAt;
  return !(tagFirst && addressTags(vm).length === 1);
}

// Group names allow letters, digits, "_" and "-": a tag's "." and "+", a nested pool's "/" become "_".
const groupSafe = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_');

export function clusterGroupName(kind: ClusterGroupKind, value: string): string {
  return `${kind}_${groupSafe(value)}`;
}

/** The groups a VM is in, by kind, with the value each comes from (address tags make no group). */
export function vmGroups(groupBy: readonly ClusterGroupKind[], vm: ClusterVm): { group: string; detail: string }[] {
  const out: { group: string; detail: string }[] = [];
  for (const kind of groupBy) {
    if (kind === 'tag')
      for (const tag of vm.tags)
        if (!ADDRESS_TAG.test(tag)) out.push({ group: clusterGroupName('tag', tag), detail: `tag ${tag}` });
    if (kind === 'pool' && vm.pool !== undefined)
      out.push({ group: clusterGroupName('pool', vm.pool), detail: `pool ${vm.pool}` });
    if (kind === 'node') out.push({ group: clusterGroupName('node', vm.node), detail: `node ${vm.node}` });
  }
  return out;
}
