// Failure domains from the cluster itself: hosts come from proxmox_hosts (each bound to the PVE node the listing
// says it runs on), and a rolling play's --check shows batches that never hold two VMs of one PVE node, or, without
// spread_by, cold restarts queued one at a time per PVE node. Everything runs in check mode: no write reaches the API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PveSim } from '../../pve-sim/index.js';
import { runCli } from '../../support/cli.js';
import { baseConfig, startSim, TOKEN_ID, TOKEN_SECRET } from './helpers.js';

let sim: PveSim;
let dir: string;

/** lb01 and lb02 on pve1, lb03 on pve2, lb04 on pve3; addresses by tag, tasks run on this machine. */
beforeAll(async () => {
  sim = await startSim({ nodes: ['pve1', 'pve2', 'pve3'] });
  const placement = [
    ['lb01', 'pve1'],
    ['lb02', 'pve1'],
    ['lb03', 'pve2'],
    ['lb04', 'pve3'],
  ] as const;
  placement.forEach(([name, node], i) =>
    sim.addVm({ vmid: 101 + i, node, config: baseConfig({ name }), tags: ['ingress', `ip-127.0.0.${i + 1}`] }),
  );
  dir = mkdtempSync(join(tmpdir(), 'pve-spread-'));
  writeFileSync(
    join(dir, 'inventory.yml'),
    `proxmox:
  lab: { url: "${sim.url}", token_id: "${TOKEN_ID}", token_secret: { env: PVE_TOKEN }, fingerprint: "${sim.fingerprint}" }
proxmox_hosts:
  ingress: { proxmox: lab, select: { tags: [ingress] }, address: { from: [tag] } }
vars: { connection: local }
`,
  );
});
afterAll(() => sim.close());

function playbook(rolling: string): string {
  const file = join(dir, `play-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    `- name: roll over the cluster's hosts
  hosts: all
  gather_facts: false
  rolling: ${rolling}
  tasks:
    - name: cpu host, pending on a running VM until a cold restart while drained
      proxmox_vm: { cpu: host }
`,
  );
  return file;
}

const check = (play: string) =>
  runCli(['rolling-restart', '-i', join(dir, 'inventory.yml'), play, '--check', '--reporter', 'plain'], {
    env: { PVE_TOKEN: TOKEN_SECRET },
  });

it('spread_by: pve_node never batches two VMs of one PVE node, as the cluster places them', async () => {
  const r = await check(playbook('{ serial: 2, drain: none, min_healthy: 0, spread_by: pve_node }'));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('batch 1: lb01 (pve1), lb03 (pve2)');
  expect(r.stdout).toContain('batch 2: lb02 (pve1), lb04 (pve3)');
  expect(r.stdout.match(/Proxmox cold restart while drained: /g)).toHaveLength(2);
  expect(sim.writes()).toHaveLength(0);
});

it('without spread_by, two VMs of one PVE node in a batch cold-restart one after the other', async () => {
  const r = await check(playbook('{ serial: 4, drain: none, min_healthy: 0 }'));
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('batch 1: lb01, lb02, lb03, lb04');
  expect(r.stdout).toContain('one cold restart at a time on pve1: lb01 → lb02');
  expect(sim.writes()).toHaveLength(0);
});
