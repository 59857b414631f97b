// `ober-push inventory`: the resolved inventory as an operator (or a script) wants to check it.
import { UsageError } from '../../core/errors.js';
import { loadInventory } from '../../inventory/load.js';
import { selectHosts } from '../../inventory/select.js';
import type { Host, Inventory } from '../../inventory/types.js';
import { withSecrets } from '../../secrets/error-with-secrets.js';
import { addProxmoxSecrets, createSecretResolver } from '../../secrets/load.js';
import { resolveInventorySecrets } from '../../secrets/resolve-run.js';
import type { SecretSet } from '../../secrets/secret-set.js';
import { ExitCode } from '../exit-codes.js';

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
  const inventory = resolveInventorySecrets(await loadInventory(opts.inventory), resolver);
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
    .map(hostView);
  const view = secrets.redactDeep(
    opts.host ? hosts[0] : { hosts, proxmox: proxmoxView(inventory), routers: routersView(inventory) },
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else {
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(view));
  }
  return ExitCode.ok;
}

function hostView(host: Host): Record<string, unknown> {
  return {
    name: host.name,
    address: host.address,
    ...(host.port !== undefined ? { port: host.port } : {}),
    ...(host.user ? { user: host.user } : {}),
    ...(host.identityFile ? { identity_file: host.identityFile } : {}),
    ...(host.vm ? { vm: host.vm } : {}),
    groups: host.groups,
    vars: host.vars, // redacted by value with the run's secrets
  };
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
}

function groupTree(inventory: Inventory): GroupNode {
  const childOf = new Set([...inventory.groups.values()].flatMap((g) => g.children));
  const node = (name: string, seen: Set<string>): GroupNode => {
    const g = inventory.groups.get(name);
    const next = new Set(seen).add(name);
    return {
      name,
      hosts: g?.hosts ?? [],
      children: (g?.children ?? []).filter((c) => !seen.has(c)).map((c) => node(c, next)),
    };
  };
  const tops = [...inventory.groups.keys()].filter((n) => n !== 'all' && !childOf.has(n));
  const grouped = new Set([...inventory.groups.values()].flatMap((g) => g.hosts));
  const ungrouped = [...inventory.hosts.keys()].filter((h) => !grouped.has(h));
  return { name: 'all', hosts: ungrouped, children: tops.map((t) => node(t, new Set())) };
}

function graphLines(inventory: Inventory): string[] {
  const lines: string[] = [];
  const walk = (n: GroupNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}@${n.name}:`);
    for (const child of n.children) walk(child, depth + 1);
    for (const h of n.hosts) lines.push(`${'  '.repeat(depth + 1)}${h}`);
  };
  walk(groupTree(inventory), 0);
  return lines;
}
