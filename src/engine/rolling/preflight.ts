// Before a roll touches anything: read every node's roll state and decide, per node, where the roll starts it
// (resume), whose lock it may take over (--break-lock), or why the roll must not start. The fleet's nodes that
// --limit left out are judged too, for what a roll must not run beside: another run's locks, a node left mid-roll.
import type { RollingPhase } from '../events.js';
import type { Journal } from './journal.js';
import { parseRemotePhase, type RemotePhase } from './journal.js';
import { classifyLock, normalizeLockText, type Me } from './lock.js';
import { isUnfinished, phaseIndex } from './phase.js';

export interface NodeRollState {
  host: string;
  phaseRaw: string;
  lockRaw: string;
  fleetLockRaw: string;
  withdrawnFile: boolean;
}

export interface PreflightInput {
  nodes: NodeRollState[];
  me: Me;
  now: Date;
  /** The journal of the run being resumed (me.runId === resume.runId), or null for a new roll. */
  resume: Journal | null;
  breakLock: boolean;
  pidAlive: (pid: number) => boolean;
  /** How the operator names the inventory in the commands we suggest. */
  inventory: string;
  /** Nodes of the fleet this roll does not roll (--limit left them out): read for their locks and state only. */
  counted?: ReadonlySet<string>;
}

export interface LockTakeover {
  fleet: string | null;
  node: string | null;
}

export interface PreflightPlan {
  /** Per rolled node: the phase the roll starts it from. */
  start: Map<string, RollingPhase>;
  /** Per node: the exact lock texts this run may replace (its earlier process's on resume, or what --break-lock takes over); null: only a free lock. */
  takeover: Map<string, LockTakeover>;
  /** The nodes whose fleet lock the roll takes: every node it read (rolled and counted), in order. */
  lockHosts: string[];
  warnings: string[];
  problems: Array<{ host: string; message: string }>;
}

export function preflight(input: PreflightInput): PreflightPlan {
  const { resume } = input;
  const plan: PreflightPlan = { start: new Map(), takeover: new Map(), lockHosts: [], warnings: [], problems: [] };
  for (const n of input.nodes) {
    const counted = input.counted?.has(n.host) ?? false;
    const remote = parseRemotePhase(n.phaseRaw);
    const local = resume?.nodes[n.host]?.phase ?? 'pending';
    let start: RollingPhase = resume ? local : 'pending';
    // The earlier of the two records: the node's own may lag (the connection died) or lead (we died before the journal).
    if (resume && remote?.runId === resume.runId && phaseIndex(remote.phase) < phaseIndex(local)) start = remote.phase;
    plan.takeover.set(n.host, judgeLocks(input, n, counted, plan));
    plan.lockHosts.push(n.host);
    if (counted) judgeCounted(input, n, remote, plan);
    else plan.start.set(n.host, judgeRolled(input, n, remote, start, plan));
  }
  return plan;
}

/** The fleet lock and node lock: free, ours to take over, or held by another run (refused, or --break-lock). */
function judgeLocks(input: PreflightInput, n: NodeRollState, counted: boolean, plan: PreflightPlan): LockTakeover {
  const takeover: LockTakeover = { fleet: null, node: null };
  for (const [what, key, raw] of [
    ['fleet lock', 'fleet', n.fleetLockRaw],
    ['node lock', 'node', n.lockRaw],
  ] as const) {
    const v = classifyLock(raw, input.me, input.now, input.pidAlive);
    if (v.kind === 'free') continue;
    if (v.kind === 'ours' || v.kind === 'resumable') {
      takeover[key] = normalizeLockText(raw);
      continue;
    }
    if (input.breakLock && counted && key === 'node') {
      // This roll never takes a counted node's node lock: --break-lock leaves it where it is.
      plan.warnings.push(`${n.host}: not rolled (--limit): its node lock of ${v.text} is left as it is`);
      continue;
    }
    if (input.breakLock) {
      plan.warnings.push(`${n.host}: breaking the ${what} of ${v.text}`);
      takeover[key] = normalizeLockText(raw);
      continue;
    }
    const hint =
      v.kind === 'stale'
        ? 'it looks stale: --break-lock takes it over'
        : 'another roll is running: wait for it, or --break-lock if it is dead';
    plan.problems.push({ host: n.host, message: `${what} held by ${v.text} (${hint})` });
  }
  return takeover;
}

function fixHint(input: PreflightInput, host: string): string {
  return `\`ober-push resume -i ${input.inventory}\` continues that roll; \`ober-push restore -i ${input.inventory} --limit ${host}\` re-announces the node once healthy`;
}

/** Where a rolled node starts: a node another run left mid-roll or withdrawn by hand is refused (or adopted). */
function judgeRolled(
  input: PreflightInput,
  n: NodeRollState,
  remote: RemotePhase | null,
  start: RollingPhase,
  plan: PreflightPlan,
): RollingPhase {
  const { me, resume } = input;
  if (remote && remote.runId !== me.runId && isUnfinished(remote.phase)) {
    if (input.breakLock) {
      // Adopt the node where the other run left it: it is out of service already and must not be skipped.
      plan.warnings.push(`${n.host}: adopting it in phase ${remote.phase} from run ${remote.runId}`);
      return phaseIndex(remote.phase) < phaseIndex('locked') ? 'pending' : remote.phase;
    }
    plan.problems.push({
      host: n.host,
      message: `left in phase "${remote.phase}" by run ${remote.runId} at ${remote.at}${n.withdrawnFile ? ' (withdrawn)' : ''}: ${fixHint(input, n.host)}`,
    });
  } else if (n.withdrawnFile && !(resume && isUnfinished(start)) && phaseIndex(start) < phaseIndex('withdrawn')) {
    plan.problems.push({
      host: n.host,
      message: `is withdrawn (withdraw file present, not by a roll): \`ober-push restore -i ${input.inventory} --limit ${n.host}\` re-announces it once healthy, or leave it out with --limit '!${n.host}'`,
    });
  }
  return start;
}

/**
 * A counted node is never moved by this roll: one another run left mid-roll is refused even with --break-lock
 * (only a roll that rolls it can adopt it); one withdrawn by hand is only not serving (the capacity floor says so).
 */
function judgeCounted(input: PreflightInput, n: NodeRollState, remote: RemotePhase | null, plan: PreflightPlan): void {
  if (remote && remote.runId !== input.me.runId && isUnfinished(remote.phase)) {
    plan.problems.push({
      host: n.host,
      message:
        `left in phase "${remote.phase}" by run ${remote.runId} at ${remote.at}${n.withdrawnFile ? ' (withdrawn)' : ''}, ` +
        `and not rolled (--limit), so this roll cannot adopt it: ${fixHint(input, n.host)}; or add it to --limit`,
    });
  } else if (n.withdrawnFile) {
    plan.warnings.push(
      `${n.host}: withdrawn (withdraw file present, not by a roll) and not rolled (--limit): the capacity floor counts it as not serving`,
    );
  }
}
