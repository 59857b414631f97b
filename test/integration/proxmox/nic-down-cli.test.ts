// A NIC re-plug whose plug fails after the unplug leaves the running VM without that NIC: through the real CLI
// (dist/), the run fails (exit 1) and says the VM may have NO net0 now, with what Proxmox said and what to do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { PveSim } from '../../pve-sim/index.js';
import { runCli } from '../../support/cli.js';
import { baseConfig, startSim, TOKEN_ID, TOKEN_SECRET } from './helpers.js';

let sim: PveSim;
let dir: string;

beforeAll(async () => {
  sim = await startSim();
  sim.addVm({ vmid: 100, node: 'pve1', config: baseConfig({ name: 'lb01' }) });
  dir = mkdtempSync(join(tmpdir(), 'pve-nic-down-'));
  writeFileSync(
    join(dir, 'inventory.yml'),
    `proxmox:
  lab:
    url: ${sim.url}
    token_id: "${TOKEN_ID}"
    token_secret: { env: PVE_TOKEN }
    fingerprint: "${sim.fingerprint}"
hosts:
  lb01: { address: 127.0.0.1, port: 1, vm: { proxmox: lab, node: pve1, vmid: 100 } }
`,
  );
  writeFileSync(
    join(dir, 'nic.yml'),
    `- name: NIC multiqueue, re-plugged live
  hosts: all
  gather_facts: false
  tasks:
    - name: queues = vCPUs
      proxmox_vm:
        net: { index: 0, queues: auto }
        nic_replug: allow
`,
  );
});
afterAll(() => sim?.close());

test('a failed plug after the unplug: exit 1, and the message says the VM may have NO net0 now', async () => {
  sim.vm(100).replugFailure = 'plug';
  const result = await runCli(
    ['deploy', '-i', join(dir, 'inventory.yml'), join(dir, 'nic.yml'), '--reporter', 'plain'],
    { env: { PVE_TOKEN: TOKEN_SECRET } },
  );
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout).toContain(
    "VM 100 on pve1 may have NO net0 now: its re-plug failed after the unplug (VM 100 qmp command 'device_add' failed - Duplicate ID 'net0'); its traffic on net0 is down until net0 is written again or the VM is cold-restarted: do it at once",
  );
  expect(result.stdout).toMatch(/lb01 \| failed/);
  expect(sim.vm(100).nicsDown.has('net0')).toBe(true);
});
