// Where each value of an inventory with `proxmox_hosts:` came from, for `inventory --list / --graph`.
import type { SourceLocation } from '../core/errors.js';
import { membershipKey, type MembershipOrigins, type StaticFields } from './cluster-merge.js';
import type { HostField, HostOrigins, Inventory, ValueOrigin } from './types.js';
import { groupsByPrecedence } from './vars.js';

const FIELDS: readonly HostField[] = ['address', 'port', 'user', 'identity_file', 'vm'];

/** Sets `origins` on every host and on every group a cluster source touched. */
export function recordOrigins(inventory: Inventory, staticFields: StaticFields, memberships: MembershipOrigins): void {
  for (const host of inventory.hosts.values()) {
    const origins: HostOrigins = host.origins ?? staticOrigins(host.location, staticFields.get(host.name) ?? {});
    origins.groups = {};
    host.origins = origins;
  }
  for (const group of inventory.groups.values()) {
    if (group.name === 'all') continue;
    const fromCluster: ValueOrigin[] = [];
    for (const name of group.hosts) {
      const host = inventory.hosts.get(name);
      if (!host?.origins) continue;
      const cluster = memberships.get(membershipKey(group.name, name));
      host.origins.groups[group.name] = cluster ?? { from: 'file', location: group.location };
      if (cluster) fromCluster.push(cluster);
    }
    if (fromCluster.length > 0) {
      const endpoints = [...new Set(fromCluster.flatMap((o) => (o.from === 'proxmox' ? [o.endpoint] : [])))];
      group.origins = [
        ...(group.location ? [{ from: 'file' as const, location: group.location }] : []),
        ...endpoints.map((endpoint) => ({
          from: 'proxmox' as const,
          endpoint,
          via: 'cluster/resources' as const,
          detail: `${fromCluster.length} member(s)`,
        })),
      ];
    }
  }
}

function staticOrigins(
  location: SourceLocation | null,
  written: Partial<Record<HostField, SourceLocation | null>>,
): HostOrigins {
  const fields: HostOrigins['fields'] = {};
  for (const field of FIELDS) if (field in written) fields[field] = { from: 'file', location: written[field] ?? null };
  fields.address ??= { from: 'default', what: 'the host name' };
  return { host: [{ from: 'file', location }], fields, groups: {} };
}

/** For each of a host's variables, the layer that set the value it has: a file location (or "-e" etc. later). */
export function varOrigins(inventory: Inventory, hostName: string): Record<string, ValueOrigin> {
  const host = inventory.hosts.get(hostName);
  if (!host) return {};
  const scopes = ['all', ...groupsByPrecedence(inventory, host).map((g) => `group:${g}`), `host:${host.name}`];
  const out: Record<string, ValueOrigin> = {};
  for (const key of Object.keys(host.vars)) {
    const scope = [...scopes].reverse().find((s) => inventory.varLocations.has(`${s}/${key}`));
    out[key] = { from: 'file', location: scope ? (inventory.varLocations.get(`${scope}/${key}`) ?? null) : null };
  }
  return out;
}
