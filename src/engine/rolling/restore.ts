// `ober-push restore`: put withdrawn nodes back into service, health gate first (never re-announce an unhealthy
// node), then record them announced and release the roll's locks once no node of that roll is left mid-way.
import { script, sh } from '../../core/shell.js';
import type { EmitEvent, RollingNodeRecap } from '../events.js';
import type { HostSession } from '../host-session.js';
import { healthGate } from './health-gate.js';
import { parseRemotePhase, readJournal, withPhase, writeJournal, type RemotePhase } from './journal.js';
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

type RestoreStep = 'lock' | 'health' | 'announce' | 'unlock';
type Outcome = { status: 'ok' | 'skipped'; detail?: string };
type Hold = ReturnType<typeof nodeHold>;

/** What restoring one node reads: the options, its ops and probe, and the hold on its node lock. */
interface RestoreNode {
  host: string;
  ops: NodeOps;
  probe: NodeProbe;
  hold: Hold;
  options: RestoreInput['options'];
  emit: EmitEvent;
}

/** Returns true when every selected node serves again. */
export async function restoreNodes(input: RestoreInput): Promise<boolean> {
  const ro = input.options;
  const ops = new Map<string, NodeOps>(input.nodes.map((n) => [n.target.name, sessionOps(n.session, n.target, true)]));
  if (ro.check) return checkRestore(ops, input.selected, input.emit, ro.journalBaseDir ?? '-', ro.pidAlive);
  const probes = new Map<string, NodeProbe>();
  await Promise.all([...ops].map(async ([h, o]) => probes.set(h, await o.probe(true))));
  // A live roll re-announces its nodes itself: restoring under it would give a node two owners.
  const self = thisProcess();
  const hold = (text: string) => nodeHold(text, self, new Date(), ro.pidAlive ?? pidAlive);
  // Its fleet lock is on every node it has not reached yet: the relay arm and fleet locks are then its own too.
  const liveRoll = [...probes.values()].some(
    (p) => hold(p.lockRaw).kind === 'held' || hold(p.fleetLockRaw).kind === 'held',
  );
  const recaps: RollingNodeRecap[] = [];
  const runs = new Set<string>();
  for (const host of input.selected) {
    const probe = probes.get(host) as NodeProbe;
    const phase = parseRemotePhase(probe.phaseRaw);
    if (phase) runs.add(phase.runId);
    const node = {
      host,
      ops: ops.get(host) as NodeOps,
      probe,
      hold: hold(probe.lockRaw),
      options: ro,
      emit: input.emit,
    };
    const recap = await restoreNode(node, phase);
    if (recap.serving) probes.set(host, { ...probe, phaseRaw: announcedRecord(phase) });
    recaps.push(recap);
  }
  // With a live roll on the fleet, its relay arm and fleet locks are its own: leave them.
  if (!liveRoll) await releaseFinishedRuns([...ops.values()], probes, runs, ro.journalBaseDir);
  input.emit({
    type: 'rolling-recap',
    runId: [...runs].join(',') || 'restore',
    journal: ro.journalBaseDir ?? '-',
    nodes: recaps,
  });
  return recaps.every((r) => r.serving);
}

/** The node's phase record once restored (the run it belonged to keeps its id). */
function announcedRecord(phase: RemotePhase | null): string {
  return JSON.stringify({ runId: phase?.runId ?? 'restore', phase: 'announced', at: new Date().toISOString() });
}

/** lock (refused under a live roll) → health gate → announce (verified) → unlock and record; the node's recap. */
async function restoreNode(n: RestoreNode, phase: RemotePhase | null): Promise<RollingNodeRecap> {
  const ro = n.options;
  try {
    await reportedStep(n, 'lock', () => lockHold(n));
    await reportedStep(n, 'health', () => healthGate(n.ops, ro.healthTimeoutMs ?? DEFAULTS.healthTimeoutMs, ro.signal));
    await reportedStep(n, 'announce', () =>
      announce(n.ops, {
        vipsHeld: [],
        flowRate: null, // nothing was measured before this node left
        verifyTimeoutMs: ro.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs,
        ...(ro.signal ? { signal: ro.signal } : {}),
      }),
    );
    await reportedStep(n, 'unlock', () => unlockAndRecord(n, phase));
    if (phase && ro.journalBaseDir !== undefined) {
      const j = await readJournal(ro.journalBaseDir, phase.runId);
      if (j) await writeJournal(ro.journalBaseDir, withPhase(j, n.host, 'announced', new Date()));
    }
    return { host: n.host, phase: 'announced', serving: true, note: 'restored' };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { host: n.host, phase: phase?.phase ?? 'withdrawn', serving: false, note: `not restored: ${why}` };
  }
}

function lockHold(n: RestoreNode): Promise<Outcome> {
  if (n.hold.kind === 'held') {
    const why = `a live roll holds ${n.host} (${n.hold.text}): it re-announces the node itself; restore once that roll has ended`;
    throw new StepFailed('lock', n.host, why);
  }
  return Promise.resolve({
    status: 'ok',
    ...(n.hold.kind === 'stale' ? { detail: `stale lock (${n.hold.text})` } : {}),
  });
}

async function unlockAndRecord(n: RestoreNode, phase: RemotePhase | null): Promise<Outcome> {
  const files = rollFiles(n.ops.target.paths);
  const r = await n.ops.exec(
    script(sh`rm -f ${files.lock}`, writePhaseScript(files.phase, announcedRecord(phase))),
    10_000,
  );
  if (r.code !== 0) throw new StepFailed('unlock', n.host, `recording the phase failed (exit ${r.code})`, r.stderr);
  return { status: 'ok' };
}

/** Run one step, reporting its start and its end (ok, skipped or failed with the error's message). */
async function reportedStep(n: RestoreNode, step: RestoreStep, run: () => Promise<Outcome>): Promise<void> {
  const started = Date.now();
  const end = (status: 'ok' | 'skipped' | 'failed', detail?: string) =>
    n.emit({
      type: 'rolling-step',
      host: n.host,
      step,
      status,
      ms: Date.now() - started,
      ...(detail ? { detail } : {}),
    });
  n.emit({ type: 'rolling-step', host: n.host, step, status: 'start', ms: 0 });
  try {
    const r = await run();
    end(r.status, r.detail);
  } catch (error) {
    end('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
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
