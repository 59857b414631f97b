// The roll's first step: read every node's roll state before anything is touched, and decide where each node
// starts (resume), whose lock the run may take over (--break-lock), or why the roll must not start.
import { pidAlive } from './lock.js';
import { preflight, type NodeRollState, type PreflightPlan } from './preflight.js';
import { failNode, nodeOf, type RollContext } from './roll-context.js';

/** The plan, or null when a node could not be read or must not be rolled (each reported as a failure). */
export async function preflightRoll(rc: RollContext): Promise<PreflightPlan | null> {
  const states = await Promise.all(rc.hosts.map((h) => readState(rc, h)));
  const plan = preflight({
    nodes: states.filter((s) => s !== null),
    me: rc.me,
    now: new Date(),
    resume: rc.options.resume ?? null,
    breakLock: Boolean(rc.play.options.breakLock),
    pidAlive,
    inventory: rc.inventory,
  });
  for (const w of plan.warnings) rc.emit({ type: 'warning', message: w });
  for (const p of plan.problems) failNode(rc, p.host, 'preflight', new Error(p.message));
  if (states.some((s) => s === null) || plan.problems.length > 0) return null;
  for (const [h, phase] of plan.start) rc.phases.set(h, phase);
  return plan;
}

async function readState(rc: RollContext, host: string): Promise<NodeRollState | null> {
  try {
    const p = await nodeOf(rc, host).ops.probe(true);
    const { phaseRaw, lockRaw, fleetLockRaw, withdrawnFile } = p;
    return { host, phaseRaw, lockRaw, fleetLockRaw, withdrawnFile };
  } catch (error) {
    failNode(rc, host, 'preflight', error);
    return null;
  }
}
