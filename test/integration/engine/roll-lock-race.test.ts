// --break-lock under contention: many ober-push processes take over the same stale roll lock at once, each with
// the compare-and-swap script a roll sends (run by real `sh -c` processes, concurrently, on a temp dir).
// Exactly one may win each round, and the lock must then hold the winner's text. Before the flock(1) mutex,
// 12 contenders gave 2-3 winners.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holderKey, lockContent, type Me } from '../../../src/engine/rolling/lock.js';
import { acquireScript, releaseScript } from '../../../src/engine/rolling/remote-files.js';
import { sh as shq, type ShellCommand } from '../../../src/core/shell.js';

export const CONTENDERS = 12;
export const ROUNDS = 20;
export const RACES = CONTENDERS * ROUNDS;

function sh(script: ShellCommand): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script.text], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout }));
  });
}

const contender = (i: number, round: number): Me => ({
  runId: `run-${round}-${i}`,
  user: `op${i}`,
  workstation: `ws${i}`,
  pid: 1000 + i,
  command: 'rolling-restart.yml',
});
const since = new Date('2025-01-01T00:00:00Z');
const dead = lockContent(
  { runId: 'run-dead', user: 'alice', workstation: 'ws0', pid: 1, command: 'upgrade.yml' },
  since,
);

describe('roll lock races (real sh processes, concurrent)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roll-race-'));
  const tally = { races: 0, rounds: 0, doubleHolders: 0, noHolder: 0, wrongContent: 0 };

  it(`--break-lock: ${RACES} takeovers of one stale lock (${CONTENDERS} at once x ${ROUNDS} rounds), exactly 1 winner per round: 0 double holders`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const file = join(dir, `r${round}`, 'roll-fleet.lock');
      await sh(shq`mkdir -p ${join(dir, `r${round}`)}`);
      writeFileSync(file, `${dead}\n`);
      const mine = Array.from({ length: CONTENDERS }, (_, i) => lockContent(contender(i, round), since));
      // All spawned before any is awaited: they run side by side, each read-compare-write racing the others.
      const results = await Promise.all(mine.map((content) => sh(acquireScript(file, content, dead))));
      tally.races += CONTENDERS;
      tally.rounds += 1;
      expect(results.every((r) => r.code === 0)).toBe(true);
      const winners = results.flatMap((r, i) => (r.stdout.startsWith('acquired') ? [i] : []));
      if (winners.length > 1) tally.doubleHolders += 1;
      if (winners.length === 0) tally.noHolder += 1;
      const held = readFileSync(file, 'utf8');
      if (winners.length === 1 && held !== `${mine[winners[0] ?? -1]}\n`) tally.wrongContent += 1;
      // Every loser was told who holds it now: the winner.
      for (const [i, r] of results.entries()) if (!winners.includes(i)) expect(r.stdout).toBe(`held\n${held}`);
    }
    expect(tally).toEqual({ races: RACES, rounds: ROUNDS, doubleHolders: 0, noHolder: 0, wrongContent: 0 });
  });

  it(`release races: ${CONTENDERS} processes release at once while 1 holds the lock: only the holder's removes it`, async () => {
    const file = join(dir, 'release', 'roll.lock');
    const holder = contender(3, 99);
    await sh(shq`mkdir -p ${join(dir, 'release')}`);
    writeFileSync(file, `${lockContent(holder, since)}\n`);
    // The others (other runs, and the same run in another process) release in parallel: the lock stays.
    const others = Array.from({ length: CONTENDERS }, (_, i) =>
      i === 3 ? { ...holder, pid: 9999 } : contender(i, 99),
    );
    await Promise.all(others.map((m) => sh(releaseScript(file, holderKey(m)))));
    expect(readFileSync(file, 'utf8')).toBe(`${lockContent(holder, since)}\n`);
    // The holder's release, raced by the others' acquires expecting the dead lock: removed, and nobody took it.
    const grabbers = others.filter((_, i) => i !== 3);
    const [released, ...grabs] = await Promise.all([
      sh(releaseScript(file, holderKey(holder))),
      ...grabbers.map((m) => sh(acquireScript(file, lockContent(m, since), dead))),
    ]);
    expect(released?.code).toBe(0);
    const won = grabs.filter((g) => g.stdout.startsWith('acquired')).length;
    // A grab may only win on a free lock (after the release), never on the holder's: at most one, and then it holds.
    expect(won).toBeLessThanOrEqual(1);
    const after = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(after).not.toContain(holderKey(holder));
    expect(after === '' ? 0 : 1).toBe(won);
  });
});
