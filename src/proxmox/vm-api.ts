// A host's VM through the API: the VmApi the engine and modules use (src/core/module.ts).
import type { VmApi } from '../core/module.js';
import type { PveClient } from './client.js';
import { ColdRestartError, maxVcpus, pendingKeys, revertBody, type PendingEntry } from './cold-restart.js';
import { PveApiError, PveTaskError, attributeToHost } from './errors.js';
import { DEFAULT_WAIT, vmPath, waitForVmStatus, waitTask, type VmStatusCurrent, type WaitOptions } from './tasks.js';
import { isUpid } from './upid.js';
import { textOf } from '../core/text.js';

export interface VmApiOptions {
  wait?: Partial<WaitOptions>;
  /** Seconds the guest gets to shut down (ACPI or agent) before it is stopped hard. */
  shutdownTimeoutS?: number;
}

export class PveVmApi implements VmApi {
  readonly proxmox: string;
  readonly node: string;
  readonly vmid: number;
  readonly host: string;
  readonly #client: PveClient;
  readonly #wait: WaitOptions;
  readonly #shutdownTimeoutS: number;

  constructor(args: { client: PveClient; host: string; node: string; vmid: number; options?: VmApiOptions }) {
    this.#client = args.client;
    this.proxmox = args.client.name;
    this.host = args.host;
    this.node = args.node;
    this.vmid = args.vmid;
    this.#wait = { ...DEFAULT_WAIT, ...args.options?.wait };
    this.#shutdownTimeoutS = args.options?.shutdownTimeoutS ?? 180;
  }

  /** This VM's API path, e.g. path('config') -> /nodes/pve1/qemu/100/config. */
  path(leaf: string): string {
    return vmPath(this.node, this.vmid, leaf);
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.#scoped(() => this.#client.get<T>(path));
  }

  write(method: 'POST' | 'PUT', path: string, body: Record<string, string | number>): Promise<unknown> {
    return this.#scoped(async () => {
      try {
        return await this.#send(method, path, body);
      } catch (err) {
        if (!(err instanceof PveApiError) || err.kind !== 'unknown-outcome' || !path.endsWith('/config')) throw err;
        return this.#reconcileConfigWrite(method, path, body, err);
      }
    });
  }

  waitTask(upid: string): Promise<void> {
    return this.#scoped(() => waitTask(this.#client, upid, this.#wait));
  }

  /**
   * Apply the VM's pending hardware: shut it down through the API (ACPI, then a hard stop after the timeout) and
   * start it again, waiting until status/current says running. Both apply pending changes, as an API
   * `status/reboot` does too; a reboot from inside the guest does not. An HA-managed VM is rebooted through the API
   * instead: a reboot is not an HA request, so HA's state stays `started` and the VM stays on its node (an HA start
   * may place it on another). Refused before anything stops when sockets × cores exceeds the node's CPUs; when the
   * start fails anyway, the pending keys are put back and the VM started on its old hardware (ColdRestartError
   * says which). Returns what was done, for the step line.
   */
  coldRestart(): Promise<string> {
    return this.#scoped(async () => {
      const [st, config, current, pending, cpus] = await Promise.all([
        this.#client.get<VmStatusCurrent>(this.path('status/current')),
        this.#client.get<Record<string, unknown>>(this.path('config')),
        this.#client.get<Record<string, unknown>>(this.path('config?current=1')),
        this.#client.get<PendingEntry[]>(this.path('pending')),
        this.#nodeCpus(),
      ]);
      const vcpus = maxVcpus(config);
      if (cpus !== null && vcpus > cpus) {
        const message = `VM ${this.vmid} would have ${vcpus} vCPUs (sockets × cores) and node ${this.node} has ${cpus} CPUs: Proxmox would refuse to start it; nothing was stopped`;
        throw new ColdRestartError({ vmid: this.vmid, node: this.node, vmState: 'untouched', message });
      }
      if (st.ha?.managed === 1 && st.status === 'running') {
        // A resend after an unknown outcome could reboot twice: the state wait tells whether it ran.
        await this.#power('status/reboot', { timeout: this.#shutdownTimeoutS }, 'running', false);
        return `VM ${this.vmid} on ${this.node} rebooted through the API (HA-managed: its HA state stays started)`;
      }
      if (st.status !== 'stopped')
        await this.#power('status/shutdown', { timeout: this.#shutdownTimeoutS, forceStop: 1 }, 'stopped');
      try {
        await this.#power('status/start', {}, 'running');
      } catch (error) {
        return this.#revertAndStart(pendingKeys(pending).sort(), current, error);
      }
      return `VM ${this.vmid} on ${this.node} ${st.status === 'stopped' ? 'started (it was stopped)' : 'stopped and started'}`;
    });
  }

  /** The PVE node's CPU count; null when the token may not read it (Sys.Audit): the start then decides. */
  async #nodeCpus(): Promise<number | null> {
    try {
      const status = await this.#client.get<{ cpuinfo?: { cpus?: number } }>(
        `/nodes/${encodeURIComponent(this.node)}/status`,
      );
      return typeof status.cpuinfo?.cpus === 'number' ? status.cpuinfo.cpus : null;
    } catch (err) {
      if (err instanceof PveApiError && err.kind === 'permission') return null;
      throw err;
    }
  }

  /** The start after a stop failed: put the pending keys back to what the VM ran with and start it on that. */
  async #revertAndStart(keys: string[], current: Record<string, unknown>, startError: unknown): Promise<never> {
    const why = reasonOf(startError);
    const at = { vmid: this.vmid, node: this.node };
    if (keys.length === 0)
      throw new ColdRestartError({
        ...at,
        vmState: 'stopped',
        message: `VM ${this.vmid} did not start again (${why}): it is stopped`,
        cause: startError,
      });
    try {
      const { digest } = await this.#client.get<{ digest?: string }>(this.path('config'));
      if (!digest) throw new Error('the config came without a digest');
      const upid = await this.#send('POST', this.path('config'), { ...revertBody(keys, current), digest });
      if (isUpid(upid)) await waitTask(this.#client, upid, this.#wait);
      await this.#power('status/start', {}, 'running');
    } catch (again) {
      const message = `VM ${this.vmid} did not start with its new hardware (${why}), nor after ${keys.join(', ')} were put back (${reasonOf(again)}): it is stopped`;
      throw new ColdRestartError({ ...at, vmState: 'stopped', message, cause: again });
    }
    const message = `VM ${this.vmid} did not start with its new hardware (${why}); ${keys.join(', ')} put back to what it ran with and started again: it runs the old hardware`;
    throw new ColdRestartError({ ...at, vmState: 'running', message, cause: startError });
  }

  async #power(
    leaf: string,
    body: Record<string, string | number>,
    target: 'running' | 'stopped',
    resend = true,
  ): Promise<void> {
    const wait = { ...this.#wait, timeoutMs: this.#wait.timeoutMs + this.#shutdownTimeoutS * 1000 };
    let upid: unknown;
    try {
      upid = await this.#send('POST', this.path(leaf), body);
    } catch (err) {
      if (!(err instanceof PveApiError) || err.kind !== 'unknown-outcome') throw err;
      // Re-read instead of resending blindly; the state wait below tells the truth either way.
      const st = await this.#client.get<VmStatusCurrent>(this.path('status/current'));
      if (st.status !== target && resend) upid = await this.#send('POST', this.path(leaf), body);
    }
    if (isUpid(upid)) await waitTask(this.#client, upid, wait);
    await waitForVmStatus(this.#client, this.node, this.vmid, target, wait);
  }

  #send(method: 'POST' | 'PUT', path: string, body: Record<string, string | number>): Promise<unknown> {
    return method === 'POST' ? this.#client.post(path, body) : this.#client.put(path, body);
  }

  /**
   * A config write got no answer: look at the config and decide, never resend blindly. A POST
   * may still be running as a task, so watch for a while before concluding it never arrived.
   */
  async #reconcileConfigWrite(
    method: 'POST' | 'PUT',
    path: string,
    body: Record<string, string | number>,
    cause: PveApiError,
  ): Promise<unknown> {
    const wanted = Object.entries(body).filter(([k]) => !['digest', 'delete', 'background_delay'].includes(k));
    const deadline = Date.now() + this.#wait.appearMs;
    for (;;) {
      const config = await this.#client.get<Record<string, unknown>>(path);
      if (wanted.every(([k, v]) => config[k] !== undefined && textOf(config[k]) === String(v))) return null;
      const unchanged = body['digest'] === undefined || config['digest'] === body['digest'];
      if (!unchanged) {
        throw new PveApiError({
          kind: 'conflict',
          status: 0,
          method,
          path,
          endpoint: this.proxmox,
          message: 'the write got no answer and the config has changed since; re-plan',
          cause,
        });
      }
      // Still the digest we planned from after the grace period: the write never happened, and the
      // digest guard makes a resend safe (if it did land after all, the resend is refused).
      if (Date.now() > deadline) return this.#send(method, path, body);
      await new Promise((r) => setTimeout(r, this.#wait.pollMs));
    }
  }

  async #scoped<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw attributeToHost(err, this.host);
    }
  }
}

/** One line on why a step failed: a task's exit status, else the first line of the message. */
function reasonOf(error: unknown): string {
  if (error instanceof PveTaskError) return error.exitStatus;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
