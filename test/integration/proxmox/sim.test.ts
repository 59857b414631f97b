// The simulator's own semantics, checked through the client (so later tests can trust it).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPveClient } from '../../../src/proxmox/resolver.js';
import { waitTask } from '../../../src/proxmox/tasks.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, baseConfig, endpointFor, startSim } from './helpers.js';

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
