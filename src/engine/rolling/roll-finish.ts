// The roll's last step, however it ended: no relay arm left behind, the fleet lock released when no node is left
// mid-roll (otherwise it tells the next run to resume), the journal's final status, and the recap.
import type { RollingNodeRecap, RollingPhase } from '../events.js';
import type { Journal } from './journal.js';
import { summarizeProofs, type NodeProofs } from './proof.js';
import { holderKey } from './lock.js';
import { isUnfinished } from './phase.js';
import { clearRelay } from './relay.js';
import { releaseScript, rollFiles } from './remote-files.js';
import { fleetOps, type RollContext } from './roll-context.js';
import type { RollJournal } from './roll-journal.js';

export async function finishRoll(
  rc: RollContext,
  journal: RollJournal,
  file: string,
  locked: boolean,
  stopped: string | undefined,
): Promise<void> {
  const phaseOf = (h: string): RollingPhase => rc.phases.get(h) ?? 'pending';
  if (locked) {
    // A step that failed or was interrupted between arm and disarm leaves no arm behind: nothing moves any more.
    const relay = await clearRelay(fleetOps(rc));
    if (relay.unavailable.length > 0 && stopped)
      rc.emit({
        type: 'warning',
        message: `the stray-packet relay could not be cleared on ${relay.unavailable.join(', ')}`,
      });
  }
  const unfinished = rc.hosts.filter((h) => isUnfinished(phaseOf(h)));
  if (unfinished.length === 0 && locked) {
    await Promise.all(
      fleetOps(rc).map((o) =>
        o.exec(releaseScript(rollFiles(o.target.paths).fleetLock, holderKey(rc.me)), 10_000).catch(() => undefined),
      ),
    );
  }
  const status = stopped === 'interrupted' ? 'interrupted' : stopped || unfinished.length ? 'failed' : 'done';
  await journal.update((j) => ({ ...j, status }));
  rc.emit({
    type: 'rolling-recap',
    runId: rc.me.runId,
    journal: file,
    nodes: rc.hosts.map((h) => withProofs(nodeRecap(h, phaseOf(h), journal.value, rc.inventory), rc.proofs.get(h))),
    ...(stopped ? { stopped } : {}),
    ...(rc.counted.length > 0 ? { counted: [...rc.counted] } : {}),
  });
}

/** The node's proofs, and their summary after its note ("rolled · routers ok (r1, r2), data plane ok, ..."). */
function withProofs(recap: RollingNodeRecap, proofs: NodeProofs | undefined): RollingNodeRecap {
  const summary = proofs ? summarizeProofs(proofs) : '';
  if (!proofs) return recap;
  return { ...recap, proofs, ...(summary ? { note: recap.note ? `${recap.note} · ${summary}` : summary } : {}) };
}

function nodeRecap(host: string, phase: RollingPhase, journal: Journal, inventory: string): RollingNodeRecap {
  const error = journal.nodes[host]?.error;
  if (phase === 'announced')
    return {
      host,
      phase,
      serving: true,
      note: error ? `rolled; ${error.step} stopped the roll: ${error.message}` : 'rolled',
    };
  if (phase === 'pending')
    return { host, phase, serving: true, note: error ? `untouched (${error.step} stopped it)` : 'untouched' };
  const where = error ? `stopped at ${error.step}` : 'interrupted';
  const serving = phase === 'locked';
  const resume = `\`ober-push resume -i ${inventory}\``;
  const restore = `\`ober-push restore -i ${inventory} --limit ${host}\``;
  return {
    host,
    phase,
    serving,
    note: `${where}; ${serving ? `still serving: ${resume}` : `withdrawn: ${resume} or ${restore}`}`,
  };
}
