// A host's VM through the API: the VmApi the engine and modules use (src/core/module.ts).
import type { ColdRestartOptions, VmApi } from '../core/module.js';
import { textOf } from '../core/text.js';
import type { PveClient } from './client.js';
import { coldRestartVm, type VmPowerOps } from './cold-restart.js';
import { NicReplugError, PveApiError, attributeToHost, nicHotplugProblem } from './errors.js';
import {
  DEFAULT_WAIT,
  powerTarget,
  vmPath,
  waitForVmStatus,
  waitTaskEnd,
  type VmStatusCurrent,
  type WaitOptions,
} from './tasks.js';
import { isUpid } from './upid.js';

export interface VmApiOptions {
  wait?: Partial<WaitOptions>;
  /** Seconds the guest gets to shut down (ACPI or agent) before it is stopped hard. */
  shutdownTimeoutS?: number;
}

interface ClusterVm {
  vmid?: number;
  node?: string;
  type?: string;
}

export class PveVmApi implements VmApi {
  readonly proxmox: string;
  readonly vmid: number;
  readonly host: string;
  readonly #client: PveClient;
  readonly #wait: WaitOptions;
  readonly #shutdownTimeoutS: number;
  /** Where the VM is: HA may place it on another node when it starts (then every later call goes there). */
  #node: string;

  constructor(args: { client: PveClient; host: string; node: string; vmid: number; options?: VmApiOptions }) {
    this.#client = args.client;
    this.proxmox = args.client.name;
    this.host = args.host;
    this.#node = args.node;
    this.vmid = args.vmid;
    this.#wait = { ...DEFAULT_WAIT, ...args.options?.wait };
    this.#shutdownTimeoutS = args.options?.shutdownTimeoutS ?? 180;
  }

  get node(): string {
    return this.#node;
  }

  /** This VM's API path, e.g. path('config') -> /nodes/pve1/qemu/100/config. */
  path(leaf: string): string {
    return vmPath(this.#node, this.vmid, leaf);
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.#scoped(() => this.#client.get<T>(path));
  }

  write(method: 'POST' | 'PUT', path: string, body: Record<string, string | number>): Promise<unknown> {
    return this.#scoped(async () => {
      try {
        return await this.#send(method, path, body);
      } catch (err) {
        if (!path.endsWith('/config')) throw err;
        if (!(err instanceof PveApiError) || err.kind !== 'unknown-outcome') throw this.#asNicReplug(err);
        return this.#reconcileConfigWrite(method, path, body, err);
      }
    });
  }

  /** Wait until a task stopped; for a power task also until the VM is in its state (following an HA move). */
  waitTask(upid: string): Promise<void> {
    return this.#scoped(async () => {
      let task;
      try {
        task = await waitTaskEnd(this.#client, upid, this.#wait);
      } catch (err) {
        throw this.#asNicReplug(err);
      }
      const target = powerTarget(task);
      if (target === undefined || !/^\d+$/.test(task.id)) return;
      if (Number(task.id) === this.vmid) await this.#waitForState(target, this.#wait);
      else await waitForVmStatus(this.#client, task.node, Number(task.id), target, this.#wait);
    });
  }

  /** Apply the VM's pending hardware through the API (cold-restart.ts); says what was done, for the step line. */
  coldRestart(options: ColdRestartOptions = {}): Promise<string> {
    return this.#scoped(() =>
      coldRestartVm(this.#powerOps(options.shutdownTimeoutS ?? this.#shutdownTimeoutS), options),
    );
  }

  #powerOps(shutdownTimeoutS: number): VmPowerOps {
    return {
      vmid: this.vmid,
      shutdownTimeoutS,
      node: () => this.#node,
      read: <T>(leaf: string) => this.#client.get<T>(this.path(leaf)),
      nodeCpus: () => this.#nodeCpus(),
      power: (leaf, body, target, resend) => this.#power(leaf, body, target, { resend, graceS: shutdownTimeoutS }),
      writeConfig: async (body) => {
        const upid = await this.write('POST', this.path('config'), body);
        if (typeof upid === 'string' && isUpid(upid)) await this.waitTask(upid);
      },
      follow: () => this.#follow(),
    };
  }

  /** Where /cluster/resources says the VM is now; moves this API there and returns the node it left, else null. */
  async #follow(): Promise<string | null> {
    const resources = await this.#client.get<ClusterVm[]>('/cluster/resources', { type: 'vm' });
    const here = resources.find((r) => r.type === 'qemu' && r.vmid === this.vmid)?.node;
    if (here === undefined || here === this.#node) return null;
    const left = this.#node;
    this.#node = here;
    return left;
  }

  /** Wait until status/current says `target`; a VM whose config left this node (HA placed it elsewhere) is followed. */
  async #waitForState(target: 'running' | 'stopped', wait: WaitOptions): Promise<void> {
    const deadline = Date.now() + wait.timeoutMs;
    for (;;) {
      try {
        const left = Math.max(0, deadline - Date.now());
        await waitForVmStatus(this.#client, this.#node, this.vmid, target, { ...wait, timeoutMs: left });
        return;
      } catch (err) {
        const gone = err instanceof PveApiError && err.kind === 'not-found';
        if (!gone || (await this.#follow()) === null) throw err;
      }
    }
  }

  /** A failed config write that was a NIC re-plug, as the NicReplugError it is; any other error unchanged. */
  #asNicReplug(err: unknown): unknown {
    const problem = nicHotplugProblem(err);
    return problem ? new NicReplugError({ vmid: this.vmid, node: this.#node, ...problem, cause: err }) : err;
  }

  /** The PVE node's CPU count; null when the token may not read it (Sys.Audit): the start then decides. */
  async #nodeCpus(): Promise<number | null> {
    try {
      const status = await this.#client.get<{ cpuinfo?: { cpus?: number } }>(
        `/nodes/${encodeURIComponent(this.#node)}/status`,
      );
      return typeof status.cpuinfo?.cpus === 'number' ? status.cpuinfo.cpus : null;
    } catch (err) {
      if (err instanceof PveApiError && err.kind === 'permission') return null;
      throw err;
    }
  }

  async #power(
    leaf: string,
    body: Record<string, string | number>,
    target: 'running' | 'stopped',
    how: { resend?: boolean | undefined; graceS: number },
  ): Promise<void> {
    const wait = { ...this.#wait, timeoutMs: this.#wait.timeoutMs + how.graceS * 1000 };
    let upid: unknown;
    try {
      upid = await this.#send('POST', this.path(leaf), body);
    } catch (err) {
      if (!(err instanceof PveApiError) || err.kind !== 'unknown-outcome') throw err;
      // Re-read instead of resending blindly; the state wait below tells the truth either way.
      const st = await this.#client.get<VmStatusCurrent>(this.path('status/current'));
      if (st.status !== target && how.resend !== false) upid = await this.#send('POST', this.path(leaf), body);
    }
    if (typeof upid === 'string' && isUpid(upid)) await waitTaskEnd(this.#client, upid, wait);
    await this.#waitForState(target, wait);
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
