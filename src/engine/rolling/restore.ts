// `ober-push restore`: put withdrawn nodes back into service, health gate first (never re-announce an unhealthy
// node), then record them announced and release the roll's locks once no node of that roll is left mid-way.
import { sh } from '../../core/shell.js';
import type { EmitEvent, RollingNodeRecap } from '../events.js';
import type { HostSession } from '../host-session.js';
import { healthGate } from './health-gate.js';
import { parseRemotePhase, readJournal, withPhase, writeJournal } from './journal.js';
import { sessionOps, StepFailed, type NodeOps } from './node-ops.js';
import type { NodeProbe } from './node-probe.js';
import { DEFAULTS, type RollingRunOptions } from './options.js';
import { checkRestore } from './restore-check.js';
import { runKey } from './lock.js';
import { isUnfinished } from './phase.js';
import { clearRelay } from './relay.js';
import { releaseScript, rollFiles, writePhaseScript } from './remote-files.js';
import { readNextHops } from './router.js';
import { announce } from './withdraw.js';
import type { RollTarget } from './target.js';

export interface RestoreInput {
  /** Every node of the fleet (their locks are released when the roll they belong to has nothing left). */
  nodes: Array<{ session: HostSession; target: RollTarget }>;
  /** The nodes to restore. */
  selected: string[];
  emit: EmitEvent;
  /** check: report what restore would do, change nothing (restore-check.ts). */
  options: RollingRunOptions & { signal?: AbortSignal; check?: boolean };
}

/** Returns true when every selected node serves again. */
export async function restoreNodes(input: RestoreInput): Promise<boolean> {
  const { emit } = input;
  const ro = input.options;
  const ops = new Map<string, NodeOps>(input.nodes.map((n) => [n.target.name, sessionOps(n.session, n.target, true)]));
  if (ro.check) return checkRestore(ops, input.selected, emit, ro.journalBaseDir ?? '-');
  const probes = new Map<string, NodeProbe>();
  await Promise.all([...ops].map(async ([h, o]) => probes.set(h, await o.probe(true))));
  const recaps: RollingNodeRecap[] = [];
  const runs = new Set<string>();
  let allOk = true;
  for (const host of input.selected) {
    const o = ops.get(host) as NodeOps;
    const p = probes.get(host) as NodeProbe;
    const phase = parseRemotePhase(p.phaseRaw);
    if (phase) runs.add(phase.runId);
    const step = async <T>(name: 'health' | 'announce' | 'unlock', f: () => Promise<T & { status: 'ok' | 'skipped'; detail?: string }>) => {
      const started = Date.now();
      emit({ type: 'rolling-step', host, step: name, status: 'start', ms: 0 });
      try {
        const r = await f();
        emit({ type: 'rolling-step', host, step: name, status: r.status, ms: Date.now() - started, ...(r.detail ? { detail: r.detail } : {}) });
      } catch (error) {
        emit({ type: 'rolling-step', host, step: name, status: 'failed', ms: Date.now() - started, detail: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    };
    try {
      await step('health', () => healthGate(o, ro.healthTimeoutMs ?? DEFAULTS.healthTimeoutMs, ro.signal));
      await step('announce', () => announce(o, { nextHops: ro.nextHops ?? readNextHops, vipsHeld: [], verifyTimeoutMs: ro.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs, ...(ro.signal ? { signal: ro.signal } : {}) }));
      const files = rollFiles(o.target.paths);
      await step('unlock', async () => {
        const record = JSON.stringify({ runId: phase?.runId ?? 'restore', phase: 'announced', at: new Date().toISOString() });
        const r = await o.exec(`${sh`rm -f ${files.lock}`.text}\n${writePhaseScript(files.phase, record)}`, 10_000);
        if (r.code !== 0) throw new StepFailed('unlock', host, `recording the phase failed (exit ${r.code})`, r.stderr);
        return { status: 'ok' as const };
      });
      probes.set(host, { ...p, phaseRaw: JSON.stringify({ runId: phase?.runId ?? 'restore', phase: 'announced', at: new Date().toISOString() }) });
      recaps.push({ host, phase: 'announced', serving: true, note: 'restored' });
      if (phase && ro.journalBaseDir !== undefined) {
        const j = await readJournal(ro.journalBaseDir, phase.runId);
        if (j) await writeJournal(ro.journalBaseDir, withPhase(j, host, 'announced', new Date()));
      }
    } catch (error) {
      allOk = false;
      recaps.push({ host, phase: phase?.phase ?? 'withdrawn', serving: false, note: `not restored: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  // No node is moving while we restore: an arm left by an interrupted roll is stale.
  await clearRelay([...ops.values()]);
  // A roll with no node left mid-way holds nothing any more: release its fleet locks.
  for (const runId of runs) {
    const open = [...probes.values()].some((p) => {
      const ph = parseRemotePhase(p.phaseRaw);
      return ph?.runId === runId && isUnfinished(ph.phase);
    });
    if (open) continue;
    await Promise.all([...ops.values()].map((o) => o.exec(releaseScript(rollFiles(o.target.paths).fleetLock, runKey(runId)), 10_000).catch(() => undefined)));
    if (ro.journalBaseDir !== undefined) {
      const j = await readJournal(ro.journalBaseDir, runId);
      if (j) await writeJournal(ro.journalBaseDir, { ...j, status: 'done' });
    }
  }
  emit({ type: 'rolling-recap', runId: [...runs].join(',') || 'restore', journal: ro.journalBaseDir ?? '-', nodes: recaps });
  return allOk;
}
