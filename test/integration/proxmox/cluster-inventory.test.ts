// proxmox_hosts: against the simulator: a 3-node cluster with HA and non-HA VMs, tags and pools, a VM without an
// agent, one whose agent does not run, a stopped one and a template. Only GETs reach the API; the agent is asked
// only for the selected running VMs; a missing privilege is named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCommandInventory } from '../../../src/cli/load-inventory.js';
import { ConfigError } from '../../../src/core/errors.js';
import { PvePermissionError } from '../../../src/proxmox/errors.js';
import type { SimAgentInterface } from '../../pve-sim/agent.js';
import type { PveSim } from '../../pve-sim/index.js';
import { baseConfig, startSim, TOKEN_ID, TOKEN_SECRET } from './helpers.js';

const LO: SimAgentInterface = {
  name: 'lo',
  addresses: [
    { address: '127.0.0.1', prefix: 8 },
    { address: '::1', prefix: 128 },
  ],
};
const eth0 = (address: string): SimAgentInterface => ({
  name: 'eth0',
  addresses: [
    { address: 'fe80::be24:11ff:fe00:1', prefix: 64 },
    { address, prefix: 24 },
  ],
});

let sim: PveSim;
let dir: string;

beforeAll(async () => {
  sim = await startSim({ nodes: ['pve1', 'pve2', 'pve3'] });
  const cfg = (name: string) => baseConfig({ name });
  sim.addVm({
    vmid: 101,
    node: 'pve1',
    config: cfg('lb01'),
    ha: true,
    tags: ['ingress', 'prod'],
    pool: 's3',
    agent: { interfaces: [LO, eth0('10.0.0.11')] },
  });
  sim.addVm({
    vmid: 102,
    node: 'pve2',
    config: cfg('lb02'),
    tags: ['ingress'],
    pool: 's3',
    agent: {
      interfaces: [LO, { name: 'docker0', addresses: [{ address: '172.17.0.1', prefix: 16 }] }, eth0('10.0.0.12')],
    },
  });
  sim.addVm({ vmid: 103, node: 'pve3', config: cfg('lb03'), ha: true, tags: ['ingress', 'ip-10.0.0.13'] }); // no agent
  sim.addVm({ vmid: 104, node: 'pve3', config: cfg('lb04'), tags: ['ingress'], agent: { running: false } });
  sim.addVm({ vmid: 105, node: 'pve2', config: cfg('lb05'), status: 'stopped', tags: ['ingress'], agent: {} });
  sim.addVm({ vmid: 900, node: 'pve1', config: cfg('lb-template'), template: true, tags: ['ingress'], agent: {} });
  sim.addVm({ vmid: 110, node: 'pve1', config: cfg('db01'), tags: ['db'], agent: { interfaces: [eth0('10.0.1.10')] } });
  dir = mkdtempSync(join(tmpdir(), 'pve-cluster-inv-'));
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.requests.length = 0;
  sim.agents.privilege = 'VM.GuestAgent.Audit';
});

function inventory(source: string, rest = ''): string {
  const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    `proxmox:
  lab: { url: "${sim.url}", token_id: "${TOKEN_ID}", token_secret: { env: PVE_TOKEN }, fingerprint: "${sim.fingerprint}" }
proxmox_hosts:
${source}${rest}`,
  );
  return file;
}

const load = (file: string, warnings: string[] = []) =>
  loadCommandInventory(file, { warn: (w) => warnings.push(w), env: { PVE_TOKEN: TOKEN_SECRET } });

const INGRESS = `  ingress:
    proxmox: lab
    select: { tags: [ingress] }
    group_by: [tag, pool, node]
    address: { from: [agent, tag], cidr: 10.0.0.0/24 }
    missing_address: skip
`;

describe('proxmox_hosts against the simulator', () => {
  it('reads the cluster: agent addresses, the tag convention, groups, HA VMs; skips what has no address, never a template', async () => {
    const warnings: string[] = [];
    const inv = await load(
      inventory(INGRESS, 'hosts:\n  lb01: { user: admin }\ngroups:\n  pool_s3: { vars: { role: s3 } }\n'),
      warnings,
    );
    expect([...inv.hosts.keys()]).toEqual(['lb01', 'lb02', 'lb03']);
    expect(inv.hosts.get('lb01')).toMatchObject({
      address: '10.0.0.11', // not ::1, not the link-local fe80::
      user: 'admin',
      vm: { proxmox: 'lab', node: 'pve1', vmid: 101 },
      groups: ['all', 'ingress', 'node_pve1', 'pool_s3', 'tag_ingress', 'tag_prod'],
      vars: { role: 's3' },
    });
    expect(inv.hosts.get('lb02')?.address).toBe('10.0.0.12'); // docker0 is outside the cidr
    expect(inv.hosts.get('lb03')).toMatchObject({ address: '10.0.0.13', vm: { node: 'pve3', vmid: 103 } });
    expect(inv.groups.get('node_pve3')?.hosts).toEqual(['lb03']);
    expect(warnings).toEqual([
      'proxmox_hosts.ingress: VM 104 "lb04" on pve3: no SSH address: the guest agent: 500 QEMU guest agent is not running; no tag ip-A.B.C.D; skipped (missing_address: skip)',
      'proxmox_hosts.ingress: VM 105 "lb05" on pve2: no SSH address: the VM is stopped: a VM that is not running has no agent address; no tag ip-A.B.C.D; skipped (missing_address: skip)',
    ]);
    expect(sim.writes()).toEqual([]);
    // One listing; the agent only for the selected running VMs (not db01, the stopped lb05 or the template).
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual([
      'GET /cluster/resources 200',
      'GET /nodes/pve1/qemu/101/agent/network-get-interfaces 200',
      'GET /nodes/pve2/qemu/102/agent/network-get-interfaces 200',
      'GET /nodes/pve3/qemu/103/agent/network-get-interfaces 500',
      'GET /nodes/pve3/qemu/104/agent/network-get-interfaces 500',
    ]);
  });

  it('a VM without an agent and no address tag is an error naming it, at the source in the file', async () => {
    const file = inventory(`  ingress:
    proxmox: lab
    select: { tags: [ingress], names: ["lb0[3-4]"] }
`);
    const error = await load(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(
      /inv-\w+\.yml:4:3 proxmox_hosts\.ingress\.address: VM 103 "lb03" on pve3: no SSH address: the guest agent: 500 No QEMU guest agent configured \(or set missing_address: skip\)/,
    );
    expect(String(error)).toMatch(
      /VM 104 "lb04" on pve3: no SSH address: the guest agent: 500 QEMU guest agent is not running/,
    );
    expect(sim.writes()).toEqual([]);
  });

  it('an address tag first: the agent is not asked for a VM that has one', async () => {
    const inv = await load(
      inventory(`  tagged:
    proxmox: lab
    select: { names: ["lb03"] }
    address: { from: [tag, agent] }
`),
    );
    expect(inv.hosts.get('lb03')?.address).toBe('10.0.0.13');
    expect(sim.requests.map((r) => r.path)).toEqual(['/cluster/resources']);
  });

  it('the agent needs VM.GuestAgent.Audit on PVE 9 (VM.Monitor on PVE 8): a missing one is named, not skipped', async () => {
    sim.addToken('ober@pve!audit', 'audit-secret', ['VM.Audit']);
    const file = join(dir, 'audit.yml');
    writeFileSync(
      file,
      `proxmox:
  lab: { url: "${sim.url}", token_id: "ober@pve!audit", token_secret: { env: PVE_TOKEN }, fingerprint: "${sim.fingerprint}" }
proxmox_hosts:
${INGRESS}`,
    );
    const run = () => loadCommandInventory(file, { warn: () => undefined, env: { PVE_TOKEN: 'audit-secret' } });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PvePermissionError);
    expect(error).toMatchObject({ privilege: 'VM.GuestAgent.Audit', status: 403 });
    sim.agents.privilege = 'VM.Monitor';
    sim.addToken('ober@pve!audit', 'audit-secret', ['VM.Audit', 'VM.Monitor']);
    expect([...(await run()).hosts.keys()]).toEqual(['lb01', 'lb02', 'lb03']);
  });

  it('selects by pool (GET /pools) and node; a pool the token cannot see is an error', async () => {
    const inv = await load(inventory(`  s3:\n    proxmox: lab\n    select: { pools: [s3], nodes: [pve2] }\n`));
    expect([...inv.hosts.keys()]).toEqual(['lb02']);
    expect(sim.requests.map((r) => r.path)).toContain('/pools');
    sim.addToken('ober@pve!nopool', 'nopool-secret', ['VM.Audit', 'VM.GuestAgent.Audit']);
    const file = join(dir, 'nopool.yml');
    writeFileSync(
      file,
      `proxmox:
  lab: { url: "${sim.url}", token_id: "ober@pve!nopool", token_secret: { env: PVE_TOKEN }, fingerprint: "${sim.fingerprint}" }
proxmox_hosts:
  s3: { proxmox: lab, select: { pools: [s3] } }
`,
    );
    await expect(loadCommandInventory(file, { env: { PVE_TOKEN: 'nopool-secret' } })).rejects.toThrow(
      /nopool\.yml:4:23 proxmox_hosts\.s3\.select\.pools: pool "s3" is unknown, or the token has no Pool\.Audit on \/pool\/s3/,
    );
  });
});
