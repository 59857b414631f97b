// Before a roll touches anything: read every node's roll state and decide, per node, where the roll starts it
// (resume), whose lock it may take over (--break-lock), or why the roll must not start.
import type { RollingPhase } from '../events.js';
import type { Journal } from './journal.js';
import { parseRemotePhase } from './journal.js';
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
}

export interface LockTakeover {
  fleet: string | null;
  node: string | null;
}

export interface PreflightPlan {
  /** Per node: the phase the roll starts it from. */
  start: Map<string, RollingPhase>;
  /** Per node: the exact lock texts this run may replace (its earlier process's on resume, or what --break-lock takes over); null: only a free lock. */
  takeover: Map<string, LockTakeover>;
  warnings: string[];
  problems: Array<{ host: string; message: string }>;
}

export function preflight(input: PreflightInput): PreflightPlan {
  const { me, now, resume } = input;
  const plan: PreflightPlan = { start: new Map(), takeover: new Map(), warnings: [], problems: [] };
  const fix = (host: string) =>
    `\`ober-push resume -i ${input.inventory}\` continues that roll; \`ober-push restore -i ${input.inventory} --limit ${host}\` re-announces the node once healthy`;
  for (const n of input.nodes) {
    const remote = parseRemotePhase(n.phaseRaw);
    const local = resume?.nodes[n.host]?.phase ?? 'pending';
    const takeover: LockTakeover = { fleet: null, node: null };
    plan.takeover.set(n.host, takeover);
    let start: RollingPhase = resume ? local : 'pending';
    // The earlier of the two records: the node's own may lag (the connection died) or lead (we died before the journal).
    if (resume && remote?.runId === resume.runId && phaseIndex(remote.phase) < phaseIndex(local)) start = remote.phase;

    for (const [what, key, raw] of [
      ['fleet lock', 'fleet', n.fleetLockRaw],
      ['node lock', 'node', n.lockRaw],
    ] as const) {
      const v = classifyLock(raw, me, now, input.pidAlive);
      if (v.kind === 'free') continue;
      if (v.kind === 'ours' || v.kind === 'resumable') {
        takeover[key] = normalizeLockText(raw);
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

    if (remote && remote.runId !== me.runId && isUnfinished(remote.phase)) {
      if (input.breakLock) {
        // Adopt the node where the other run left it: it is out of service already and must not be skipped.
        plan.warnings.push(`${n.host}: adopting it in phase ${remote.phase} from run ${remote.runId}`);
        start = phaseIndex(remote.phase) < phaseIndex('locked') ? 'pending' : remote.phase;
      } else {
        plan.problems.push({
          host: n.host,
          message: `left in phase "${remote.phase}" by run ${remote.runId} at ${remote.at}${n.withdrawnFile ? ' (withdrawn)' : ''}: ${fix(n.host)}`,
        });
      }
    } else if (n.withdrawnFile && !(resume && isUnfinished(start)) && phaseIndex(start) < phaseIndex('withdrawn')) {
      plan.problems.push({
        host: n.host,
        message: `is withdrawn (withdraw file present, not by a roll): \`ober-push restore -i ${input.inventory} --limit ${n.host}\` re-announces it once healthy, or leave it out with --limit '!${n.host}'`,
      });
    }
    plan.start.set(n.host, start);
  }
  return plan;
}
