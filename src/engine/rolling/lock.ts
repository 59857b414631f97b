// Roll locks: who holds a node (or the fleet), since when, for which run; and whether a lock we find is ours,
// someone's live roll, or stale. Foreign and stale locks both need --break-lock; the message names the holder.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { textOf } from '../../core/text.js';

export interface LockInfo {
  runId: string;
  user: string;
  workstation: string;
  pid: number;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
}

export interface Me {
  runId: string;
  user: string;
  workstation: string;
  pid: number;
  command: string;
}

/** A lock older than this is stale even if its holder's process cannot be checked (another workstation). */
export const STALE_AFTER_MS = 6 * 3600_000;

export type LockVerdict =
  | { kind: 'free' }
  | { kind: 'ours'; lock: LockInfo }
  /** Our run id, held by an earlier process of it that is gone (resume takes it over without --break-lock). */
  | { kind: 'resumable'; lock: LockInfo }
  | { kind: 'foreign'; lock: LockInfo; text: string }
  | { kind: 'stale'; lock: LockInfo | null; text: string };

/**
 * A lock's text as the lock scripts compare it: whitespace runs collapsed to one space, none at the ends (the
 * scripts read the file the same way), so a lock with stray spaces or blank lines can still be taken over.
 */
export function normalizeLockText(text: string): string {
  return text
    .replace(/[ \t\r\n]+/g, ' ')
    .replace(/^ /, '')
    .replace(/ $/, '');
}

export function lockContent(me: Me, now: Date): string {
  const info: LockInfo = {
    runId: me.runId,
    user: me.user,
    workstation: me.workstation,
    pid: me.pid,
    since: now.toISOString(),
    command: me.command,
  };
  return JSON.stringify(info);
}

export function parseLock(text: string): LockInfo | null {
  if (!text.trim()) return null;
  try {
    const v = JSON.parse(text) as Partial<Record<keyof LockInfo, unknown>>;
    if (typeof v.runId !== 'string' || typeof v.since !== 'string') return null;
    const str = (x: unknown) => (x === undefined ? '?' : textOf(x));
    return {
      runId: v.runId,
      user: str(v.user),
      workstation: str(v.workstation),
      pid: Number(v.pid ?? 0),
      since: v.since,
      command: str(v.command),
    };
  } catch {
    return null;
  }
}

/** A substring of exactly the locks `me` wrote (this run, this process): release removes only those. */
export function holderKey(me: Pick<Me, 'runId' | 'user' | 'workstation' | 'pid'>): string {
  return JSON.stringify({ runId: me.runId, user: me.user, workstation: me.workstation, pid: me.pid }).slice(1, -1);
}

/** A substring of every lock of run `runId`, whichever process wrote it (restore releases a dead run's locks). */
export function runKey(runId: string): string {
  return `"runId":${JSON.stringify(runId)}`;
}

export function describeLock(lock: LockInfo, now: Date): string {
  const ageS = Math.max(0, Math.round((now.getTime() - Date.parse(lock.since)) / 1000));
  const age = ageS < 120 ? `${ageS}s` : ageS < 7200 ? `${Math.round(ageS / 60)}min` : `${Math.round(ageS / 3600)}h`;
  return `${lock.user}@${lock.workstation} (pid ${lock.pid}, ${lock.command}, run ${lock.runId}) since ${lock.since} (${age} ago)`;
}

/**
 * Judge a lock file's content. `pidAlive` answers for processes on this workstation only: a lock from here whose
 * process is gone is stale at once; one from elsewhere only after STALE_AFTER_MS.
 */
export function classifyLock(text: string, me: Me, now: Date, pidAlive: (pid: number) => boolean): LockVerdict {
  if (!text.trim()) return { kind: 'free' };
  const lock = parseLock(text);
  if (!lock) return { kind: 'stale', lock: null, text: `an unreadable lock (${text.trim().slice(0, 80)})` };
  const who = describeLock(lock, now);
  if (lock.runId === me.runId && lock.workstation === me.workstation) {
    if (lock.pid === me.pid) return { kind: 'ours', lock };
    // The same run in another process: resume must not take over while the run it resumes still lives.
    return pidAlive(lock.pid)
      ? { kind: 'foreign', lock, text: `${who}; that process is still running` }
      : { kind: 'resumable', lock };
  }
  if (lock.workstation === me.workstation && !pidAlive(lock.pid))
    return { kind: 'stale', lock, text: `${who}; that process is gone` };
  if (now.getTime() - Date.parse(lock.since) > STALE_AFTER_MS)
    return { kind: 'stale', lock, text: `${who}; older than ${STALE_AFTER_MS / 3600_000}h` };
  return { kind: 'foreign', lock, text: who };
}

/** This process, as lock holders are compared with it (a lock of our own process is not another roll's). */
export function thisProcess(): Pick<Me, 'workstation' | 'pid'> {
  return { workstation: hostname(), pid: process.pid };
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A reused pid is not our run: where /proc tells the command line, it must be a node (ober-push) process.
  try {
    return /node|ober-push/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (macOS) or not readable: alive, as far as we can tell
  }
}

/** What a plain (non-rolling) play makes of a node's roll lock: it never runs on a node a live roll holds. */
export type NodeHold =
  { kind: 'free' } | { kind: 'held'; lock: LockInfo; text: string } | { kind: 'stale'; text: string };

export function nodeHold(
  text: string,
  self: Pick<Me, 'workstation' | 'pid'>,
  now: Date,
  alive: (pid: number) => boolean,
): NodeHold {
  const lock = parseLock(text);
  // Our own process's (a rolling play earlier in this run left the node locked): not another roll.
  if (lock && lock.workstation === self.workstation && lock.pid === self.pid) return { kind: 'free' };
  const v = classifyLock(
    text,
    { runId: '', user: '', workstation: self.workstation, pid: self.pid, command: '' },
    now,
    alive,
  );
  if (v.kind === 'foreign') return { kind: 'held', lock: v.lock, text: v.text };
  if (v.kind === 'stale') return { kind: 'stale', text: v.text };
  return { kind: 'free' };
}
