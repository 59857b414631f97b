import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareExtraVars,
  parseJournal,
  readJournal,
  readLatestJournal,
  withError,
  withPhase,
  withProof,
  writeJournal,
  type Journal,
} from '../../../src/engine/rolling/journal.js';
import { lockContent, type Me } from '../../../src/engine/rolling/lock.js';
import { preflight, type NodeRollState } from '../../../src/engine/rolling/preflight.js';

const now = new Date('2025-01-01T12:00:00Z');
const journal = (runId: string, nodes: Journal['nodes']): Journal => ({
  runId,
  playbook: '/p/rolling-restart.yml',
  play: 'roll',
  user: 'alice',
  workstation: 'ws1',
  pid: 100,
  startedAt: now.toISOString(),
  status: 'running',
  options: { tags: [], skipTags: [], extraVarNames: [] },
  batches: [['lb01'], ['lb02'], ['lb03']],
  nodes,
});

describe('journal files', () => {
  it('writes atomically, points latest at the last run, reads back; parse rejects unknown phases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roll-journal-'));
    expect(await readLatestJournal(dir)).toBeNull();
    let j = journal('r1', {});
    j = withPhase(j, 'lb01', 'announced', now);
    j = withPhase(j, 'lb02', 'drained', now);
    j = withError(j, 'lb02', 'health', 'health gate failed');
    const file = await writeJournal(dir, j);
    expect(file).toBe(join(dir, '.ober-push', 'journal', 'r1.json'));
    await writeJournal(dir, journal('r2', {}));
    expect((await readLatestJournal(dir))?.runId).toBe('r2');
    expect(readFileSync(join(dir, '.ober-push', 'journal', 'latest'), 'utf8')).toBe('r2\n');
    const back = await readJournal(dir, 'r1');
    expect(back?.nodes).toEqual({
      lb01: { phase: 'announced', at: now.toISOString() },
      lb02: { phase: 'drained', at: now.toISOString(), error: { step: 'health', message: 'health gate failed' } },
    });
    expect(() =>
      parseJournal(JSON.stringify({ ...journal('r3', {}), nodes: { lb01: { phase: 'flying', at: '' } } })),
    ).toThrow(/unknown phase "flying"/);
  });
  it('is private: directory 0700, journal and latest 0600, also under a loose umask and over a loose leftover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roll-journal-'));
    const jdir = join(dir, '.ober-push', 'journal');
    mkdirSync(jdir, { recursive: true, mode: 0o777 });
    writeFileSync(join(jdir, 'r1.json.tmp'), 'leftover', { mode: 0o666 });
    const umask = process.umask(0);
    try {
      await writeJournal(dir, journal('r1', {}));
    } finally {
      process.umask(umask);
    }
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect([mode(jdir), mode(join(jdir, 'r1.json')), mode(join(jdir, 'latest'))]).toEqual(['700', '600', '600']);
  });
  it('holds -e names, never values; a journal of an older version keeps the names and loses the values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roll-journal-'));
    await writeJournal(dir, {
      ...journal('r1', {}),
      options: { tags: [], skipTags: [], extraVarNames: ['api_token', 'release'] },
    });
    const text = readFileSync(join(dir, '.ober-push', 'journal', 'r1.json'), 'utf8');
    expect(JSON.parse(text).options).toEqual({ tags: [], skipTags: [], extraVarNames: ['api_token', 'release'] });
    const legacy = parseJournal(
      JSON.stringify({
        ...journal('r0', {}),
        options: { tags: ['x'], skipTags: [], extraVars: { release: '1.2', api_token: 's3cr3t' } },
      }),
    );
    expect(legacy.options).toEqual({ tags: ['x'], skipTags: [], extraVarNames: ['api_token', 'release'] });
    expect(JSON.stringify(legacy)).not.toContain('s3cr3t');
  });
  it('compareExtraVars names what resume was not given again, and what the run did not have', () => {
    const j = { ...journal('r1', {}), options: { tags: [], skipTags: [], extraVarNames: ['api_token', 'release'] } };
    expect(compareExtraVars(j, { release: '1', api_token: 'x' })).toEqual({ missing: [], unexpected: [] });
    expect(compareExtraVars(j, { release: '1' })).toEqual({ missing: ['api_token'], unexpected: [] });
    expect(compareExtraVars(j, { release: '1', api_token: 'x', debug: true })).toEqual({
      missing: [],
      unexpected: ['debug'],
    });
    expect(compareExtraVars(j, {})).toEqual({ missing: ['api_token', 'release'], unexpected: [] });
  });
});

describe('preflight', () => {
  const me: Me = { runId: 'new', user: 'bob', workstation: 'ws2', pid: 200, command: 'rolling-restart.yml' };
  const clean = (host: string): NodeRollState => ({
    host,
    phaseRaw: '',
    lockRaw: '',
    fleetLockRaw: '',
    withdrawnFile: false,
  });
  const phaseOf = (runId: string, phase: string) => JSON.stringify({ runId, phase, at: now.toISOString() });
  const theirs = lockContent(
    { runId: 'old', user: 'alice', workstation: 'ws1', pid: 100, command: 'rolling-restart.yml' },
    now,
  );
  const base = { me, now, resume: null, breakLock: false, pidAlive: () => true, inventory: 'inv.yml' };

  it('a clean fleet starts every node from pending', () => {
    const plan = preflight({ ...base, nodes: [clean('lb01'), clean('lb02')] });
    expect(plan.problems).toEqual([]);
    expect([...plan.start.values()]).toEqual(['pending', 'pending']);
  });
  it('refuses a node left withdrawn by an interrupted run, naming it and the commands', () => {
    const plan = preflight({
      ...base,
      nodes: [
        clean('lb01'),
        {
          ...clean('lb02'),
          phaseRaw: phaseOf('old', 'drained'),
          lockRaw: theirs,
          fleetLockRaw: theirs,
          withdrawnFile: true,
        },
      ],
    });
    expect(plan.problems.map((p) => p.host)).toEqual(['lb02', 'lb02', 'lb02']);
    const left = plan.problems.find((p) => p.message.startsWith('left in phase'));
    expect(left?.message).toContain('`ober-push resume -i inv.yml`');
    expect(left?.message).toContain('`ober-push restore -i inv.yml --limit lb02`');
    expect(plan.problems[0]?.message).toMatch(/fleet lock held by alice@ws1 \(pid 100/);
  });
  it('refuses a node withdrawn by hand', () => {
    const plan = preflight({ ...base, nodes: [{ ...clean('lb03'), withdrawnFile: true }] });
    expect(plan.problems[0]?.message).toMatch(/is withdrawn .*restore -i inv.yml --limit lb03/);
  });
  it('--break-lock takes the locks over and adopts the node at its phase', () => {
    const plan = preflight({
      ...base,
      breakLock: true,
      nodes: [
        {
          ...clean('lb02'),
          phaseRaw: phaseOf('old', 'withdrawn'),
          lockRaw: theirs,
          fleetLockRaw: theirs,
          withdrawnFile: true,
        },
      ],
    });
    expect(plan.problems).toEqual([]);
    expect(plan.takeover.get('lb02')).toEqual({ fleet: theirs, node: theirs });
    expect(plan.start.get('lb02')).toBe('withdrawn');
    expect(plan.warnings.join('\n')).toMatch(/breaking the fleet lock of alice@ws1/);
  });
  it('resume: each node from the earlier of the journal and the node record; own locks are fine', () => {
    const j = journal('old', {
      lb01: { phase: 'announced', at: '' },
      lb02: { phase: 'worked', at: '' },
      lb03: { phase: 'pending', at: '' },
    });
    // The resuming process: the journal's workstation, a new pid; the run's earlier process (pid 100) is gone.
    const plan = preflight({
      ...base,
      me: { ...me, runId: 'old', workstation: 'ws1' },
      pidAlive: (pid) => pid !== 100,
      resume: j,
      nodes: [
        { ...clean('lb01'), phaseRaw: phaseOf('old', 'announced') },
        // The node recorded only "withdrawn" (the connection died before it could record "drained", "worked").
        {
          ...clean('lb02'),
          phaseRaw: phaseOf('old', 'withdrawn'),
          lockRaw: theirs,
          fleetLockRaw: theirs,
          withdrawnFile: true,
        },
        { ...clean('lb03'), fleetLockRaw: theirs },
      ],
    });
    expect(plan.problems).toEqual([]);
    expect(Object.fromEntries(plan.start)).toEqual({ lb01: 'announced', lb02: 'withdrawn', lb03: 'pending' });
    // It may replace exactly the texts it saw, nothing else.
    expect(plan.takeover.get('lb02')).toEqual({ fleet: theirs, node: theirs });
    expect(plan.takeover.get('lb01')).toEqual({ fleet: null, node: null });
  });
  it('resume refuses while the process of the run it resumes still holds a lock', () => {
    const j = journal('old', { lb02: { phase: 'withdrawn', at: '' } });
    const plan = preflight({
      ...base,
      me: { ...me, runId: 'old', workstation: 'ws1' },
      pidAlive: (pid) => pid === 100,
      resume: j,
      nodes: [
        {
          ...clean('lb02'),
          phaseRaw: phaseOf('old', 'withdrawn'),
          lockRaw: theirs,
          fleetLockRaw: theirs,
          withdrawnFile: true,
        },
      ],
    });
    expect(plan.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^fleet lock held by alice@ws1 \(pid 100, .*\); that process is still running \(another roll is running/,
      ),
      expect.stringMatching(/^node lock held by alice@ws1 \(pid 100, .*that process is still running/),
    ]);
  });
});

describe('journal proofs', () => {
  it("keeps a node's proofs across later phases", () => {
    const j0 = journal('r', { lb01: { phase: 'locked', at: 't0' } });
    const proof = { routers: { verdict: 'verified' as const, asked: ['r1'], skipped: [], ms: 12 } };
    const j1 = withPhase(withProof(j0, 'lb01', 'withdraw', proof), 'lb01', 'withdrawn', new Date(0));
    expect(j1.nodes['lb01']).toEqual({
      phase: 'withdrawn',
      at: new Date(0).toISOString(),
      proofs: { withdraw: proof },
    });
  });
});
