// One `proxmox_hosts:` entry as the ClusterSourceSpec the cluster step reads: checked against the rest of the
// inventory (the endpoint exists, the name is a group name, name ranges expand) before any API call.
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { PathSegment } from '../config/key-path.js';
import type { ClusterSourceSpec } from './cluster-types.js';
import { expandHostlist, hasRange, HostRangeError } from './hostlist.js';
import type { ProxmoxHostsEntry } from './schema.js';

export interface SpecContext {
  /** The endpoints of `proxmox:` (every file's). */
  endpoints: readonly string[];
  groupName: RegExp;
  key(path: PathSegment[]): SourceLocation | null;
  value(path: PathSegment[]): SourceLocation | null;
  /** "~/" and relative paths, resolved against the file. */
  path(p: string): string;
}

export function clusterSourceSpec(
  name: string,
  entry: ProxmoxHostsEntry,
  ctx: SpecContext,
): { spec: ClusterSourceSpec | null; issues: ConfigIssue[] } {
  const at = (...sub: PathSegment[]) => ['proxmox_hosts', name, ...sub];
  const issues: ConfigIssue[] = [];
  if (!ctx.groupName.test(name))
    issues.push({
      location: ctx.key(at()),
      path: `proxmox_hosts.${name}`,
      message: 'invalid source name: it is also a group name; use letters, digits, "-" and "_", starting with a letter',
    });
  if (!ctx.endpoints.includes(entry.proxmox)) {
    const hint =
      ctx.endpoints.length === 0
        ? ' (no endpoints are defined under proxmox:)'
        : didYouMean(entry.proxmox, ctx.endpoints) || ` (known: ${ctx.endpoints.join(', ')})`;
    issues.push({
      location: ctx.value(at('proxmox')),
      path: `proxmox_hosts.${name}.proxmox`,
      message: `unknown Proxmox endpoint "${entry.proxmox}"${hint}`,
    });
  }
  const names: string[] = [];
  (entry.select.names ?? []).forEach((pattern, i) => {
    try {
      names.push(...(hasRange(pattern) ? expandHostlist(pattern) : [pattern]));
    } catch (error) {
      if (!(error instanceof HostRangeError)) throw error;
      issues.push({
        location: ctx.value(at('select', 'names', i)),
        path: `proxmox_hosts.${name}.select.names[${i}]`,
        message: error.message,
      });
    }
  });
  if (issues.length > 0) return { spec: null, issues };
  const address = entry.address ?? {};
  const spec: ClusterSourceSpec = {
    name,
    endpoint: entry.proxmox,
    select: {
      tags: entry.select.tags ?? [],
      pools: entry.select.pools ?? [],
      nodes: entry.select.nodes ?? [],
      names,
    },
    groupBy: entry.group_by ?? [],
    address: {
      from: address.from ?? ['agent'],
      ...(address.interface !== undefined ? { interface: address.interface } : {}),
      ...(address.cidr !== undefined ? { cidr: address.cidr } : {}),
    },
    missingAddress: entry.missing_address ?? 'error',
    ...(entry.user !== undefined ? { user: entry.user } : {}),
    ...(entry.port !== undefined ? { port: entry.port } : {}),
    ...(entry.identity_file !== undefined ? { identityFile: ctx.path(entry.identity_file) } : {}),
    location: ctx.key(at()),
    locations: {
      select: ctx.key(at('select')),
      groupBy: entry.group_by ? ctx.key(at('group_by')) : ctx.key(at()),
      address: entry.address ? ctx.key(at('address')) : ctx.key(at()),
    },
  };
  return { spec, issues };
}
