// One host's state during a run: its lazy connection, facts, registered results, notified handlers and needs.
import { ConnectError, TaskError } from '../core/errors.js';
import type { HostFacts } from '../core/facts.js';
import type {
  ExecOptions,
  ExecResult,
  Need,
  NeedKind,
  ReadContext,
  VmApi,
  VmHandle,
  VmResolver,
} from '../core/module.js';
import { raw, type ShellCommand } from '../core/shell.js';
import { becomeCommand, isSudoDenied, type ExecPurpose, type Transport } from '../core/transport.js';
import type { Host } from '../inventory/types.js';
import type { ApplyTarget } from './apply-ops.js';
import type { EmitEvent } from './events.js';
import { FACTS_SCRIPT, parseFacts } from './facts.js';

export interface HostSessionDeps {
  host: Host;
  /** Opens (lazily) the host's connection; `fresh` asks for a new one instead of a shared, older one. */
  connect: (host: Host, fresh?: boolean) => Transport;
  vms: VmResolver;
  emit: EmitEvent;
}

export class HostSession {
  readonly host: Host;
  /** Facts once gathered (templates and conditions see them as `facts`). */
  knownFacts: HostFacts | null = null;
  readonly #registered: Record<string, unknown> = {};
  readonly #notified = new Set<string>();
  readonly #needs = new Map<NeedKind, Need>();
  #stopped: 'failed' | 'unreachable' | null = null;
  #rollLockChecked = false;
  #deps: HostSessionDeps;
  #transport: Transport | null = null;
  #renew = false;
  #connectedAt: number | null = null;
  #facts: Promise<HostFacts> | null = null;
  #vm: Promise<VmApi | null> | null = null;

  /** Set once the host cannot go on (failed task or unreachable); later tasks are not run. */
  get stopped(): 'failed' | 'unreachable' | null {
    return this.#stopped;
  }
  stop(reason: 'failed' | 'unreachable'): void {
    this.#stopped = reason;
  }

  /** Results of tasks with `register`, by name: later tasks see them as variables. */
  get registered(): Readonly<Record<string, unknown>> {
    return this.#registered;
  }
  register(name: string, result: unknown): void {
    this.#registered[name] = result;
  }

  /** A handler a changed task notified; it runs at the end of the batch. */
  notify(handler: string): void {
    this.#notified.add(handler);
  }
  /** True (and forgotten) when `handler` was notified: it runs once. */
  takeNotified(handler: string): boolean {
    return this.#notified.delete(handler);
  }

  /** What the engine must still do for this host (e.g. vm-cold-restart, which a rolling play does while drained). */
  get needs(): ReadonlyMap<NeedKind, Need> {
    return this.#needs;
  }
  addNeed(need: Need): void {
    this.#needs.set(need.kind, need);
  }
  /** Marks the need of this kind done; true when there was one. */
  meetNeed(kind: NeedKind): boolean {
    return this.#needs.delete(kind);
  }

  /** True once this run has read the host's roll lock (see roll-guard.ts). */
  get rollLockChecked(): boolean {
    return this.#rollLockChecked;
  }
  markRollLockChecked(): void {
    this.#rollLockChecked = true;
  }

  constructor(deps: HostSessionDeps) {
    this.#deps = deps;
    this.host = deps.host;
  }

  get name(): string {
    return this.host.name;
  }

  /** Run a command on the host, through `sudo -n` when `become` is set and the login user is not root. */
  async exec(
    command: ShellCommand,
    options: ExecOptions | undefined,
    become: boolean,
    purpose: ExecPurpose = 'engine',
  ): Promise<ExecResult> {
    const useSudo = become && this.host.user !== 'root';
    const transport = this.#open();
    const started = Date.now();
    const result = await transport.exec(useSudo ? becomeCommand(command.text) : command.text, { ...options, purpose });
    if (this.#connectedAt === null) {
      this.#connectedAt = Date.now();
      this.#deps.emit({ type: 'host-connected', host: this.name, durationMs: this.#connectedAt - started });
    }
    if (useSudo && result.code !== 0 && isSudoDenied(result.stderr)) {
      throw new TaskError(
        `become failed: ${this.host.user ?? 'the login user'} has no passwordless sudo on ${this.name} (sudo -n)`,
        result.stderr.trim(),
      );
    }
    return result;
  }

  facts(): Promise<HostFacts> {
    this.#facts ??= this.exec(raw(FACTS_SCRIPT), undefined, false, 'gather').then((r) => {
      if (r.code !== 0) throw new TaskError(`gathering facts failed (exit ${r.code})`, r.stderr.trim());
      this.knownFacts = parseFacts(r.stdout);
      return this.knownFacts;
    });
    return this.#facts;
  }

  vm(): Promise<VmApi | null> {
    this.#vm ??= this.#deps.vms.forHost(this.name);
    return this.#vm;
  }

  /** What a module's gather gets: probes marked as such, and a Proxmox handle that can only GET. */
  readContext(vars: Record<string, unknown>, baseDir: string, become: boolean): ReadContext {
    return {
      host: this.name,
      vars,
      baseDir,
      facts: () => this.facts(),
      exec: (command, options) => this.exec(command, options, become, 'gather'),
      vm: async () => {
        const api = await this.vm();
        return api ? vmReader(api) : null;
      },
    };
  }

  applyTarget(become: boolean): ApplyTarget {
    return {
      host: this.name,
      run: (command, options) => this.exec(command, options, become, 'apply'),
      vm: () => this.vm(),
    };
  }

  /** Drop the connection and boot-bound facts (after a reboot or cold restart); the next exec connects anew. */
  reconnect(): void {
    this.#renew = true;
    this.#transport = null;
    this.#connectedAt = null;
    this.#facts = null;
    this.knownFacts = null;
  }

  async close(): Promise<void> {
    if (this.#transport) await this.#transport.close().catch(() => undefined);
    this.#transport = null;
  }

  #open(): Transport {
    if (!this.#transport) {
      try {
        this.#transport = this.#deps.connect(this.host, this.#renew);
        this.#renew = false;
      } catch (error) {
        throw error instanceof ConnectError ? error : new ConnectError(this.name, String(error));
      }
    }
    return this.#transport;
  }
}

/** The read side of a VM's API as its own object: nothing reachable from it can write. */
function vmReader(api: VmApi): VmHandle {
  return {
    proxmox: api.proxmox,
    get node() {
      return api.node; // may change when HA moves the VM
    },
    vmid: api.vmid,
    get: (path) => api.get(path),
  };
}
