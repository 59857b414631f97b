import { describe, expect, it } from 'vitest';
import type { RollingPhase, RollingStep } from '../../../src/engine/events.js';
import { StepFailed } from '../../../src/engine/rolling/node-ops.js';
import { NODE_STEPS } from '../../../src/engine/rolling/phase.js';
import { runNodeSteps } from '../../../src/engine/rolling/run-node.js';

function fake(opts: { failAt?: RollingStep; abortAfter?: RollingStep } = {}) {
  const log: string[] = [];
  let aborted = false;
  const hooks = {
    run: async (step: RollingStep) => {
      log.push(`run ${step}`);
      if (step === opts.abortAfter) aborted = true;
      if (step === opts.failAt) throw new StepFailed(step, 'lb01', `${step} broke`);
      return { status: 'ok' as const };
    },
    record: async (phase: RollingPhase) => void log.push(`record ${phase}`),
    emit: (e: { step: RollingStep; status: string }) => void log.push(`event ${e.step} ${e.status}`),
    aborted: () => aborted,
  };
  return { log, hooks };
}

describe('runNodeSteps', () => {
  it('runs every step in order and records each phase right after its step', async () => {
    const { log, hooks } = fake();
    const r = await runNodeSteps([...NODE_STEPS], 'pending', hooks);
    expect(r).toEqual({ phase: 'announced' });
    expect(log.filter((l) => l.startsWith('run') || l.startsWith('record'))).toEqual([
      'run lock',
      'record locked',
      'run capacity',
      'run withdraw',
      'record withdrawn',
      'run drain',
      'record drained',
      'run work',
      'record worked',
      'run vm-cold-restart',
      'run health',
      'record healthy',
      'run announce',
      'record announced',
      'run settle',
      'run unlock',
    ]);
  });
  it('a failed health gate stops the node where it is: never announced', async () => {
    const { log, hooks } = fake({ failAt: 'health' });
    const r = await runNodeSteps(
      NODE_STEPS.filter((s) => s !== 'vm-cold-restart'),
      'pending',
      hooks,
    );
    expect(r.phase).toBe('worked');
    expect(r.failed?.step).toBe('health');
    expect(log).toContain('event health failed');
    expect(log.some((l) => l.includes('announce'))).toBe(false);
  });
  it('the capacity floor stops a node before it is touched and gives the lock back', async () => {
    const { log, hooks } = fake({ failAt: 'capacity' });
    const r = await runNodeSteps(
      NODE_STEPS.filter((s) => s !== 'vm-cold-restart'),
      'pending',
      hooks,
    );
    expect(r).toMatchObject({ phase: 'pending', failed: { step: 'capacity' } });
    expect(log.filter((l) => l.startsWith('run') || l.startsWith('record'))).toEqual([
      'run lock',
      'record locked',
      'run capacity',
      'run unlock',
      'record pending',
    ]);
  });
  it('a failed withdraw is recorded as withdrawn: some router may have dropped the node already', async () => {
    const { log, hooks } = fake({ failAt: 'withdraw' });
    const r = await runNodeSteps([...NODE_STEPS], 'pending', hooks);
    expect(r).toMatchObject({ phase: 'withdrawn', failed: { step: 'withdraw' } });
    expect(log.filter((l) => l.startsWith('run') || l.startsWith('record'))).toEqual([
      'run lock',
      'record locked',
      'run capacity',
      'run withdraw',
      'record withdrawn',
    ]);
  });
  it('a failed settle (over the loss budget) gives the lock back: the node serves, the roll stops', async () => {
    const { log, hooks } = fake({ failAt: 'settle' });
    const r = await runNodeSteps([...NODE_STEPS], 'pending', hooks);
    expect(r).toMatchObject({ phase: 'announced', failed: { step: 'settle' } });
    expect(log.filter((l) => l.startsWith('run')).slice(-3)).toEqual(['run announce', 'run settle', 'run unlock']);
  });
  it('Ctrl-C finishes the running step, records it, and starts no other', async () => {
    const { log, hooks } = fake({ abortAfter: 'drain' });
    const r = await runNodeSteps(
      NODE_STEPS.filter((s) => s !== 'vm-cold-restart'),
      'pending',
      hooks,
    );
    expect(r).toEqual({ phase: 'drained', interrupted: true });
    expect(log.at(-1)).toBe('record drained');
  });
  it('resumes from a recorded phase', async () => {
    const { log, hooks } = fake();
    const r = await runNodeSteps(['health', 'announce', 'settle', 'unlock'], 'worked', hooks);
    expect(r.phase).toBe('announced');
    expect(log[0]).toBe('event health start');
  });
});
