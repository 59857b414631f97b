// `ober-push restore --check`: what restore would do, read-only. One full probe per selected node; no undrain,
// no announce, no lock or phase written, no relay cleared, no journal touched.
import type { EmitEvent, RollingNodeRecap } from '../events.js';
import { nodeHold, pidAlive, thisProcess } from './lock.js';
import { parseRemotePhase } from './journal.js';
import { healthProblem } from './node-probe.js';
import type { NodeOps } from './node-ops.js';
import { rollFiles } from './remote-files.js';

/** Returns true when every selected node would pass the health gate now. */
export async function checkRestore(
  ops: ReadonlyMap<string, NodeOps>,
  selected: string[],
  emit: EmitEvent,
  journal: string,
  alive: (pid: number) => boolean = pidAlive,
): Promise<boolean> {
  const recaps: RollingNodeRecap[] = [];
  const runs = new Set<string>();
  let allOk = true;
  for (const host of selected) {
    const o = ops.get(host);
    if (!o) continue;
    const t = o.target;
    const files = rollFiles(t.paths);
    const skip = (step: 'health' | 'announce' | 'unlock', detail: string) =>
      emit({ type: 'rolling-step', host, step, status: 'skipped', ms: 0, detail: `check mode: ${detail}` });
    let p;
    try {
      p = await o.probe();
    } catch (error) {
      allOk = false;
      const message = error instanceof Error ? error.message : String(error);
      emit({
        type: 'rolling-step',
        host,
        step: 'health',
        status: 'failed',
        ms: 0,
        detail: `check mode: probe failed: ${message}`,
      });
      recaps.push({ host, phase: 'withdrawn', serving: false, note: `check mode: could not probe: ${message}` });
      continue;
    }
    const phase = parseRemotePhase(p.phaseRaw);
    if (phase) runs.add(phase.runId);
    const hold = nodeHold(p.lockRaw, thisProcess(), new Date(), alive);
    if (hold.kind === 'held') {
      allOk = false;
      emit({
        type: 'rolling-step',
        host,
        step: 'lock',
        status: 'failed',
        ms: 0,
        detail: `check mode: restore would refuse: a live roll holds ${host} (${hold.text})`,
      });
      recaps.push({
        host,
        phase: phase?.phase ?? 'withdrawn',
        serving: false,
        note: 'check mode, nothing changed: a live roll holds the node; restore would refuse',
      });
      continue;
    }
    const problem = healthProblem(p, t.mode);
    const undrain = p.drained === true ? 'would turn the drain switch off, then ' : '';
    skip(
      'health',
      problem === null
        ? `${undrain}would pass the health gate now`
        : `${undrain}would wait for the health gate; now: ${problem}`,
    );
    skip(
      'announce',
      t.mode === 'none'
        ? 'drain: none, nothing to announce'
        : `would remove ${t.paths.withdrawnFile} and re-announce (${t.mode})`,
    );
    skip('unlock', `would remove ${files.lock} and record phase announced`);
    if (problem !== null) allOk = false;
    recaps.push({
      host,
      phase: phase?.phase ?? 'withdrawn',
      serving: false,
      note: `check mode, nothing changed: ${problem === null ? 'would be restored' : `would not pass the health gate now (${problem})`}`,
    });
  }
  for (const runId of runs)
    emit({
      type: 'warning',
      message: `check mode: restore would release the fleet locks of run ${runId} once none of its nodes is left mid-roll`,
    });
  emit({ type: 'rolling-recap', runId: [...runs].join(',') || 'restore', journal, nodes: recaps });
  return allOk;
}
