// The roll's first step: read every fleet node's roll state before anything is touched, and decide where each
// rolled node starts (resume), whose lock the run may take over (--break-lock), or why the roll must not start.
import { pidAlive } from './lock.js';
import { preflight, type NodeRollState, type PreflightPlan } from './preflight.js';
import { failNode, nodeOf, type RollContext } from './roll-context.js';

/** The plan, or null when a node could not be read or must not be rolled (each reported as a failure). */
export async function preflightRoll(rc: RollContext): Promise<PreflightPlan | null> {
  const states = await Promise.all(rc.fleet.map((h) => readState(rc, h)));
  const plan = preflight({
    nodes: states.filter((s) => s !== null),
    me: rc.me,
    now: new Date(),
    resume: rc.options.resume ?? null,
    breakLock: Boolean(rc.play.options.breakLock),
    pidAlive,
    inventory: rc.inventory,
    counted: new Set(rc.counted),
  });
  for (const w of plan.warnings) rc.emit({ type: 'warning', message: w });
  for (const p of plan.problems) failNode(rc, p.host, 'preflight', new Error(p.message));
  const unread = rc.fleet.filter((h, i) => states[i] === null);
  if (unread.some((h) => !rc.counted.includes(h)) || plan.problems.length > 0) return null;
  for (const [h, phase] of plan.start) rc.phases.set(h, phase);
  return plan;
}

/**
 * A rolled node that cannot be read stops the roll. A counted one is only not serving (the capacity floor finds
 * it so): said, and left out of the fleet lock, so a node that is down does not block rolling the others.
 */
async function readState(rc: RollContext, host: string): Promise<NodeRollState | null> {
  try {
    const p = await nodeOf(rc, host).ops.probe(true);
    const { phaseRaw, lockRaw, fleetLockRaw, withdrawnFile } = p;
    return { host, phaseRaw, lockRaw, fleetLockRaw, withdrawnFile };
  } catch (error) {
    if (!rc.counted.includes(host)) {
      failNode(rc, host, 'preflight', error);
      return null;
    }
    const why = error instanceof Error ? error.message : String(error);
    rc.emit({
      type: 'warning',
      host,
      message: `not rolled (--limit) and its roll state cannot be read (${why}): no fleet lock there; the capacity floor counts it as not serving`,
    });
    return null;
  }
}
