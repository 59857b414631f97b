// Typed Proxmox API errors. They carry data; src/cli formats them.

export type PveErrorKind =
  | 'auth' // 401: bad/expired token or ticket, missing CSRF token (never retried: the server delays 3 s)
  | 'permission' // 403: `Permission check failed (<path>, <priv>)`
  | 'conflict' // 500 `checksum mismatch`: the config changed since it was read (re-plan)
  | 'locked' // 500 `VM is locked (<lock>)` or a file-lock timeout
  | 'unreachable' // 595/596 or a connection error: the node (or endpoint) is down
  | 'not-found' // 500 `Configuration file ... does not exist`, 400 `no such task`
  | 'validation' // 400 `Parameter verification failed.` with a per-parameter `errors` map
  | 'not-implemented' // 501 unknown method/path
  | 'tls' // certificate verification or fingerprint pin failed
  | 'unknown-outcome' // a write was sent but no answer came back: re-read before doing anything else
  | 'server'; // any other error

export interface PveApiErrorInit {
  kind: PveErrorKind;
  status: number; // 0 when no HTTP status was received
  method: string;
  path: string;
  message: string;
  endpoint: string;
  errors?: Record<string, string>;
  attempts?: number;
  host?: string;
  cause?: unknown;
}

/** Any failed Proxmox API call. `message` never contains the token secret or a ticket. */
export class PveApiError extends Error {
  readonly kind: PveErrorKind;
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Inventory name of the Proxmox endpoint. */
  readonly endpoint: string;
  /** 400: per-parameter messages (`net0: invalid format - ...`). */
  readonly errors: Record<string, string> | undefined;
  /** How many times the request was sent (retries included). */
  readonly attempts: number;
  /** Inventory host the call was made for, when known. */
  readonly host: string | undefined;
  /** The server's reason text (first line of the status message, or the JSON `message`). */
  readonly reason: string;

  constructor(init: PveApiErrorInit) {
    super(formatPveError(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PveApiError';
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.endpoint = init.endpoint;
    this.errors = init.errors;
    this.attempts = init.attempts ?? 1;
    this.host = init.host;
    this.reason = init.message;
  }

  /** The same error, attributed to an inventory host. */
  forHost(host: string): PveApiError {
    return new PveApiError({ ...this.init(), host });
  }

  protected init(): PveApiErrorInit {
    return {
      kind: this.kind,
      status: this.status,
      method: this.method,
      path: this.path,
      message: this.reason,
      endpoint: this.endpoint,
      ...(this.errors ? { errors: this.errors } : {}),
      attempts: this.attempts,
      ...(this.host ? { host: this.host } : {}),
      ...(this.cause !== undefined ? { cause: this.cause } : {}),
    };
  }
}

/** The ACL path and privilege of `Permission check failed (<path>, <priv>)`. */
function parsePermissionCheck(message: string): { aclPath: string; privilege: string } | null {
  const m = /Permission check failed \(([^,]+),\s*([^)]+)\)/.exec(message);
  return m?.[1] && m[2] ? { aclPath: m[1].trim(), privilege: m[2].trim() } : null;
}

/** What to grant, said the way pveum takes it; a privilege-separated token needs its own ACL besides its user's. */
function missingPrivilegeHint(aclPath: string, privilege: string): string {
  const why = privilege === 'SDN.Use' ? ', the bridge (and VLAN) a NIC is written with' : '';
  return `the API token lacks ${privilege} on ${aclPath}${why}; a privilege-separated token needs it in its own ACL`;
}

/** 403 with the ACL path and privilege the server named. */
export class PvePermissionError extends PveApiError {
  readonly aclPath: string | undefined;
  /** e.g. `VM.Config.CPU`; "any of" checks are joined with `|` by the server. */
  readonly privilege: string | undefined;
  constructor(init: PveApiErrorInit) {
    super({ ...init, kind: 'permission' });
    this.name = 'PvePermissionError';
    const denied = parsePermissionCheck(init.message);
    this.aclPath = denied?.aclPath;
    this.privilege = denied?.privilege;
  }
  override forHost(host: string): PveApiError {
    return new PvePermissionError({ ...this.init(), host });
  }
}

/** A task (UPID) that ended with an error; `log` holds the last lines of its task log. */
export class PveTaskError extends Error {
  readonly upid: string;
  readonly node: string;
  readonly exitStatus: string;
  readonly log: string[];
  readonly endpoint: string;
  readonly host: string | undefined;
  constructor(args: {
    upid: string;
    node: string;
    exitStatus: string;
    log: string[];
    endpoint: string;
    host?: string;
  }) {
    const where = args.host ? `${args.host}: ` : '';
    const tailText = args.log.length > 0 ? `\n${args.log.join('\n')}` : '';
    super(`${where}Proxmox task ${args.upid} on ${args.endpoint}/${args.node} failed: ${args.exitStatus}${tailText}`);
    this.name = 'PveTaskError';
    this.upid = args.upid;
    this.node = args.node;
    this.exitStatus = args.exitStatus;
    this.log = args.log;
    this.endpoint = args.endpoint;
    this.host = args.host;
  }
  forHost(host: string): PveTaskError {
    return new PveTaskError({
      upid: this.upid,
      node: this.node,
      exitStatus: this.exitStatus,
      log: this.log,
      endpoint: this.endpoint,
      host,
    });
  }
}

/** Waiting for a task or a VM state took longer than allowed. */
export class PveTimeoutError extends Error {
  readonly endpoint: string;
  readonly what: string;
  readonly timeoutMs: number;
  constructor(endpoint: string, what: string, timeoutMs: number) {
    super(`${endpoint}: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    this.name = 'PveTimeoutError';
    this.endpoint = endpoint;
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * True for the optimistic-lock failure: the engine re-gathers and re-plans once. A stale digest
 * fails the POST itself; a write that raced in while the task waited fails the task with the same text.
 */
export function isPveConflict(err: unknown): err is PveApiError | PveTaskError {
  if (err instanceof PveApiError) return err.kind === 'conflict';
  return err instanceof PveTaskError && /checksum mismatch/i.test(err.exitStatus);
}

/** Attribute an error from the API layer to an inventory host (other errors pass unchanged). */
export function attributeToHost(err: unknown, host: string): unknown {
  if (err instanceof PveApiError && err.host === undefined) return err.forHost(host);
  if (err instanceof PveTaskError && err.host === undefined) return err.forHost(host);
  if (err instanceof NicReplugError && err.host === undefined) return err.forHost(host);
  return err;
}

/** Classify an HTTP error from its status and reason text. */
export function errorKindFor(status: number, reason: string): PveErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 501) return 'not-implemented';
  if (status === 595 || status === 596) return 'unreachable';
  if (/checksum mismatch/i.test(reason)) return 'conflict';
  if (/VM is locked|can't lock file/i.test(reason)) return 'locked';
  if (/does not exist|no such task|unable to find configuration file/i.test(reason)) return 'not-found';
  if (status === 400) return 'validation';
  return 'server';
}

function formatPveError(init: PveApiErrorInit): string {
  const where = init.host ? `${init.host}: ` : '';
  const status = init.status > 0 ? `${init.status} ` : '';
  let text = `${where}Proxmox ${init.endpoint}: ${init.method} ${init.path} failed: ${status}${init.message}`;
  if (init.kind === 'auth') text += ' (check the API token id and secret; not retried)';
  if (init.kind === 'unreachable' && (init.attempts ?? 1) > 1) text += ` (after ${init.attempts} attempts)`;
  if (init.kind === 'conflict') text += ' (the VM config changed since it was read; re-plan)';
  const denied = init.status === 403 ? parsePermissionCheck(init.message) : null;
  if (denied) text += ` (${missingPrivilegeHint(denied.aclPath, denied.privilege)})`;
  if (init.errors) {
    for (const [param, msg] of Object.entries(init.errors)) {
      text += `\n  ${param}: ${msg.trim().replace(/\n+/g, '; ')}`;
    }
  }
  return text;
}

/**
 * A config write whose NIC re-plug failed on the running VM. Proxmox unplugs the NIC, then plugs it with the new
 * settings; the value stays pending either way. `unplug`: the unplug failed and the NIC still runs its old settings.
 * `plug`: the unplug went through and the plug did not, so the VM may have NO such NIC now: an emergency.
 */
export class NicReplugError extends Error {
  readonly vmid: number;
  readonly node: string;
  readonly key: string;
  readonly stage: 'unplug' | 'plug';
  /** What Proxmox said about the hot-plug. */
  readonly reason: string;
  readonly host: string | undefined;
  constructor(args: {
    vmid: number;
    node: string;
    key: string;
    stage: 'unplug' | 'plug';
    reason: string;
    host?: string;
    cause?: unknown;
  }) {
    const where = args.host ? `${args.host}: ` : '';
    const what =
      args.stage === 'plug'
        ? `VM ${args.vmid} on ${args.node} may have NO ${args.key} now: its re-plug failed after the unplug (${args.reason}); its traffic on ${args.key} is down until ${args.key} is written again or the VM is cold-restarted: do it at once`
        : `re-plugging ${args.key} of VM ${args.vmid} on ${args.node} failed at the unplug (${args.reason}): ${args.key} still runs its old settings and the change stays pending until a cold restart`;
    super(`${where}${what}`, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = 'NicReplugError';
    this.vmid = args.vmid;
    this.node = args.node;
    this.key = args.key;
    this.stage = args.stage;
    this.reason = args.reason;
    this.host = args.host;
  }
  forHost(host: string): NicReplugError {
    const { vmid, node, key, stage, reason } = this;
    return new NicReplugError({ vmid, node, key, stage, reason, host, cause: this.cause });
  }
}

/**
 * The NIC hot-plug failure in a failed config write (qemu-server's `netN: hotplug problem - <msg>`, in a 400's
 * per-key errors or a qmconfig task's exit status), or null when the write failed for another reason.
 */
export function nicHotplugProblem(error: unknown): { key: string; stage: 'unplug' | 'plug'; reason: string } | null {
  let lines: string[] = [];
  if (error instanceof PveTaskError) lines = [error.exitStatus, ...error.log];
  else if (error instanceof PveApiError && error.errors)
    lines = Object.entries(error.errors).map(([k, v]) => `${k}: ${v}`);
  for (const line of lines) {
    const m = /\b(net\d+): hotplug problem - (.+?)(?=\s+\w+: hotplug problem - |$)/.exec(line.trim());
    if (m?.[1] && m[2]) {
      const reason = m[2].trim();
      return { key: m[1], stage: /hot-unplugging/i.test(reason) ? 'unplug' : 'plug', reason };
    }
  }
  return null;
}

/** HA gave up starting a resource (its HA state is `error`): it starts the VM again only once disabled and enabled. */
export class PveHaError extends Error {
  readonly vmid: number;
  readonly node: string;
  readonly haState: string;
  constructor(args: { vmid: number; node: string; haState: string }) {
    super(`HA put vm:${args.vmid} in its ${args.haState} state after its start failed on ${args.node}`);
    this.name = 'PveHaError';
    this.vmid = args.vmid;
    this.node = args.node;
    this.haState = args.haState;
  }
}
