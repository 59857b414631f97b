// The roll's locks, taken before any node is touched: the fleet lock on every node of the play, and the node lock
// of a node resumed (or adopted) past its lock step. All or nothing: when one cannot be taken, every lock taken
// is given back (the lock it replaced put back), so a refused roll leaves the fleet as it found it.
import { sh } from '../../core/shell.js';
import type { NodeOps } from './node-ops.js';
import type { LockTakeover } from './preflight.js';
import { acquireScript, giveBackScript, rollFiles } from './remote-files.js';

export interface TakeLocksInput {
  hosts: string[];
  ops: ReadonlyMap<string, NodeOps>;
  /** Per host: the lock texts preflight saw that this run may replace (null: only a free lock). */
  takeover: ReadonlyMap<string, LockTakeover>;
  /** Per host: true when the node starts past its lock step (it keeps the node lock, swapped to this process). */
  pastLockStep: (host: string) => boolean;
  /** This run's lock text (lockContent). */
  content: string;
}

export interface LockFailure {
  host: string;
  what: 'fleet lock' | 'node lock';
  /** The transport's error, or why the lock was refused (`holder`: what the lock held instead). */
  error: Error;
  holder?: string;
}

export interface TakeLocksResult {
  ok: boolean;
  failures: LockFailure[];
  /** How many locks were given back because not every one could be taken. */
  givenBack: number;
}

export async function takeRollLocks(input: TakeLocksInput): Promise<TakeLocksResult> {
  const failures: LockFailure[] = [];
  const take = async (
    host: string,
    file: string,
    expected: string | null,
    what: LockFailure['what'],
  ): Promise<boolean> => {
    const o = input.ops.get(host);
    if (!o) return false;
    const r = await o
      .exec(acquireScript(file, input.content, expected), 15_000)
      .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (r instanceof Error) {
      failures.push({ host, what, error: r });
      return false;
    }
    if (r.stdout.startsWith('acquired')) return true;
    const holder = r.stdout.split('\n').slice(1).join(' ').trim();
    failures.push({
      host,
      what,
      error: new Error(
        r.code === 0
          ? `${what} taken meanwhile: ${holder}`
          : `taking the ${what} failed (exit ${r.code}): ${r.stderr.trim()}`,
      ),
      holder,
    });
    return false;
  };
  const taken = await Promise.all(
    input.hosts.map(async (h) => {
      const o = input.ops.get(h);
      if (!o) return false;
      const files = rollFiles(o.target.paths);
      const t = input.takeover.get(h) ?? { fleet: null, node: null };
      if (!(await take(h, files.fleetLock, t.fleet, 'fleet lock'))) return false;
      return t.node !== null && input.pastLockStep(h) ? take(h, files.lock, t.node, 'node lock') : true;
    }),
  );
  if (taken.every(Boolean)) return { ok: true, failures, givenBack: 0 };
  // Every node, both files: a give-back changes a lock only when it holds exactly our text (a take that timed out
  // may still have landed), and puts back what preflight saw there.
  const back = await Promise.all(
    input.hosts.map(async (h) => {
      const o = input.ops.get(h);
      if (!o) return 0;
      const files = rollFiles(o.target.paths);
      const t = input.takeover.get(h) ?? { fleet: null, node: null };
      // Each in a subshell: the first one's `exit 0` must not end the script before the second runs.
      const fleet = giveBackScript(files.fleetLock, input.content, t.fleet);
      const node = giveBackScript(files.lock, input.content, t.node);
      const r = await o
        .exec(
          sh`(${fleet})
(${node})`,
          10_000,
        )
        .catch(() => null);
      return r ? (r.stdout.match(/^given back$/gm) ?? []).length : 0;
    }),
  );
  return { ok: false, failures, givenBack: back.reduce((a, b) => a + b, 0) };
}
