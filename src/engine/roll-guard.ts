// Plain plays never run on a node that a live roll holds: before a host's first plain play, one cheap read of its
// node lock and fleet lock (the connection's first command; the fleet lock is on every node of a roll until it
// ends, so a node the roll has not reached yet is held too). A lock of this very process (a rolling play earlier in
// the run) or a stale one (its process gone, or older than STALE_AFTER_MS) does not stop it; a stale one is warned
// about.
// A play whose tasks and handlers are all API-only (proxmox_vm, assert) makes no SSH connection, so it reads no lock.
import { sh, type ShellCommand } from '../core/shell.js';
import { ConnectError } from '../core/errors.js';
import type { Play } from '../playbook/types.js';
import type { HostSession } from './host-session.js';
import { RollHoldsNode } from './rolling/errors.js';
import { nodeHold, pidAlive, thisProcess } from './rolling/lock.js';
import { rollFiles } from './rolling/remote-files.js';
import { targetFromVars } from './rolling/target.js';
import type { TaskEnv } from './task-env.js';

const TASK = 'roll lock';

const FLEET_MARK = '@@ober-fleet-lock@@';

/** Prints the node lock, a marker line, then the fleet lock (each empty when absent). */
export function readLocksScript(nodeLock: string, fleetLock: string): ShellCommand {
  const read = (file: string) => sh`if [ -e ${file} ]; then cat ${file} 2>/dev/null || echo '(unreadable)'; fi`;
  return sh`${read(nodeLock)}; echo; echo ${FLEET_MARK}; ${read(fleetLock)}; exit 0`;
}

/** The two lock texts of readLocksScript's output (output without the marker is the node lock alone). */
export function parseLocks(stdout: string): { node: string; fleet: string } {
  const at = stdout.indexOf(FLEET_MARK);
  return at === -1
    ? { node: stdout.trim(), fleet: '' }
    : { node: stdout.slice(0, at).trim(), fleet: stdout.slice(at + FLEET_MARK.length).trim() };
}

/** False when the host must not run the play (held by a live roll, or the read failed); the failure is reported. */
export async function guardRollLock(
  env: TaskEnv,
  play: Play,
  session: HostSession,
  vars: Record<string, unknown>,
): Promise<boolean> {
  if (session.rollLockChecked || !playUsesSsh(env, play)) return true;
  const files = rollFiles(targetFromVars(session.name, session.host.address, vars, 'none').paths);
  const started = Date.now();
  const base = { host: session.name, play: play.name, task: TASK, handler: false, changes: [] };
  const stop = (status: 'failed' | 'unreachable', message: string) => {
    session.stop(status);
    env.emit({ type: 'task-start', host: session.name, play: play.name, task: TASK, handler: false });
    env.emit({ type: 'task-end', ...base, status, message, durationMs: Date.now() - started });
    return false;
  };
  let texts: { node: string; fleet: string };
  try {
    const r = await session.exec(
      readLocksScript(files.lock, files.fleetLock),
      { timeoutMs: 15_000 },
      play.become ?? false,
    );
    texts = parseLocks(r.stdout);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return stop(
      error instanceof ConnectError ? 'unreachable' : 'failed',
      error instanceof ConnectError ? message : `reading the roll locks ${files.lock} failed: ${message}`,
    );
  }
  session.markRollLockChecked();
  const self = thisProcess();
  const holds = [
    { lock: 'node' as const, file: files.lock, hold: nodeHold(texts.node, self, new Date(), pidAlive) },
    { lock: 'fleet' as const, file: files.fleetLock, hold: nodeHold(texts.fleet, self, new Date(), pidAlive) },
  ];
  for (const { file, hold } of holds) {
    if (hold.kind === 'stale')
      env.emit({
        type: 'warning',
        host: session.name,
        message: `${file}: a stale roll lock (${hold.text}); deploying anyway`,
      });
  }
  const held = holds.find((h) => h.hold.kind === 'held');
  if (!held || held.hold.kind !== 'held') return true;
  const refused = new RollHoldsNode({
    host: session.name,
    holder: held.hold.text,
    runId: held.hold.lock.runId,
    lock: held.lock,
  });
  if (env.options.check) {
    env.emit({
      type: 'warning',
      host: session.name,
      message: `${refused.message} (check mode: planned anyway; a real run stops here)`,
    });
    return true;
  }
  return stop('failed', refused.message);
}

/** True when some task or handler of the play runs over SSH (facts count: gathering them is an SSH command). */
export function playUsesSsh(env: Pick<TaskEnv, 'modules'>, play: Play): boolean {
  if (play.gatherFacts) return true;
  return [...play.tasks, ...play.handlers].some((task) => env.modules.get(task.module)?.apiOnly !== true);
}
