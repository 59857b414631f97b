// HA-managed VMs: hastart/hastop tasks end before the VM changes state; waits go by status/current.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, baseConfig, endpointFor, inventoryFor, startSim } from './helpers.js';

let sim: PveSim;
let api: PveVmApi;
const power: string[] = [];

beforeEach(async () => {
  power.length = 0;
  sim = await startSim({
    delays: { haTask: 5, haAction: 250 },
    onPower: (vmid, action) => power.push(`${vmid}:${action}`),
  });
  sim.addVm({ vmid: 200, node: 'pve1', ha: true, config: baseConfig({ name: 'lb-ha' }) });
  const a = await createVmResolver(
    inventoryFor(endpointFor(sim), { lbha: { proxmox: 'lab', node: 'pve1', vmid: 200 } }),
    FAST,
  ).forHost('lbha');
  if (!a) throw new Error('no api');
  api = a;
});
afterEach(() => sim.close());

test('cold restart of a stopped HA VM waits on status/current, not on the hastart task', async () => {
  // (A running HA VM is rebooted through the API instead: cold-restart.test.ts.)
  await api
    .write('POST', api.path('config'), { cpu: 'host', digest: sim.vm(200).digest() })
    .then((upid) => api.waitTask(String(upid)));
  sim.vm(200).status = 'stopped';
  sim.vm(200).ha = { managed: true, state: 'stopped' };

  expect(await api.coldRestart()).toBe('VM 200 on pve1 started (it was stopped)');

  const vm = sim.vm(200);
  expect(vm.status).toBe('running');
  expect(vm.conf.get('cpu')).toBe('host');
  expect(vm.pending.size).toBe(0);
  expect(power).toEqual(['200:start']);
  // The HA task was what the API returned; the VM changed state later in root@pam's task.
  const types = [...sim.tasks.tasks.values()].map((t) => `${t.type}:${t.user}`);
  expect(types).toEqual(expect.arrayContaining(['hastart:ober@pve!push', 'qmstart:root@pam']));
  // status/current was polled while the hastart task had already ended but the VM was still stopped.
  const polls = sim.requests.filter((r) => r.path === '/nodes/pve1/qemu/200/status/current');
  expect(polls.length).toBeGreaterThan(3);
});

test('waitTask on an hastart UPID returns only once the VM runs', async () => {
  sim.vm(200).status = 'stopped';
  sim.vm(200).ha = { managed: true, state: 'stopped' };
  const upid = String(await api.write('POST', api.path('status/start'), {}));
  expect(upid).toMatch(/:hastart:200:/);
  await api.waitTask(upid);
  expect(sim.vm(200).status).toBe('running');
});
