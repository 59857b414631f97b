// What --limit means for a rolling play before any connection (planPlays: the fleet beside the rolled hosts; the
// spread check counts the whole fleet's domains) and in preflight (what a counted node may hold or be left in).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { lockContent, type Me } from '../../../src/engine/rolling/lock.js';
import { preflight, type NodeRollState } from '../../../src/engine/rolling/preflight.js';
import { planPlays, type RunOptions } from '../../../src/engine/run-playbook.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

const INVENTORY = `hosts:
  lb01: { address: 10.0.0.11, vars: { node_domain: r1 } }
  lb02: { address: 10.0.0.12, vars: { node_domain: r2 } }
  lb03: { address: 10.0.0.13, vars: { node_domain: r3 } }
  web1: { address: 10.0.1.1 }
groups:
  ingress: { hosts: [lb01, lb02, lb03] }
`;

async function plan(playbookText: string, limit?: string, inventoryText = INVENTORY) {
  const dir = mkdtempSync(join(tmpdir(), 'ober-limit-plan-'));
  writeFileSync(join(dir, 'inv.yml'), inventoryText);
  writeFileSync(join(dir, 'play.yml'), playbookText);
  const inventory = await loadInventory(join(dir, 'inv.yml'));
  const playbook = await loadPlaybook(join(dir, 'play.yml'), builtinModules);
  const options: RunOptions = {
    check: false,
    diff: false,
    verify: false,
    forks: 5,
    tags: [],
    skipTags: [],
    extraVars: {},
    ...(limit ? { limit } : {}),
  };
  return planPlays(inventory, playbook, options);
}

const ROLLING = '- hosts: ingress\n  gather_facts: false\n  rolling: { serial: 1 }\n  tasks: []\n';
const PLAIN = '- hosts: all\n  gather_facts: false\n  tasks: []\n';

describe('planPlays with --limit', () => {
  it('a rolling play rolls the limited hosts and carries the play’s hosts before --limit as its fleet', async () => {
    const [rolling] = await plan(ROLLING, 'lb01');
    expect(rolling).toMatchObject({ hosts: ['lb01'], fleet: ['lb01', 'lb02', 'lb03'] });
    const [excluded] = await plan(ROLLING, '!lb03');
    expect(excluded).toMatchObject({ hosts: ['lb01', 'lb02'], fleet: ['lb01', 'lb02', 'lb03'] });
    const [whole] = await plan(ROLLING);
    expect(whole).toMatchObject({ hosts: ['lb01', 'lb02', 'lb03'], fleet: ['lb01', 'lb02', 'lb03'] });
  });
  it('a plain play is exactly as before: the limited hosts, no fleet', async () => {
    const [play] = await plan(PLAIN, 'lb01');
    expect(play?.hosts).toEqual(['lb01']);
    expect(play && 'fleet' in play).toBe(false);
  });
  it('a limit outside the play still matches no host', async () => {
    await expect(plan(ROLLING, 'web1')).rejects.toThrow(/matches no host \(hosts: ingress, --limit web1\)/);
  });
  it('min_healthy_domains counts the whole fleet’s domains: one limited node on three racks can keep two', async () => {
    const spread =
      '- hosts: ingress\n  rolling: { serial: 1, spread_by: { var: node_domain }, min_healthy_domains: 2 }\n  tasks: []\n';
    const [play] = await plan(spread, 'lb01');
    expect(play?.hosts).toEqual(['lb01']);
    // A floor the fleet cannot keep is still refused, limit or not.
    const three = spread.replace('min_healthy_domains: 2', 'min_healthy_domains: 3');
    await expect(plan(three, 'lb01')).rejects.toThrow(/while batch 1 \(lb01\) is out, the play's other hosts are in 2/);
  });
  it('every fleet host needs a domain, rolled or not (the floor counts it)', async () => {
    const missing = INVENTORY.replace(
      'lb03: { address: 10.0.0.13, vars: { node_domain: r3 } }',
      'lb03: { address: 10.0.0.13 }',
    );
    const spread = '- hosts: ingress\n  rolling: { serial: 1, spread_by: { var: node_domain } }\n  tasks: []\n';
    const refused = plan(spread, 'lb01', missing);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/lb03 has no value for variable node_domain/);
  });
});

describe('preflight of the nodes --limit left out (counted)', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const me: Me = { runId: 'new', user: 'bob', workstation: 'ws2', pid: 200, command: 'rolling-restart.yml' };
  const clean = (host: string): NodeRollState => ({
    host,
    phaseRaw: '',
    lockRaw: '',
    fleetLockRaw: '',
    withdrawnFile: false,
  });
  const theirs = lockContent(
    { runId: 'old', user: 'alice', workstation: 'ws1', pid: 100, command: 'rolling-restart.yml' },
    now,
  );
  const base = {
    me,
    now,
    resume: null,
    breakLock: false,
    pidAlive: () => true,
    inventory: 'inv.yml',
    counted: new Set(['lb02']),
  };

  it('a counted node takes the fleet lock but gets no start phase (it is never rolled)', () => {
    const p = preflight({ ...base, nodes: [clean('lb01'), clean('lb02')] });
    expect(p.problems).toEqual([]);
    expect([...p.start.keys()]).toEqual(['lb01']);
    expect(p.lockHosts).toEqual(['lb01', 'lb02']);
  });
  it('another run’s lock on a counted node refuses the roll; --break-lock takes the fleet lock, leaves the node lock', () => {
    const held = { ...clean('lb02'), fleetLockRaw: theirs, lockRaw: theirs };
    const refused = preflight({ ...base, nodes: [clean('lb01'), held] });
    expect(refused.problems.map((x) => [x.host, x.message.split(' (')[0]])).toEqual([
      ['lb02', 'fleet lock held by alice@ws1'],
      ['lb02', 'node lock held by alice@ws1'],
    ]);
    const broken = preflight({ ...base, breakLock: true, nodes: [clean('lb01'), held] });
    expect(broken.problems).toEqual([]);
    expect(broken.takeover.get('lb02')).toEqual({ fleet: theirs, node: null });
    expect(broken.warnings[1]).toMatch(
      /^lb02: not rolled \(--limit\): its node lock of alice@ws1 .* is left as it is$/,
    );
  });
  it('a counted node left mid-roll by another run is refused, --break-lock or not', () => {
    const left = { ...clean('lb02'), phaseRaw: JSON.stringify({ runId: 'old', phase: 'worked', at: 'T' }) };
    for (const breakLock of [false, true]) {
      const p = preflight({ ...base, breakLock, nodes: [clean('lb01'), left] });
      expect(p.problems.map((x) => x.host)).toEqual(['lb02']);
      expect(p.problems[0]?.message).toMatch(/^left in phase "worked" by run old at T, and not rolled \(--limit\)/);
      expect(p.warnings.some((w) => w.includes('adopting'))).toBe(false);
    }
  });
  it('a counted node withdrawn by hand is a warning, where a rolled one is refused', () => {
    const p = preflight({
      ...base,
      nodes: [
        { ...clean('lb01'), withdrawnFile: true },
        { ...clean('lb02'), withdrawnFile: true },
      ],
    });
    expect(p.problems.map((x) => x.host)).toEqual(['lb01']);
    expect(p.warnings).toEqual([
      'lb02: withdrawn (withdraw file present, not by a roll) and not rolled (--limit): the capacity floor counts it as not serving',
    ]);
  });
});
