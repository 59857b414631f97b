// spread_by and min_healthy_domains: what the playbook loads, what planPlays refuses before any connection, and
// what --check's schedule shows. (The batching itself: test/unit/engine/spread-batches.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';
import { toSpreadBatches } from '../../../src/engine/batches.js';
import { checkRollingSpread, domainOf, unreachableFloor } from '../../../src/engine/rolling/domains.js';
import { planSchedule } from '../../../src/engine/rolling/schedule.js';
import type { Host, Inventory } from '../../../src/inventory/types.js';
import { formatSchedule } from '../../../src/report/rolling.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Play } from '../../../src/playbook/types.js';
import { fakeModules } from '../../fixtures/fake-modules.js';
import { runOnFakes } from '../../support/engine-run.js';

async function load(rolling: string): Promise<Play> {
  const dir = mkdtempSync(join(tmpdir(), 'ober-spread-'));
  const file = join(dir, 'roll.yml');
  writeFileSync(file, `- hosts: ingress\n  rolling:\n${rolling}\n  tasks: []\n`);
  const [play] = (await loadPlaybook(file, fakeModules)).plays;
  if (!play) throw new Error('no play');
  return play;
}

function host(name: string, node: string | null, vars: Record<string, unknown> = {}): Host {
  return {
    name,
    address: '10.0.0.1',
    ...(node ? { vm: { proxmox: 'pve', node, vmid: 100 } } : {}),
    vars,
    groups: ['all'],
    location: null,
  };
}

function inventoryOf(hosts: Host[]): Inventory {
  return {
    files: [],
    hosts: new Map(hosts.map((h) => [h.name, h])),
    groups: new Map(),
    proxmox: new Map(),
    routers: [],
    vars: {},
    varLocations: new Map(),
  };
}

/** The issues planPlays' spread check finds, as printed (without the temp file's name). */
function spreadIssues(hosts: Host[], play: Play): string[] {
  try {
    checkRollingSpread(inventoryOf(hosts), [{ play, hosts: hosts.map((h) => h.name) }]);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => formatIssue(i).replace(/^\S+roll\.yml:/, ''));
  }
}

describe('loading spread_by', () => {
  it('pve_node, a variable, and the domain floor with the places they are written', async () => {
    const play = await load('    serial: 2\n    spread_by: pve_node\n    min_healthy_domains: 2');
    expect(play.rolling?.spread).toMatchObject({
      by: { kind: 'pve_node' },
      minHealthyDomains: 2,
      at: { spreadBy: { line: 4, column: 16 }, minHealthyDomains: { line: 5, column: 26 } },
    });
    const byRack = await load('    spread_by: { var: rack }');
    expect(byRack.rolling?.spread?.by).toEqual({ kind: 'var', name: 'rack' });
    expect(byRack.rolling?.spread?.minHealthyDomains).toBeUndefined();
    expect((await load('    serial: 2')).rolling?.spread).toBeUndefined();
  });
});

describe('the plan-time spread check', () => {
  const fleet = [host('lb01', 'pve1'), host('lb02', 'pve1'), host('lb03', 'pve2'), host('lb04', 'pve3')];

  it('accepts a fleet where every host has a domain and the floor can hold', async () => {
    const play = await load('    serial: 2\n    spread_by: pve_node\n    min_healthy_domains: 2');
    expect(spreadIssues(fleet, play)).toEqual([]);
  });
  it('refuses a host without a vm binding under pve_node, at spread_by', async () => {
    const play = await load('    spread_by: pve_node');
    expect(spreadIssues([...fleet, host('lb05', null)], play)).toEqual([
      '3:16 [0].rolling.spread_by: spread_by pve_node: lb05 has no vm: binding, so no PVE node ' +
        '(bind each to its VM, or give every host a variable and spread by { var: NAME })',
    ]);
  });
  it('refuses a host that does not set the variable (or sets it to something that is no name)', async () => {
    const play = await load('    spread_by: { var: rack }');
    const hosts = [host('lb01', null, { rack: 'r1' }), host('lb02', null, { rack: 7 }), host('lb03', null, {})];
    hosts.push(host('lb04', null, { rack: ['r1'] }));
    expect(spreadIssues(hosts, play)).toEqual([
      '3:16 [0].rolling.spread_by: spread_by { var: rack }: lb03, lb04 have no value for variable rack ' +
        '(a string or a number, set in the inventory)',
    ]);
    expect(domainOf(hosts[1] ?? host('x', null), { kind: 'var', name: 'rack' })).toBe('7');
  });
  it('refuses a domain floor no batch could keep, at min_healthy_domains', async () => {
    // Three PVE nodes, one host each: any batch leaves two domains.
    const three = [host('lb01', 'pve1'), host('lb02', 'pve2'), host('lb03', 'pve3')];
    const play = await load('    spread_by: pve_node\n    min_healthy_domains: 3');
    expect(spreadIssues(three, play)).toEqual([
      "4:26 [0].rolling.min_healthy_domains: min_healthy_domains 3 can never be met: while batch 1 (lb01) is out, the play's other hosts are in 2 domain(s) (pve2, pve3)",
    ]);
    const two = await load('    spread_by: pve_node\n    min_healthy_domains: 2');
    expect(spreadIssues(three, two)).toEqual([]);
  });
  it('a domain keeps counting while one of its hosts is out', () => {
    const domains = new Map([
      ['lb01', 'pve1'],
      ['lb02', 'pve1'],
      ['lb03', 'pve2'],
    ]);
    const batches = toSpreadBatches(['lb01', 'lb02', 'lb03'], 2, (h) => domains.get(h) ?? h);
    expect(batches).toEqual([['lb01', 'lb03'], ['lb02']]);
    // While lb01 and lb03 are out, only pve1 (lb02) keeps a node.
    expect(unreachableFloor(batches, domains, 1)).toBeNull();
    expect(unreachableFloor(batches, domains, 2)).toEqual({ index: 0, kept: ['pve1'] });
  });
});

describe('the schedule (--check) shows the spread', () => {
  it('each host with its domain, and the cold restarts that share a PVE node', () => {
    const domains = new Map([
      ['lb01', 'r1'],
      ['lb02', 'r2'],
      ['lb03', 'r1'],
    ]);
    const pveNodes = new Map([
      ['lb01', 'pve1'],
      ['lb02', 'pve1'],
      ['lb03', 'pve2'],
    ]);
    const needs = new Map([
      ['lb01', ['cold-restart' as const]],
      ['lb02', ['nic-replug' as const]],
      ['lb03', ['cold-restart' as const]],
    ]);
    const [first, second] = planSchedule([['lb01', 'lb02'], ['lb03']], needs, { domains, pveNodes });
    expect(first).toMatchObject({
      hosts: ['lb01', 'lb02'],
      domains: ['r1', 'r2'],
      coldRestarts: ['lb01', 'lb02'],
      coldRestartQueues: [{ pveNode: 'pve1', hosts: ['lb01', 'lb02'] }],
    });
    expect(second).toMatchObject({ hosts: ['lb03'], domains: ['r1'] });
    expect(second?.coldRestartQueues).toBeUndefined();
    expect(planSchedule([['lb01']], new Map())[0]?.domains).toBeUndefined();
  });
});

describe('a rolling play with spread_by in check mode (the real engine over fakes)', () => {
  it('batches by PVE node and says so in the schedule, touching nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ober-spread-run-'));
    const inventory = join(dir, 'inventory.yml');
    writeFileSync(
      inventory,
      `proxmox:
  pve: { url: 'https://pve.test:8006', token_id: 'ober@pve!push', token_secret: { env: PVE_TOKEN }, insecure: true }
hosts:
  lb01: { address: 10.0.0.11, vm: { proxmox: pve, node: pve1, vmid: 211 } }
  lb02: { address: 10.0.0.12, vm: { proxmox: pve, node: pve1, vmid: 212 } }
  lb03: { address: 10.0.0.13, vm: { proxmox: pve, node: pve2, vmid: 213 } }
  lb04: { address: 10.0.0.14, vm: { proxmox: pve, node: pve2, vmid: 214 } }
groups:
  ingress: { hosts: [lb01, lb02, lb03, lb04] }
`,
    );
    const playbook = join(dir, 'roll.yml');
    writeFileSync(
      playbook,
      '- hosts: ingress\n  gather_facts: false\n  rolling: { serial: 2, spread_by: pve_node }\n  tasks: []\n',
    );
    const run = await runOnFakes(playbook, inventory, { check: true }, []);
    const start = run.events.find((e) => e.type === 'play-start');
    expect(start && 'batches' in start ? start.batches : null).toEqual([
      ['lb01', 'lb03'],
      ['lb02', 'lb04'],
    ]);
    const schedule = run.events.find((e) => e.type === 'rolling-schedule');
    if (schedule?.type !== 'rolling-schedule') throw new Error('no schedule');
    expect(schedule.batches.map((b) => [b.hosts, b.domains])).toEqual([
      [
        ['lb01', 'lb03'],
        ['pve1', 'pve2'],
      ],
      [
        ['lb02', 'lb04'],
        ['pve1', 'pve2'],
      ],
    ]);
    expect(formatSchedule(new Chalk({ level: 0 }), schedule)[1]).toBe('  batch 1: lb01 (pve1), lb03 (pve2)');
    expect(run.commands.filter((c) => c.purpose === 'apply')).toEqual([]);
    expect(run.pve).toEqual([]);
  });
});
