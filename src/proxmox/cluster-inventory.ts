// Reading a Proxmox cluster for the inventory (`proxmox_hosts:`): its guests, the pools the token sees, and a guest's
// interfaces from the QEMU guest agent. Only GETs; the answers become the plain data src/inventory merges.
// Privileges: VM.Audit (the listing shows only those guests), Pool.Audit (pools), VM.GuestAgent.Audit on PVE 9 or
// VM.Monitor on PVE 8 (the agent).
import type { AgentReading, ClusterVm, GuestAddress, GuestInterface } from '../inventory/cluster-types.js';
import type { PveClient } from './client.js';
import { PveApiError } from './errors.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `GET /cluster/resources?type=vm`: QEMU VMs and containers, with tags, pool and HA state. */
export async function listClusterVms(client: PveClient): Promise<ClusterVm[]> {
  const data = await client.get('/cluster/resources', { type: 'vm' });
  if (!Array.isArray(data)) return [];
  return data.flatMap((item): ClusterVm[] => {
    if (!isObject(item)) return [];
    const vmid = Number(item['vmid']);
    const node = str(item['node']);
    const type = item['type'];
    if (!Number.isInteger(vmid) || node === undefined || (type !== 'qemu' && type !== 'lxc')) return [];
    const name = str(item['name']);
    const pool = str(item['pool']);
    const hastate = str(item['hastate']);
    return [
      {
        vmid,
        type,
        node,
        status: str(item['status']) ?? 'unknown',
        template: Number(item['template'] ?? 0) === 1,
        // The config keeps tags ';'-separated; older writers used ',' or spaces.
        tags: (str(item['tags']) ?? '').split(/[;,\s]+/).filter((t) => t !== ''),
        ...(name !== undefined ? { name } : {}),
        ...(pool !== undefined ? { pool } : {}),
        ...(hastate !== undefined ? { hastate } : {}),
      },
    ];
  });
}

/** `GET /pools`: the pools the token has Pool.Audit on. */
export async function listPools(client: PveClient): Promise<string[]> {
  const data = await client.get('/pools');
  return Array.isArray(data) ? data.flatMap((p) => (isObject(p) && str(p['poolid']) ? [String(p['poolid'])] : [])) : [];
}

/**
 * `GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces`. The server's own 500s (no agent configured, agent
 * not running, VM not running) and an unreachable node are answers: the VM has no agent address. Anything else
 * (401, 403 for a missing privilege, TLS) is an error of the run and is thrown.
 */
export async function readGuestInterfaces(
  client: PveClient,
  vm: Pick<ClusterVm, 'vmid' | 'node' | 'name'>,
): Promise<AgentReading> {
  const path = `/nodes/${encodeURIComponent(vm.node)}/qemu/${vm.vmid}/agent/network-get-interfaces`;
  let data: unknown;
  try {
    data = await client.get(path);
  } catch (err) {
    if (err instanceof PveApiError && err.kind === 'unreachable')
      return { kind: 'unavailable', reason: `node ${vm.node} is unreachable (${err.reason})` };
    if (err instanceof PveApiError && err.status === 500) return { kind: 'unavailable', reason: `500 ${err.reason}` };
    throw err instanceof PveApiError ? err.forHost(vm.name ?? `VM ${vm.vmid}`) : err;
  }
  const result = isObject(data) ? data['result'] : undefined;
  if (!Array.isArray(result)) return { kind: 'unavailable', reason: 'the answer has no result list' };
  return { kind: 'interfaces', interfaces: result.flatMap(guestInterface) };
}

function guestInterface(item: unknown): GuestInterface[] {
  if (!isObject(item)) return [];
  const name = str(item['name']);
  if (name === undefined) return [];
  const mac = str(item['hardware-address']);
  const list = item['ip-addresses'];
  const addresses = (Array.isArray(list) ? list : []).flatMap((a): GuestAddress[] => {
    if (!isObject(a)) return [];
    const address = str(a['ip-address']);
    const family = a['ip-address-type'];
    const prefix = Number(a['prefix']);
    if (address === undefined || (family !== 'ipv4' && family !== 'ipv6') || !Number.isInteger(prefix)) return [];
    return [{ address, family, prefix }];
  });
  return [{ name, ...(mac !== undefined ? { mac } : {}), addresses }];
}
