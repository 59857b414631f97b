// Cold restarts that restart a machine: the Proxmox simulator's VMs are the private lab's hosts (LabMachines), so
// a shutdown powers a host off, a start boots it with as many CPUs as the VM's cores. A rolling upgrade of three
// nodes whose VMs have cpu/cores/watchdog pending, under load: each node is withdrawn, drained, cold-restarted
// through the API, health-gated and re-announced; afterwards nothing is pending and each host has the new CPUs.
// The roll is the shipped playbooks/upgrade.yml: its proxmox_vm task (site.yml's hardware) finds cpu and watchdog
// already pending and leaves the need for the cold restart, which applies every pending key (cores too).
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { PveClient } from '../../../src/proxmox/client.js';
import { createPveClient } from '../../../src/proxmox/resolver.js';
import { startPveSim, type PveSim } from '../../pve-sim/index.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { execOnHost, labSkipReason, routerNextHops } from '../harness.js';
import { LabMachines } from '../lab-machines.js';
import {
  ALL,
  HOSTS,
  INVENTORY,
  ROLL_STATE,
  allAnnounced,
  deployStack,
  labDown,
  labUp,
  underLoad,
  workDir,
} from './helpers.js';

const TOKEN_ID = 'ober@pve!push';
const TOKEN_SECRET = 'a3c1f2e4-5b6d-4e7f-8091-a2b3c4d5e6f7';
const PENDING = { cpu: 'host', cores: 2, watchdog: 'model=i6300esb,action=reset' };
const vmidOf = (host: string) => 100 + HOSTS.indexOf(host) + 1;
const PVE_INVENTORY = `${ROLL_STATE}/inventory-pve.yml`;
/** The rolling bound of the issue: 2 failed per 20k requests. */
const allowed = (requests: number) => Math.max(2, Math.floor((requests * 2) / 20_000));

/** The lab's inventory with a Proxmox endpoint (the simulator) and each host bound to its VM. */
function writePveInventory(sim: PveSim): void {
  const doc = parse(readFileSync(INVENTORY, 'utf8')) as Record<string, unknown>;
  const secretFile = `${ROLL_STATE}/pve-token`;
  writeFileSync(secretFile, `${TOKEN_SECRET}\n`, { mode: 0o600 });
  doc['proxmox'] = {
    sim: { url: sim.url, token_id: TOKEN_ID, token_secret: { file: secretFile }, fingerprint: sim.fingerprint },
  };
  const hosts = Object.fromEntries(
    HOSTS.map((h, i) => [
      h,
      {
        address: ALL[i],
        user: 'root',
        identity_file: './id_ed25519',
        vm: { proxmox: 'sim', node: `pve${i + 1}`, vmid: vmidOf(h) },
      },
    ]),
  );
  writeFileSync(PVE_INVENTORY, stringify({ ...doc, hosts }));
}

function pveCli(args: string[], cwd?: string): Promise<CliResult> {
  return runCli([...args, '-i', PVE_INVENTORY, '--reporter', 'plain'], cwd === undefined ? {} : { cwd });
}

/** `vm status` (which must write nothing): each host's pending changes. */
async function pendingPerHost(sim: PveSim): Promise<string[]> {
  const writes = sim.writes().length;
  const r = await runCli(['vm', 'status', '--json', '-i', PVE_INVENTORY]);
  expect(sim.writes()).toHaveLength(writes);
  if (r.code !== 0) throw new Error(`vm status: exit ${r.code}: ${r.stderr}`);
  const { vms } = JSON.parse(r.stdout) as { vms: Array<{ host: string; pending: string[] }> };
  return vms.map((v) => `${v.host}: ${v.pending.join(' ')}`);
}

async function nproc(host: string): Promise<number> {
  const r = await execOnHost(host, 'nproc', { via: 'ssh' }); // nsenter would keep this process's CPUs
  return Number(r.stdout.trim());
}

describe.skipIf(labSkipReason())('cold restarts through the Proxmox API restart the lab hosts (3 nodes, BGP)', () => {
  let sim: PveSim;
  let machines: LabMachines;
  let client: PveClient;
  /** An admin raises the hardware while the VM runs: Proxmox keeps it pending until a cold restart. */
  const raiseHardware = async (host: string) => {
    const vmid = vmidOf(host);
    await client.put(`/nodes/${sim.vm(vmid).node}/qemu/${vmid}/config`, { ...PENDING, digest: sim.vm(vmid).digest() });
  };

  beforeAll(async () => {
    labUp();
    await deployStack();
    machines = new LabMachines(new Map(HOSTS.map((h) => [vmidOf(h), h])));
    sim = await startPveSim({ nodes: ['pve1', 'pve2', 'pve3'], nodeCpus: 2, machines, authFailDelayMs: 50 });
    sim.addToken(TOKEN_ID, TOKEN_SECRET);
    client = createPveClient(
      {
        name: 'sim',
        url: sim.url,
        tokenId: TOKEN_ID,
        tokenSecret: { env: 'PVE_SIM_SECRET' },
        fingerprint: sim.fingerprint,
        insecure: false,
        location: null,
      },
      { env: { PVE_SIM_SECRET: TOKEN_SECRET } },
    );
    for (const [i, host] of HOSTS.entries()) {
      const vmid = vmidOf(host);
      sim.addVm({
        vmid,
        node: `pve${i + 1}`,
        config: {
          name: host,
          cpu: 'kvm64',
          sockets: 1,
          cores: 1,
          memory: 2048,
          balloon: 0,
          net0: `virtio=BC:24:11:00:00:0${i + 1},bridge=vmbr0,queues=2`,
          ostype: 'l26',
          scsi0: `local-lvm:vm-${vmid}-disk-0,size=8G`,
        },
      });
      machines.adopt(vmid, { sockets: 1, cores: 1 });
      await raiseHardware(host);
      expect(await nproc(host)).toBe(1);
    }
    writePveInventory(sim);
  }, 600_000);

  afterAll(async () => {
    await sim.close();
    labDown();
  });

  it('a start that fails leaves the node withdrawn, on its old hardware, and says so; restore brings it back', async () => {
    sim.failNextTask('start failed: QEMU exited with code 1', 'qmstart');
    const cwd = workDir();
    // The roll's first start is lb01's (serial 1, inventory order); the roll stops there.
    const r = await pveCli(['upgrade'], cwd);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/lb01 \| vm-cold-restart failed \| .*QEMU exited with code 1.*old hardware/);
    expect(r.stdout).toMatch(/lb01 +worked +withdrawn/);
    expect(r.stdout).toMatch(/lb02 +pending +serving +untouched/);
    expect(routerNextHops()).toEqual(ALL.slice(1));
    // Put back and started again: the host runs, with its one CPU.
    expect(sim.vm(vmidOf('lb01')).status).toBe('running');
    expect(await nproc('lb01')).toBe(1);
    const back = await pveCli(['restore', '--limit', 'lb01'], cwd);
    expect(back.code, back.stdout).toBe(0);
    await allAnnounced();
    await raiseHardware('lb01');
  }, 300_000);

  it('a rolling upgrade under load cold-restarts each drained VM once, applying its pending hardware', async () => {
    expect(await pendingPerHost(sim)).toEqual(
      HOSTS.map((h) => `${h}: cores=2 cpu=host watchdog=model=i6300esb,action=reset`),
    );

    // --check: the schedule names the cold restarts it would do, and nothing is written or powered.
    const writes = sim.writes().length;
    const seen = sim.events.length;
    const check = await pveCli(['upgrade', '--check'], workDir());
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.match(/Proxmox cold restart while drained: lb0\d/g)).toHaveLength(3);
    expect(sim.writes()).toHaveLength(writes);
    expect(sim.events).toHaveLength(seen);
    const ours = await underLoad(() => pveCli(['upgrade'], workDir()), false);
    process.stdout.write(
      `\n[cold-restart] failed requests: ${JSON.stringify({ ...ours.load, failedAt: undefined })}\n`,
    );
    expect(ours.result.code, ours.result.stdout + ours.result.stderr).toBe(0);
    const restarts = ours.result.stdout.match(/lb0\d \| vm-cold-restart ok \| .*/g) ?? [];
    process.stdout.write(`\n[cold-restart] ${restarts.join('\n[cold-restart] ')}\n`);
    expect(restarts).toHaveLength(3);
    for (const host of HOSTS) {
      // The cold restart ran inside the node's drained window: withdraw before it, announce after it.
      const lines = ours.result.stdout.split('\n').filter((l) => l.startsWith(`${host} | `));
      const at = (step: string) => lines.findIndex((l) => l.startsWith(`${host} | ${step} ok`));
      expect(at('drain')).toBeGreaterThan(at('withdraw'));
      expect(at('vm-cold-restart')).toBeGreaterThan(at('drain'));
      expect(at('announce')).toBeGreaterThan(at('vm-cold-restart'));
      // One shutdown and one start per VM, the start applying nothing left: the stop applied the pending keys.
      const power = sim.events.slice(seen).filter((e) => e.type === 'power' && e.vmid === vmidOf(host));
      expect(power.map((e) => (e.type === 'power' ? e.action : ''))).toEqual(['stop', 'start']);
      expect(await nproc(host)).toBe(2);
    }
    expect(ours.load.requests).toBeGreaterThanOrEqual(1000);
    expect(ours.load.failed).toBeLessThanOrEqual(allowed(ours.load.requests));
    expect(routerNextHops()).toEqual(ALL);

    expect(await pendingPerHost(sim)).toEqual(HOSTS.map((h) => `${h}: `));
    expect(sim.vm(vmidOf('lb01')).conf.get('cores')).toBe('2');
  }, 600_000);
});
