// A roll takes all its locks or none: when one node's lock cannot be taken, the locks it took on the others are
// given back (the lock each replaced put back). Real lock scripts run by `sh -c`, one temp dir per "node".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExecResult } from '../../../src/core/module.js';
import { lockContent, type Me } from '../../../src/engine/rolling/lock.js';
import type { NodeOps } from '../../../src/engine/rolling/node-ops.js';
import type { LockTakeover } from '../../../src/engine/rolling/preflight.js';
import { takeRollLocks } from '../../../src/engine/rolling/take-locks.js';
import { DEFAULT_PATHS } from '../../../src/stack/paths.js';
import type { ShellCommand } from '../../../src/core/shell.js';

const HOSTS = ['lb01', 'lb02', 'lb03'];
const since = new Date('2025-01-01T00:00:00Z');
const me: Me = { runId: 'run-new', user: 'bob', workstation: 'ws2', pid: 200, command: 'upgrade.yml' };
const ours = lockContent(me, since);
const alice = lockContent(
  { runId: 'run-alice', user: 'alice', workstation: 'ws1', pid: 100, command: 'upgrade.yml' },
  since,
);

function sh(script: ShellCommand): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script.text], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

function fleet(opts: { unreachable?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'roll-take-'));
  const ops = new Map<string, NodeOps>();
  for (const h of HOSTS) {
    mkdirSync(join(dir, h));
    const paths = { ...DEFAULT_PATHS, withdrawnFile: join(dir, h, 'withdrawn') };
    ops.set(h, {
      target: { name: h, address: h, mode: 'none', statsPort: 8404, vips: [], paths, routers: [], frontends: [] },
      exec: (script) => (h === opts.unreachable ? Promise.reject(new Error(`${h}: connection lost`)) : sh(script)),
      probe: () => Promise.reject(new Error('not used')),
    });
  }
  const file = (h: string, name: 'roll-fleet.lock' | 'roll.lock') => join(dir, h, name);
  const read = (h: string, name: 'roll-fleet.lock' | 'roll.lock') =>
    existsSync(file(h, name)) ? readFileSync(file(h, name), 'utf8').trim() : null;
  return { ops, file, read };
}

const none = (): Map<string, LockTakeover> => new Map(HOSTS.map((h) => [h, { fleet: null, node: null }]));

describe('takeRollLocks (all or nothing)', () => {
  it('takes the fleet lock on every node when all are free', async () => {
    const f = fleet();
    const r = await takeRollLocks({
      hosts: HOSTS,
      ops: f.ops,
      takeover: none(),
      pastLockStep: () => false,
      content: ours,
    });
    expect(r).toEqual({ ok: true, failures: [], givenBack: 0 });
    expect(HOSTS.map((h) => f.read(h, 'roll-fleet.lock'))).toEqual([ours, ours, ours]);
  });
  it('one node held by another roll: the two taken are given back, the holder keeps its lock', async () => {
    const f = fleet();
    writeFileSync(f.file('lb03', 'roll-fleet.lock'), `${alice}\n`);
    const r = await takeRollLocks({
      hosts: HOSTS,
      ops: f.ops,
      takeover: none(),
      pastLockStep: () => false,
      content: ours,
    });
    expect(r.ok).toBe(false);
    expect(r.failures.map((x) => [x.host, x.what, x.holder])).toEqual([['lb03', 'fleet lock', alice]]);
    expect(r.failures[0]?.error.message).toMatch(/^fleet lock taken meanwhile: \{"runId":"run-alice"/);
    expect(r.givenBack).toBe(2);
    expect(HOSTS.map((h) => f.read(h, 'roll-fleet.lock'))).toEqual([null, null, alice]);
  });
  it('a takeover (resume, --break-lock) that fails on one node puts back the locks it replaced, fleet and node', async () => {
    const f = fleet();
    const dead = lockContent({ ...me, runId: 'run-old', pid: 1 }, since);
    for (const h of HOSTS) writeFileSync(f.file(h, 'roll-fleet.lock'), `${dead}\n`);
    writeFileSync(f.file('lb01', 'roll.lock'), `${dead}\n`);
    // lb03 changed hands after preflight read it: the swap must refuse, and the others must be restored.
    writeFileSync(f.file('lb03', 'roll-fleet.lock'), `${alice}\n`);
    const takeover = new Map(HOSTS.map((h) => [h, { fleet: dead, node: h === 'lb01' ? dead : null }]));
    const r = await takeRollLocks({
      hosts: HOSTS,
      ops: f.ops,
      takeover,
      pastLockStep: (h) => h === 'lb01',
      content: ours,
    });
    expect(r.ok).toBe(false);
    expect(r.failures.map((x) => x.host)).toEqual(['lb03']);
    expect(r.givenBack).toBe(3); // lb01 fleet + node, lb02 fleet
    expect(HOSTS.map((h) => f.read(h, 'roll-fleet.lock'))).toEqual([dead, dead, alice]);
    expect(f.read('lb01', 'roll.lock')).toBe(dead);
  });
  it('an unreachable node: the others are given back', async () => {
    const f = fleet({ unreachable: 'lb02' });
    const r = await takeRollLocks({
      hosts: HOSTS,
      ops: f.ops,
      takeover: none(),
      pastLockStep: () => false,
      content: ours,
    });
    expect(r.ok).toBe(false);
    expect(r.failures.map((x) => [x.host, x.error.message])).toEqual([['lb02', 'lb02: connection lost']]);
    expect(r.givenBack).toBe(2);
    expect(HOSTS.map((h) => f.read(h, 'roll-fleet.lock'))).toEqual([null, null, null]);
  });
});
