// proxmox_hosts: through the real CLI against the simulator: `inventory --list/--graph` say where each value came
// from, `deploy --check` over the cluster's hosts makes no write, and bad input exits 2 before any request.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PveSim } from '../../pve-sim/index.js';
import { runCli } from '../../support/cli.js';
import { baseConfig, startSim, TOKEN_ID, TOKEN_SECRET } from './helpers.js';

let sim: PveSim;
let dir: string;
let inventory: string;

const header = () => `proxmox:
  lab:
    url: ${sim.url}
    token_id: "${TOKEN_ID}"
    token_secret: { env: PVE_TOKEN }
    fingerprint: "${sim.fingerprint}"
`;

beforeAll(async () => {
  sim = await startSim({ nodes: ['pve1', 'pve2', 'pve3'] });
  const eth0 = (address: string) => ({ name: 'eth0', addresses: [{ address, prefix: 24 }] });
  const lo = { name: 'lo', addresses: [{ address: '127.0.0.1', prefix: 8 }] };
  sim.addVm({
    vmid: 101,
    node: 'pve1',
    config: baseConfig({ name: 'lb01' }),
    ha: true,
    tags: ['ingress'],
    agent: { interfaces: [lo, eth0('127.0.0.1')] },
  });
  sim.addVm({
    vmid: 102,
    node: 'pve2',
    config: baseConfig({ name: 'lb02' }),
    tags: ['ingress'],
    pool: 's3',
    agent: { interfaces: [lo, eth0('10.0.0.12')] },
  });
  sim.addVm({ vmid: 103, node: 'pve3', config: baseConfig({ name: 'lb03' }), tags: ['ingress', 'ip-10.0.0.13'] });
  sim.addVm({ vmid: 900, node: 'pve1', config: baseConfig({ name: 'tmpl' }), template: true, tags: ['ingress'] });
  dir = mkdtempSync(join(tmpdir(), 'pve-inv-cli-'));
  inventory = join(dir, 'inventory.yml');
  writeFileSync(
    inventory,
    `${header()}proxmox_hosts:
  ingress:
    proxmox: lab
    select: { tags: [ingress] }
    group_by: [tag, pool, node]
    address: { from: [agent, tag] }
    user: debian
hosts:
  lb01: { address: 127.0.0.1, user: admin }
groups:
  tag_ingress: { vars: { role: ingress } }
`,
  );
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.requests.length = 0;
});

const cli = (args: string[]) => runCli(args, { env: { PVE_TOKEN: TOKEN_SECRET } });

describe('ober-push inventory with proxmox_hosts', () => {
  it('--list shows each host with where every value came from', async () => {
    const result = await cli(['inventory', '-i', inventory, '--list', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout) as { hosts: Array<Record<string, unknown>>; proxmox_hosts: unknown };
    expect(view.hosts.map((h) => h['name'])).toEqual(['lb01', 'lb02', 'lb03']);
    const [lb01, lb02, lb03] = view.hosts;
    expect(lb01).toMatchObject({
      address: '127.0.0.1',
      user: 'admin',
      vm: { proxmox: 'lab', node: 'pve1', vmid: 101 },
      vars: { role: 'ingress' },
      from: {
        host: [expect.stringMatching(/inventory\.yml:15:3$/), 'proxmox:lab cluster/resources (VM 101 "lb01" on pve1)'],
        address: expect.stringMatching(/inventory\.yml:15:20$/),
        user: expect.stringMatching(/inventory\.yml:15:37$/),
        vm: 'proxmox:lab cluster/resources (VM 101 "lb01" on pve1)',
        groups: { tag_ingress: 'proxmox:lab cluster/resources (VM 101 "lb01" on pve1: tag ingress)' },
        vars: { role: expect.stringMatching(/inventory\.yml:17:32$/) },
      },
    });
    expect(lb02).toMatchObject({
      address: '10.0.0.12',
      user: 'debian',
      groups: ['all', 'ingress', 'node_pve2', 'pool_s3', 'tag_ingress'],
      from: { address: 'proxmox:lab agent (eth0 10.0.0.12/24)', user: expect.stringMatching(/inventory\.yml:8:3$/) },
    });
    expect(lb03).toMatchObject({ from: { address: 'proxmox:lab cluster/resources (tag ip-10.0.0.13)' } });
    expect(view.proxmox_hosts).toMatchObject({ ingress: { proxmox: 'lab', hosts: ['lb01', 'lb02', 'lb03'] } });
    expect(result.stdout + result.stderr).not.toContain(TOKEN_SECRET);
    expect(sim.writes()).toEqual([]);

    const yaml = await cli(['inventory', '-i', inventory, '--host', 'lb02']);
    expect(yaml.stdout).toMatch(
      /\nfrom:\n  host:\n    - proxmox:lab cluster\/resources \(VM 102 "lb02" on pve2\)\n  address: proxmox:lab agent \(eth0 10\.0\.0\.12\/24\)\n/,
    );
  });

  it('--graph marks each group and host with its origin', async () => {
    const result = await cli(['inventory', '-i', inventory, '--graph']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('  @ingress:  [proxmox:lab cluster/resources]');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^  @tag_ingress:  \[\S+inventory\.yml:17:3 \+ proxmox:lab cluster\/resources\]$/),
      ]),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^    lb01  \[\S+inventory\.yml:15:3 \+ proxmox:lab cluster\/resources\]$/),
      ]),
    );
    expect(lines).toContain('    lb02  [proxmox:lab cluster/resources]');
    expect(sim.writes()).toEqual([]);
  });

  it('deploy --check over the cluster hosts reads only (GETs)', async () => {
    const playbook = join(dir, 'vm.yml');
    writeFileSync(
      playbook,
      `- name: VM hardware
  hosts: tag_ingress
  gather_facts: false
  tasks:
    - name: cpu host
      proxmox_vm: { cpu: host }
`,
    );
    const result = await cli(['deploy', '-i', inventory, playbook, '--check', '--reporter', 'plain']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/lb02 \| changed/);
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(sim.writes()).toEqual([]);
  });

  it('bad input exits 2 with file:line and no request reaches the API', async () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, `${header()}proxmox_hosts:\n  ingress: { proxmox: lab2, select: { tags: [ingress] } }\n`);
    const result = await cli(['inventory', '-i', broken, '--list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: \S+broken\.yml:8:23 proxmox_hosts\.ingress\.proxmox: unknown Proxmox endpoint "lab2" \(did you mean "lab"\?\)\n$/,
    );
    const badPattern = join(dir, 'bad-pattern.yml');
    writeFileSync(
      badPattern,
      `${header()}proxmox_hosts:\n  ingress: { proxmox: lab, select: { names: ["lb[3-1]"] } }\n`,
    );
    const deploy = await cli(['deploy', '-i', badPattern, '--check']);
    expect(deploy.code).toBe(2);
    expect(deploy.stderr).toMatch(
      /^error: \S+bad-pattern\.yml:8:46 proxmox_hosts\.ingress\.select\.names\[0\]: invalid host range "lb\[3-1\]": 3-1 runs backwards/,
    );
    expect(sim.requests).toEqual([]);
  });
});
