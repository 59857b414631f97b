// One SSH connection per host, opened on the first exec and reused. Commands run through a small pool of
// persistent remote shells (shell-session.ts), one command per shell at a time, small stdin included; an exec
// with stdin over SHELL_STDIN_MAX gets an exec channel of its own (exec-channel.ts). Shells and those channels
// share one budget of `maxChannels` channels (sshd's MaxSessions defaults to 10); execs wait in a queue for a
// shell or a channel.
// A dropped connection fails the execs in flight or queued at that moment with ConnectError; a later exec
// connects again (e.g. after a reboot).
import { ConnectError } from '../core/errors.js';
import type { ExecOptions, ExecResult } from '../core/module.js';
import type { Transport } from '../core/transport.js';
import {
  resolveEndpoint,
  processEnvironment,
  type ConnectionSpec,
  type Endpoint,
  type SshEnvironment,
} from './endpoint.js';
import { runChannel, type Live } from './exec-channel.js';
import { HandshakeGate } from './handshake-gate.js';
import { KnownHostsWriter } from './known-hosts.js';
import { SHELL_STDIN_MAX, ShellSession } from './shell-session.js';
import { describeEndpoint, openConnection, type WriterFor } from './ssh-connect.js';

/** At most this many persistent shells per connection (fewer when maxChannels is lower). */
const MAX_SHELLS = 4;

export interface SshTransportOptions {
  environment?: SshEnvironment;
  /** Shared known_hosts writers (the pool passes one); default: private to this transport. */
  writerFor?: WriterFor;
  /** Shared bound on handshakes in flight (the pool passes one); default: private to this transport. */
  handshakes?: HandshakeGate;
}

/** An exec waiting for a shell, or for a channel of its own (`dedicated`: it has stdin). */
interface Waiter {
  dedicated: boolean;
  start: (lease: Lease) => void;
  fail: (err: Error) => void;
}

/** What an exec got from the queue: a shell (idle, or new and not yet open) or one channel slot. */
type Lease = { shell: ShellSession } | { shell: null };

export class SshTransport implements Transport {
  readonly host: string;
  readonly #spec: ConnectionSpec;
  readonly #environment: SshEnvironment;
  readonly #writerFor: WriterFor;
  readonly #handshakes: HandshakeGate;
  readonly #maxChannels: number;
  readonly #maxShells: number;
  #endpoint: Endpoint | null = null;
  #live: Promise<Live> | null = null;
  /** Bumped on every drop: execs from before the drop fail instead of reconnecting. */
  #epoch = 0;
  #dropError: ConnectError | null = null;
  #closed = false;
  /** Every shell holding a channel (opening, idle or busy); `#idle` are the ones free to run a command. */
  readonly #shells = new Set<ShellSession>();
  #idle: ShellSession[] = [];
  /** Channels of execs with stdin, running now. */
  #channels = 0;
  #queue: Waiter[] = [];
  #pumping = false;
  #pumpAgain = false;

  constructor(spec: ConnectionSpec, options: SshTransportOptions = {}) {
    this.host = spec.host;
    this.#spec = spec;
    this.#environment = options.environment ?? processEnvironment();
    this.#writerFor = options.writerFor ?? privateWriters();
    this.#handshakes = options.handshakes ?? new HandshakeGate();
    this.#maxChannels = Math.max(1, spec.maxChannels ?? 8);
    this.#maxShells = Math.min(MAX_SHELLS, this.#maxChannels);
  }

  /** Where this transport connects, e.g. "root@10.0.0.11:22" (resolves ssh_config on first use). */
  describe(): string {
    return describeEndpoint(this.#resolve());
  }

  /** Connect now instead of on the first exec (e.g. to fail unreachable hosts early). */
  async connect(): Promise<void> {
    await this.#connection();
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const epoch = this.#epoch;
    return new Promise<ExecResult>((resolve, reject) => {
      this.#queue.push({
        dedicated: options.stdin !== undefined && Buffer.byteLength(options.stdin) > SHELL_STDIN_MAX,
        start: (lease) => void this.#run(lease, epoch, command, options).then(resolve, reject),
        fail: reject,
      });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failQueued(this.#closedError());
    const live = this.#live;
    this.#live = null;
    if (!live) return;
    const settled = await live.then(
      (l) => l,
      () => null,
    );
    if (!settled) return;
    settled.conn.close(); // ends the shells too: they fail their command through inFlight
    await settled.closed;
  }

  async #run(lease: Lease, epoch: number, command: string, options: ExecOptions): Promise<ExecResult> {
    const shell = lease.shell;
    try {
      if (this.#closed) throw this.#closedError(); // closed while this exec waited in the queue
      if (epoch !== this.#epoch && this.#dropError) throw this.#dropError;
      if (!shell) return await runChannel(this.host, await this.#connection(), command, options);
      if (shell.fresh) await shell.open(await this.#connection());
      return await shell.run(command, options.timeoutMs, options.stdin);
    } finally {
      if (!shell) this.#channels--;
      else if (shell.reusable) this.#idle.push(shell);
      else shell.close(); // closed, or a background process still writes to it; no-op when closed already
      this.#pump();
    }
  }

  /** Start queued execs, in order, as long as a shell or a channel is free for them. */
  #pump(): void {
    // Re-entered from a shell's close (which frees a channel): loop again instead of nesting.
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        for (let i = 0; i < this.#queue.length;) {
          const waiter = this.#queue[i] as Waiter;
          const lease = this.#lease(waiter.dedicated);
          if (!lease) {
            i++;
            continue;
          }
          this.#queue.splice(i, 1);
          waiter.start(lease);
        }
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by a re-entrant #pump() call
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * A shell or a channel for the next exec, or null when it must wait. Shells and dedicated channels never
   * hold more than maxChannels channels together. A dedicated exec waits for a running one to end, or, when
   * shells hold every channel (maxChannels <= 4), closes an idle shell.
   */
  #lease(dedicated: boolean): Lease | null {
    const free = this.#maxChannels - this.#shells.size - this.#channels;
    if (!dedicated) {
      const idle = this.#idle.pop();
      if (idle) return { shell: idle };
      if (free <= 0 || this.#shells.size >= this.#maxShells) return null;
      const shell = new ShellSession(this.host, (s) => this.#forget(s));
      this.#shells.add(shell);
      return { shell };
    }
    if (free <= 0) {
      const idle = this.#channels === 0 ? this.#idle.shift() : undefined;
      if (!idle) return null;
      this.#forget(idle);
      idle.close();
    }
    this.#channels++;
    return { shell: null };
  }

  #forget(shell: ShellSession): void {
    this.#shells.delete(shell);
    this.#idle = this.#idle.filter((s) => s !== shell);
    this.#pump();
  }

  #failQueued(err: Error): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const waiter of queued) waiter.fail(err);
  }

  #closedError(): ConnectError {
    return new ConnectError(this.host, `${this.host}: transport closed`);
  }

  #resolve(): Endpoint {
    this.#endpoint ??= resolveEndpoint(this.#spec, this.#environment);
    return this.#endpoint;
  }

  #connection(): Promise<Live> {
    if (this.#live) return this.#live;
    const attempt = (async (): Promise<Live> => {
      const conn = await openConnection(this.#resolve(), this.host, this.#writerFor, this.#handshakes);
      let lastError: Error | null = null;
      conn.client.on('error', (err: Error) => (lastError = err));
      let markClosed = (): void => undefined;
      const closed = new Promise<void>((resolve) => (markClosed = resolve));
      const live: Live = { conn, inFlight: new Set(), closed };
      // Synchronously, so pending execs get "connection lost" before ssh2 fails their channels generically.
      conn.client.once('close', () => {
        markClosed();
        this.#dropped(attempt, live, lastError);
      });
      if (this.#closed) conn.close();
      return live;
    })();
    this.#live = attempt;
    // A failed connect is not cached: the next exec tries again.
    attempt.catch(() => {
      if (this.#live === attempt) this.#live = null;
    });
    return attempt;
  }

  #dropped(attempt: Promise<Live>, live: Live, cause: Error | null): void {
    if (this.#live === attempt) this.#live = null;
    const reason = cause ? `: ${cause.message}` : '';
    const err = this.#closed
      ? this.#closedError()
      : new ConnectError(this.host, `${this.host}: connection to ${this.describe()} lost${reason}`, { cause });
    this.#epoch++;
    this.#dropError = err;
    this.#failQueued(err); // before the shells below close and free channels for them
    for (const fail of live.inFlight) fail(err);
    live.inFlight.clear();
  }
}

function privateWriters(): WriterFor {
  const writers = new Map<string, KnownHostsWriter>();
  return (file, hash) => {
    let w = writers.get(file);
    if (!w) writers.set(file, (w = new KnownHostsWriter(file, hash)));
    return w;
  };
}
