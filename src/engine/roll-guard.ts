// Plain plays never run on a node that a live roll holds: before a host's first plain play, one cheap read of its
// node lock (the connection's first command). A lock of this very process (a rolling play earlier in the run) or
// a stale one (its process gone, or older than STALE_AFTER_MS) does not stop it; a stale one is warned about.
// A play whose tasks and handlers are all API-only (proxmox_vm, assert) makes no SSH connection, so it reads no lock.
import { hostname } from 'node:os';
import { sh } from '../core/shell.js';
import { ConnectError } from '../core/errors.js';
import type { Play } from '../playbook/types.js';
import type { HostSession } from './host-session.js';
import { RollHoldsNode } from './rolling/errors.js';
import { nodeHold, pidAlive } from './rolling/lock.js';
import { rollFiles } from './rolling/remote-files.js';
import { targetFromVars } from './rolling/target.js';
import type { TaskEnv } from './run-task.js';

const TASK = 'roll lock';

export function readLockScript(file: string): string {
  return sh`f=${file}; if [ -e "$f" ]; then cat "$f" 2>/dev/null || echo '(unreadable)'; fi; exit 0`.text;
}

/** False when the host must not run the play (held by a live roll, or the read failed); the failure is reported. */
export async function guardRollLock(env: TaskEnv, play: Play, session: HostSession, vars: Record<string, unknown>): Promise<boolean> {
  if (session.rollLockChecked || !playUsesSsh(env, play)) return true;
  const file = rollFiles(targetFromVars(session.name, session.host.address, vars, 'none').paths).lock;
  const started = Date.now();
  const base = { host: session.name, play: play.name, task: TASK, handler: false, changes: [] };
  const stop = (status: 'failed' | 'unreachable', message: string) => {
    session.stopped = status;
    env.emit({ type: 'task-start', host: session.name, play: play.name, task: TASK, handler: false });
    env.emit({ type: 'task-end', ...base, status, message, durationMs: Date.now() - started });
    return false;
  };
  let text: string;
  try {
    const r = await session.exec(readLockScript(file), { timeoutMs: 15_000 }, play.become ?? false);
    text = r.stdout.trim();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return stop(error instanceof ConnectError ? 'unreachable' : 'failed', error instanceof ConnectError ? message : `reading the roll lock ${file} failed: ${message}`);
  }
  session.rollLockChecked = true;
  const hold = nodeHold(text, { workstation: hostname(), pid: process.pid }, new Date(), pidAlive);
  if (hold.kind === 'stale') env.emit({ type: 'warning', host: session.name, message: `${file}: a stale roll lock (${hold.text}); deploying anyway` });
  if (hold.kind !== 'held') return true;
  const refused = new RollHoldsNode({ host: session.name, holder: hold.text, runId: hold.lock.runId });
  if (env.options.check) {
    env.emit({ type: 'warning', host: session.name, message: `${refused.message} (check mode: planned anyway; a real run stops here)` });
    return true;
  }
  return stop('failed', refused.message);
}

/** True when some task or handler of the play runs over SSH (facts count: gathering them is an SSH command). */
export function playUsesSsh(env: Pick<TaskEnv, 'modules'>, play: Play): boolean {
  if (play.gatherFacts) return true;
  return [...play.tasks, ...play.handlers].some((task) => env.modules.get(task.module)?.apiOnly !== true);
}
