// How `inventory --list / --graph` say where a value came from: a file:line, a default, or the Proxmox API
// ("proxmox:pve cluster/resources (VM 101 "lb01" on pve1)", "proxmox:pve agent (eth0 10.0.0.11/24)").
import { formatLocation } from '../../core/errors.js';
import { varOrigins } from '../../inventory/origins.js';
import type { Group, Host, Inventory, ValueOrigin } from '../../inventory/types.js';

export function formatOrigin(origin: ValueOrigin): string {
  if (origin.from === 'file') return origin.location ? formatLocation(origin.location) : 'the inventory';
  if (origin.from === 'default') return `default: ${origin.what}`;
  return `proxmox:${origin.endpoint} ${origin.via} (${origin.detail})`;
}

/** The `from:` of a host in `--list`: the host itself, each field it has, each direct group, each variable. */
export function hostOriginsView(inventory: Inventory, host: Host): Record<string, unknown> | undefined {
  const origins = host.origins;
  if (!origins) return undefined;
  const fields: Record<string, string> = {};
  for (const [field, origin] of Object.entries(origins.fields)) fields[field] = formatOrigin(origin);
  const groups = Object.fromEntries(Object.entries(origins.groups).map(([g, o]) => [g, formatOrigin(o)]));
  const vars = Object.fromEntries(
    Object.entries(varOrigins(inventory, host.name)).map(([k, o]) => [k, formatOrigin(o)]),
  );
  return {
    host: origins.host.map(formatOrigin),
    ...fields,
    ...(Object.keys(groups).length > 0 ? { groups } : {}),
    ...(Object.keys(vars).length > 0 ? { vars } : {}),
  };
}

/** Short form for the graph: where a host or group is defined ("inventory.yml:3:3 + proxmox:pve cluster/resources"). */
export function graphOrigin(item: Host | Group): string | undefined {
  const fileOnly: ValueOrigin[] = item.location ? [{ from: 'file', location: item.location }] : [];
  const list = 'address' in item ? (item.origins?.host ?? fileOnly) : (item.origins ?? fileOnly);
  if (list.length === 0) return undefined;
  return list.map((o) => (o.from === 'proxmox' ? `proxmox:${o.endpoint} ${o.via}` : formatOrigin(o))).join(' + ');
}
