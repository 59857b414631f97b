// proxmox_vm against the simulator: gather over HTTPS, plan, apply like the engine, re-plan.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { proxmoxVmArgs } from '../../../src/modules/proxmox-vm/args.js';
import { proxmoxVmModule } from '../../../src/modules/proxmox-vm/index.js';
import { vmStatusRows } from '../../../src/modules/proxmox-vm/status.js';
import { NicReplugError, PvePermissionError, isPveConflict } from '../../../src/proxmox/errors.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveSim } from '../../pve-sim/index.js';
import {
  FAST,
  NET0,
  TOKEN_ID,
  apiContext,
  applyChanges,
  baseConfig,
  endpointFor,
  inventoryFor,
  startSim,
} from './helpers.js';

const REPLUGGED = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42';

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
  test('needs every change: cpu/balloon/watchdog pending, onboot live, the NIC left for the cold restart', async () => {
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
    expect(changes.find((c) => c.summary.startsWith('net0'))?.summary).toMatch(
      /written while VM 100 is stopped at its cold restart: no live re-plug/,
    );
    // Exactly one write, guarded by the digest.
    const writes = sim.writes();
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(['POST /nodes/pve1/qemu/100/config']);
    expect(writes[0]?.params['digest']).toMatch(/^[0-9a-f]{40}$/);
    // Re-plan: only informational changes are left (already pending, the NIC still waiting), no ops.
    const again = proxmoxVmModule.plan(await proxmoxVmModule.gather(apiContext('lb01', api), args), args);
    expect(again.flatMap((c) => c.ops)).toEqual([]);
    expect(again.map((c) => c.summary)).toContain('already pending: cpu=host (cold restart required)');
  });

  test('nic_replug allow, the NIC alone: queues = sockets × cores applied live by a re-plug; MAC and options kept', async () => {
    const { changes } = await run('lb01', { net: { index: 0, model: 'virtio', queues: 'auto' }, nic_replug: 'allow' });
    await applyChanges(api, changes);
    const vm = sim.vm(100);
    expect(vm.conf.get('net0')).toBe(REPLUGGED);
    expect(vm.pending.has('net0')).toBe(false);
    expect(sim.events).toContainEqual({ type: 'nic-replug', vmid: 100, key: 'net0', from: NET0, to: REPLUGGED });
    // The body went over the wire escaped: the server saw the full value, MAC included.
    expect(sim.writes()[0]?.params['net0']).toBe(REPLUGGED);
  });

  test.each([
    [
      'unplug',
      false,
      "re-plugging net0 of VM 100 on pve1 failed at the unplug (error on hot-unplugging device 'net0' - still busy in guest?): net0 still runs its old settings and the change stays pending until a cold restart",
    ],
    [
      'plug',
      true,
      "VM 100 on pve1 may have NO net0 now: its re-plug failed after the unplug (VM 100 qmp command 'device_add' failed - Duplicate ID 'net0'); its traffic on net0 is down until net0 is written again or the VM is cold-restarted: do it at once",
    ],
  ] as const)('a re-plug whose %s fails is reported as what it means for the NIC', async (stage, down, message) => {
    sim.vm(100).replugFailure = stage;
    const { changes } = await run('lb01', { net: { index: 0, queues: 'auto' }, nic_replug: 'allow' });
    const error = await applyChanges(api, changes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NicReplugError);
    expect(error).toMatchObject({ key: 'net0', stage, host: 'lb01', message: `lb01: ${message}` });
    const vm = sim.vm(100);
    expect(vm.pending.get('net0')).toBe(REPLUGGED);
    expect(vm.nicsDown.has('net0')).toBe(down);
  });

  test('a re-plug write that meets a stale digest or a missing privilege is that, not a NIC emergency', async () => {
    const { changes } = await run('lb01', { net: { index: 0, queues: 'auto' }, nic_replug: 'allow' });
    sim.touchConfig(100);
    const stale = await applyChanges(api, changes).catch((e: unknown) => e);
    expect(isPveConflict(stale)).toBe(true); // the engine re-plans once
    sim.addToken(TOKEN_ID, 'no-sdn-secret-0001', ['VM.Audit', 'VM.Config.Network']);
    process.env['OBER_TEST_NO_SDN'] = 'no-sdn-secret-0001';
    const narrow = await createVmResolver(
      inventoryFor(endpointFor(sim, { tokenSecret: { env: 'OBER_TEST_NO_SDN' } }), {
        lb01: { proxmox: 'lab', node: 'pve1', vmid: 100 },
      }),
      FAST,
    ).forHost('lb01');
    if (!narrow) throw new Error('no api');
    const again = await run('lb01', { net: { index: 0, queues: 'auto' }, nic_replug: 'allow' }, narrow);
    const denied = await applyChanges(narrow, again.changes).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PvePermissionError);
    expect(denied).toMatchObject({ privilege: 'SDN.Use', aclPath: '/sdn/zones/localnetwork/vmbr0/42', host: 'lb01' });
    expect((denied as Error).message).toContain('the API token lacks SDN.Use on /sdn/zones/localnetwork/vmbr0/42');
    expect(sim.vm(100).conf.get('net0')).toBe(NET0);
    expect(sim.events.filter((e) => e.type === 'nic-replug' || e.type === 'nic-down')).toEqual([]);
  });

  test('a NIC change beside pending hardware is written by the cold restart while the VM is stopped: no re-plug', async () => {
    const { changes } = await run('lb01', { cpu: 'host', net: { queues: 'auto' }, nic_replug: 'allow' });
    await applyChanges(api, changes);
    expect(sim.vm(100).conf.get('net0')).toBe(NET0); // not touched while it serves
    const need = changes.flatMap((c) => c.needs ?? []).find((n) => n.kind === 'nic-replug');
    expect(need).toEqual({ kind: 'nic-replug', write: { key: 'net0', from: NET0, to: REPLUGGED } });
    // What a rolling play's vm-cold-restart step does with that need.
    const how = await api.coldRestart(
      need?.kind === 'nic-replug' && need.write ? { writeWhileStopped: [need.write] } : {},
    );
    expect(how).toBe('VM 100 on pve1 stopped and started; net0 written while it was stopped (no live re-plug)');
    const vm = sim.vm(100);
    expect([vm.conf.get('net0'), vm.conf.get('cpu'), vm.pending.size, vm.status]).toEqual([
      REPLUGGED,
      'host',
      0,
      'running',
    ]);
    expect(sim.events.filter((e) => e.type === 'nic-replug')).toEqual([]);
    // Shutdown, then the config write under the digest read after the stop, then the start.
    const order = sim.writes().map((w) => `${w.method} ${w.path}`);
    expect(order.slice(-3)).toEqual([
      'POST /nodes/pve1/qemu/100/status/shutdown',
      'POST /nodes/pve1/qemu/100/config',
      'POST /nodes/pve1/qemu/100/status/start',
    ]);
    expect((await run('lb01', { cpu: 'host', net: { queues: 'auto' } })).changes).toEqual([]);
  });

  test('a NIC that changed between the plan and the cold restart is not written; the VM runs, and the step says so', async () => {
    const { changes } = await run('lb01', { cpu: 'host', net: { queues: 'auto' } });
    await applyChanges(api, changes);
    const need = changes.flatMap((c) => c.needs ?? []).find((n) => n.kind === 'nic-replug');
    const edited = NET0.replace('firewall=1', 'firewall=0');
    sim.vm(100).conf.set('net0', edited); // another admin
    const error = await api
      .coldRestart(need?.kind === 'nic-replug' && need.write ? { writeWhileStopped: [need.write] } : {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ColdRestartError',
      vmState: 'running',
      message: `VM 100 on pve1 stopped and started; but net0 is ${edited}, not what was planned from: not written (run the play again)`,
    });
    expect([sim.vm(100).conf.get('net0'), sim.vm(100).conf.get('cpu'), sim.vm(100).status]).toEqual([
      edited,
      'host',
      'running',
    ]);
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

  test('cold_restart: now stops and starts the VM in the same run, writing the NIC while it is stopped', async () => {
    const { changes } = await run('lb01', {
      cpu: 'host',
      watchdog: { action: 'reset' },
      net: { queues: 'auto' },
      cold_restart: 'now',
      shutdown_timeout: 5,
    });
    await applyChanges(api, changes);
    const vm = sim.vm(100);
    expect([vm.conf.get('cpu'), vm.conf.get('net0'), vm.status]).toEqual(['host', REPLUGGED, 'running']);
    expect(sim.events.filter((e) => e.type === 'power').map((e) => (e.type === 'power' ? e.action : ''))).toEqual([
      'stop',
      'start',
    ]);
    expect(sim.events.filter((e) => e.type === 'nic-replug')).toEqual([]);
    expect(sim.writes().map((w) => `${w.method} ${w.path.replace('/nodes/pve1/qemu/100/', '')}`)).toEqual([
      'POST config', // cpu, watchdog: pending
      'POST status/shutdown',
      'POST config', // net0, under the digest read after the stop
      'POST status/start',
    ]);
    expect(sim.writes()[1]?.params).toEqual({ timeout: '5', forceStop: '1' });
    expect(
      (await run('lb01', { cpu: 'host', watchdog: { action: 'reset' }, net: { queues: 'auto' } })).changes,
    ).toEqual([]);
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
