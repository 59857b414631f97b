// Meets a reboot need: after the reboot op, reconnect until the host answers with a new boot id.
import { setTimeout as delay } from 'node:timers/promises';
import { ConnectError, TaskError } from '../core/errors.js';
import { raw } from '../core/shell.js';
import type { HostSession } from './host-session.js';

const BOOT_ID = raw('cat /proc/sys/kernel/random/boot_id');

export async function readBootId(session: HostSession): Promise<string> {
  const r = await session.exec(BOOT_ID, { timeoutMs: 15_000 }, false);
  return r.stdout.trim();
}

/** Resolves with the milliseconds it took; throws TaskError when the deadline passes. */
export async function waitForNewBoot(
  session: HostSession,
  before: string,
  timeoutMs: number,
  pollMs = 1000,
): Promise<number> {
  const started = Date.now();
  session.reconnect();
  for (;;) {
    try {
      const now = await readBootId(session);
      if (now && now !== before) return Date.now() - started;
    } catch (error) {
      // The host is going down or not back yet: drop the dead connection and try again.
      if (!(error instanceof ConnectError) && !(error instanceof TaskError)) throw error;
      session.reconnect();
    }
    if (Date.now() - started > timeoutMs) {
      throw new TaskError(
        `${session.name} did not come back with a new boot id within ${Math.round(timeoutMs / 1000)}s`,
      );
    }
    await delay(pollMs);
  }
}
