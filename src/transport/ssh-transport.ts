// One SSH connection per host, opened on the first exec and reused; exec channels are queued so at most
// `maxChannels` run at once (sshd's MaxSessions defaults to 10). A dropped connection fails the execs in
// flight or queued at that moment with ConnectError; a later exec connects again (e.g. after a reboot).
import { constants } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { ClientChannel } from 'ssh2';
import { ConnectError, TaskError, tail } from '../core/errors.js';
import type { ExecOptions, ExecResult } from '../core/module.js';
import type { Transport } from '../core/transport.js';
import { resolveEndpoint, processEnvironment, type ConnectionSpec, type Endpoint, type SshEnvironment } from './endpoint.js';
import { KnownHostsWriter } from './known-hosts.js';
import { describeEndpoint, openConnection, type Connection, type WriterFor } from './ssh-connect.js';

export interface SshTransportOptions {
  environment?: SshEnvironment;
  /** Shared known_hosts writers (the pool passes one); default: private to this transport. */
  writerFor?: WriterFor;
}

/** A live connection and the execs running on it, so a drop can fail exactly those. */
interface Live {
  conn: Connection;
  inFlight: Set<(err: Error) => void>;
  /** Resolves once the client has closed. */
  closed: Promise<void>;
}

export class SshTransport implements Transport {
  readonly host: string;
  readonly #spec: ConnectionSpec;
  readonly #environment: SshEnvironment;
  readonly #writerFor: WriterFor;
  readonly #limit: LimitFunction;
  #endpoint: Endpoint | null = null;
  #live: Promise<Live> | null = null;
  /** Bumped on every drop: queued execs from before the drop fail instead of reconnecting. */
  #epoch = 0;
  #dropError: ConnectError | null = null;
  #closed = false;

  constructor(spec: ConnectionSpec, options: SshTransportOptions = {}) {
    this.host = spec.host;
    this.#spec = spec;
    this.#environment = options.environment ?? processEnvironment();
    this.#writerFor = options.writerFor ?? privateWriters();
    this.#limit = pLimit(spec.maxChannels ?? 8);
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
    return this.#limit(async () => {
      if (this.#closed) throw this.#closedError(); // closed while this exec waited in the queue
      if (epoch !== this.#epoch && this.#dropError) throw this.#dropError;
      const live = await this.#connection();
      return runChannel(this.host, live, command, options);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const live = this.#live;
    this.#live = null;
    if (!live) return;
    const settled = await live.then(
      (l) => l,
      () => null,
    );
    if (!settled) return;
    settled.conn.close();
    await settled.closed;
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
      const conn = await openConnection(this.#resolve(), this.host, this.#writerFor);
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

/** Run one command on its own channel; stdout/stderr collected as UTF-8. */
function runChannel(host: string, live: Live, command: string, options: ExecOptions): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      live.inFlight.delete(fail);
      fn();
    };
    const fail = (err: Error): void => finish(() => reject(err));
    live.inFlight.add(fail);
    const open = (attempt: number): void => {
      const client = live.conn.client;
      const onOpen: Parameters<typeof client.exec>[1] = (err, stream) => {
        if (done) {
          if (!err) stream.close(); // failed meanwhile (drop, close): do not leave the channel open
          return;
        }
        if (err && attempt < OPEN_RETRIES && /open failed/.test(err.message)) {
          // sshd frees a closed session slightly after we see the close, so MaxSessions can still be full.
          timer = setTimeout(() => open(attempt + 1), 10 * 2 ** attempt);
          return;
        }
        if (err) return fail(new ConnectError(host, `${host}: cannot open an exec channel: ${err.message}`, { cause: err }));
        collect(host, stream, options, (result) => finish(() => resolve(result)), fail, (t) => (timer = t));
      };
      try {
        client.exec(command, onOpen);
      } catch (err) {
        // ssh2 throws "Not connected" synchronously once the socket is gone.
        fail(new ConnectError(host, `${host}: connection closed before the command started`, { cause: err }));
      }
    };
    open(0);
  });
}

const OPEN_RETRIES = 8; // backoff 10 ms .. 1.3 s, about 2.5 s in all

function collect(
  host: string,
  stream: ClientChannel,
  options: ExecOptions,
  ok: (r: ExecResult) => void,
  fail: (e: Error) => void,
  setTimer: (t: NodeJS.Timeout) => void,
): void {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let code: number | null = null;
  let signal: string | null = null;
  stream.on('data', (d: Buffer) => stdout.push(d));
  stream.stderr.on('data', (d: Buffer) => stderr.push(d));
  stream.on('error', (e: Error) => fail(new ConnectError(host, `${host}: channel error: ${e.message}`, { cause: e })));
  stream.on('exit', (c: number | null, sig?: string) => {
    if (c !== null) code = c;
    else signal = sig ?? 'SIGunknown'; // ssh2 names it with the SIG prefix
  });
  stream.on('close', () => {
    const out = Buffer.concat(stdout).toString('utf8');
    let err = Buffer.concat(stderr).toString('utf8');
    if (code !== null) {
      ok({ code, stdout: out, stderr: err });
    } else if (signal !== null) {
      err += `${err === '' || err.endsWith('\n') ? '' : '\n'}command killed by signal ${signal}\n`;
      ok({ code: signalExitCode(signal), stdout: out, stderr: err });
    } else {
      fail(new ConnectError(host, `${host}: channel closed without an exit status (connection lost?)`));
    }
  });
  if (options.timeoutMs !== undefined) {
    const ms = options.timeoutMs;
    setTimer(
      setTimeout(() => {
        killRemote(stream);
        stream.close();
        // sshd answers the close only once the command has exited: fail now rather than wait.
        const partial = Buffer.concat(stderr).toString('utf8') || Buffer.concat(stdout).toString('utf8');
        fail(new TaskError(`${host}: command timed out after ${ms} ms; sent SIGKILL and closed the channel`, tail(partial, 5) || undefined));
      }, ms),
    );
  }
  if (options.stdin !== undefined) stream.end(options.stdin);
  else stream.end(); // EOF on stdin, so a command that reads it does not hang
}

/**
 * Best effort: ask sshd to SIGKILL the command's process group. OpenSSH refuses signals for root logins
 * ("requires privilege separation") and cannot signal processes sudo started as another user, so a timed-out
 * command may keep running on the host. ssh2's ClientChannel.signal() refuses once our side has sent EOF
 * (exec always does after stdin), hence the protocol object.
 */
function killRemote(stream: ClientChannel): void {
  const internals = stream as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  if (id === undefined || (internals.outgoing?.state !== 'open' && internals.outgoing?.state !== 'eof') || typeof protocol?.signal !== 'function') return;
  try {
    protocol.signal(id, 'KILL');
  } catch {
    // the connection is already gone
  }
}

/** 128 + signal number, as a shell reports a killed command. */
function signalExitCode(signal: string): number {
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? 255 : 128 + n;
}
