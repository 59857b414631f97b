import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyLock, lockContent, STALE_AFTER_MS, type Me } from '../../../src/engine/rolling/lock.js';
import { acquireScript, releaseScript } from '../../../src/engine/rolling/remote-files.js';

const me: Me = { runId: 'run-b', user: 'bob', workstation: 'ws2', pid: 200, command: 'rolling-restart.yml' };
const now = new Date('2025-01-01T12:00:00Z');
const lock = (over: Partial<Me>, since = now) => lockContent({ ...me, ...over }, since);

describe('classifyLock', () => {
  const alive = (pid: number) => pid === 100;
  it('free, ours, foreign (live), stale (dead pid here, or old)', () => {
    expect(classifyLock('', me, now, alive).kind).toBe('free');
    expect(classifyLock(lock({}), me, now, alive).kind).toBe('ours');
    const foreign = classifyLock(lock({ runId: 'run-a', user: 'alice', workstation: 'ws1', pid: 999 }, new Date(now.getTime() - 60_000)), me, now, alive);
    expect(foreign.kind).toBe('foreign');
    expect(foreign.kind !== 'free' && foreign.kind !== 'ours' && foreign.text).toMatch(/^alice@ws1 \(pid 999, rolling-restart.yml, run run-a\) since 2025-01-01T11:59:00.000Z \(60s ago\)$/);
    // Same workstation, process gone: stale at once. Same workstation, process alive: foreign.
    expect(classifyLock(lock({ runId: 'run-a', pid: 101 }), me, now, alive).kind).toBe('stale');
    expect(classifyLock(lock({ runId: 'run-a', pid: 100 }), me, now, alive).kind).toBe('foreign');
    // Another workstation: stale only once old.
    expect(classifyLock(lock({ runId: 'run-a', workstation: 'ws9' }, new Date(now.getTime() - STALE_AFTER_MS - 1000)), me, now, alive).kind).toBe('stale');
    expect(classifyLock('garbage', me, now, alive).kind).toBe('stale');
  });
});

describe('lock scripts (run by sh here)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roll-lock-'));
  const file = join(dir, 'sub', 'roll.lock');
  const run = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
  it('creates once, refuses a foreign run, takes over only the named run, releases only its own', () => {
    expect(run(acquireScript(file, lock({ runId: 'run-a' }), null))).toBe('acquired\n');
    const held = run(acquireScript(file, lock({}), null));
    expect(held.split('\n')[0]).toBe('held');
    expect(held).toContain('"runId":"run-a"');
    expect(run(acquireScript(file, lock({}), 'run-x')).startsWith('held')).toBe(true);
    expect(run(acquireScript(file, lock({}), 'run-a'))).toBe('acquired\n');
    expect(readFileSync(file, 'utf8')).toContain('"runId":"run-b"');
    run(releaseScript(file, 'run-a'));
    expect(readFileSync(file, 'utf8')).toContain('"runId":"run-b"');
    run(releaseScript(file, 'run-b'));
    expect(() => readFileSync(file)).toThrow();
  });
  it('two concurrent acquirers: exactly one wins', () => {
    writeFileSync(join(dir, 'x'), '');
    const f2 = join(dir, 'race.lock');
    const both = run(`(${acquireScript(f2, lock({ runId: 'r1' }), null)}) & (${acquireScript(f2, lock({ runId: 'r2' }), null)}) & wait`);
    expect(both.match(/^acquired$/gm)?.length).toBe(1);
  });
});
