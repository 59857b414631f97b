// `ober-push resume` refuses before it touches anything: while the run it resumes still runs here, and when it is
// not given the run's -e variables again (the journal keeps their names, never their values).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeCommand } from '../../../src/cli/commands/resume.js';
import { describeError } from '../../../src/cli/format-error.js';
import type { RunCliOptions } from '../../../src/cli/options.js';
import { ExtraVarsMismatch, RunStillRunning } from '../../../src/engine/rolling/errors.js';
import { writeJournal, type Journal } from '../../../src/engine/rolling/journal.js';

const cwd = process.cwd();
let dir: string;
const children: ChildProcess[] = [];

function journal(pid: number, extraVarNames: string[] = []): Journal {
  return {
    runId: '20250101T000000Z-beef',
    playbook: join(dir, 'missing-playbook.yml'),
    play: 'roll',
    user: 'alice',
    workstation: hostname(),
    pid,
    startedAt: '2025-01-01T00:00:00.000Z',
    status: 'running',
    options: { tags: [], skipTags: [], extraVarNames },
    batches: [['lb01']],
    nodes: { lb01: { phase: 'withdrawn', at: '2025-01-01T00:00:00.000Z' } },
  };
}

// The inventory does not exist: a refusal that came after loading anything would fail differently.
const opts = (extraVars: string[] = []): RunCliOptions => ({
  inventory: join(tmpdir(), 'no-such-inventory.yml'),
  forks: '5',
  extraVars,
});

/** A pid that is certainly gone: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid ?? 0;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ober-resume-'));
  process.chdir(dir);
});
afterEach(() => process.chdir(cwd));
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

describe('resume refuses', () => {
  it('while the run it resumes is still alive on this workstation (exit 1, journal untouched)', async () => {
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(live);
    const file = await writeJournal(dir, journal(live.pid ?? 0));
    const before = readFileSync(file, 'utf8');
    const error = await resumeCommand(opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStillRunning);
    expect(error).toMatchObject({ runId: '20250101T000000Z-beef', pid: live.pid, workstation: hostname() });
    const { lines, code } = describeError(error, false);
    expect(code).toBe(1);
    expect(lines[0]).toBe(
      `error: run 20250101T000000Z-beef is still running: pid ${live.pid} on ${hostname()} (started 2025-01-01T00:00:00.000Z); resume refuses to run a second copy of it`,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(join(dir, '.ober-push', 'journal')).sort()).toEqual(['20250101T000000Z-beef.json', 'latest']);
  });
  it("without the run's -e variables, naming the missing ones (exit 2, before loading anything)", async () => {
    await writeJournal(dir, journal(await deadPid(), ['api_token', 'release']));
    const error = await resumeCommand(opts(['release=1.2'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtraVarsMismatch);
    expect(error).toMatchObject({ missing: ['api_token'], unexpected: [], expected: ['api_token', 'release'] });
    const { lines, code } = describeError(error, false);
    expect(code).toBe(2);
    expect(lines).toEqual([
      'error: run 20250101T000000Z-beef was started with -e api_token, and resume was not given it again (the journal keeps names, never values)',
      'resume with exactly: -e api_token=... -e release=...; nothing was contacted',
    ]);
  });
  it('with a -e the run did not have', async () => {
    await writeJournal(dir, journal(await deadPid(), []));
    const error = await resumeCommand(opts(['debug=true'])).catch((e: unknown) => e);
    expect(error).toMatchObject({ missing: [], unexpected: ['debug'] });
    expect(describeError(error, false).lines[0]).toBe(
      'error: run 20250101T000000Z-beef had no -e debug: resume continues the same run with the same variables',
    );
  });
  it('with the same -e given again (and the old process gone) it goes on: here to the missing playbook', async () => {
    await writeJournal(dir, journal(await deadPid(), ['release']));
    const error = await resumeCommand(opts(['release=1.2'])).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ExtraVarsMismatch);
    expect(error).not.toBeInstanceOf(RunStillRunning);
    // resume reads the run's playbook before its inventory (whose cluster part may ask the Proxmox API).
    expect(String(error)).toMatch(/cannot read missing-playbook\.yml/);
  });
});
