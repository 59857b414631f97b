// From one source's cluster listing to its hosts: the VMs it selects, each with its SSH address and groups.
// A selected VM without an address is an error naming it (or, with missing_address: skip, a warning): never a guess.
import type { ConfigIssue } from '../core/errors.js';
import { addressTags, selectsVm, vmGroups } from './cluster-select.js';
import type { ClusterListing, ClusterSourceSpec, ClusterVm } from './cluster-types.js';
import { pickGuestAddress } from './guest-address.js';
import type { ValueOrigin } from './types.js';

/** A cluster VM as a host of the inventory, before it is merged with the static hosts. */
export interface ClusterHost {
  name: string;
  spec: ClusterSourceSpec;
  vm: ClusterVm;
  /** null: a static host of the same name sets the address (the cluster's is not needed, nor asked for). */
  address: string | null;
  addressOrigin: ValueOrigin | null;
  /** Direct groups: the source's own, then tag_/pool_/node_ ones; `label` says what made each ("tag a.b"). */
  groups: { group: string; label: string; origin: ValueOrigin }[];
}

export interface ClusterHostsResult {
  hosts: ClusterHost[];
  issues: ConfigIssue[];
  warnings: string[];
}

const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export const describeVm = (vm: ClusterVm): string =>
  `VM ${vm.vmid}${vm.name !== undefined ? ` "${vm.name}"` : ''} on ${vm.node}`;

/** `fileAddress(name)`: a static host of that name sets its own address. */
export function clusterHosts(
  spec: ClusterSourceSpec,
  listing: ClusterListing,
  fileAddress: (name: string) => boolean,
): ClusterHostsResult {
  const result: ClusterHostsResult = { hosts: [], issues: [], warnings: [] };
  const path = `proxmox_hosts.${spec.name}`;
  const issue = (location: ClusterSourceSpec['location'], sub: string, message: string) =>
    result.issues.push({ location, path: `${path}${sub}`, message });
  for (const pool of spec.select.pools)
    if (listing.pools && !listing.pools.includes(pool))
      issue(
        spec.locations.select,
        '.select.pools',
        `pool "${pool}" is unknown, or the token has no Pool.Audit on /pool/${pool}`,
      );
  const selected = listing.vms
    .filter((vm) => selectsVm(spec.select, vm))
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.vmid - b.vmid);
  if (selected.length === 0)
    result.warnings.push(
      `${path}: no VM of proxmox:${spec.endpoint} matches the selection (${listing.vms.length} guests listed; the token sees only those it has VM.Audit on)`,
    );
  const byName = new Map<string, ClusterVm[]>();
  for (const vm of selected) {
    if (vm.name === undefined) {
      result.warnings.push(`${path}: ${describeVm(vm)} skipped: the cluster lists no name for it yet`);
      continue;
    }
    byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
  }
  for (const [name, vms] of byName) {
    if (vms.length > 1) {
      const which = vms.map((v) => `${v.vmid} on ${v.node}`).join(' and ');
      issue(
        spec.locations.select,
        '.select',
        `VM name "${name}" is used by VMs ${which}: rename one, or narrow select`,
      );
      continue;
    }
    const vm = vms[0];
    if (!vm) continue;
    if (!HOST_NAME.test(name)) {
      issue(spec.location, '', `${describeVm(vm)}: "${name}" is not a valid host name`);
      continue;
    }
    const address = fileAddress(name) ? { address: null, origin: null } : resolveAddress(spec, vm, listing);
    if ('why' in address) {
      const message = `${describeVm(vm)}: no SSH address: ${address.why}`;
      if (spec.missingAddress === 'skip') result.warnings.push(`${path}: ${message}; skipped (missing_address: skip)`);
      else issue(spec.locations.address, '.address', `${message} (or set missing_address: skip)`);
      continue;
    }
    const listed: ValueOrigin = {
      from: 'proxmox',
      endpoint: spec.endpoint,
      via: 'cluster/resources',
      detail: `${describeVm(vm)}, selected by ${path}`,
    };
    const groups = [
      { group: spec.name, label: `source ${spec.name}`, origin: listed },
      ...vmGroups(spec.groupBy, vm).map(({ group, detail }) => ({
        group,
        label: detail,
        origin: { ...listed, detail: `${describeVm(vm)}: ${detail}` },
      })),
    ];
    result.hosts.push({ name, spec, vm, address: address.address, addressOrigin: address.origin, groups });
  }
  result.issues.push(...groupCollisions(spec, result.hosts));
  return result;
}

type ResolvedAddress = { address: string; origin: ValueOrigin } | { address: null; why: string };

/** The first of the source's `address.from` that gives one address; else why none did. */
function resolveAddress(spec: ClusterSourceSpec, vm: ClusterVm, listing: ClusterListing): ResolvedAddress {
  const whys: string[] = [];
  const origin = (via: 'cluster/resources' | 'agent', detail: string): ValueOrigin => ({
    from: 'proxmox',
    endpoint: spec.endpoint,
    via,
    detail,
  });
  for (const from of spec.address.from) {
    if (from === 'tag') {
      const tags = addressTags(vm);
      if (tags.length === 1 && tags[0] !== undefined)
        return { address: tags[0], origin: origin('cluster/resources', `tag ip-${tags[0]}`) };
      whys.push(tags.length === 0 ? 'no tag ip-A.B.C.D' : `${tags.length} address tags (${tags.join(', ')})`);
      continue;
    }
    if (vm.status !== 'running') {
      whys.push(`the VM is ${vm.status}: a VM that is not running has no agent address`);
      continue;
    }
    const reading = listing.agent.get(vm.vmid);
    if (!reading) whys.push('the guest agent was not asked');
    else if (reading.kind === 'unavailable') whys.push(`the guest agent: ${reading.reason}`);
    else {
      const picked = pickGuestAddress(reading.interfaces, spec.address);
      if (picked.address !== null) return { address: picked.address, origin: origin('agent', picked.detail) };
      whys.push(picked.why);
    }
  }
  return { address: null, why: whys.join('; ') };
}

/** Two different tags (or pools) that make the same group name would merge silently: refused. */
function groupCollisions(spec: ClusterSourceSpec, hosts: readonly ClusterHost[]): ConfigIssue[] {
  const values = new Map<string, Set<string>>();
  for (const h of hosts)
    for (const g of h.groups.slice(1)) values.set(g.group, (values.get(g.group) ?? new Set()).add(g.label));
  return [...values]
    .filter(([, v]) => v.size > 1)
    .map(([group, v]) => ({
      location: spec.locations.groupBy,
      path: `proxmox_hosts.${spec.name}.group_by`,
      message: `${[...v].join(' and ')} both make group ${group}: rename one of them in Proxmox`,
    }));
}
