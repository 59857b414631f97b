// Builds API clients from the inventory (one per endpoint, shared) and resolves hosts' `vm:` bindings.
import { ConfigError } from '../core/errors.js';
import type { VmResolver } from '../core/module.js';
import type { Inventory, ProxmoxEndpoint, VmBinding } from '../inventory/types.js';
import { PveClient, type PveClientEvent, type RetryPolicy, type TrustSource } from './client.js';
import { PveApiError } from './errors.js';
import { resolveSecretRef } from './secret-ref.js';
import { normalizeFingerprint } from './tls.js';
import { PveVmApi, type VmApiOptions } from './vm-api.js';

export interface PveClientFactoryOptions {
  onEvent?: (event: PveClientEvent) => void;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Where `{env: NAME}` secrets are read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A token-authenticated client for an inventory endpoint. The secret is read on the first request. */
export function createPveClient(endpoint: ProxmoxEndpoint, options: PveClientFactoryOptions = {}): PveClient {
  return new PveClient({
    name: endpoint.name,
    url: endpoint.url,
    auth: {
      kind: 'token',
      tokenId: endpoint.tokenId,
      secret: () =>
        resolveSecretRef(
          endpoint.tokenSecret,
          { keyPath: `proxmox.${endpoint.name}.token_secret`, location: endpoint.location },
          options.env,
        ),
    },
    trust: trustFor(endpoint),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** Pin > CA file > insecure (only when the inventory says so) > system trust store. */
export function trustFor(endpoint: ProxmoxEndpoint): TrustSource {
  if (endpoint.fingerprint !== undefined) {
    const sha256 = normalizeFingerprint(endpoint.fingerprint);
    if (!sha256) {
      throw ConfigError.single(
        endpoint.location,
        `proxmox.${endpoint.name}.fingerprint`,
        'expected a SHA-256 fingerprint (32 hex pairs, AA:BB:...)',
      );
    }
    return { kind: 'fingerprint', sha256 };
  }
  if (endpoint.caFile !== undefined) return { kind: 'ca-file', path: endpoint.caFile };
  if (endpoint.insecure) return { kind: 'insecure' };
  return { kind: 'system' };
}

interface ClusterVm {
  vmid?: number;
  node?: string;
  name?: string;
  type?: string;
}

export interface VmResolverOptions extends PveClientFactoryOptions {
  vm?: VmApiOptions;
}

/** The engine's VmResolver, with the concrete API type and access to the shared clients. */
export interface PveVmResolver extends VmResolver {
  forHost(host: string): Promise<PveVmApi | null>;
  /** The shared client of an inventory endpoint (created on first use). */
  client(endpoint: string): PveClient;
}

/** The engine's VmResolver: `forHost(name)` gives the host's VmApi, or null without a `vm:` binding. */
export function createVmResolver(
  inventory: Pick<Inventory, 'hosts' | 'proxmox'>,
  options: VmResolverOptions = {},
): PveVmResolver {
  const clients = new Map<string, PveClient>();
  const apis = new Map<string, Promise<PveVmApi>>();

  const client = (name: string): PveClient => {
    let c = clients.get(name);
    if (!c) {
      const endpoint = inventory.proxmox.get(name);
      if (!endpoint)
        throw ConfigError.single(null, `proxmox.${name}`, `no Proxmox endpoint named ${JSON.stringify(name)}`);
      c = createPveClient(endpoint, options);
      clients.set(name, c);
    }
    return c;
  };

  return {
    client,
    forHost(host: string): Promise<PveVmApi | null> {
      const binding = inventory.hosts.get(host)?.vm;
      if (!binding) return Promise.resolve(null);
      let api = apis.get(host);
      if (!api) {
        api = resolveBinding(client(binding.proxmox), host, binding, options.vm);
        apis.set(host, api);
        // A failed lookup is not cached, so a later call can try again.
        api.catch(() => apis.delete(host));
      }
      return api;
    },
  };
}

async function resolveBinding(
  client: PveClient,
  host: string,
  binding: VmBinding,
  options: VmApiOptions | undefined,
): Promise<PveVmApi> {
  if (binding.vmid !== undefined) {
    return new PveVmApi({ client, host, node: binding.node, vmid: binding.vmid, ...(options ? { options } : {}) });
  }
  const name = binding.name;
  if (name === undefined) throw ConfigError.single(null, `hosts.${host}.vm`, 'needs vmid or name');
  let resources: ClusterVm[];
  try {
    resources = await client.get<ClusterVm[]>('/cluster/resources', { type: 'vm' });
  } catch (err) {
    throw err instanceof PveApiError ? err.forHost(host) : err;
  }
  const matches = resources.filter((r) => r.type === 'qemu' && r.name === name);
  if (matches.length !== 1) {
    const found = matches.map((m) => `${m.vmid} on ${m.node}`).join(', ');
    const why =
      matches.length === 0
        ? `no QEMU VM named ${JSON.stringify(name)} on ${client.name}`
        : `${matches.length} VMs named ${JSON.stringify(name)} on ${client.name} (${found}); set vmid`;
    throw ConfigError.single(null, `hosts.${host}.vm.name`, why);
  }
  const vm = matches[0];
  if (vm?.vmid === undefined || vm.node === undefined)
    throw ConfigError.single(null, `hosts.${host}.vm.name`, 'cluster resource without vmid/node');
  // The VM may have migrated (HA); where it runs now wins over the inventory's node.
  return new PveVmApi({ client, host, node: vm.node, vmid: vm.vmid, ...(options ? { options } : {}) });
}
