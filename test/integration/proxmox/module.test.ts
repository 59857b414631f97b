// proxmox_vm against the simulator: gather over HTTPS, plan, apply like the engine, re-plan.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TaskError } from '../../../src/core/errors.js';
import { proxmoxVmArgs } from '../../../src/modules/proxmox-vm/args.js';
import { proxmoxVmModule } from '../../../src/modules/proxmox-vm/index.js';
import { vmStatusRows } from '../../../src/modules/proxmox-vm/status.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, NET0, apiContext, applyChanges, baseConfig, endpointFor, inventoryFor, startSim } from './helpers.js';

let sim: PveSim;
let api: PveVmApi;

beforeEach(async () => {
  sim = await startSim();
  sim.addVm({ vmid: 100, node: 'pve1', config: baseConfig() });
  sim.addVm({ vmid: 101, node: 'pve2', status: 'stopped', config: baseConfig({ name: 'lb02' }) });
  const resolver = createVmResolver(
    inventoryFor(endpointFor(sim), {
      lb01: { proxmox: 'lab', node: 'pve1', vmid: 100 },
      lb02: { proxmox: 'lab', node: 'pve2', name: 'lb02' },
    }),
    FAST,
  );
  const a = await resolver.forHost('lb01');
  if (!a) throw new Error('no api');
  api = a;
});
afterEach(() => sim.close());

const EVERYTHING = {
  cpu: 'host',
  balloon: 0,
  net: { index: 0, model: 'virtio', queues: 'auto' },
  watchdog: { model: 'i6300esb', action: 'reset' },
  onboot: true,
};

async function run(host: 'lb01' | 'lb02', raw: Record<string, unknown>, target: PveVmApi = api) {
  const args = proxmoxVmArgs.parse(raw);
  const facts = await proxmoxVmModule.gather(apiContext(host, target), args);
  const changes = proxmoxVmModule.plan(facts, args);
  return { args, facts, changes };
}

describe('running VM', () => {
  test('needs every change, nic_replug refuse: cpu/balloon/watchdog pending, NIC untouched, onboot live', async () => {
    const { args, changes } = await run('lb01', EVERYTHING);
    await applyChanges(api, changes);
    const vm = sim.vm(100);
    expect(Object.fromEntries(vm.pending)).toEqual({
      cpu: 'host',
      balloon: '0',
      watchdog: 'model=i6300esb,action=reset',
    });
    expect(vm.conf.get('onboot')).toBe('1');
    expect(vm.conf.get('net0')).toBe(NET0);
    expect(sim.events.filter((e) => e.type === 'nic-replug')).toEqual([]);
    expect(changes.find((c) => c.summary.startsWith('net0'))?.summary).toMatch(/needs a drained window/);
    // Exactly one write, guarded by the digest.
    const writes = sim.writes();
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /nodes/pve1/qemu/100/config']);
    expect(writes[0]?.params['digest']).toMatch(/^[0-9a-f]{40}$/);
    // Re-plan: only informational changes are left (already pending, NIC still refused), no ops.
    const again = proxmoxVmModule.plan(await proxmoxVmModule.gather(apiContext('lb01', api), args), args);
    expect(again.flatMap((c) => c.ops)).toEqual([]);
    expect(again.map((c) => c.summary)).toContain('already pending: cpu=host (cold restart required)');
  });

  test('nic_replug allow: queues = sockets × cores applied live by a re-plug; MAC and options kept byte for byte', async () => {
    const { changes } = await run('lb01', { ...EVERYTHING, nic_replug: 'allow' });
    await applyChanges(api, changes);
    const vm = sim.vm(100);
    expect(vm.conf.get('net0')).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42');
    expect(vm.pending.has('net0')).toBe(false);
    expect(sim.events).toContainEqual({
      type: 'nic-replug',
      vmid: 100,
      key: 'net0',
      from: NET0,
      to: 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42',
    });
    // The body went over the wire escaped: the server saw the full value, MAC included.
    expect(sim.writes()[0]?.params['net0']).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42');
  });

  test.each([
    ['unplug', false],
    ['plug', true],
  ] as const)('a re-plug whose %s fails is reported as what it means for the NIC', async (stage, down) => {
    sim.vm(100).replugFailure = stage;
    const { changes } = await run('lb01', { net: { index: 0, queues: 'auto' }, nic_replug: 'allow' });
    const error = await applyChanges(api, changes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).message).toBe(
      're-plugging net0 of VM 100 failed: if the unplug failed, net0 kept its old settings and the change stays pending; if the plug failed, VM 100 has NO net0 now (its traffic on that NIC is down): write net0 again or cold-restart the VM at once',
    );
    expect((error as TaskError).detail).toContain(
      stage === 'unplug' ? "error on hot-unplugging device 'net0'" : "qmp command 'device_add' failed",
    );
    const vm = sim.vm(100);
    expect(vm.pending.get('net0')).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42');
    expect(vm.nicsDown.has('net0')).toBe(down);
  });

  test('without network hotplug the NIC change goes pending, and a cold restart applies everything', async () => {
    sim.vm(100).conf.set('hotplug', 'disk,usb');
    const { args, changes } = await run('lb01', { ...EVERYTHING, cores: 4 });
    expect(changes.find((c) => c.summary.startsWith('net0'))?.impact).toBe('pending');
    await applyChanges(api, changes);
    expect(sim.vm(100).pending.get('net0')).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=8,tag=42');
    // A reboot inside the guest applies nothing.
    sim.guestReboot(100);
    expect(sim.vm(100).pending.size).toBeGreaterThan(0);
    await api.coldRestart();
    const vm = sim.vm(100);
    expect(vm.status).toBe('running');
    expect(vm.pending.size).toBe(0);
    expect(vm.conf.get('cpu')).toBe('host');
    expect(vm.conf.get('cores')).toBe('4');
    const after = await run('lb01', args as unknown as Record<string, unknown>);
    expect(after.changes).toEqual([]);
  });

  test('cold_restart: now stops and starts the VM in the same run', async () => {
    const { changes } = await run('lb01', {
      cpu: 'host',
      watchdog: { action: 'reset' },
      cold_restart: 'now',
      shutdown_timeout: 5,
    });
    await applyChanges(api, changes);
    expect(sim.vm(100).conf.get('cpu')).toBe('host');
    expect(sim.vm(100).status).toBe('running');
    expect(sim.events.filter((e) => e.type === 'power').map((e) => (e.type === 'power' ? e.action : ''))).toEqual([
      'stop',
      'start',
    ]);
    expect((await run('lb01', { cpu: 'host', watchdog: { action: 'reset' } })).changes).toEqual([]);
  });
});

describe('stopped VM', () => {
  test('everything applies at once, nothing pending (name binding resolved through /cluster/resources)', async () => {
    const resolver = createVmResolver(
      inventoryFor(endpointFor(sim), { lb02: { proxmox: 'lab', node: 'pve2', name: 'lb02' } }),
      FAST,
    );
    const lb02 = await resolver.forHost('lb02');
    if (!lb02) throw new Error('no api');
    expect(lb02.vmid).toBe(101);
    const { args, changes } = await run('lb02', EVERYTHING, lb02);
    expect(changes.map((c) => c.impact)).toEqual(['live', 'live', 'live', 'live', 'live']);
    await applyChanges(lb02, changes);
    const vm = sim.vm(101);
    expect(vm.pending.size).toBe(0);
    expect(vm.conf.get('cpu')).toBe('host');
    expect(vm.conf.get('net0')).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42');
    expect((await run('lb02', args as unknown as Record<string, unknown>, lb02)).changes).toEqual([]);
  });
});

describe('no writes', () => {
  test('a VM that is already right plans nothing and nothing is written', async () => {
    const vm = sim.vm(100);
    for (const [k, v] of Object.entries({
      cpu: 'host',
      balloon: '0',
      watchdog: 'i6300esb,action=reset',
      onboot: '1',
      net0: `${NET0.replace(',tag=42', ',queues=4,tag=42')}`,
    }))
      vm.conf.set(k, v);
    const { changes } = await run('lb01', EVERYTHING);
    expect(changes).toEqual([]);
    expect(sim.writes()).toEqual([]);
  });

  test('check mode (gather + plan only) sends no write even when changes are due', async () => {
    const { changes } = await run('lb01', EVERYTHING);
    expect(changes.length).toBeGreaterThan(0);
    expect(sim.requests.length).toBe(4);
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  test('gather works on a stopped VM and through the API only', async () => {
    sim.vm(100).status = 'stopped';
    const { facts } = await run('lb01', { cpu: 'host' });
    expect(facts.status.status).toBe('stopped');
    expect(facts.digest).toBe(sim.vm(100).digest());
  });
});

test('a stale digest (another admin edited the config) is a conflict, and nothing is written', async () => {
  const { changes } = await run('lb01', { cpu: 'host' });
  sim.touchConfig(100);
  const before = sim.vm(100).fileText();
  await expect(applyChanges(api, changes)).rejects.toMatchObject({
    name: 'PveApiError',
    kind: 'conflict',
    status: 500,
    host: 'lb01',
  });
  expect(sim.vm(100).fileText()).toBe(before);
  // Re-plan from fresh facts succeeds.
  await applyChanges(api, (await run('lb01', { cpu: 'host' })).changes);
  expect(sim.vm(100).pending.get('cpu')).toBe('host');
});

test('vm status rows from live facts', async () => {
  await applyChanges(api, (await run('lb01', { cpu: 'host', onboot: true })).changes);
  const { facts, args } = await run('lb01', { cpu: 'host', onboot: true, net: { queues: 'auto' } });
  const [row] = vmStatusRows([{ host: 'lb01', facts, args }]);
  expect(row).toMatchObject({
    host: 'lb01',
    node: 'pve1',
    vmid: 100,
    status: 'running',
    cpu: 'kvm64',
    cores: 2,
    sockets: 2,
    queues: null,
    pending: ['cpu=host'],
    drift: ['net0'],
  });
});
