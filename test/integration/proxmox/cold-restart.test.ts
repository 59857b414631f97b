// Cold restarts against the simulator: refused before anything stops when the node has too few CPUs, put back
// and started on the old hardware when a start fails anyway, and an API reboot for HA-managed VMs.
import { afterEach, expect, test } from 'vitest';
import { ColdRestartError } from '../../../src/proxmox/cold-restart.js';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import type { PveSim, PveSimOptions } from '../../pve-sim/index.js';
import { FAST, TOKEN_ID, baseConfig, endpointFor, inventoryFor, startSim } from './helpers.js';

let sim: PveSim | undefined;
afterEach(() => sim?.close());

async function vmWith(
  opts: PveSimOptions,
  vm: { ha?: boolean },
  privileges?: string[],
): Promise<{ sim: PveSim; api: PveVmApi }> {
  const s = await startSim(opts);
  sim = s;
  if (privileges) s.addToken(TOKEN_ID, 'narrow-secret-0001', privileges);
  s.addVm({ vmid: 100, node: 'pve1', config: baseConfig(), ...(vm.ha ? { ha: true } : {}) });
  const endpoint = endpointFor(s, privileges ? { tokenSecret: { env: 'OBER_TEST_NARROW' } } : {});
  process.env['OBER_TEST_NARROW'] = 'narrow-secret-0001';
  const api = await createVmResolver(
    inventoryFor(endpoint, { lb01: { proxmox: 'lab', node: 'pve1', vmid: 100 } }),
    FAST,
  ).forHost('lb01');
  if (!api) throw new Error('no api');
  return { sim: s, api };
}

async function pend(api: PveVmApi, s: PveSim, body: Record<string, string | number>): Promise<void> {
  const upid = await api.write('POST', api.path('config'), { ...body, digest: s.vm(100).digest() });
  await api.waitTask(String(upid));
}

const powerEvents = (s: PveSim) => s.events.flatMap((e) => (e.type === 'power' ? [e.action] : []));

test('more vCPUs than the PVE node has: refused before anything stops, the VM keeps running', async () => {
  const { sim: s, api } = await vmWith({ nodeCpus: 6 }, {});
  await pend(api, s, { cores: 4 }); // 2 sockets x 4 cores = 8 > 6
  const error = await api.coldRestart().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ColdRestartError);
  expect(error).toMatchObject({
    vmState: 'untouched',
    message:
      'VM 100 would have 8 vCPUs (sockets × cores) and node pve1 has 6 CPUs: Proxmox would refuse to start it; nothing was stopped',
  });
  expect(s.vm(100).status).toBe('running');
  expect(powerEvents(s)).toEqual([]);
  expect(s.vm(100).pending.get('cores')).toBe('4');
});

test('a start that fails after the stop: the pending keys are put back and the VM runs its old hardware, said so', async () => {
  // The token may not read the node's CPU count (no Sys.Audit), so only the start finds out.
  const { sim: s, api } = await vmWith({ nodeCpus: 6 }, {}, ['VM.Audit', 'VM.PowerMgmt', 'VM.Config.CPU']);
  await pend(api, s, { cores: 4, cpu: 'host' });
  const error = await api.coldRestart().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ColdRestartError);
  expect(error).toMatchObject({ vmState: 'running' });
  expect((error as Error).message).toMatch(
    /^VM 100 did not start with its new hardware \(.*MAX 6 vcpus allowed per VM on this node.*\); cores, cpu put back to what it ran with and started again on pve1: it runs the old hardware$/,
  );
  const vm = s.vm(100);
  expect(vm.status).toBe('running');
  expect([vm.conf.get('cores'), vm.conf.get('cpu'), vm.pending.size]).toEqual(['2', 'kvm64', 0]);
  expect(powerEvents(s)).toEqual(['stop', 'start']);
});

test('an HA-managed VM is rebooted through the API: pending applied, HA state kept at started, no HA request', async () => {
  const { sim: s, api } = await vmWith({ delays: { haTask: 5, haAction: 250 } }, { ha: true });
  s.vm(100).ha = { managed: true, state: 'started' };
  await pend(api, s, { cpu: 'host' });
  expect(await api.coldRestart()).toBe(
    'VM 100 on pve1 rebooted through the API (HA-managed: its HA state stays started)',
  );
  const vm = s.vm(100);
  expect([vm.status, vm.conf.get('cpu'), vm.pending.size, vm.ha?.state]).toEqual(['running', 'host', 0, 'started']);
  const types = [...s.tasks.tasks.values()].map((t) => t.type);
  expect(types).toContain('qmreboot');
  expect(types.filter((t) => t === 'hastop' || t === 'hastart')).toEqual([]);
});
