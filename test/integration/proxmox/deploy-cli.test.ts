// `ober-push deploy` of a proxmox_vm play against the Proxmox API simulator, through the real CLI: several VMs on
// two nodes, the second run writes nothing, --check writes nothing and shows the diff with each change's impact,
// a bad token is a clear error naming the host. No host is contacted over SSH (the play never needs the guests).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PveSim } from '../../pve-sim/index.js';
import { runCli } from '../../support/cli.js';
import { baseConfig, NET0, startSim, TOKEN_ID, TOKEN_SECRET } from './helpers.js';

let sim: PveSim;
let sshListener: Server;
let sshAttempts = 0;
let dir: string;
let inventory: string;
let playbook: string;

beforeAll(async () => {
  sim = await startSim();
  sim.addVm({ vmid: 100, node: 'pve1', config: baseConfig({ name: 'lb01' }) });
  sim.addVm({ vmid: 101, node: 'pve2', config: baseConfig({ name: 'lb02' }) });
  sim.addVm({ vmid: 102, node: 'pve2', status: 'stopped', config: baseConfig({ name: 'lb03' }) });
  sshListener = createServer((s) => {
    sshAttempts++;
    s.destroy();
  });
  await new Promise<void>((resolve) => sshListener.listen(0, '127.0.0.1', resolve));
  const address = sshListener.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  dir = mkdtempSync(join(tmpdir(), 'pve-cli-'));
  inventory = join(dir, 'inventory.yml');
  writeFileSync(
    inventory,
    `proxmox:
  lab:
    url: ${sim.url}
    token_id: "${TOKEN_ID}"
    token_secret: { env: PVE_TOKEN }
    fingerprint: "${sim.fingerprint}"
hosts:
  lb01: { address: 127.0.0.1, port: ${port}, vm: { proxmox: lab, node: pve1, vmid: 100 } }
  lb02: { address: 127.0.0.1, port: ${port}, vm: { proxmox: lab, node: pve2, vmid: 101 } }
  lb03: { address: 127.0.0.1, port: ${port}, vm: { proxmox: lab, node: pve2, name: lb03 } }
`,
  );
  playbook = join(dir, 'vm.yml');
  writeFileSync(
    playbook,
    `- name: ingress VM hardware
  hosts: all
  gather_facts: false
  tasks:
    - name: cpu host, multiqueue, watchdog, no balloon
      proxmox_vm:
        cpu: host
        balloon: 0
        net: { index: 0, model: virtio, queues: auto }
        watchdog: { model: i6300esb, action: reset }
`,
  );
});
afterAll(async () => {
  sshListener?.close();
  await sim?.close();
});

const deploy = (args: string[], token = TOKEN_SECRET) =>
  runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain', ...args], { env: { PVE_TOKEN: token } });

describe('deploy of proxmox_vm against the simulator', () => {
  it('--check writes nothing and shows current → desired with each impact', async () => {
    const result = await deploy(['--check', '--diff']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(sim.writes()).toHaveLength(0);
    expect(result.stdout).toMatch(/lb01 \| changed .*\n(.*\n)*.*cpu: kvm64 → host.*\[pending\]/);
    expect(result.stdout).toMatch(/lb03 \| changed/);
    expect(result.stdout).toContain('+cpu: host');
    expect(result.stdout).not.toContain(TOKEN_SECRET);
  });

  it('sets every VM, keeps the NIC options, writes nothing on the second run, and never uses SSH', async () => {
    const first = await deploy([]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(sim.writes().length).toBe(3); // one config write per VM
    for (const vmid of [100, 101, 102]) {
      const vm = sim.vm(vmid);
      const value = (k: string) => vm.pending.get(k) ?? vm.conf.get(k);
      expect(value('cpu')).toBe('host');
      expect(value('balloon')).toBe('0');
      expect(value('watchdog')).toMatch(/i6300esb,action=reset$/);
    }
    // The stopped VM gets queues = sockets × cores with its MAC, bridge, firewall and tag kept byte for byte;
    // on the running ones a NIC re-plug would drop a serving link, and a cold restart is due anyway (cpu): the NIC
    // rides on it, written while the VM is stopped.
    expect(sim.vm(102).conf.get('net0')).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,queues=4,tag=42');
    expect(sim.vm(100).conf.get('net0')).toBe(NET0);
    expect(first.stdout).toMatch(/lb01 .*\n(.*\n)*.*queues.*written while VM 100 is stopped at its cold restart/);
    // Running VMs keep cpu/watchdog pending until a cold restart; the stopped one applied everything.
    expect(sim.vm(100).pending.get('cpu')).toBe('host');
    expect(sim.vm(102).pending.size).toBe(0);
    expect(first.stdout).toMatch(/lb01\s+ok .*needs: vm-cold-restart/);

    const writes = sim.writes().length;
    const again = await deploy(['--verify']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(sim.writes().length).toBe(writes);
    expect(again.stdout).toContain('already pending');
    expect(sshAttempts).toBe(0);
  });

  it('a bad token is a clear error naming the host, and nothing is written', async () => {
    const writes = sim.writes().length;
    const result = await deploy([], 'not-the-secret');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/lb01 \| failed .*(401|authentication)/i);
    expect(result.stdout + result.stderr).not.toContain('not-the-secret');
    expect(sim.writes().length).toBe(writes);
  });
});
