// From validated inventory files to the resolved Inventory: ranges, duplicates, groups, variables.
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { formatLocation, type ConfigIssue, type SourceLocation } from '../core/errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { PathSegment } from '../config/key-path.js';
import { formatKeyPath } from '../config/key-path.js';
import { sourceLocator, type YamlSource } from '../config/yaml-source.js';
import type { ClusterHost } from './cluster-hosts.js';
import {
  mergeClusterHosts,
  withoutPlaceholders,
  withPlaceholders,
  type MembershipOrigins,
  type StaticFields,
} from './cluster-merge.js';
import { clusterSourceSpec } from './cluster-spec.js';
import type { ClusterSourceSpec } from './cluster-types.js';
import { resolveGroups, type GroupDef } from './groups.js';
import { recordOrigins } from './origins.js';
import { routerSpec } from './router-spec.js';
import { expandHostlist, HostRangeError, isAddressRange } from './hostlist.js';
import type { InventoryFile } from './schema.js';
import type { Host, HostField, Inventory, ProxmoxEndpoint, SecretRef } from './types.js';
import { groupsByPrecedence, mergeVars, recordVarLocations } from './vars.js';

export interface ParsedInventoryFile {
  path: string; // absolute
  source: YamlSource;
  data: InventoryFile;
}

/** Context for one file: where its entries are and how its relative paths resolve. */
class FileContext {
  readonly source: YamlSource;
  readonly dir: string;
  constructor(file: ParsedInventoryFile) {
    this.source = file.source;
    this.dir = dirname(file.path);
  }
  key(path: PathSegment[]): SourceLocation | null {
    return sourceLocator(this.source).key(path);
  }
  value(path: PathSegment[]): SourceLocation | null {
    return sourceLocator(this.source).value(path);
  }
  /** Paths in the inventory are relative to the file that holds them; "~/" is the home directory. */
  path(p: string): string {
    return p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : resolve(this.dir, p);
  }
}

// Host and group names end up in commands, configs and patterns: no spaces, quotes, globs or separators.
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const where = (location: SourceLocation | null) => (location ? formatLocation(location) : 'another file');

/** What building one inventory accumulates over its files. */
interface Build {
  inventory: Inventory;
  issues: ConfigIssue[];
  sshLocation: SourceLocation | null;
  varsSetAt: Map<string, SourceLocation | null>;
  ownHostVars: Map<string, Record<string, unknown>>;
  groupDefs: GroupDef[];
  clusterSources: ClusterSourceSpec[];
  staticFields: StaticFields;
}

/**
 * The inventory of the files, and of the cluster's hosts when `cluster` is given (the async step in the CLI reads
 * them). Without it, an inventory with `proxmox_hosts:` is checked alone: group members and children it does not
 * define may still come from the cluster, so they are only checked once it has answered.
 */
export function buildInventory(
  files: readonly ParsedInventoryFile[],
  cluster?: readonly ClusterHost[],
): { inventory: Inventory; issues: ConfigIssue[] } {
  const b: Build = {
    inventory: {
      files: files.map((f) => f.path),
      hosts: new Map(),
      groups: new Map(),
      proxmox: new Map(),
      routers: [],
      vars: {},
      varLocations: new Map(),
    },
    issues: [],
    sshLocation: null,
    varsSetAt: new Map(),
    ownHostVars: new Map(),
    groupDefs: [],
    clusterSources: [],
    staticFields: new Map(),
  };
  const contexts = files.map((f) => ({ file: f, ctx: new FileContext(f) }));
  // Proxmox endpoints first: hosts refer to them by name.
  for (const { file, ctx } of contexts) addProxmox(b, file, ctx);
  for (const { file, ctx } of contexts) {
    addSsh(b, file, ctx);
    addVars(b, file, ctx);
    addRouters(b, file, ctx);
    addClusterSources(b, file, ctx);
    for (const [key, entry] of Object.entries(file.data.hosts ?? {})) addHosts(b, ctx, key, entry ?? {});
    addGroups(b, file, ctx);
  }
  if (b.clusterSources.length > 0) b.inventory.clusterSources = b.clusterSources;
  return finish(b, cluster);
}

function addClusterSources(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  const endpoints = [...b.inventory.proxmox.keys()];
  for (const [name, entry] of Object.entries(file.data.proxmox_hosts ?? {})) {
    const earlier = b.clusterSources.find((s) => s.name === name);
    if (earlier) {
      const message = `Proxmox host source "${name}" is already defined at ${where(earlier.location)}`;
      b.issues.push({ location: ctx.key(['proxmox_hosts', name]), path: `proxmox_hosts.${name}`, message });
      continue;
    }
    const built = clusterSourceSpec(name, entry, {
      endpoints,
      groupName: GROUP_NAME,
      key: (p) => ctx.key(p),
      value: (p) => ctx.value(p),
      path: (p) => ctx.path(p),
    });
    b.issues.push(...built.issues);
    if (built.spec) b.clusterSources.push(built.spec);
  }
}

function addProxmox(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  const { inventory, issues } = b;
  for (const [name, entry] of Object.entries(file.data.proxmox ?? {})) {
    const location = ctx.key(['proxmox', name]);
    const earlier = inventory.proxmox.get(name);
    if (earlier) {
      issues.push({
        location,
        path: `proxmox.${name}`,
        message: `Proxmox endpoint "${name}" is already defined at ${where(earlier.location)}`,
      });
      continue;
    }
    const tokenSecret: SecretRef =
      'env' in entry.token_secret ? { env: entry.token_secret.env } : { file: ctx.path(entry.token_secret.file) };
    const endpoint: ProxmoxEndpoint = {
      name,
      url: entry.url.replace(/\/$/, ''),
      tokenId: entry.token_id,
      tokenSecret,
      insecure: entry.insecure === true,
      location,
    };
    if (entry.fingerprint !== undefined) endpoint.fingerprint = entry.fingerprint.toUpperCase();
    if (entry.ca_file !== undefined) endpoint.caFile = ctx.path(entry.ca_file);
    inventory.proxmox.set(name, endpoint);
  }
}

function addRouters(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  for (const [name, entry] of Object.entries(file.data.routers ?? {})) {
    const location = ctx.key(['routers', name]);
    const earlier = b.inventory.routers.find((r) => r.name === name);
    if (earlier) {
      const message = `router "${name}" is already defined at ${where(earlier.location)}`;
      b.issues.push({ location, path: `routers.${name}`, message });
    } else b.inventory.routers.push(routerSpec(name, entry, location));
  }
}

function addSsh(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  const { inventory, issues } = b;
  const data = file.data;
  if (data.ssh) {
    if (inventory.ssh) {
      issues.push({
        location: ctx.key(['ssh']),
        path: 'ssh',
        message: `ssh settings are already defined at ${where(b.sshLocation)}`,
      });
    } else {
      b.sshLocation = ctx.key(['ssh']);
      inventory.ssh = {};
      if (data.ssh.config !== undefined) inventory.ssh.configFile = ctx.path(data.ssh.config);
      if (data.ssh.known_hosts !== undefined) inventory.ssh.knownHostsFile = ctx.path(data.ssh.known_hosts);
      if (data.ssh.connect_timeout !== undefined)
        inventory.ssh.connectTimeoutMs = Math.round(data.ssh.connect_timeout * 1000);
    }
  }
}

function addVars(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  const { inventory, issues, varsSetAt } = b;
  const data = file.data;
  for (const [key, value] of Object.entries(data.vars ?? {})) {
    if (varsSetAt.has(key)) {
      issues.push({
        location: ctx.key(['vars', key]),
        path: `vars.${key}`,
        message: `variable "${key}" is already set at ${where(varsSetAt.get(key) ?? null)}`,
      });
      continue;
    }
    varsSetAt.set(key, ctx.key(['vars', key]));
    inventory.vars[key] = value;
    recordVarLocations(inventory.varLocations, 'all', { [key]: value }, ctx.source, ['vars']);
  }
}

function addGroups(b: Build, file: ParsedInventoryFile, ctx: FileContext): void {
  const { inventory, issues, groupDefs } = b;
  const data = file.data;
  for (const [name, entry] of Object.entries(data.groups ?? {})) {
    const location = ctx.key(['groups', name]);
    const path = `groups.${name}`;
    if (name === 'all') {
      issues.push({
        location,
        path,
        message: 'group "all" is implicit; put variables for every host under the top-level vars:',
      });
      continue;
    }
    if (!GROUP_NAME.test(name)) {
      issues.push({
        location,
        path,
        message: 'invalid group name: use letters, digits, "-" and "_", starting with a letter',
      });
      continue;
    }
    const earlier = groupDefs.find((g) => g.name === name);
    if (earlier) {
      issues.push({ location, path, message: `group "${name}" is already defined at ${where(earlier.location)}` });
      continue;
    }
    const vars = entry?.vars ?? {};
    recordVarLocations(inventory.varLocations, `group:${name}`, vars, ctx.source, ['groups', name, 'vars']);
    groupDefs.push({
      name,
      hosts: [...(entry?.hosts ?? [])], // a copy: cluster hosts may join the group (cluster-merge.ts)
      children: entry?.children ?? [],
      vars,
      location,
      locate: (sub) => ctx.value(['groups', name, ...sub]),
    });
  }
}

/** Merge the cluster's hosts, resolve the groups, then each host's groups and merged variables (once no issue is left). */
function finish(
  b: Build,
  cluster: readonly ClusterHost[] | undefined,
): { inventory: Inventory; issues: ConfigIssue[] } {
  const { inventory, issues, ownHostVars } = b;
  const memberships: MembershipOrigins = new Map();
  if (cluster && issues.length === 0)
    issues.push(
      ...mergeClusterHosts(
        { hosts: inventory.hosts, ownHostVars, groupDefs: b.groupDefs, staticFields: b.staticFields },
        cluster,
        memberships,
      ),
    );
  const pending = b.clusterSources.length > 0 && !cluster;
  const real = [...inventory.hosts.keys()];
  const { defs, hostNames, placeholderGroups } = pending
    ? withPlaceholders(b.groupDefs, real)
    : { defs: b.groupDefs, hostNames: real, placeholderGroups: new Set<string>() };
  const resolved = resolveGroups(defs, hostNames);
  issues.push(...resolved.issues);
  if (issues.length > 0) return { inventory, issues };
  inventory.groups = pending ? withoutPlaceholders(resolved.groups, placeholderGroups, real) : resolved.groups;
  for (const host of inventory.hosts.values()) {
    host.groups = ['all', ...(resolved.membership.get(host.name) ?? [])].sort();
    const groupVars = groupsByPrecedence(inventory, host).map((g) => inventory.groups.get(g)?.vars);
    host.vars = mergeVars(inventory.vars, ...groupVars, ownHostVars.get(host.name));
  }
  const all = inventory.groups.get('all');
  if (all) all.vars = inventory.vars;
  if (b.clusterSources.length > 0) recordOrigins(inventory, b.staticFields, memberships);
  return { inventory, issues };
}

/** Adds the hosts of one `hosts:` entry, expanding ranges in the name and, in step, in the address. */
function addHosts(
  b: Build,
  ctx: FileContext,
  key: string,
  entry: NonNullable<NonNullable<InventoryFile['hosts']>[string]>,
): void {
  const { inventory, ownHostVars, issues } = b;
  const location = ctx.key(['hosts', key]);
  const path = formatKeyPath(['hosts', key]);
  let names: string[];
  let addresses: string[] | null = null;
  try {
    names = expandHostlist(key);
  } catch (error) {
    if (!(error instanceof HostRangeError)) throw error;
    issues.push({ location, path, message: error.message });
    return;
  }
  const badName = names.find((n) => !HOST_NAME.test(n));
  if (badName !== undefined) {
    issues.push({ location, path, message: `invalid host name "${badName}": use letters, digits, ".", "-" and "_"` });
    return;
  }
  if (entry.address !== undefined && isAddressRange(entry.address)) {
    try {
      addresses = expandHostlist(entry.address);
    } catch (error) {
      if (!(error instanceof HostRangeError)) throw error;
      issues.push({ location: ctx.value(['hosts', key, 'address']), path: `${path}.address`, message: error.message });
      return;
    }
    if (addresses.length !== names.length) {
      issues.push({
        location: ctx.value(['hosts', key, 'address']),
        path: `${path}.address`,
        message: `the address range expands to ${addresses.length} addresses but the host name to ${names.length} hosts`,
      });
      return;
    }
  }
  if (entry.vm && !inventory.proxmox.has(entry.vm.proxmox)) {
    const known = [...inventory.proxmox.keys()];
    const hint =
      known.length === 0
        ? ' (no endpoints are defined under proxmox:)'
        : didYouMean(entry.vm.proxmox, known) || ` (known: ${known.join(', ')})`;
    issues.push({
      location: ctx.value(['hosts', key, 'vm', 'proxmox']),
      path: `${path}.vm.proxmox`,
      message: `unknown Proxmox endpoint "${entry.vm.proxmox}"${hint}`,
    });
  }
  for (const [i, name] of names.entries()) {
    const earlier = inventory.hosts.get(name);
    if (earlier) {
      issues.push({ location, path, message: `host "${name}" is already defined at ${where(earlier.location)}` });
      continue;
    }
    const host: Host = { name, address: addresses?.[i] ?? entry.address ?? name, vars: {}, groups: ['all'], location };
    if (entry.port !== undefined) host.port = entry.port;
    if (entry.user !== undefined) host.user = entry.user;
    if (entry.identity_file !== undefined) host.identityFile = ctx.path(entry.identity_file);
    if (entry.vm) {
      host.vm = { proxmox: entry.vm.proxmox, node: entry.vm.node };
      if (entry.vm.vmid !== undefined) host.vm.vmid = entry.vm.vmid;
      if (entry.vm.name !== undefined) host.vm.name = entry.vm.name;
    }
    inventory.hosts.set(name, host);
    b.staticFields.set(name, writtenFields(ctx, key, entry));
    const vars = entry.vars ?? {};
    ownHostVars.set(name, vars);
    recordVarLocations(inventory.varLocations, `host:${name}`, vars, ctx.source, ['hosts', key, 'vars']);
  }
}

/** Where a `hosts:` entry writes each host field (a range entry: the same place for all its hosts). */
function writtenFields(
  ctx: FileContext,
  key: string,
  entry: NonNullable<NonNullable<InventoryFile['hosts']>[string]>,
): Partial<Record<HostField, SourceLocation | null>> {
  const fields: Partial<Record<HostField, SourceLocation | null>> = {};
  const keys: [HostField, keyof typeof entry][] = [
    ['address', 'address'],
    ['port', 'port'],
    ['user', 'user'],
    ['identity_file', 'identity_file'],
    ['vm', 'vm'],
  ];
  for (const [field, k] of keys) if (entry[k] !== undefined) fields[field] = ctx.value(['hosts', key, k]);
  return fields;
}
