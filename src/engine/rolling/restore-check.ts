// `ober-push restore --check`: what restore would do, read-only. One full probe per selected node; no undrain,
// no announce, no lock or phase written, no relay cleared, no journal touched.
import type { EmitEvent, RollingNodeRecap, RollingStep } from '../events.js';
import { nodeHold, pidAlive, thisProcess } from './lock.js';
import { parseRemotePhase } from './journal.js';
import { healthProblem, type NodeProbe } from './node-probe.js';
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
    const checked = await checkNode(o, emit, alive);
    if (checked.runId) runs.add(checked.runId);
    if (!checked.ok) allOk = false;
    recaps.push(checked.recap);
  }
  for (const runId of runs)
    emit({
      type: 'warning',
      message: `check mode: restore would release the fleet locks of run ${runId} once none of its nodes is left mid-roll`,
    });
  emit({ type: 'rolling-recap', runId: [...runs].join(',') || 'restore', journal, nodes: recaps });
  return allOk;
}

/** One node: probe it, and say what each restore step would do (or why restore would refuse). */
async function checkNode(
  o: NodeOps,
  emit: EmitEvent,
  alive: (pid: number) => boolean,
): Promise<{ ok: boolean; recap: RollingNodeRecap; runId?: string }> {
  const host = o.target.name;
  const step = (name: RollingStep, status: 'skipped' | 'failed', detail: string) =>
    emit({ type: 'rolling-step', host, step: name, status, ms: 0, detail: `check mode: ${detail}` });
  let p: NodeProbe;
  try {
    p = await o.probe();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    step('health', 'failed', `probe failed: ${message}`);
    const note = `check mode: could not probe: ${message}`;
    return { ok: false, recap: { host, phase: 'withdrawn', serving: false, note } };
  }
  const phase = parseRemotePhase(p.phaseRaw);
  const run = phase ? { runId: phase.runId } : {};
  const recap = (note: string): RollingNodeRecap => ({
    host,
    phase: phase?.phase ?? 'withdrawn',
    serving: false,
    note: `check mode, nothing changed: ${note}`,
  });
  const hold = nodeHold(p.lockRaw, thisProcess(), new Date(), alive);
  if (hold.kind === 'held') {
    step('lock', 'failed', `restore would refuse: a live roll holds ${host} (${hold.text})`);
    return { ok: false, recap: recap('a live roll holds the node; restore would refuse'), ...run };
  }
  const t = o.target;
  const problem = healthProblem(p, t.mode);
  const undrain = p.drained === true ? 'would turn the drain switch off, then ' : '';
  const gate = problem === null ? 'would pass the health gate now' : `would wait for the health gate; now: ${problem}`;
  step('health', 'skipped', `${undrain}${gate}`);
  const reannounce = `would remove ${t.paths.withdrawnFile} and re-announce (${t.mode})`;
  step('announce', 'skipped', t.mode === 'none' ? 'drain: none, nothing to announce' : reannounce);
  step('unlock', 'skipped', `would remove ${rollFiles(t.paths).lock} and record phase announced`);
  const verdict = problem === null ? 'would be restored' : `would not pass the health gate now (${problem})`;
  return { ok: problem === null, recap: recap(verdict), ...run };
}
