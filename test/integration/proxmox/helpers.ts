// Shared setup for the Proxmox integration tests: a simulator, an inventory pointing at it, a resolver.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change, ReadContext, VmApi } from '../../../src/core/module.js';
import type { Host, Inventory, ProxmoxEndpoint, VmBinding } from '../../../src/inventory/types.js';
import { createVmResolver, type VmResolverOptions } from '../../../src/proxmox/resolver.js';
import { applyOps } from '../../../src/engine/apply-ops.js';
import { startPveSim, type PveSim, type PveSimOptions } from '../../pve-sim/index.js';

export const TOKEN_ID = 'ober@pve!push';
export const TOKEN_SECRET = '5f3c1d2e-aaaa-bbbb-cccc-0123456789ab';

export const NET0 = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,tag=42';

export function baseConfig(extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    name: 'lb01',
    cpu: 'kvm64',
    cores: 2,
    sockets: 2,
    memory: '4096',
    net0: NET0,
    ostype: 'l26',
    scsi0: 'local-lvm:vm-100-disk-0,size=8G',
    ...extra,
  };
}

export async function startSim(opts: PveSimOptions = {}): Promise<PveSim> {
  const sim = await startPveSim({ authFailDelayMs: 50, ...opts });
  sim.addToken(TOKEN_ID, TOKEN_SECRET);
  return sim;
}

export function secretFile(secret = TOKEN_SECRET): string {
  const dir = mkdtempSync(join(tmpdir(), 'pve-secret-'));
  const file = join(dir, 'token');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

export function endpointFor(sim: PveSim, over: Partial<ProxmoxEndpoint> = {}): ProxmoxEndpoint {
  return {
    name: 'lab',
    url: sim.url,
    tokenId: TOKEN_ID,
    tokenSecret: { file: secretFile() },
    fingerprint: sim.fingerprint,
    insecure: false,
    location: null,
    ...over,
  };
}

export function inventoryFor(
  endpoint: ProxmoxEndpoint,
  hosts: Record<string, VmBinding>,
): Pick<Inventory, 'hosts' | 'proxmox'> {
  const hostMap = new Map<string, Host>();
  for (const [name, vm] of Object.entries(hosts))
    hostMap.set(name, { name, address: '127.0.0.1', port: 22, vm, vars: {}, groups: ['all'], location: null });
  return { hosts: hostMap, proxmox: new Map([[endpoint.name, endpoint]]) };
}

export const FAST: VmResolverOptions = {
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
  timeoutMs: 5000,
  vm: { wait: { pollMs: 10, timeoutMs: 10_000, appearMs: 2000 }, shutdownTimeoutS: 5 },
};

/** A ReadContext that only offers the VM handle (what an apiOnly module may use). */
export function apiContext(host: string, api: VmApi | null): ReadContext {
  return {
    host,
    vars: {},
    baseDir: '.',
    facts: () => Promise.reject(new Error('apiOnly module must not gather host facts')),
    exec: () => Promise.reject(new Error('apiOnly module must not run commands')),
    vm: () => Promise.resolve(api),
  };
}

/** Apply changes through the engine's own apply path (applyOps); a proxmox_vm change has no SSH op. */
export async function applyChanges(api: VmApi, changes: Change[]): Promise<void> {
  const target = {
    host: 'lb01',
    run: () => Promise.reject(new Error('proxmox_vm must not run commands')),
    vm: () => Promise.resolve(api),
  };
  for (const c of changes) await applyOps(target, c.ops);
}

/** Poll until `check` is true (observable state, no fixed sleeps). */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
