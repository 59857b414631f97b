// Merging the hosts a Proxmox cluster gave into the static ones. A static host with the same name as a cluster VM is
// one host: every value the file sets wins, the cluster fills the rest (address, vm binding, groups).
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import type { ClusterHost } from './cluster-hosts.js';
import { describeVm } from './cluster-hosts.js';
import type { GroupDef } from './groups.js';
import { expandHostlist, HostRangeError } from './hostlist.js';
import type { Host, HostField, HostOrigins, Inventory, ValueOrigin } from './types.js';

/** Where each static host's own fields are written; a field that is absent was not written. */
export type StaticFields = Map<string, Partial<Record<HostField, SourceLocation | null>>>;

export interface MergeTarget {
  hosts: Map<string, Host>;
  ownHostVars: Map<string, Record<string, unknown>>;
  groupDefs: GroupDef[];
  staticFields: StaticFields;
}

/** Direct group memberships the cluster made: "<group>\0<host>" -> why. */
export type MembershipOrigins = Map<string, ValueOrigin>;

export const membershipKey = (group: string, host: string) => `${group}\0${host}`;

export function mergeClusterHosts(
  target: MergeTarget,
  clusterHosts: readonly ClusterHost[],
  memberships: MembershipOrigins,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const taken = new Map<string, ClusterHost>();
  for (const ch of clusterHosts) {
    const earlier = taken.get(ch.name);
    if (earlier) {
      const message = `host "${ch.name}" is found twice: by proxmox_hosts.${earlier.spec.name} (${describeVm(earlier.vm)}) and by proxmox_hosts.${ch.spec.name} (${describeVm(ch.vm)}); narrow a selection`;
      issues.push({ location: ch.spec.location, path: `proxmox_hosts.${ch.spec.name}`, message });
      continue;
    }
    taken.set(ch.name, ch);
    const host = mergeHost(target, ch);
    target.hosts.set(ch.name, host);
    for (const { group, origin } of ch.groups) {
      const def = target.groupDefs.find((d) => d.name === group);
      // A VM name has no brackets (HOST_NAME), so as a member pattern it names exactly itself.
      if (def) def.hosts.push(ch.name);
      else target.groupDefs.push(clusterGroupDef(group, ch.name));
      memberships.set(membershipKey(group, ch.name), origin);
    }
  }
  return issues;
}

function clusterGroupDef(name: string, host: string): GroupDef {
  return { name, hosts: [host], children: [], vars: {}, location: null, locate: () => null };
}

/** The cluster host, merged with the static host of the same name if there is one (the file's values win). */
function mergeHost(target: MergeTarget, ch: ClusterHost): Host {
  const { spec, vm } = ch;
  const listed: ValueOrigin = {
    from: 'proxmox',
    endpoint: spec.endpoint,
    via: 'cluster/resources',
    detail: describeVm(vm),
  };
  const sourceEntry: ValueOrigin = { from: 'file', location: spec.location };
  const existing = target.hosts.get(ch.name);
  const written = existing ? (target.staticFields.get(ch.name) ?? {}) : {};
  const fromFile = (field: HostField): ValueOrigin | undefined =>
    field in written ? { from: 'file', location: written[field] ?? null } : undefined;
  const host: Host = existing
    ? { ...existing }
    : { name: ch.name, address: ch.name, vars: {}, groups: ['all'], location: spec.location };
  if (!existing) target.ownHostVars.set(ch.name, {});
  const origins: HostOrigins = {
    host: existing ? [{ from: 'file', location: existing.location }, listed] : [listed],
    fields: {},
    groups: {},
  };
  const fileAddress = fromFile('address');
  if (fileAddress) origins.fields.address = fileAddress;
  else if (ch.address !== null && ch.addressOrigin !== null) {
    host.address = ch.address;
    origins.fields.address = ch.addressOrigin;
  } else throw new Error(`cluster host ${ch.name} has no address and no static one`);
  origins.fields.vm = fromFile('vm') ?? listed;
  if (!('vm' in written)) host.vm = { proxmox: spec.endpoint, node: vm.node, vmid: vm.vmid };
  const defaults: [HostField, 'port' | 'user' | 'identityFile'][] = [
    ['port', 'port'],
    ['user', 'user'],
    ['identity_file', 'identityFile'],
  ];
  for (const [field, key] of defaults) {
    const own = fromFile(field);
    if (own) origins.fields[field] = own;
    else if (spec[key] !== undefined) {
      origins.fields[field] = sourceEntry;
      if (key === 'port') host.port = spec.port;
      else if (key === 'user') host.user = spec.user;
      else host.identityFile = spec.identityFile;
    }
  }
  host.origins = origins;
  return host;
}

/**
 * For the check of the files alone (before the cluster answered): group members and children the files do not
 * define may be cluster hosts and groups, so they stand in as empty placeholders until the cluster is read.
 */
export function withPlaceholders(
  defs: readonly GroupDef[],
  hostNames: readonly string[],
): { defs: GroupDef[]; hostNames: string[]; placeholderGroups: Set<string> } {
  const groups = new Set(defs.map((d) => d.name));
  const hosts = new Set(hostNames);
  const placeholderGroups = new Set<string>();
  for (const def of defs) {
    for (const child of def.children)
      if (child !== 'all' && !groups.has(child)) {
        groups.add(child);
        placeholderGroups.add(child);
      }
    for (const pattern of def.hosts) {
      try {
        for (const name of expandHostlist(pattern)) hosts.add(name);
      } catch (error) {
        if (!(error instanceof HostRangeError)) throw error; // resolveGroups reports it
      }
    }
  }
  const placeholders = [...placeholderGroups].map((name) => ({ ...clusterGroupDef(name, ''), hosts: [] }));
  return { defs: [...defs, ...placeholders], hostNames: [...hosts], placeholderGroups };
}

/** The files' groups without the stand-ins for cluster names (see withPlaceholders). */
export function withoutPlaceholders(
  groups: Inventory['groups'],
  placeholders: ReadonlySet<string>,
  hosts: readonly string[],
): Inventory['groups'] {
  const real = new Set(hosts);
  const out: Inventory['groups'] = new Map();
  for (const [name, group] of groups) {
    if (placeholders.has(name)) continue;
    out.set(name, {
      ...group,
      hosts: group.hosts.filter((h) => real.has(h)),
      children: group.children.filter((c) => !placeholders.has(c)),
    });
  }
  return out;
}
