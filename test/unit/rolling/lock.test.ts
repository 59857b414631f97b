import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyLock,
  holderKey,
  lockContent,
  nodeHold,
  normalizeLockText,
  runKey,
  STALE_AFTER_MS,
  type Me,
} from '../../../src/engine/rolling/lock.js';
import { acquireScript, giveBackScript, releaseScript } from '../../../src/engine/rolling/remote-files.js';
import { sh, type ShellCommand } from '../../../src/core/shell.js';

const me: Me = { runId: 'run-b', user: 'bob', workstation: 'ws2', pid: 200, command: 'rolling-restart.yml' };
const now = new Date('2025-01-01T12:00:00Z');
const lock = (over: Partial<Me>, since = now) => lockContent({ ...me, ...over }, since);

describe('classifyLock', () => {
  const alive = (pid: number) => pid === 100;
  it('free, ours, foreign (live), stale (dead pid here, or old)', () => {
    expect(classifyLock('', me, now, alive).kind).toBe('free');
    expect(classifyLock(lock({}), me, now, alive).kind).toBe('ours');
    const foreign = classifyLock(
      lock({ runId: 'run-a', user: 'alice', workstation: 'ws1', pid: 999 }, new Date(now.getTime() - 60_000)),
      me,
      now,
      alive,
    );
    expect(foreign.kind).toBe('foreign');
    expect((foreign.kind === 'foreign' || foreign.kind === 'stale') && foreign.text).toMatch(
      /^alice@ws1 \(pid 999, rolling-restart.yml, run run-a\) since 2025-01-01T11:59:00.000Z \(60s ago\)$/,
    );
    // Same workstation, process gone: stale at once. Same workstation, process alive: foreign.
    expect(classifyLock(lock({ runId: 'run-a', pid: 101 }), me, now, alive).kind).toBe('stale');
    expect(classifyLock(lock({ runId: 'run-a', pid: 100 }), me, now, alive).kind).toBe('foreign');
    // Another workstation: stale only once old.
    expect(
      classifyLock(
        lock({ runId: 'run-a', workstation: 'ws9' }, new Date(now.getTime() - STALE_AFTER_MS - 1000)),
        me,
        now,
        alive,
      ).kind,
    ).toBe('stale');
    expect(classifyLock('garbage', me, now, alive).kind).toBe('stale');
  });
  it('the same run: ours (this process), resumable (its earlier process is gone), foreign (that process still runs)', () => {
    expect(classifyLock(lock({ pid: 101 }), me, now, alive).kind).toBe('resumable');
    const live = classifyLock(lock({ pid: 100 }), me, now, alive);
    expect(live.kind).toBe('foreign');
    expect(live.kind === 'foreign' && live.text).toMatch(/that process is still running$/);
    // The same run id from another workstation is not resumable here.
    expect(classifyLock(lock({ pid: 101, workstation: 'ws9' }), me, now, alive).kind).toBe('foreign');
  });
  it('nodeHold (plain deploy): held by a live roll, free for our own process, stale when its process is gone', () => {
    const self = { workstation: 'ws2', pid: 200 };
    expect(nodeHold('', self, now, alive).kind).toBe('free');
    expect(nodeHold(lock({ runId: 'r' }), self, now, alive).kind).toBe('free');
    const held = nodeHold(lock({ runId: 'r', user: 'alice', workstation: 'ws1', pid: 7 }), self, now, alive);
    expect(held).toMatchObject({ kind: 'held', lock: { runId: 'r' } });
    expect(held.kind === 'held' && held.text).toMatch(/^alice@ws1 \(pid 7/);
    expect(nodeHold(lock({ runId: 'r', pid: 101 }), self, now, alive).kind).toBe('stale');
    expect(nodeHold(lock({ runId: 'r', pid: 100 }), self, now, alive).kind).toBe('held');
  });
});

describe('lock scripts (run by sh here)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roll-lock-'));
  const file = join(dir, 'sub', 'roll.lock');
  const run = (script: ShellCommand) => execFileSync('sh', ['-c', script.text], { encoding: 'utf8' });
  it('creates once, refuses a foreign lock, replaces only the exact text it expects, releases only its holder', () => {
    const a = lock({ runId: 'run-a' });
    expect(run(acquireScript(file, a, null))).toBe('acquired\n');
    const held = run(acquireScript(file, lock({}), null));
    expect(held.split('\n')[0]).toBe('held');
    expect(held).toContain('"runId":"run-a"');
    // Compare and swap: a different expected text (another run, or the same run another second) is refused.
    expect(run(acquireScript(file, lock({}), lock({ runId: 'run-x' }))).startsWith('held')).toBe(true);
    expect(
      run(acquireScript(file, lock({}), lock({ runId: 'run-a' }, new Date(now.getTime() + 1000)))).startsWith('held'),
    ).toBe(true);
    expect(run(acquireScript(file, lock({}), a))).toBe('acquired\n');
    expect(readFileSync(file, 'utf8')).toBe(`${lock({})}\n`);
    // Release: another process of the same run (or another run) leaves it; only the holder's key removes it.
    run(releaseScript(file, holderKey({ ...me, pid: 201 })));
    run(releaseScript(file, runKey('run-a')));
    expect(readFileSync(file, 'utf8')).toContain('"runId":"run-b"');
    run(releaseScript(file, holderKey(me)));
    expect(existsSync(file)).toBe(false);
  });
  it('--break-lock takes over an unreadable lock with stray whitespace (as preflight normalises what it read)', () => {
    const f = join(dir, 'messy.lock');
    const messy = '  garbage\tfrom  an editor  \n\n';
    writeFileSync(f, messy);
    expect(classifyLock(messy, me, now, () => false).kind).toBe('stale');
    expect(normalizeLockText(messy)).toBe('garbage from an editor');
    expect(run(acquireScript(f, lock({}), normalizeLockText(messy)))).toBe('acquired\n');
    // Whitespace only is free, in the scripts as in classifyLock.
    writeFileSync(f, ' \n\t\n');
    expect(classifyLock(' \n\t\n', me, now, () => false).kind).toBe('free');
    expect(run(acquireScript(f, lock({}), null))).toBe('acquired\n');
  });
  it('give back: puts the replaced lock back only while the lock is still ours', () => {
    const f = join(dir, 'give-back.lock');
    const old = lock({ runId: 'run-a', pid: 1 });
    writeFileSync(f, `${old}\n`);
    expect(run(acquireScript(f, lock({}), old))).toBe('acquired\n');
    expect(run(giveBackScript(f, lock({}), old))).toBe('given back\n');
    expect(readFileSync(f, 'utf8')).toBe(`${old}\n`);
    // Not ours (someone took it meanwhile): untouched.
    expect(run(giveBackScript(f, lock({}), null))).toBe('');
    expect(readFileSync(f, 'utf8')).toBe(`${old}\n`);
    writeFileSync(f, `${lock({})}\n`);
    run(giveBackScript(f, lock({}), null));
    expect(existsSync(f)).toBe(false);
  });
  it('two concurrent acquirers: exactly one wins', () => {
    writeFileSync(join(dir, 'x'), '');
    const f2 = join(dir, 'race.lock');
    const both = run(
      sh`(${acquireScript(f2, lock({ runId: 'r1' }), null)}) & (${acquireScript(f2, lock({ runId: 'r2' }), null)}) & wait`,
    );
    expect(both.match(/^acquired$/gm)?.length).toBe(1);
  });
});
