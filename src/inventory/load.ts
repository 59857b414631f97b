// loadInventory: one YAML file, or a directory whose *.yml / *.yaml files are merged in name order.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { displayPath } from '../config/display-path.js';
import { loadYamlSource, sourceLocator } from '../config/yaml-source.js';
import { validate } from '../config/zod-issues.js';
import { buildInventory, type ParsedInventoryFile } from './build.js';
import { clusterHosts, type ClusterHost } from './cluster-hosts.js';
import type { ClusterListing } from './cluster-types.js';
import { inventoryFileSchema } from './schema.js';
import type { Inventory } from './types.js';

/** An inventory as its files say; with `proxmox_hosts:` its cluster hosts are still missing (completeInventory). */
export interface LoadedInventory {
  inventory: Inventory;
  files: readonly ParsedInventoryFile[];
}

/**
 * Loads and validates an inventory; every problem in every file is reported in one ConfigError. With
 * `proxmox_hosts:` the result lacks the cluster's hosts: commands load with loadInventorySources and completeInventory.
 */
export async function loadInventory(path: string): Promise<Inventory> {
  return (await loadInventorySources(path)).inventory;
}

/** Reads and checks the files (no network: an error here means no API call was made). */
export async function loadInventorySources(path: string): Promise<LoadedInventory> {
  const files = await inventoryFiles(resolve(path));
  const issues: ConfigIssue[] = [];
  const parsed: ParsedInventoryFile[] = [];
  for (const file of files) {
    const source = await loadYamlSource(file);
    if (source.issues.length > 0) {
      issues.push(...source.issues);
      continue;
    }
    const result = validate(inventoryFileSchema, source.data, sourceLocator(source));
    if (result.ok) parsed.push({ path: file, source, data: result.data ?? {} });
    else issues.push(...result.issues);
  }
  // Cross-file checks (duplicates, unknown members) only make sense once every file is valid on its own.
  if (issues.length > 0) throw new ConfigError(issues);
  const built = buildInventory(parsed);
  if (built.issues.length > 0) throw new ConfigError(built.issues);
  return { inventory: built.inventory, files: parsed };
}

/** A static host that sets its own address: the cluster's address of the VM of that name is not needed. */
export function hasFileAddress(inventory: Inventory, name: string): boolean {
  return inventory.hosts.get(name)?.origins?.fields.address?.from === 'file';
}

/**
 * The whole inventory: the files' hosts and each `proxmox_hosts:` source's VMs, as the listings read from the
 * cluster give them. Pure; every problem is a ConfigError at the source's file:line, warnings come back as lines.
 */
export function completeInventory(
  loaded: LoadedInventory,
  listings: readonly ClusterListing[],
): { inventory: Inventory; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const hosts: ClusterHost[] = [];
  for (const spec of loaded.inventory.clusterSources ?? []) {
    const listing = listings.find((l) => l.source === spec.name);
    if (!listing) throw new Error(`no cluster listing for proxmox_hosts.${spec.name}`);
    const found = clusterHosts(spec, listing, (name) => hasFileAddress(loaded.inventory, name));
    hosts.push(...found.hosts);
    issues.push(...found.issues);
    warnings.push(...found.warnings);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const built = buildInventory(loaded.files, hosts);
  if (built.issues.length > 0) throw new ConfigError(built.issues);
  return { inventory: built.inventory, warnings };
}

async function inventoryFiles(path: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw ConfigError.single(null, '', `inventory ${displayPath(path)} does not exist`);
  }
  if (!isDirectory) return [path];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  if (names.length === 0)
    throw ConfigError.single(null, '', `inventory directory ${displayPath(path)} holds no *.yml or *.yaml file`);
  return names.map((n) => join(path, n));
}
