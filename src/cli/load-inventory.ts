// The inventory a command works on: the files first (every input error surfaces before any API call), then, for
// `proxmox_hosts:`, the cluster's VMs read over the Proxmox API (GETs only) and merged with the static hosts.
import pLimit from 'p-limit';
import { needsAgent, selectsVm } from '../inventory/cluster-select.js';
import type { AgentReading, ClusterListing, ClusterSourceSpec, ClusterVm } from '../inventory/cluster-types.js';
import { completeInventory, hasFileAddress, loadInventorySources, type LoadedInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';

export interface LoadInventoryOptions {
  /** A warning line (a skipped VM, an insecure endpoint); default: stderr. */
  warn?: (line: string) => void;
  /** Where `{env: NAME}` token secrets are read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function loadCommandInventory(path: string, options: LoadInventoryOptions = {}): Promise<Inventory> {
  return withClusterHosts(await loadInventorySources(path), options);
}

/** The files' inventory with its `proxmox_hosts:` read from the cluster (a command loads its other input first). */
export async function withClusterHosts(
  loaded: LoadedInventory,
  options: LoadInventoryOptions = {},
): Promise<Inventory> {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`warning: ${line}\n`));
  const sources = loaded.inventory.clusterSources ?? [];
  if (sources.length === 0) return loaded.inventory;
  const listings = await readClusterListings(loaded.inventory, sources, warn, options.env);
  const { inventory, warnings } = completeInventory(loaded, listings);
  for (const line of warnings) warn(line);
  return inventory;
}

/** One listing per source; the VM list, the pools and each agent answer are read once per endpoint. */
async function readClusterListings(
  inventory: Inventory,
  sources: readonly ClusterSourceSpec[],
  warn: (line: string) => void,
  env: LoadInventoryOptions['env'],
): Promise<ClusterListing[]> {
  // Loaded only now: an inventory without proxmox_hosts: never pays for the Proxmox client.
  const [{ createPveClient }, api] = await Promise.all([
    import('../proxmox/resolver.js'),
    import('../proxmox/cluster-inventory.js'),
  ]);
  const clients = new Map<string, ReturnType<typeof createPveClient>>();
  const client = (name: string) => {
    const endpoint = inventory.proxmox.get(name);
    if (!endpoint) throw new Error(`proxmox_hosts: endpoint ${name} was not checked at load`);
    const c =
      clients.get(name) ??
      createPveClient(endpoint, {
        ...(env ? { env } : {}),
        onEvent: (e) => e.type === 'warning' && warn(`proxmox ${e.endpoint}: ${e.message}`),
      });
    clients.set(name, c);
    return c;
  };
  const vmLists = new Map<string, Promise<ClusterVm[]>>();
  const poolLists = new Map<string, Promise<string[]>>();
  const agents = new Map<string, Promise<AgentReading>>();
  const once = <T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    const p = map.get(key) ?? read();
    map.set(key, p);
    return p;
  };
  const limit = pLimit(8);
  const listing = async (spec: ClusterSourceSpec): Promise<ClusterListing> => {
    const c = client(spec.endpoint);
    const vms = await once(vmLists, spec.endpoint, () => api.listClusterVms(c));
    const pools =
      spec.select.pools.length > 0 ? await once(poolLists, spec.endpoint, () => api.listPools(c)) : undefined;
    const fileSet = (vm: ClusterVm) => vm.name !== undefined && hasFileAddress(inventory, vm.name);
    const asked = vms.filter((vm) => selectsVm(spec.select, vm) && needsAgent(spec, vm) && !fileSet(vm));
    const readings = await Promise.all(
      asked.map(async (vm): Promise<[number, AgentReading]> => [
        vm.vmid,
        await once(agents, `${spec.endpoint}/${vm.vmid}`, () => limit(() => api.readGuestInterfaces(c, vm))),
      ]),
    );
    return { source: spec.name, vms, agent: new Map(readings), ...(pools ? { pools } : {}) };
  };
  const out: ClusterListing[] = [];
  for (const spec of sources) out.push(await listing(spec));
  return out;
}
