// `ober-push restore`: put withdrawn nodes back into service, health gate first (never re-announce an unhealthy
// node), then record them announced and release the roll's locks once no node of that roll is left mid-way.
import { script, sh } from '../../core/shell.js';
import type { EmitEvent, RollingNodeRecap } from '../events.js';
import type { HostSession } from '../host-session.js';
import { healthGate } from './health-gate.js';
import { parseRemotePhase, readJournal, withPhase, writeJournal } from './journal.js';
import { sessionOps, StepFailed, type NodeOps } from './node-ops.js';
import type { NodeProbe } from './node-probe.js';
import { DEFAULTS, type RollingRunOptions } from './options.js';
import { checkRestore } from './restore-check.js';
import { nodeHold, pidAlive, runKey, thisProcess } from './lock.js';
import { isUnfinished } from './phase.js';
import { clearRelay } from './relay.js';
import { releaseScript, rollFiles, writePhaseScript } from './remote-files.js';
import { announce } from './withdraw.js';
import type { RollTarget } from './target.js';

export interface RestoreInput {
  /** Every node of the fleet (their locks are released when the roll they belong to has nothing left). */
  nodes: Array<{ session: HostSession; target: RollTarget }>;
  /** The nodes to restore. */
  selected: string[];
  emit: EmitEvent;
  /** check: report what restore would do, change nothing (restore-check.ts). */
  options: RollingRunOptions & { signal?: AbortSignal; check?: boolean; pidAlive?: (pid: number) => boolean };
}

/** Returns true when every selected node serves again. */
export async function restoreNodes(input: RestoreInput): Promise<boolean> {
  const { emit } = input;
  const ro = input.options;
  const ops = new Map<string, NodeOps>(input.nodes.map((n) => [n.target.name, sessionOps(n.session, n.target, true)]));
  if (ro.check) return checkRestore(ops, input.selected, emit, ro.journalBaseDir ?? '-', ro.pidAlive);
  const probes = new Map<string, NodeProbe>();
  await Promise.all([...ops].map(async ([h, o]) => probes.set(h, await o.probe(true))));
  // A live roll re-announces its nodes itself: restoring under it would give a node two owners.
  const self = thisProcess();
  const hold = (text: string) => nodeHold(text, self, new Date(), ro.pidAlive ?? pidAlive);
  const holds = new Map([...probes].map(([h, p]) => [h, hold(p.lockRaw)]));
  // Its fleet lock is on every node it has not reached yet: the relay arm and fleet locks are then its own too.
  const liveRoll = [...probes.values()].some(
    (p) => hold(p.lockRaw).kind === 'held' || hold(p.fleetLockRaw).kind === 'held',
  );
  const recaps: RollingNodeRecap[] = [];
  const runs = new Set<string>();
  let allOk = true;
  for (const host of input.selected) {
    const o = ops.get(host) as NodeOps;
    const p = probes.get(host) as NodeProbe;
    const phase = parseRemotePhase(p.phaseRaw);
    if (phase) runs.add(phase.runId);
    const step = async <T>(
      name: 'lock' | 'health' | 'announce' | 'unlock',
      f: () => Promise<T & { status: 'ok' | 'skipped'; detail?: string }>,
    ) => {
      const started = Date.now();
      emit({ type: 'rolling-step', host, step: name, status: 'start', ms: 0 });
      try {
        const r = await f();
        emit({
          type: 'rolling-step',
          host,
          step: name,
          status: r.status,
          ms: Date.now() - started,
          ...(r.detail ? { detail: r.detail } : {}),
        });
      } catch (error) {
        emit({
          type: 'rolling-step',
          host,
          step: name,
          status: 'failed',
          ms: Date.now() - started,
          detail: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    };
    try {
      await step('lock', () => {
        const hold = holds.get(host) ?? { kind: 'free' };
        if (hold.kind === 'held')
          throw new StepFailed(
            'lock',
            host,
            `a live roll holds ${host} (${hold.text}): it re-announces the node itself; restore once that roll has ended`,
          );
        return Promise.resolve({
          status: 'ok' as const,
          ...(hold.kind === 'stale' ? { detail: `stale lock (${hold.text})` } : {}),
        });
      });
      await step('health', () => healthGate(o, ro.healthTimeoutMs ?? DEFAULTS.healthTimeoutMs, ro.signal));
      await step('announce', () =>
        announce(o, {
          vipsHeld: [],
          verifyTimeoutMs: ro.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs,
          ...(ro.signal ? { signal: ro.signal } : {}),
        }),
      );
      const files = rollFiles(o.target.paths);
      await step('unlock', async () => {
        const record = JSON.stringify({
          runId: phase?.runId ?? 'restore',
          phase: 'announced',
          at: new Date().toISOString(),
        });
        const r = await o.exec(script(sh`rm -f ${files.lock}`, writePhaseScript(files.phase, record)), 10_000);
        if (r.code !== 0) throw new StepFailed('unlock', host, `recording the phase failed (exit ${r.code})`, r.stderr);
        return { status: 'ok' as const };
      });
      probes.set(host, {
        ...p,
        phaseRaw: JSON.stringify({
          runId: phase?.runId ?? 'restore',
          phase: 'announced',
          at: new Date().toISOString(),
        }),
      });
      recaps.push({ host, phase: 'announced', serving: true, note: 'restored' });
      if (phase && ro.journalBaseDir !== undefined) {
        const j = await readJournal(ro.journalBaseDir, phase.runId);
        if (j) await writeJournal(ro.journalBaseDir, withPhase(j, host, 'announced', new Date()));
      }
    } catch (error) {
      allOk = false;
      recaps.push({
        host,
        phase: phase?.phase ?? 'withdrawn',
        serving: false,
        note: `not restored: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  // With a live roll on the fleet, its relay arm and fleet locks are its own: leave them.
  if (!liveRoll) await releaseFinishedRuns([...ops.values()], probes, runs, ro.journalBaseDir);
  emit({
    type: 'rolling-recap',
    runId: [...runs].join(',') || 'restore',
    journal: ro.journalBaseDir ?? '-',
    nodes: recaps,
  });
  return allOk;
}

/** No node is moving: clear a stale relay arm, and release the fleet locks of every run with no node left mid-way. */
async function releaseFinishedRuns(
  ops: NodeOps[],
  probes: Map<string, NodeProbe>,
  runs: Set<string>,
  journalBaseDir: string | undefined,
): Promise<void> {
  await clearRelay(ops);
  for (const runId of runs) {
    const open = [...probes.values()].some((p) => {
      const ph = parseRemotePhase(p.phaseRaw);
      return ph?.runId === runId && isUnfinished(ph.phase);
    });
    if (open) continue;
    await Promise.all(
      ops.map((o) =>
        o.exec(releaseScript(rollFiles(o.target.paths).fleetLock, runKey(runId)), 10_000).catch(() => undefined),
      ),
    );
    if (journalBaseDir !== undefined) {
      const j = await readJournal(journalBaseDir, runId);
      if (j) await writeJournal(journalBaseDir, { ...j, status: 'done' });
    }
  }
}
