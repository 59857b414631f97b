// One node's way through its steps, in order. The step runner does the work; this records each phase (journal
// and node) after its step, stops at the first failure (the node stays where it is, or where the failed step may
// have taken it), undoes the lock when the capacity floor stops a node that was not touched yet, and honours
// Ctrl-C between steps.
import type { RollingPhase, RollingStep, RollingStepEvent } from '../events.js';
import type { StepOutcome } from './node-ops.js';
import { PHASE_AFTER, PHASE_IF_FAILED } from './phase.js';

export interface NodeStepHooks {
  run(step: RollingStep): Promise<StepOutcome>;
  record(phase: RollingPhase): Promise<void>;
  emit(event: Omit<RollingStepEvent, 'type' | 'host'>): void;
  aborted(): boolean;
}

export interface NodeRunResult {
  phase: RollingPhase;
  failed?: { step: RollingStep; error: unknown };
  interrupted?: boolean;
}

export async function runNodeSteps(
  steps: RollingStep[],
  start: RollingPhase,
  hooks: NodeStepHooks,
): Promise<NodeRunResult> {
  let phase = start;
  for (const step of steps) {
    if (hooks.aborted()) return { phase, interrupted: true };
    const started = Date.now();
    hooks.emit({ step, status: 'start', ms: 0 });
    try {
      const outcome = await hooks.run(step);
      hooks.emit({
        step,
        status: outcome.status,
        ms: Date.now() - started,
        ...(outcome.detail ? { detail: outcome.detail } : {}),
        ...(outcome.proof ? { proof: outcome.proof } : {}),
      });
    } catch (error) {
      hooks.emit({
        step,
        status: 'failed',
        ms: Date.now() - started,
        detail: error instanceof Error ? error.message : String(error),
      });
      if (step === 'capacity') {
        // Nothing was done to the node but the lock: give it back, so the node is exactly as before.
        await hooks.run('unlock').catch(() => undefined);
        phase = 'pending';
        await hooks.record(phase).catch(() => undefined);
      }
      // A failed settle (the loss budget) leaves a node that serves again: its lock goes back, the roll stops.
      if (step === 'settle') await hooks.run('unlock').catch(() => undefined);
      const reached = PHASE_IF_FAILED[step];
      if (reached) {
        phase = reached;
        await hooks.record(phase).catch(() => undefined);
      }
      return { phase, failed: { step, error } };
    }
    const next = PHASE_AFTER[step];
    if (next) {
      phase = next;
      await hooks.record(phase);
    }
  }
  return { phase };
}
