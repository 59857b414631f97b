// proxmox_hosts: without a network: the files are checked alone (file:line errors), then completeInventory merges
// listings as the Proxmox step would read them: selection, groups, addresses, merge with static hosts and vars.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';
import type { AgentReading, ClusterListing, ClusterVm, GuestInterface } from '../../../src/inventory/cluster-types.js';
import { completeInventory, loadInventorySources } from '../../../src/inventory/load.js';

function inventoryFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-inv-'));
  const file = join(dir, 'inventory.yml');
  writeFileSync(file, text);
  return file;
}

const ENDPOINT = `proxmox:
  pve: { url: "https://pve1:8006", token_id: "ober@pve!push", token_secret: { env: PVE_TOKEN }, insecure: true }
`;

const vm = (over: Partial<ClusterVm> & Pick<ClusterVm, 'vmid' | 'name'>): ClusterVm => ({
  type: 'qemu',
  node: 'pve1',
  status: 'running',
  template: false,
  tags: ['ingress'],
  ...over,
});

const iface = (name: string, ...addresses: string[]): GuestInterface => ({
  name,
  addresses: addresses.map((a) => {
    const [address = '', prefix = '24'] = a.split('/');
    return { address, family: address.includes(':') ? 'ipv6' : 'ipv4', prefix: Number(prefix) };
  }),
});

const LO = iface('lo', '127.0.0.1/8', '::1/128');
const seen = (...pairs: [number, GuestInterface[]][]): Map<number, AgentReading> =>
  new Map(pairs.map(([id, interfaces]) => [id, { kind: 'interfaces', interfaces }]));

async function problems(text: string): Promise<string[]> {
  try {
    await loadInventorySources(inventoryFile(text));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
}

describe('proxmox_hosts: checked with the files, before any API call', () => {
  it('an unknown key, a bad name pattern and an unknown endpoint are errors at their file:line', async () => {
    const unknownKey = await problems(`${ENDPOINT}proxmox_hosts:
  ingress:
    proxmox: pve
    select: { tags: [ingress] }
    groupby: [tag]
`);
    expect(unknownKey).toEqual([
      expect.stringMatching(/inventory\.yml:7:5 proxmox_hosts\.ingress\.groupby: unknown key.*"group_by"/),
    ]);
    const badRange = await problems(`${ENDPOINT}proxmox_hosts:
  ingress:
    proxmox: pve
    select: { names: ["lb[09-01]"] }
`);
    expect(badRange).toEqual([
      expect.stringMatching(/inventory\.yml:6:23 proxmox_hosts\.ingress\.select\.names\[0\]: .*runs backwards/),
    ]);
    const badGlob = await problems(`${ENDPOINT}proxmox_hosts:
  ingress: { proxmox: pve, select: { names: ["lb_(.*)"] } }
`);
    expect(badGlob[0]).toMatch(
      /inventory\.yml:4:46 proxmox_hosts\.ingress\.select\.names\[0\]: expected a VM name pattern/,
    );
    const unknownEndpoint = await problems(`${ENDPOINT}proxmox_hosts:
  ingress: { proxmox: pve2, select: { tags: [ingress] } }
`);
    expect(unknownEndpoint).toEqual([
      expect.stringMatching(
        /inventory\.yml:4:23 proxmox_hosts\.ingress\.proxmox: unknown Proxmox endpoint "pve2" \(did you mean "pve"\?\)/,
      ),
    ]);
  });

  it('needs a selection, and interface/cidr only with the agent', async () => {
    expect((await problems(`${ENDPOINT}proxmox_hosts:\n  all_vms: { proxmox: pve, select: {} }\n`))[0]).toMatch(
      /select at least one of tags, pools, nodes or names/,
    );
    const tagOnly = await problems(`${ENDPOINT}proxmox_hosts:
  ingress: { proxmox: pve, select: { tags: [a] }, address: { from: [tag], cidr: 10.0.0.0/8 } }
`);
    expect(tagOnly[0]).toMatch(
      /proxmox_hosts\.ingress\.address: interface: and cidr: choose among the agent's addresses/,
    );
    expect(
      (
        await problems(
          `${ENDPOINT}proxmox_hosts:\n  x: { proxmox: pve, select: { tags: [a] }, address: { cidr: 10.0.0/8 } }\n`,
        )
      )[0],
    ).toMatch(/address\.cidr: expected a network such as 10\.0\.0\.0\/24/);
  });

  it('a group may name cluster groups as children and get vars before the cluster is read', async () => {
    const loaded = await loadInventorySources(
      inventoryFile(`${ENDPOINT}proxmox_hosts:
  ingress: { proxmox: pve, select: { tags: [ingress] }, group_by: [tag, node] }
groups:
  s3: { children: [tag_ingress, node_pve2] }
  tag_ingress: { vars: { role: ingress } }
`),
    );
    expect(loaded.inventory.clusterSources?.map((s) => s.name)).toEqual(['ingress']);
    expect([...loaded.inventory.groups.keys()]).toEqual(['all', 's3', 'tag_ingress']);
    expect(loaded.inventory.groups.get('s3')?.children).toEqual(['tag_ingress']); // node_pve2 is still unknown
  });
});

describe('completeInventory', () => {
  const text = `${ENDPOINT}proxmox_hosts:
  ingress:
    proxmox: pve
    select: { tags: [ingress], names: ["lb*"] }
    group_by: [tag, pool, node]
    address: { from: [agent, tag], cidr: 10.0.0.0/24 }
    user: debian
hosts:
  lb01: { user: admin, vars: { weight: 10 } }
  bastion: { address: 10.9.9.9 }
groups:
  s3: { children: [tag_ingress] }
  tag_ingress: { vars: { role: ingress } }
  pool_s3: { vars: { role: s3, pooled: true } }
`;
  const listing = (vms: ClusterVm[], agent: Map<number, AgentReading>): ClusterListing => ({
    source: 'ingress',
    vms,
    agent,
  });

  it('selects, groups, addresses and merges the cluster VMs with the static hosts', async () => {
    const loaded = await loadInventorySources(inventoryFile(text));
    const vms = [
      vm({ vmid: 101, name: 'lb01', tags: ['ingress', 'prod'], pool: 's3', hastate: 'started' }),
      vm({ vmid: 102, name: 'lb02', node: 'pve2' }),
      vm({ vmid: 103, name: 'lb03', node: 'pve3', tags: ['ingress', 'ip-10.0.0.13'] }),
      vm({ vmid: 900, name: 'lb-template', template: true, status: 'stopped' }),
      vm({ vmid: 110, name: 'db01', tags: ['db'] }),
      vm({ vmid: 111, name: 'web01' }),
    ];
    const agent = seen(
      [101, [LO, iface('eth0', 'fe80::1/64', '169.254.3.3/16', '10.0.0.11/24')]],
      [102, [LO, iface('docker0', '172.17.0.1/16'), iface('eth0', '10.0.0.12/24')]],
    );
    agent.set(103, { kind: 'unavailable', reason: '500 No QEMU guest agent configured' });
    const { inventory, warnings } = completeInventory(loaded, [listing(vms, agent)]);
    expect(warnings).toEqual([]);
    expect([...inventory.hosts.keys()]).toEqual(['lb01', 'bastion', 'lb02', 'lb03']);
    const lb01 = inventory.hosts.get('lb01');
    // Static values win (user), the cluster fills the rest; group vars reach cluster groups (children too).
    expect(lb01).toMatchObject({
      address: '10.0.0.11',
      user: 'admin',
      vm: { proxmox: 'pve', node: 'pve1', vmid: 101 },
      groups: ['all', 'ingress', 'node_pve1', 'pool_s3', 's3', 'tag_ingress', 'tag_prod'],
      vars: { role: 'ingress', pooled: true, weight: 10 }, // tag_ingress is a child of s3: it comes after pool_s3
    });
    expect(lb01?.origins?.fields.user).toEqual({ from: 'file', location: expect.objectContaining({ line: 11 }) });
    expect(lb01?.origins?.fields.address).toMatchObject({ from: 'proxmox', via: 'agent', detail: 'eth0 10.0.0.11/24' });
    expect(inventory.hosts.get('lb02')).toMatchObject({
      address: '10.0.0.12',
      user: 'debian',
      vars: { role: 'ingress' },
    });
    expect(inventory.hosts.get('lb03')?.address).toBe('10.0.0.13');
    expect(inventory.hosts.get('lb03')?.origins?.fields.address).toMatchObject({ detail: 'tag ip-10.0.0.13' });
    expect(inventory.hosts.get('bastion')?.groups).toEqual(['all']);
    expect(inventory.groups.get('tag_ingress')?.hosts).toEqual(['lb01', 'lb02', 'lb03']);
    expect(inventory.groups.get('tag_ip-10_0_0_13')).toBeUndefined(); // address tags make no group
  });

  it('a VM without an address is an error naming it, or skipped with a warning', async () => {
    const vms = [vm({ vmid: 104, name: 'lb04', node: 'pve3' }), vm({ vmid: 105, name: 'lb05', status: 'stopped' })];
    const agent: Map<number, AgentReading> = new Map([
      [104, { kind: 'unavailable', reason: '500 QEMU guest agent is not running' }],
    ]);
    const loaded = await loadInventorySources(inventoryFile(text));
    let error: unknown;
    try {
      completeInventory(loaded, [listing(vms, agent)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /inventory\.yml:8:5 proxmox_hosts\.ingress\.address: VM 104 "lb04" on pve3: no SSH address: the guest agent: 500 QEMU guest agent is not running; no tag ip-A\.B\.C\.D/,
      ),
      expect.stringMatching(
        /VM 105 "lb05" on pve1: no SSH address: the VM is stopped: a VM that is not running has no agent address/,
      ),
    ]);
    const skipping = await loadInventorySources(
      inventoryFile(`${text.replace('    user: debian\n', '    missing_address: skip\n')}`),
    );
    const { inventory, warnings } = completeInventory(skipping, [listing(vms, agent)]);
    expect(inventory.hosts.has('lb04')).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^proxmox_hosts\.ingress: VM 104 "lb04" on pve3: no SSH address: .*; skipped \(missing_address: skip\)$/,
      ),
      expect.stringMatching(/^proxmox_hosts\.ingress: VM 105 "lb05" on pve1: no SSH address: .*stopped/),
    ]);
  });

  it('never guesses: no address in the cidr, two VMs of one name, two tags making one group', async () => {
    const loaded = await loadInventorySources(inventoryFile(text));
    const fail = (vms: ClusterVm[], agent: Map<number, AgentReading>) => {
      try {
        completeInventory(loaded, [listing(vms, agent)]);
        return [];
      } catch (e) {
        if (e instanceof ConfigError) return e.issues.map((i) => i.message);
        throw e;
      }
    };
    expect(fail([vm({ vmid: 101, name: 'lb01' })], seen([101, [LO, iface('eth0', '192.168.1.5/24')]]))).toEqual([
      'VM 101 "lb01" on pve1: no SSH address: the agent lists no a global IPv4 address inside 10.0.0.0/24 (it lists lo 127.0.0.1/8, lo ::1/128, eth0 192.168.1.5/24); no tag ip-A.B.C.D (or set missing_address: skip)',
    ]);
    const twins = [
      vm({ vmid: 101, name: 'lb01', tags: ['ingress', 'ip-10.0.0.1'] }),
      vm({ vmid: 201, name: 'lb01', node: 'pve2', tags: ['ingress', 'ip-10.0.0.2'] }),
    ];
    expect(fail(twins, new Map())).toEqual([
      'VM name "lb01" is used by VMs 101 on pve1 and 201 on pve2: rename one, or narrow select',
    ]);
    const clash = [
      vm({ vmid: 101, name: 'lb01', tags: ['ingress', 'a.b', 'ip-10.0.0.1'] }),
      vm({ vmid: 102, name: 'lb02', tags: ['ingress', 'a_b', 'ip-10.0.0.2'] }),
    ];
    expect(fail(clash, new Map())).toEqual([
      'tag a.b and tag a_b both make group tag_a_b: rename one of them in Proxmox',
    ]);
  });

  it('a static reference to a host or group that the cluster does not give is an error once it answered', async () => {
    const loaded = await loadInventorySources(
      inventoryFile(`${ENDPOINT}proxmox_hosts:
  ingress: { proxmox: pve, select: { tags: [ingress] }, address: { from: [tag] } }
groups:
  edge: { hosts: [lb09], children: [tag_ingress] }
`),
    );
    expect(() =>
      completeInventory(loaded, [
        listing([vm({ vmid: 101, name: 'lb01', tags: ['ingress', 'ip-10.0.0.1'] })], new Map()),
      ]),
    ).toThrow(
      /inventory\.yml:6:19 groups\.edge\.hosts\[0\]: unknown host "lb09"[^\n]*\n.*inventory\.yml:6:37 groups\.edge\.children\[0\]: unknown group "tag_ingress"/,
    );
  });

  it('a pool the token cannot see is an error, not an empty selection', async () => {
    const loaded = await loadInventorySources(
      inventoryFile(`${ENDPOINT}proxmox_hosts:\n  s3: { proxmox: pve, select: { pools: [s3] } }\n`),
    );
    expect(() => completeInventory(loaded, [{ source: 's3', vms: [], agent: new Map(), pools: [] }])).toThrow(
      /proxmox_hosts\.s3\.select\.pools: pool "s3" is unknown, or the token has no Pool\.Audit on \/pool\/s3/,
    );
  });
});
