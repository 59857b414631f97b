import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';

const fixture = (p: string) => resolve('test/fixtures/valid', p);

describe('loadInventory', () => {
  it('expands host and address ranges in step, and defaults the address to the name', async () => {
    const inv = await loadInventory(fixture('inventory.yml'));
    expect([...inv.hosts.keys()]).toEqual([
      'lb01',
      'lb02',
      'lb03',
      'rgw1.internal',
      'rgw2.internal',
      'rgw5.internal',
      'bastion',
    ]);
    expect(inv.hosts.get('lb02')?.address).toBe('10.0.0.12');
    expect(inv.hosts.get('rgw5.internal')).toMatchObject({ address: 'rgw5.internal', port: 2222 });
    expect(inv.hosts.get('lb01')?.port).toBeUndefined(); // unset: ssh_config's Port, else 22
    expect(inv.hosts.get('lb01')).toMatchObject({
      user: 'ober',
      vm: { proxmox: 'pve', node: 'pve1', name: 'herr-ober' },
    });
  });

  it('computes transitive, sorted group membership including all', async () => {
    const inv = await loadInventory(fixture('inventory.yml'));
    expect(inv.hosts.get('lb01')?.groups).toEqual(['all', 'edge', 'ingress', 's3']);
    expect(inv.hosts.get('rgw2.internal')?.groups).toEqual(['all', 'backends', 's3']);
    expect(inv.hosts.get('bastion')?.groups).toEqual(['all']);
    expect(inv.groups.get('all')?.children).toEqual(['edge', 's3']);
  });

  it('merges inventory < parent group < child groups (by name) < host vars', async () => {
    const inv = await loadInventory(fixture('inventory.yml'));
    // s3 (depth 1) < edge, ingress (depth 2, name order): ingress wins over edge for lb01.
    expect(inv.hosts.get('lb01')?.vars).toEqual({ bgp_asn: 65010, vip: '10.0.0.100', role: 'ingress', region: 'eu' });
    expect(inv.hosts.get('rgw1.internal')?.vars).toEqual({
      bgp_asn: 65001,
      vip: '10.0.0.100',
      role: 's3',
      region: 'eu',
    });
    expect(inv.hosts.get('bastion')?.vars.vip).toBe('10.9.9.9');
  });

  it('records where each variable was set', async () => {
    const inv = await loadInventory(fixture('inventory.yml'));
    expect(inv.varLocations.get('all/vip')).toEqual({ file: 'test/fixtures/valid/inventory.yml', line: 13, column: 8 });
    expect(inv.varLocations.get('group:ingress/role')?.line).toBe(29);
    expect(inv.varLocations.get('host:bastion/vip')?.line).toBe(24);
  });

  it('reads proxmox endpoints and ssh settings with paths relative to the file', async () => {
    const inv = await loadInventory(fixture('inventory.yml'));
    expect(inv.proxmox.get('pve')).toMatchObject({
      url: 'https://pve1.lab:8006',
      tokenId: 'ober@pve!push',
      tokenSecret: { env: 'PVE_TOKEN' },
      insecure: true,
    });
    expect(inv.ssh).toEqual({ knownHostsFile: fixture('known_hosts'), connectTimeoutMs: 5000 });
  });

  it('merges the files of a directory in name order', async () => {
    const inv = await loadInventory(fixture('inventory-dir'));
    expect(inv.files.map((f) => f.split('/').pop())).toEqual(['10-hosts.yml', '20-groups.yml']);
    expect(inv.hosts.get('lb02')?.vars).toEqual({ site: 'lab', site_role: 'ingress' });
  });
});
