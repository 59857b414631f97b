// The module contract: gather (read-only) -> plan (pure) -> the engine applies the ops.
// No module sees --check or --diff: the engine stops after plan in check mode and prints change.diff.
import type { z } from 'zod';
import type { HostFacts } from './facts.js';
import type { ShellCommand } from './shell.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Milliseconds; the command is killed and the task fails after this long. */
  timeoutMs?: number;
}

/** What a module may do while gathering: read-only probes. */
export interface ReadContext {
  /** Inventory name of the host. */
  readonly host: string;
  /** Merged variables for this host (inventory < groups < host < play < extra), plus registered results. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Directory that relative `src:` paths resolve against (the playbook's directory). */
  readonly baseDir: string;
  /** Facts, gathered once per host on first use (opens the SSH connection). */
  facts(): Promise<HostFacts>;
  /** Run a read-only probe on the host (with the task's `become`). Never used to change anything. */
  exec(command: ShellCommand, options?: ExecOptions): Promise<ExecResult>;
  /** The host's Proxmox VM binding and API, or null when the host has no `vm:` (see src/proxmox). */
  vm(): Promise<VmHandle | null>;
}

/** A host's VM on a Proxmox cluster, read side: what modules see while gathering. */
export interface VmHandle {
  readonly proxmox: string; // inventory name of the Proxmox API endpoint
  readonly node: string;
  readonly vmid: number;
  /** GET a path under /api2/json (e.g. `/nodes/pve1/qemu/100/config`); returns the `data` member. */
  get<T = unknown>(path: string): Promise<T>;
}

/** The write side, used only by the engine to apply `pve` ops. */
export interface VmApi extends VmHandle {
  /** POST/PUT a form body; returns `data` (a UPID string for async calls, or null). */
  write(method: 'POST' | 'PUT', path: string, body: Record<string, string | number>): Promise<unknown>;
  /** Wait until a task has stopped; throws unless it ended OK or with warnings. */
  waitTask(upid: string): Promise<void>;
  /** Apply pending hardware through the API (stop and start, or an API reboot), waiting until it runs again; says how. */
  coldRestart(options?: ColdRestartOptions): Promise<string>;
}

/**
 * A config value written while the VM is stopped during its cold restart, between the shutdown and the start (a NIC
 * change that would re-plug live on the running VM). `from` is the value it was planned against: a config that no
 * longer has it is not written.
 */
export interface DeferredConfigWrite {
  key: string;
  from: string;
  to: string;
}

export interface ColdRestartOptions {
  /** Written after the stop, guarded by the digest read then. */
  writeWhileStopped?: readonly DeferredConfigWrite[];
  /** Seconds the guest gets to shut down before a hard stop (default: the API's own setting). */
  shutdownTimeoutS?: number;
}

/** Resolves a host's `vm:` binding to its API handle (null for hosts without one). Built by src/proxmox. */
export interface VmResolver {
  forHost(host: string): Promise<VmApi | null>;
}

/** What a change implies for the running system. Proxmox changes always set this. */
export type Impact =
  | 'live' // applied immediately, no disruption
  | 'pending' // written, takes effect at the next cold restart
  | 'nic-replug' // applied live by unplugging and re-plugging a NIC: a link drop
  | 'cold-restart'; // needs the VM stopped and started through the API

export type Op =
  /** Run a shell command on the host; exit codes other than okCodes (default [0]) fail the task. */
  | { kind: 'exec'; command: ShellCommand; stdin?: string | Buffer; okCodes?: number[]; timeoutMs?: number }
  /**
   * Write a file atomically: temp file in the same directory, optional validate command
   * (with %s replaced by the temp path), then rename over the target. A failed validation
   * leaves the old file in place.
   */
  | {
      kind: 'put';
      path: string;
      content: string | Buffer;
      mode?: string;
      owner?: string;
      group?: string;
      validate?: string;
      backup?: boolean;
    }
  /** A write through the Proxmox API, guarded by the config digest the plan was made from. */
  | {
      kind: 'pve';
      method: 'POST' | 'PUT';
      path: string;
      body: Record<string, string | number>;
      /** Wait for the UPID the call returns. */
      waitTask?: boolean;
    }
  /** Cold-restart the VM through its API (VmApi.coldRestart), with what must be written while it is stopped. */
  | { kind: 'vm-cold-restart'; options: ColdRestartOptions };

/**
 * What a change does, from which the engine derives the task's status and what --verify expects:
 * - write: makes the host as wanted; once applied, planning again must not plan it (--verify says so);
 * - action: runs on every run by design (a restart, a reload, a reboot, an unguarded command): the task is
 *   changed, --verify expects it again;
 * - observe: only looks (a wait, a drain check): applying it changes nothing, the task stays ok;
 * - note: says something (already pending, refused) and has no ops.
 */
export type ChangeKind = 'write' | 'action' | 'observe' | 'note';

export function changeKind(change: Pick<Change, 'kind' | 'ops'>): ChangeKind {
  return change.kind ?? (change.ops.length === 0 ? 'note' : 'write');
}

/** What a change needs the engine to do after it is applied. */
export type Need =
  /** The VM's pending hardware applies only at a stop and start through the Proxmox API. */
  | { kind: 'cold-restart' }
  /** A NIC change refused on the serving VM: a cold restart writes it while the VM is stopped (no live re-plug). */
  | { kind: 'nic-replug'; write?: DeferredConfigWrite }
  /** The host reboots: the engine reconnects and waits up to `timeoutS` for a new boot id. */
  | { kind: 'reboot'; timeoutS: number };

export type NeedKind = Need['kind'];

/** How a need is named in reports, the recap and --json (stable names). */
export function needLabel(kind: NeedKind): string {
  return { 'cold-restart': 'vm-cold-restart', 'nic-replug': 'vm-nic-replug', reboot: 'reconnect-after-reboot' }[kind];
}

export interface FileDiff {
  path: string;
  before: string | null; // null: the file does not exist
  after: string | null; // null: the file will be removed
}

export interface Change {
  /** One line, e.g. "write /etc/haproxy/haproxy.cfg (mode 0644)". */
  summary: string;
  diff?: FileDiff;
  ops: Op[];
  impact?: Impact;
  /** The outcome cannot be known before running (an unguarded command): check mode says "unknown". */
  uncertain?: boolean;
  /** What applying it does; default `write` (or `note` for a change without ops). See ChangeKind. */
  kind?: ChangeKind;
  /** What the engine must do once this change is applied (a rolling play cold-restarts while drained). */
  needs?: Need[];
  /** Secrets in this change's content that must never be printed (diffs of key files are hidden). */
  sensitive?: boolean;
}

export interface ModuleDef<A = unknown, F = unknown> {
  /** The YAML key, e.g. "copy". */
  name: string;
  /** One line for `ober-push modules`. */
  description: string;
  /** Arguments, validated at load time before any connection. Strings may be templates (checked again after rendering). */
  args: z.ZodType<A>;
  /** Read-only: exec probes, file reads, Proxmox GETs. */
  gather(ctx: ReadContext, args: A): Promise<F>;
  /** Pure: facts + args -> changes. [] means already as wanted. */
  plan(facts: F, args: A): Change[];
  /**
   * Local files the task reads, from its raw args (null where a path is a template): checked before any
   * connection (missing, not a regular file, a template that does not parse or names an unknown variable).
   */
  localFiles?(args: unknown, baseDir: string): LocalFile[];
  /** True when the module never touches the guest over SSH (the engine then does not connect for it). */
  apiOnly?: boolean;
  /**
   * Extra values the task result exposes to `register` (e.g. stdout of a probe). `applied` is the last
   * exec result of the applied ops (null in check mode or when nothing was applied), so a module can
   * expose what a wait measured (wait_for's elapsed_ms).
   */
  result?(facts: F, args: A, applied?: ExecResult | null): Record<string, unknown>;
}

/** A workstation file a task will read: the first existing candidate is used. */
export interface LocalFile {
  /** The argument that names it, e.g. "src". */
  arg: string;
  candidates: string[];
  /** Rendered with Handlebars (its variables are checked too). */
  template: boolean;
}

/** A module with its type parameters erased, as the registry holds it (methods are bivariant). */
export type AnyModule = ModuleDef;

export function defineModule<A, F>(def: ModuleDef<A, F>): ModuleDef<A, F> {
  return def;
}
