// The Vagrant topology (vagrant/) is valid and matches the one-machine lab: same hosts, addresses, vars.
// Needs neither root nor the lab; `vagrant validate` is skipped only when the binary is absent.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';
import { runLab } from './harness.js';

const VAGRANT_DIR = fileURLToPath(new URL('../../vagrant/', import.meta.url));
const hasVagrant = spawnSync('sh', ['-c', 'command -v vagrant'], { encoding: 'utf8' }).status === 0;

if (!hasVagrant) console.warn('[lab] vagrant validate skipped: the vagrant binary is absent (apt-get install vagrant)');

type Inventory = {
  ssh: Record<string, string>;
  hosts: Record<string, Record<string, unknown>>;
  groups: unknown;
  vars: Record<string, unknown>;
  routers: Record<string, { kind: string; ssh?: { address: string } }>;
};

// Differences that follow from real VMs vs. nspawn hosts, and nothing else.
function comparableVars(vars: Record<string, unknown>): Record<string, unknown> {
  const { sysctl_ignore_unavailable: _sysctl, keepalived, ...rest } = vars;
  const { interface: _iface, ...keepalivedRest } = keepalived as Record<string, unknown>;
  return { ...rest, keepalived: keepalivedRest };
}

describe('vagrant topology', () => {
  it.skipIf(!hasVagrant)(
    'vagrant validate passes (provider config ignored: no hypervisor here; skipped without vagrant)',
    () => {
      const r = spawnSync('vagrant', ['validate', '--ignore-provider'], {
        cwd: VAGRANT_DIR,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('Vagrantfile validated successfully');
    },
  );

  it('the vagrant inventory describes the same topology as the lab inventory for 3 hosts', () => {
    const printed = runLab(['inventory', '--hosts', '3']);
    expect(printed.code, printed.stderr).toBe(0);
    const lab = parse(printed.stdout) as Inventory;
    const vagrant = parse(readFileSync(`${VAGRANT_DIR}inventory.yml`, 'utf8')) as Inventory;

    expect(Object.keys(vagrant.hosts)).toEqual(Object.keys(lab.hosts));
    expect(Object.keys(lab.hosts)).toEqual(['lb[01-03]']);
    expect(vagrant.hosts['lb[01-03]']?.address).toBe(lab.hosts['lb[01-03]']?.address);
    expect(vagrant.hosts['lb[01-03]']).toMatchObject({ user: 'vagrant' });
    expect(vagrant.groups).toEqual(lab.groups);
    expect(comparableVars(vagrant.vars)).toEqual(comparableVars(lab.vars));
    expect(Object.keys(vagrant.ssh).sort()).toEqual(Object.keys(lab.ssh).sort());
    // The same two routers, asked over SSH at the same addresses (through sudo at their default sockets).
    const routers = (inv: Inventory) => Object.entries(inv.routers).map(([name, r]) => [name, r.kind, r.ssh?.address]);
    expect(routers(vagrant)).toEqual(routers(lab));
  });

  it('ober-push loads the vagrant inventory (no host contacted): 3 hosts, 2 routers', async () => {
    const r = await runCli(['inventory', '-i', `${VAGRANT_DIR}inventory.yml`, '--list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { hosts: Array<{ name: string }>; routers: Record<string, unknown> };
    expect(listed.hosts.map((h) => h.name)).toEqual(['lb01', 'lb02', 'lb03']);
    expect(listed.routers).toEqual({
      'lab-bird': { kind: 'bird', via: { ssh: { address: '10.99.0.1', user: 'vagrant' } }, sudo: true },
      'lab-frr': { kind: 'frr', via: { ssh: { address: '10.99.0.2', user: 'vagrant' } }, sudo: true },
    });
  });

  it('the Vagrantfile places the router, backend and LBs at the lab addresses', () => {
    const vagrantfile = readFileSync(`${VAGRANT_DIR}Vagrantfile`, 'utf8');
    expect(vagrantfile).toMatch(/^LB_COUNT = 3$/m);
    expect(vagrantfile).toContain('ip: "10.99.0.1"');
    expect(vagrantfile).toContain('ip: "10.99.0.2"');
    expect(vagrantfile).toContain('ip: "10.99.0.200"');
    expect(vagrantfile).toContain('ip: "10.99.0.#{10 + i}"');
    expect(vagrantfile).toContain('format("lb%02d", i)');
  });
});
