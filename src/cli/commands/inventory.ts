// `ober-push inventory`: the resolved inventory as an operator (or a script) wants to check it.
import { UsageError } from '../../core/errors.js';
import { selectHosts } from '../../inventory/select.js';
import type { Host, Inventory } from '../../inventory/types.js';
import { withSecrets } from '../../secrets/error-with-secrets.js';
import { addProxmoxSecrets, createSecretResolver } from '../../secrets/load.js';
import { resolveInventorySecrets } from '../../secrets/resolve-run.js';
import type { SecretSet } from '../../secrets/secret-set.js';
import { ExitCode } from '../exit-codes.js';
import { loadCommandInventory } from '../load-inventory.js';
import { graphOrigin, hostOriginsView } from './inventory-origins.js';

export interface InventoryOptions {
  inventory: string;
  list?: boolean;
  graph?: boolean;
  host?: string;
  limit?: string;
  json?: boolean;
  vaultPasswordFile?: string;
  askVaultPass?: boolean;
}

export async function inventoryCommand(opts: InventoryOptions): Promise<number> {
  // References are resolved (so a wrong vault password or a missing variable shows here too), then printed redacted.
  const resolver = await createSecretResolver(opts);
  // With proxmox_hosts: the cluster is read here (GETs only), after the files were checked.
  const inventory = resolveInventorySecrets(await loadCommandInventory(opts.inventory), resolver);
  await addProxmoxSecrets(inventory, resolver);
  const secrets = resolver.secrets();
  return withSecrets(secrets, () => printInventory(inventory, opts, secrets));
}

async function printInventory(inventory: Inventory, opts: InventoryOptions, secrets: SecretSet): Promise<number> {
  if (opts.graph) {
    process.stdout.write(
      opts.json ? `${JSON.stringify(groupTree(inventory), null, 2)}\n` : `${graphLines(inventory).join('\n')}\n`,
    );
    return ExitCode.ok;
  }
  let names = selectHosts(inventory, opts.limit ?? 'all');
  if (opts.host) {
    if (!inventory.hosts.has(opts.host)) throw new UsageError(`--host ${opts.host}: no such host in ${opts.inventory}`);
    names = [opts.host];
  }
  const hosts = names
    .map((n) => inventory.hosts.get(n))
    .filter((h): h is Host => !!h)
    .map((h) => hostView(inventory, h));
  const sources = clusterSourcesView(inventory);
  const view = secrets.redactDeep(
    opts.host
      ? hosts[0]
      : {
          hosts,
          proxmox: proxmoxView(inventory),
          ...(sources ? { proxmox_hosts: sources } : {}),
          routers: routersView(inventory),
        },
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else {
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(view));
  }
  return ExitCode.ok;
}

function hostView(inventory: Inventory, host: Host): Record<string, unknown> {
  const from = hostOriginsView(inventory, host);
  return {
    name: host.name,
    address: host.address,
    ...(host.port !== undefined ? { port: host.port } : {}),
    ...(host.user ? { user: host.user } : {}),
    ...(host.identityFile ? { identity_file: host.identityFile } : {}),
    ...(host.vm ? { vm: host.vm } : {}),
    groups: host.groups,
    vars: host.vars, // redacted by value with the run's secrets
    ...(from ? { from } : {}),
  };
}

/** What each `proxmox_hosts:` source asked the cluster for (the hosts it found are in hosts:, with from:). */
function clusterSourcesView(inventory: Inventory): Record<string, unknown> | undefined {
  const sources = inventory.clusterSources ?? [];
  if (sources.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const s of sources) {
    const select = Object.fromEntries(Object.entries(s.select).filter(([, v]) => v.length > 0));
    out[s.name] = {
      proxmox: s.endpoint,
      select,
      ...(s.groupBy.length > 0 ? { group_by: s.groupBy } : {}),
      address: s.address,
      missing_address: s.missingAddress,
      hosts: [...inventory.hosts.values()].filter((h) => h.groups.includes(s.name)).map((h) => h.name),
    };
  }
  return out;
}

function proxmoxView(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of inventory.proxmox) {
    const source = 'env' in p.tokenSecret ? `env ${p.tokenSecret.env}` : `file ${p.tokenSecret.file}`;
    out[name] = {
      url: p.url,
      token_id: p.tokenId,
      token_secret: `[redacted: from ${source}]`,
      tls: p.fingerprint ? 'fingerprint' : p.caFile ? 'ca_file' : p.insecure ? 'INSECURE' : 'system',
    };
  }
  return out;
}

/** How each router of `routers:` is asked (the query itself is in src/routers/router-query.ts). */
function routersView(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of inventory.routers)
    out[r.name] = {
      kind: r.kind,
      via: 'ssh' in r.via ? { ssh: r.via.ssh } : 'local',
      ...(r.sudo ? { sudo: true } : {}),
      ...(r.socket !== undefined ? { socket: r.socket } : {}),
      ...(r.optional ? { optional: true } : {}),
    };
  return out;
}

interface GroupNode {
  name: string;
  hosts: string[];
  children: GroupNode[];
  /** With proxmox_hosts: where the group is defined (a file, the cluster, or both). */
  from?: string;
  /** On the root, with proxmox_hosts: where each host is defined. */
  hosts_from?: Record<string, string>;
}

function groupTree(inventory: Inventory): GroupNode {
  // Below "all": its own children and hosts are every top group and host, so they do not count here.
  const groups = [...inventory.groups.values()].filter((g) => g.name !== 'all');
  const childOf = new Set(groups.flatMap((g) => g.children));
  const node = (name: string, seen: Set<string>): GroupNode => {
    const g = inventory.groups.get(name);
    const next = new Set(seen).add(name);
    const from = annotate && g ? graphOrigin(g) : undefined;
    return {
      name,
      hosts: g?.hosts ?? [],
      children: (g?.children ?? []).filter((c) => !seen.has(c)).map((c) => node(c, next)),
      ...(from !== undefined ? { from } : {}),
    };
  };
  const annotate = (inventory.clusterSources ?? []).length > 0;
  const tops = [...inventory.groups.keys()].filter((n) => n !== 'all' && !childOf.has(n));
  const grouped = new Set(groups.flatMap((g) => g.hosts));
  const ungrouped = [...inventory.hosts.keys()].filter((h) => !grouped.has(h));
  const hostsFrom: Record<string, string> = {};
  if (annotate)
    for (const h of inventory.hosts.values()) {
      const from = graphOrigin(h);
      if (from !== undefined) hostsFrom[h.name] = from;
    }
  return {
    name: 'all',
    hosts: ungrouped,
    children: tops.map((t) => node(t, new Set())),
    ...(annotate ? { hosts_from: hostsFrom } : {}),
  };
}

/** `@group:` lines with their hosts below; with proxmox_hosts: each group and host says where it is from, in [...]. */
function graphLines(inventory: Inventory): string[] {
  const lines: string[] = [];
  const tree = groupTree(inventory);
  const suffix = (from: string | undefined) => (from !== undefined ? `  [${from}]` : '');
  const walk = (n: GroupNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}@${n.name}:${suffix(n.from)}`);
    for (const child of n.children) walk(child, depth + 1);
    for (const h of n.hosts) lines.push(`${'  '.repeat(depth + 1)}${h}${suffix(tree.hosts_from?.[h])}`);
  };
  walk(tree, 0);
  return lines;
}
