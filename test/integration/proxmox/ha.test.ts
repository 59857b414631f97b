// HA-managed VMs: hastart/hastop tasks end before the VM changes state; waits go by status/current; a start may place
// the VM on another node (ha-rebalance-on-start) and the API follows it; no failure leaves HA's state at stopped.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { proxmoxVmArgs } from '../../../src/modules/proxmox-vm/args.js';
import { proxmoxVmModule } from '../../../src/modules/proxmox-vm/index.js';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, NET0, apiContext, applyChanges, baseConfig, endpointFor, inventoryFor, startSim } from './helpers.js';

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

const haTasks = () => [...sim.tasks.tasks.values()].map((t) => t.type).filter((t) => t === 'hastart' || t === 'hastop');

async function pendCpu(): Promise<void> {
  const upid = await api.write('POST', api.path('config'), { cpu: 'host', digest: sim.vm(200).digest() });
  await api.waitTask(String(upid));
}

function stopHa(): void {
  sim.vm(200).status = 'stopped';
  sim.vm(200).ha = { managed: true, state: 'stopped' };
}

test('an HA start that places the VM on another node (ha-rebalance-on-start): the API follows it there', async () => {
  await pendCpu();
  stopHa();
  sim.vm(200).haRebalanceOnStart = true;
  expect(await api.coldRestart()).toBe('VM 200 started on pve2 (HA moved it from pve1); it was stopped');
  expect([sim.vm(200).node, sim.vm(200).status, sim.vm(200).conf.get('cpu')]).toEqual(['pve2', 'running', 'host']);
  // Later calls go to the new node: the binding and every path follow it.
  expect(api.node).toBe('pve2');
  expect(api.path('config')).toBe('/nodes/pve2/qemu/200/config');
  expect(await api.get(api.path('status/current'))).toMatchObject({ status: 'running' });
  const moves = sim.requests.filter((r) => r.path === '/cluster/resources');
  expect(moves.length).toBeGreaterThan(0);
});

test('waitTask on an hastart UPID follows a VM HA moved while it started', async () => {
  stopHa();
  sim.vm(200).haRebalanceOnStart = true;
  const upid = String(await api.write('POST', api.path('status/start'), {}));
  expect(upid).toMatch(/^UPID:pve1:.*:hastart:200:/);
  await api.waitTask(upid);
  expect([sim.vm(200).node, sim.vm(200).status, api.node]).toEqual(['pve2', 'running', 'pve2']);
});

test('a start that fails on the node HA moved the VM to: put back there, and the error says HA gave up', async () => {
  await pendCpu();
  stopHa();
  sim.vm(200).haRebalanceOnStart = true;
  const pve2 = sim.nodes.get('pve2');
  if (!pve2) throw new Error('no pve2');
  pve2.cpus = 2; // 2 sockets × 2 cores do not start there; pve1 (16 CPUs) passed the check before the start
  const error = await api.coldRestart().catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'ColdRestartError', vmState: 'stopped', node: 'pve2' });
  expect((error as Error).message).toBe(
    'VM 200 did not start with its new hardware (HA put vm:200 in its error state after its start failed on pve2); cpu put back to what it ran with: it is stopped; HA gave up on vm:200 (error state): ha-manager set vm:200 --state disabled, then --state started once the cause is fixed',
  );
  // The revert went to the node the VM is on now (pve2), not where it began.
  const reverts = sim.writes().filter((w) => w.path.endsWith('/config') && w.params['cpu'] === 'kvm64');
  expect(reverts.map((w) => w.path)).toEqual(['/nodes/pve2/qemu/200/config']);
  const vm = sim.vm(200);
  expect([vm.node, vm.status, vm.conf.get('cpu'), vm.pending.size, api.node]).toEqual([
    'pve2',
    'stopped',
    'kvm64',
    0,
    'pve2',
  ]);
  expect(haTasks()).toEqual(['hastart']); // never an HA stop
});

test('a running HA VM whose reboot fails: never an HA stop, its HA state stays started', async () => {
  await pendCpu();
  sim.failNextTask('VM quit/powerdown failed - got timeout', 'qmreboot');
  const error = await api.coldRestart().catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'PveTaskError', exitStatus: 'VM quit/powerdown failed - got timeout' });
  expect([sim.vm(200).status, sim.vm(200).ha?.state]).toEqual(['running', 'started']);
  expect(haTasks()).toEqual([]);
});

test('an HA start request that fails itself: the error says HA still wants the VM stopped, and how to fix it', async () => {
  await pendCpu();
  stopHa();
  sim.failNextTask('cluster not ready - no quorum?', 'hastart');
  sim.failNextTask('cluster not ready - no quorum?', 'hastart');
  const error = await api.coldRestart().catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'ColdRestartError', vmState: 'stopped' });
  expect((error as Error).message).toBe(
    "VM 200 did not start with its new hardware (cluster not ready - no quorum?), nor after cpu were put back (cluster not ready - no quorum?): it is stopped; HA's requested state is stopped (the start request failed): ha-manager set vm:200 --state started once the cause is fixed",
  );
  expect(haTasks()).toEqual(['hastart', 'hastart']);
});

describe('a NIC change that rides on the cold restart of a running HA VM', () => {
  const replugged = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42';
  const write = { key: 'net0', from: NET0, to: replugged };

  test('is written live just before the API reboot (one re-plug while drained), never through HA stop/start', async () => {
    await pendCpu();
    expect(await api.coldRestart({ writeWhileStopped: [write] })).toBe(
      'VM 200 on pve1 rebooted through the API (HA-managed: its HA state stays started); net0 written just before it (one live re-plug while drained: a reboot cannot write in between)',
    );
    const vm = sim.vm(200);
    expect([vm.conf.get('net0'), vm.conf.get('cpu'), vm.pending.size, vm.ha?.state]).toEqual([
      replugged,
      'host',
      0,
      'started',
    ]);
    expect(sim.events.filter((e) => e.type === 'nic-replug')).toHaveLength(1);
    expect(haTasks()).toEqual([]);
  });

  test('a re-plug that fails before the reboot: the reboot applies the pending value and the NIC is back', async () => {
    await pendCpu();
    sim.vm(200).replugFailure = 'plug';
    expect(await api.coldRestart({ writeWhileStopped: [write] })).toMatch(
      /; net0 failed to re-plug just before it \(VM 200 qmp command 'device_add' failed - Duplicate ID 'net0'\), and the reboot applied it$/,
    );
    const vm = sim.vm(200);
    expect([vm.conf.get('net0'), vm.pending.size, vm.nicsDown.has('net0'), vm.ha?.state]).toEqual([
      replugged,
      0,
      false,
      'started',
    ]);
    expect(haTasks()).toEqual([]);
  });
});

test('proxmox_vm cold_restart: now on a running HA VM reboots it through the API: no HA stop, even when the reboot fails', async () => {
  const raw = { cpu: 'host', net: { queues: 'auto' }, cold_restart: 'now', shutdown_timeout: 5 };
  const plan = async () => {
    const args = proxmoxVmArgs.parse(raw);
    return proxmoxVmModule.plan(await proxmoxVmModule.gather(apiContext('lbha', api), args), args);
  };
  sim.failNextTask('VM quit/powerdown failed - got timeout', 'qmreboot');
  await expect(applyChanges(api, await plan())).rejects.toMatchObject({ name: 'PveTaskError' });
  expect([sim.vm(200).status, sim.vm(200).ha?.state]).toEqual(['running', 'started']);
  await applyChanges(api, await plan());
  const vm = sim.vm(200);
  expect([vm.status, vm.conf.get('cpu'), vm.conf.get('net0'), vm.ha?.state]).toEqual([
    'running',
    'host',
    'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42',
    'started',
  ]);
  expect(haTasks()).toEqual([]);
  expect(await plan()).toEqual([]);
});
