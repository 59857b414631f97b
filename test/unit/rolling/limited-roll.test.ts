// `--limit` on a rolling play says which nodes to ROLL; the play's other hosts are still the fleet: counted by the
// capacity floor, armed for the stray relay, under the fleet lock, and never withdrawn, drained or worked on.
// The real engine over the recording transport, each node a fake BGP node (fake-fleet.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/engine/events.js';
import { lockContent } from '../../../src/engine/rolling/lock.js';
import { formatRollingRecap, formatSchedule } from '../../../src/report/rolling.js';
import { runOnFakes, type EngineRun } from '../../support/engine-run.js';
import { fakeFleet, fleetResponder, kindOf, type FakeNode } from './fake-fleet.js';

const HOSTS = ['lb01', 'lb02', 'lb03'];
/** One node per rack: the floor of two racks holds only when the counted nodes' racks count. */
const SPREAD = ', spread_by: { var: rack }, min_healthy_domains: 2';
const plain = new Chalk({ level: 0 });

interface LimitedRun extends EngineRun {
  dir: string;
  /** Each host's commands, by kind, in the order sent. */
  kinds: (host: string) => string[];
}

async function roll(
  options: { limit?: string; check?: boolean; minHealthy?: number; breakLock?: boolean; racks?: boolean },
  preset: Record<string, Partial<FakeNode>> = {},
): Promise<LimitedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ober-limited-roll-'));
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(
    inventory,
    `hosts:\n${HOSTS.map((h, i) => `  ${h}: { address: 10.0.0.1${i + 1}, user: root, vars: { rack: r${i + 1} } }`).join('\n')}\n` +
      'groups:\n  ingress: { hosts: [lb01, lb02, lb03] }\n',
  );
  const playbook = join(dir, 'roll.yml');
  writeFileSync(
    playbook,
    `- hosts: ingress
  become: true
  gather_facts: false
  rolling: { serial: 1, min_healthy: ${options.minHealthy ?? 2}, drain_timeout: 1s, settle: 0s${options.racks ? SPREAD : ''} }
  tasks:
    - name: restart ober-haproxy
      command: { cmd: systemctl restart ober-haproxy }
`,
  );
  const { minHealthy: _minHealthy, racks: _racks, ...runOptions } = options;
  const run = await runOnFakes(
    playbook,
    inventory,
    { ...runOptions, rolling: { journalBaseDir: dir, inventory: 'inv.yml', healthTimeoutMs: 2000 } },
    [fleetResponder(fakeFleet(HOSTS, preset))],
  );
  const kinds = (host: string) => run.commands.filter((c) => c.host === host).map((c) => kindOf(c.command));
  return { ...run, dir, kinds };
}

function only<T extends RunEvent['type']>(events: RunEvent[], type: T): Extract<RunEvent, { type: T }> {
  const found = events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  if (found.length !== 1) throw new Error(`${found.length} ${type} event(s)`);
  const [event] = found;
  if (!event) throw new Error(type);
  return event;
}

const stepDetail = (events: RunEvent[], host: string, step: string) =>
  events.flatMap((e) =>
    e.type === 'rolling-step' && e.host === host && e.step === step && e.status !== 'start' ? [e] : [],
  );

/** What a counted node may be sent: probes, the fleet lock, the relay (arm/disarm for lb01, clear, its counters). */
const COUNTED_KINDS = [
  'probe',
  'take fleet lock',
  'release fleet lock',
  'relay clear',
  'relay arm lb01',
  'relay disarm lb01',
  'relay counters',
];
const MOVES = ['withdraw', 'drain switch on', 'drain wait', 'announce', 'take node lock', 'write phase'];

describe('a rolling play with --limit (the real engine over fake nodes)', () => {
  it('rolls lb01 only, counting lb02 and lb03 for the capacity floor and arming the relay on them', async () => {
    const run = await roll({ limit: 'lb01' });
    const [capacity] = stepDetail(run.events, 'lb01', 'capacity');
    expect(capacity).toMatchObject({
      status: 'ok',
      detail: '2 of 2 other node(s) serving, min_healthy 2 (lb02: serving; lb03: serving)',
    });
    // lb01 went through every step, its task included.
    expect(run.tasks.map((t) => [t.host, t.task, t.status])).toEqual([['lb01', 'restart ober-haproxy', 'changed']]);
    expect(run.kinds('lb01').filter((k) => MOVES.includes(k))).toEqual([
      'take node lock',
      'write phase',
      'drain switch on',
      'withdraw',
      'write phase',
      'drain wait',
      'write phase',
      'write phase',
      'write phase',
      'announce',
      'write phase',
    ]);
    for (const other of ['lb02', 'lb03']) {
      // Nothing else: no task, no withdraw, no drain, no node lock, no phase; the relay armed twice for lb01
      // (withdraw, announce), disarmed twice (drained, settled), cleared before and after.
      expect(new Set(run.kinds(other))).toEqual(new Set(COUNTED_KINDS));
      expect(run.kinds(other).filter((k) => k.startsWith('relay') && k !== 'relay counters')).toEqual([
        'relay clear',
        'relay arm lb01',
        'relay disarm lb01',
        'relay arm lb01',
        'relay disarm lb01',
        'relay clear',
      ]);
      expect(run.commands.filter((c) => c.host === other && c.purpose !== 'engine')).toEqual([]);
      expect(run.events.filter((e) => e.type === 'rolling-step' && e.host === other)).toEqual([]);
    }
    // The relay on lb01 copies strays to both counted nodes.
    const arm = run.commands.find((c) => c.host === 'lb01' && kindOf(c.command) === 'relay arm lb01');
    expect(arm?.command).toContain('dup to 10.0.0.12 dup to 10.0.0.13');
  });

  it('min_healthy_domains counts the racks of the nodes --limit left out', async () => {
    const run = await roll({ limit: 'lb01', racks: true });
    expect(stepDetail(run.events, 'lb01', 'capacity')[0]?.detail).toBe(
      '2 of 2 other node(s) serving, min_healthy 2; 2 domain(s) serving [r2, r3], min_healthy_domains 2 ' +
        '(lb02: serving; lb03: serving)',
    );
    expect(only(run.events, 'rolling-recap').nodes.map((n) => n.phase)).toEqual(['announced']);
  });

  it('the recap, the run recap and the journal list the rolled node and name the fleet it counted', async () => {
    const run = await roll({ limit: 'lb01' });
    const recap = only(run.events, 'rolling-recap');
    expect(recap.nodes.map((n) => [n.host, n.phase, n.serving])).toEqual([['lb01', 'announced', true]]);
    expect(recap.nodes[0]?.note).toMatch(/^rolled · /);
    expect(recap.counted).toEqual(['lb02', 'lb03']);
    expect(formatRollingRecap(plain, recap)).toContain('fleet: lb02, lb03 (not rolled: --limit)');
    expect(only(run.events, 'recap').hosts.map((h) => h.host)).toEqual(['lb01']);
    expect(only(run.events, 'play-start')).toMatchObject({ hosts: ['lb01'], batches: [['lb01']] });
    const journal = JSON.parse(readFileSync(recap.journal, 'utf8')) as Record<string, unknown>;
    expect(journal).toMatchObject({ status: 'done', batches: [['lb01']], counted: ['lb02', 'lb03'] });
    expect(Object.keys(journal['nodes'] as object)).toEqual(['lb01']);
  });

  it('without --limit the roll is unchanged: every node rolled, each counting the two others', async () => {
    const run = await roll({});
    const recap = only(run.events, 'rolling-recap');
    expect(recap.nodes.map((n) => [n.host, n.phase])).toEqual(HOSTS.map((h) => [h, 'announced']));
    expect('counted' in recap).toBe(false);
    expect(only(run.events, 'play-start').batches).toEqual([['lb01'], ['lb02'], ['lb03']]);
    for (const host of HOSTS) {
      const others = HOSTS.filter((h) => h !== host);
      expect(stepDetail(run.events, host, 'capacity')[0]?.detail).toBe(
        `2 of 2 other node(s) serving, min_healthy 2 (${others.map((o) => `${o}: serving`).join('; ')})`,
      );
      expect(run.kinds(host).filter((k) => k === 'withdraw' || k === 'announce')).toEqual(['withdraw', 'announce']);
    }
    expect(run.tasks.map((t) => t.host)).toEqual(HOSTS);
    const journal = JSON.parse(readFileSync(recap.journal, 'utf8')) as Record<string, unknown>;
    expect(journal['counted']).toBeUndefined();
  });

  it('--check of a limited roll shows only lb01 in the schedule, names the fleet, and contacts nobody else', async () => {
    const run = await roll({ limit: 'lb01', check: true });
    const schedule = only(run.events, 'rolling-schedule');
    expect(schedule.batches.map((b) => b.hosts)).toEqual([['lb01']]);
    expect(schedule.counted).toEqual(['lb02', 'lb03']);
    expect(formatSchedule(plain, schedule)).toContain('  fleet: lb02, lb03 (not rolled: --limit)');
    expect(run.commands.filter((c) => c.host !== 'lb01')).toEqual([]);
    expect(run.commands.filter((c) => c.purpose === 'apply' || c.purpose === 'engine')).toEqual([]);
    expect(run.events.some((e) => e.type === 'rolling-step')).toBe(false);
  });
});

describe('what preflight reads on the counted nodes', () => {
  const theirs = lockContent(
    { runId: 'other', user: 'alice', workstation: 'ws-alice', pid: 42, command: 'upgrade.yml' },
    new Date(),
  );

  it("another run's fleet lock on a counted node refuses the roll before anything is touched (exit: failed)", async () => {
    const run = await roll({ limit: 'lb01' }, { lb03: { fleetLock: theirs } });
    expect(run.kinds('lb01')).toEqual(['probe']);
    expect(run.kinds('lb02')).toEqual(['probe']);
    expect(run.kinds('lb03')).toEqual(['probe']);
    const refused = run.tasks.find((t) => t.host === 'lb03');
    expect(refused).toMatchObject({ task: 'rolling: preflight', status: 'failed' });
    expect(refused?.message).toMatch(/^fleet lock held by alice@ws-alice \(pid 42/);
    expect(only(run.events, 'play-end').aborted).toBe('preflight: nothing was touched');
    // The refusal shows in the run's recap (and so in the exit code), though lb03 was not to be rolled.
    expect(only(run.events, 'recap').hosts.map((h) => [h.host, h.failed])).toEqual([
      ['lb01', 0],
      ['lb03', 1],
    ]);
  });

  it('a counted node left mid-roll by another run is refused even with --break-lock (only a roll of it may adopt it)', async () => {
    const phase = JSON.stringify({ runId: 'other', phase: 'drained', at: '2025-01-01T00:00:00Z' });
    const run = await roll({ limit: 'lb01', breakLock: true }, { lb02: { phase, withdrawn: true, fleetLock: theirs } });
    expect(run.kinds('lb01')).toEqual(['probe']);
    const refused = run.tasks.find((t) => t.host === 'lb02');
    expect(refused?.message).toMatch(
      /^left in phase "drained" by run other .* \(withdrawn\), and not rolled \(--limit\)/,
    );
    expect(refused?.message).toContain('`ober-push restore -i inv.yml --limit lb02`');
  });

  it('a counted node withdrawn by hand is only not serving: the floor counts it so', async () => {
    const run = await roll({ limit: 'lb01', minHealthy: 1 }, { lb03: { withdrawn: true } });
    expect(run.events).toContainEqual({
      type: 'warning',
      message:
        'lb03: withdrawn (withdraw file present, not by a roll) and not rolled (--limit): the capacity floor counts it as not serving',
    });
    expect(stepDetail(run.events, 'lb01', 'capacity')[0]?.detail).toBe(
      '1 of 2 other node(s) serving, min_healthy 1 (lb02: serving; lb03: withdrawn)',
    );
    expect(only(run.events, 'rolling-recap').nodes.map((n) => n.phase)).toEqual(['announced']);
    expect(run.kinds('lb03').filter((k) => MOVES.includes(k))).toEqual([]);
  });

  it('with min_healthy 2 the same fleet stops the roll at the capacity step, lb01 untouched', async () => {
    const run = await roll({ limit: 'lb01' }, { lb03: { withdrawn: true } });
    expect(stepDetail(run.events, 'lb01', 'capacity')[0]).toMatchObject({ status: 'failed' });
    expect(run.tasks.find((t) => t.host === 'lb01')?.message).toBe(
      'capacity floor not met: 1 of 2 other node(s) serving, min_healthy 2 (lb02: serving; lb03: withdrawn)',
    );
    expect(run.kinds('lb01').filter((k) => MOVES.includes(k) && k !== 'take node lock' && k !== 'write phase')).toEqual(
      [],
    );
  });

  it('a counted node that cannot be reached is said, left out of the fleet lock, and counted as not serving', async () => {
    const run = await roll({ limit: 'lb01', minHealthy: 1 }, { lb03: { unreachable: true } });
    const warning = run.events.find((e) => e.type === 'warning' && e.host === 'lb03');
    expect(warning).toMatchObject({
      message: expect.stringMatching(/^not rolled \(--limit\) and its roll state cannot be read/),
    });
    expect(stepDetail(run.events, 'lb01', 'capacity')[0]?.detail).toBe(
      '1 of 2 other node(s) serving, min_healthy 1 (lb02: serving; lb03: unreachable: connection refused)',
    );
    expect(run.kinds('lb02')).toContain('take fleet lock');
    expect(only(run.events, 'rolling-recap').nodes.map((n) => n.phase)).toEqual(['announced']);
    expect(stepDetail(run.events, 'lb01', 'withdraw')[0]?.detail).toContain('relay unavailable on lb03');
  });
});
