// The roll's second step: the fleet lock on every node of the fleet, counted ones too (and the node lock of a node
// resumed past its lock step), all or nothing; then the stray-packet relay is cleared, since a run killed while it
// was armed left it so.
import { lockContent } from './lock.js';
import { stepsFrom } from './phase.js';
import type { PreflightPlan } from './preflight.js';
import { clearRelay } from './relay.js';
import { failNode, fleetOps, type RollContext } from './roll-context.js';
import { takeRollLocks } from './take-locks.js';

/** True when every lock is held by this run. */
export async function lockFleet(rc: RollContext, plan: PreflightPlan): Promise<boolean> {
  const locks = await takeRollLocks({
    // Every fleet node preflight could read: the rolled ones and the ones --limit left out (one roll per fleet).
    hosts: plan.lockHosts,
    ops: new Map([...rc.nodes].map(([h, n]) => [h, n.ops])),
    takeover: plan.takeover,
    content: lockContent(rc.me, new Date()),
    // A node resumed (or adopted) past its lock step keeps the old process's node lock: swapped to ours, atomically.
    pastLockStep: (h) => !stepsFrom(plan.start.get(h) ?? 'pending').includes('lock'),
  });
  for (const f of locks.failures) failNode(rc, f.host, 'lock', f.error);
  if (locks.givenBack > 0)
    rc.emit({ type: 'warning', message: `not every roll lock could be taken: gave back the ${locks.givenBack} taken` });
  // Nothing is moving now, so no arm left on any node is valid.
  if (locks.ok) await clearRelay(fleetOps(rc));
  return locks.ok;
}
