// Waiting for Proxmox tasks (UPIDs) and for a VM's real power state.
import type { PveClient } from './client.js';
import { PveApiError, PveHaError, PveTaskError, PveTimeoutError } from './errors.js';
import { parseUpid, taskPath, type Upid } from './upid.js';

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  /** How long a fresh UPID may answer 400 "no such task" before that is an error. */
  appearMs: number;
}

export const DEFAULT_WAIT: WaitOptions = { pollMs: 1000, timeoutMs: 15 * 60 * 1000, appearMs: 10_000 };

interface TaskStatus {
  status?: string;
  exitstatus?: string;
}

/** OK and `WARNINGS: n` are success; anything else is the error text. */
export function taskSucceeded(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus ?? '');
}

// Power tasks whose end does not mean the VM reached the state (HA requests, reboot).
const TARGET_STATE: Record<string, 'running' | 'stopped'> = {
  qmstart: 'running',
  hastart: 'running',
  qmreboot: 'running',
  qmstop: 'stopped',
  qmshutdown: 'stopped',
  hastop: 'stopped',
};

export function powerTarget(upid: Upid): 'running' | 'stopped' | undefined {
  return TARGET_STATE[upid.type];
}

/**
 * Poll a task until it stopped; throw a PveTaskError with the task log's last lines unless it
 * ended OK. For power tasks, then wait until status/current shows the target state: an HA
 * `hastart`/`hastop` or a `qmreboot` ends before the VM is actually running or stopped.
 */
export async function waitTask(client: PveClient, upidText: string, opts: WaitOptions = DEFAULT_WAIT): Promise<void> {
  const started = Date.now();
  const upid = await waitTaskEnd(client, upidText, opts);
  const target = powerTarget(upid);
  if (target && /^\d+$/.test(upid.id)) {
    await waitForVmStatus(client, upid.node, Number(upid.id), target, {
      ...opts,
      timeoutMs: Math.max(0, started + opts.timeoutMs - Date.now()),
    });
  }
}

/** Poll a task until it stopped (only the task: a power task's VM may not be in its state yet); returns its UPID. */
export async function waitTaskEnd(
  client: PveClient,
  upidText: string,
  opts: WaitOptions = DEFAULT_WAIT,
): Promise<Upid> {
  const upid = parseUpid(upidText);
  if (!upid) throw new Error(`not a Proxmox task id: ${JSON.stringify(upidText)}`);
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (;;) {
    let st: TaskStatus;
    try {
      st = await client.get<TaskStatus>(taskPath(upid, 'status'));
    } catch (err) {
      // Right after creation the task may not be visible yet.
      const fresh = Date.now() - started < opts.appearMs;
      if (
        fresh &&
        err instanceof PveApiError &&
        err.status === 400 &&
        /no such task/i.test(JSON.stringify(err.errors ?? {}) + err.reason)
      ) {
        await sleep(opts.pollMs);
        continue;
      }
      throw err;
    }
    if (st.status === 'stopped') {
      if (taskSucceeded(st.exitstatus)) return upid;
      throw new PveTaskError({
        upid: upid.raw,
        node: upid.node,
        exitStatus: st.exitstatus ?? 'unknown exit status',
        log: await taskLogTail(client, upid, 10),
        endpoint: client.name,
      });
    }
    if (Date.now() > deadline) throw new PveTimeoutError(client.name, `task ${upid.raw}`, opts.timeoutMs);
    await sleep(opts.pollMs);
  }
}

/** The last `n` lines of a task's log (best effort: an unreadable log gives []). */
export async function taskLogTail(client: PveClient, upid: Upid, n: number): Promise<string[]> {
  try {
    const lines = await client.get<Array<{ n?: number; t?: string }>>(taskPath(upid, 'log'), { start: 0, limit: 500 });
    return lines
      .map((l) => l.t ?? '')
      .filter((t) => t !== '')
      .slice(-n);
  } catch {
    return [];
  }
}

export interface VmStatusCurrent {
  status?: string;
  qmpstatus?: string;
  lock?: string;
  ha?: { managed?: number; state?: string };
}

export async function waitForVmStatus(
  client: PveClient,
  node: string,
  vmid: number,
  want: 'running' | 'stopped',
  opts: WaitOptions = DEFAULT_WAIT,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const st = await client.get<VmStatusCurrent>(vmPath(node, vmid, 'status/current'));
    if (st.status === want) return;
    // HA gave up on the resource: it will not start it, however long we wait.
    if (want === 'running' && st.ha?.managed === 1 && st.ha.state === 'error')
      throw new PveHaError({ vmid, node, haState: st.ha.state });
    if (Date.now() > deadline)
      throw new PveTimeoutError(
        client.name,
        `VM ${vmid} on ${node} to be ${want} (is ${st.status ?? 'unknown'})`,
        opts.timeoutMs,
      );
    await sleep(opts.pollMs);
  }
}

export function vmPath(node: string, vmid: number, leaf: string): string {
  return `/nodes/${encodeURIComponent(node)}/qemu/${vmid}/${leaf}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
