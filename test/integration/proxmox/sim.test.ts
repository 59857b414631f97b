// The simulator's own semantics, checked through the client (so later tests can trust it).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PvePermissionError } from '../../../src/proxmox/errors.js';
import { createPveClient } from '../../../src/proxmox/resolver.js';
import { waitTask } from '../../../src/proxmox/tasks.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, baseConfig, endpointFor, secretFile, startSim } from './helpers.js';

let sim: PveSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.close());
const wait = { pollMs: 10, timeoutMs: 5000, appearMs: 1000 };

test('pending changes the digest; config merges pending, current=1 does not; /pending lists both', async () => {
  sim.addVm({ vmid: 300, node: 'pve1', config: baseConfig() });
  const c = createPveClient(endpointFor(sim), FAST);
  const d0 = sim.vm(300).digest();
  await c.put('/nodes/pve1/qemu/300/config', { cpu: 'host', digest: d0 });
  expect(sim.vm(300).digest()).not.toBe(d0);
  expect(sim.vm(300).fileText()).toMatch(/\n\[PENDING\]\ncpu: host\n$/);
  expect(await c.get('/nodes/pve1/qemu/300/config')).toMatchObject({ cpu: 'host', cores: 2, memory: '4096' });
  expect(await c.get('/nodes/pve1/qemu/300/config', { current: 1 })).toMatchObject({ cpu: 'kvm64' });
  expect(await c.get('/nodes/pve1/qemu/300/pending')).toContainEqual({ key: 'cpu', value: 'kvm64', pending: 'host' });
});

test('API reboot applies pending and the VM runs again; a guest reboot applies nothing', async () => {
  sim.addVm({ vmid: 301, node: 'pve1', config: baseConfig() });
  const c = createPveClient(endpointFor(sim), FAST);
  await c.put('/nodes/pve1/qemu/301/config', { watchdog: 'i6300esb,action=reset' });
  sim.guestReboot(301);
  expect(sim.vm(301).pending.get('watchdog')).toBe('i6300esb,action=reset');
  const upid = await c.post<string>('/nodes/pve1/qemu/301/status/reboot');
  await waitTask(c, upid, wait); // qmreboot: waits until status/current is running again
  expect(sim.vm(301).status).toBe('running');
  expect(sim.vm(301).conf.get('watchdog')).toBe('i6300esb,action=reset');
});

test('a NIC written without MAC gets a random one; delete removes keys; stopped VMs apply at once', async () => {
  sim.addVm({ vmid: 302, node: 'pve1', status: 'stopped', config: baseConfig({ onboot: 1 }) });
  const c = createPveClient(endpointFor(sim), FAST);
  await c.put('/nodes/pve1/qemu/302/config', { net0: 'virtio,bridge=vmbr0', delete: 'onboot' });
  expect(sim.vm(302).conf.get('net0')).toMatch(/^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$/);
  expect(sim.vm(302).conf.has('onboot')).toBe(false);
  expect(sim.vm(302).pending.size).toBe(0);
});

test('401 has an empty body after the delay; a GET with a body is a 501', async () => {
  const { request } = await import('node:https');
  const raw = (method: string, body?: string): Promise<{ status: number; reason: string; body: string }> =>
    new Promise((resolve, reject) => {
      const r = request(
        `${sim.url}/api2/json/version`,
        {
          method,
          rejectUnauthorized: false,
          headers: {
            Authorization: 'PVEAPIToken=ober@pve!push=5f3c1d2e-aaaa-bbbb-cccc-0123456789ab',
            'Content-Length': String(Buffer.byteLength(body ?? '')),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: text }));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  expect(await raw('GET', 'x=1')).toMatchObject({ status: 501, reason: "Unexpected content for method 'GET'" });
  const bad = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const r = request(`${sim.url}/api2/json/version`, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    r.on('error', reject);
    r.end();
  });
  expect(bad).toEqual({ status: 401, body: '' });
});

test('a write hot-plugs only its own keys (and fast-plug ones): a NIC value an earlier request left pending stays', async () => {
  sim.addVm({ vmid: 303, node: 'pve1', config: baseConfig() });
  const c = createPveClient(endpointFor(sim), FAST);
  const vm = sim.vm(303);
  const replugged = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42';
  // Left pending by an earlier request (written while this VM's hotplug had no network).
  vm.pending.set('net0', replugged);
  vm.pending.set('balloon', '1024');
  vm.pending.set('name', 'lb-renamed');
  await c.put('/nodes/pve1/qemu/303/config', { cpu: 'host', digest: vm.digest() });
  expect(Object.fromEntries(vm.pending)).toEqual({ net0: replugged, balloon: '1024', cpu: 'host' });
  expect(vm.conf.get('name')).toBe('lb-renamed'); // fast-plug: applied by any request
  expect(sim.events.filter((e) => e.type === 'nic-replug' && e.vmid === 303)).toEqual([]);
  // The request that names net0 re-plugs it.
  await c.put('/nodes/pve1/qemu/303/config', { net0: replugged, digest: vm.digest() });
  expect(vm.conf.get('net0')).toBe(replugged);
  expect(sim.events.filter((e) => e.type === 'nic-replug' && e.vmid === 303)).toHaveLength(1);
});

test('a PUT whose NIC re-plug fails is a 400 per key after the write; the value stays pending', async () => {
  sim.addVm({ vmid: 304, node: 'pve1', config: baseConfig() });
  const c = createPveClient(endpointFor(sim), FAST);
  const vm = sim.vm(304);
  vm.replugFailure = 'plug';
  const value = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42';
  const err = await c.put('/nodes/pve1/qemu/304/config', { net0: value, onboot: 1 }).catch((e: unknown) => e);
  expect(err).toMatchObject({
    status: 400,
    errors: { net0: expect.stringMatching(/^hotplug problem - .*device_add/) },
  });
  expect([vm.pending.get('net0'), vm.conf.get('onboot'), vm.nicsDown.has('net0')]).toEqual([value, '1', true]);
});

test('writing a NIC needs SDN.Use on its bridge, one level deeper with a VLAN tag (an ACL on the bridge propagates)', async () => {
  sim.addVm({ vmid: 305, node: 'pve1', status: 'stopped', config: baseConfig() });
  const value = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42';
  const write = async (tokenId: string, privileges: string[]) => {
    sim.addToken(tokenId, `${tokenId}-secret`, ['VM.Audit', 'VM.Config.Network', ...privileges]);
    const c = createPveClient(
      endpointFor(sim, { tokenId, tokenSecret: { file: secretFile(`${tokenId}-secret`) } }),
      FAST,
    );
    return c.put('/nodes/pve1/qemu/305/config', { net0: value }).catch((e: unknown) => e);
  };
  const denied = await write('a@pve!nosdn', ['SDN.Use@/sdn/zones/localnetwork/vmbr1']);
  expect(denied).toBeInstanceOf(PvePermissionError);
  expect(denied).toMatchObject({ status: 403, aclPath: '/sdn/zones/localnetwork/vmbr0/42', privilege: 'SDN.Use' });
  expect((denied as Error).message).toBe(
    'Proxmox lab: PUT /nodes/pve1/qemu/305/config failed: 403 Permission check failed (/sdn/zones/localnetwork/vmbr0/42, SDN.Use) (the API token lacks SDN.Use on /sdn/zones/localnetwork/vmbr0/42, the bridge (and VLAN) a NIC is written with; a privilege-separated token needs it in its own ACL)',
  );
  expect(sim.vm(305).conf.get('net0')).not.toBe(value);
  expect(await write('b@pve!sdn', ['SDN.Use@/sdn/zones/localnetwork/vmbr0'])).toBeNull();
  expect(sim.vm(305).conf.get('net0')).toBe(value);
});
