// A persistent remote shell on one SSH exec channel, running one command at a time: a round trip costs a
// write and a read instead of a channel open, an exec request and sshd forking a login shell.
//
// Each command is written to the shell's stdin as
//   (exec 2>&3 3>&- </dev/null; exec bash -c '<command>'); printf '%s %s\n' MARKER "$?"; printf '%s\n' MARKER >&3
// so it runs in a process of its own, by the login shell as on a channel of its own (exit, cd, set -e and
// variables do not outlive it), and sees EOF on stdin instead of reading the control stream. A command with
// (small) stdin reads it from a pipe fed by the shell's builtin printf, the bytes escaped in its format
// (stdinPipe below): binary-safe, no tool needed on the host. The shell's own
// stderr is /dev/null and fd 3 the channel's: its job messages ("Killed") stay out of the command's stderr.
// MARKER is random per shell and never visible to commands. The exec ends once both marker lines are in:
// stdout and stderr are exactly what the command wrote before them. An exit status above 128 is reported like
// a killed command on its own channel (a shell cannot tell `kill -9` from `exit 137`).
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { ConnectError, TaskError, tail } from '../core/errors.js';
import type { ExecResult } from '../core/module.js';
import { quote } from '../core/shell.js';
import { killRemote, openExecChannel, signalOfExitCode, withSignalLine, type Live } from './exec-channel.js';

/**
 * Written once to a new shell: its own stderr goes to /dev/null and the channel's is kept on fd 3; the login
 * shell is run by the name sshd gives it in argv[0] ("bash", so $0 and its messages read as on a channel of
 * their own) when PATH finds it by that name, else by $SHELL. __ober_sh is not exported: commands never see it.
 */
const SETUP =
  'exec 3>&2 2>/dev/null; __ober_sh=${SHELL:-/bin/sh}; [ "$(command -v "${__ober_sh##*/}")" -ef "$__ober_sh" ] && __ober_sh=${__ober_sh##*/}\n';

/** Stdin up to this size goes through the shell (escaped, at most 4 bytes per byte); larger gets a channel. */
export const SHELL_STDIN_MAX = 64 * 1024;

/**
 * `printf '<bytes>'`: every byte the format would read otherwise (%, \\, controls, non-ASCII) as \\ooo, and a
 * leading `-` too: printf would take the format for an option (every PEM starts with one).
 */
export function stdinPipe(data: string | Buffer): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let format = '';
  for (const [i, byte] of bytes.entries()) {
    const plain =
      (byte >= 0x20 && byte < 0x7f && byte !== 0x25 && byte !== 0x5c && !(i === 0 && byte === 0x2d)) || byte === 0x0a;
    format += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `printf ${quote(format)}`;
}

/** After the shell exits mid-command, how long to wait for output still in flight before failing the exec. */
const EXIT_GRACE_MS = 500;

interface Running {
  stdout: Frame;
  stderr: Frame;
  resolve: (r: ExecResult) => void;
  reject: (e: Error) => void;
}

export class ShellSession {
  readonly #host: string;
  readonly #marker: string;
  readonly #onClose: (shell: ShellSession) => void;
  #state: 'new' | 'opening' | 'idle' | 'busy' | 'closed' = 'new';
  #live: Live | null = null;
  #stream: ClientChannel | null = null;
  #running: Running | null = null;
  /** The shell printed outside a command's frame (a background process still writing): do not reuse it. */
  #stray = false;
  #exited: string | null = null;
  #graceTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;
  /** Rejects open() while it is pending. */
  #openFailed: ((err: Error) => void) | null = null;
  readonly #dropped = (err: Error): void => this.#destroy(err);

  /** `onClose` is called once, when the shell is closed for any reason (including a failed open). */
  constructor(host: string, onClose: (shell: ShellSession) => void) {
    this.#host = host;
    this.#onClose = onClose;
    this.#marker = `__ober_push_${randomBytes(16).toString('hex')}__`;
  }

  /** True until open() is called. */
  get fresh(): boolean {
    return this.#state === 'new';
  }

  /** True when open, not running a command, and fit to run the next one. */
  get reusable(): boolean {
    return this.#state === 'idle' && !this.#stray;
  }

  /** Start `sh` on a new channel of `live` and check it answers; rejects with ConnectError (and closes). */
  open(live: Live): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error('ShellSession.open called twice'));
    this.#state = 'opening';
    this.#live = live;
    live.inFlight.add(this.#dropped);
    return new Promise<void>((resolve, reject) => {
      this.#openFailed = (err) => {
        this.#openFailed = null;
        reject(err);
      };
      openExecChannel(
        this.#host,
        live,
        'sh',
        () => this.#state === 'closed',
        (stream) => {
          if (stream instanceof ConnectError) {
            this.#destroy(stream);
            return;
          }
          this.#attach(stream);
          stream.write(SETUP);
          // The first frame discards whatever the login shell printed on startup (e.g. from ~/.bashrc).
          this.#frame(':').then(
            () => {
              this.#openFailed = null;
              resolve();
            },
            () => undefined, // #destroy has rejected open() already
          );
        },
      );
    });
  }

  /**
   * Run one command; the shell must be idle. After `timeoutMs` the command fails with TaskError and the shell
   * is killed as a command on its own channel would be: sshd is asked to SIGKILL the session's process group
   * (the shell and the command; OpenSSH refuses for root logins) and the channel is closed.
   */
  run(command: string, timeoutMs?: number, stdin?: string | Buffer): Promise<ExecResult> {
    if (this.#state !== 'idle') {
      return Promise.reject(
        new ConnectError(this.#host, `${this.#host}: remote shell is ${this.#state === 'closed' ? 'closed' : 'busy'}`),
      );
    }
    this.#state = 'busy';
    const result = this.#frame(command, stdin);
    if (timeoutMs !== undefined) {
      this.#timeoutTimer = setTimeout(() => {
        const running = this.#running;
        if (!running || !this.#stream) return;
        killRemote(this.#stream);
        const partial = running.stderr.partial() || running.stdout.partial();
        this.#destroy(
          new TaskError(
            `${this.#host}: command timed out after ${timeoutMs} ms; sent SIGKILL and closed the channel`,
            tail(partial, 5) || undefined,
          ),
        );
      }, timeoutMs);
    }
    return result;
  }

  /** End the shell (EOF on its stdin, then close the channel); a running command fails. */
  close(): void {
    this.#destroy(new ConnectError(this.#host, `${this.#host}: remote shell closed`));
  }

  #frame(command: string, stdin?: string | Buffer): Promise<ExecResult> {
    const stream = this.#stream;
    if (!stream) return Promise.reject(new Error('ShellSession has no channel'));
    return new Promise<ExecResult>((resolve, reject) => {
      this.#running = {
        stdout: new Frame(this.#marker + ' '),
        stderr: new Frame(this.#marker),
        resolve,
        reject,
      };
      const m = this.#marker;
      // A marker that cannot be written (e.g. the command left the pipe non-blocking) ends the shell: no hang.
      const run =
        stdin === undefined
          ? `exec "$__ober_sh" -c ${quote(command)}`
          : `${stdinPipe(stdin)} | "$__ober_sh" -c ${quote(command)}`;
      stream.write(
        `(exec 2>&3 3>&- </dev/null; ${run}); printf '%s %s\\n' ${m} "$?" || exit 1; printf '%s\\n' ${m} >&3 || exit 1\n`,
      );
    });
  }

  #attach(stream: ClientChannel): void {
    this.#stream = stream;
    stream.on('data', (chunk: Buffer) => this.#output(chunk, 'stdout'));
    stream.stderr.on('data', (chunk: Buffer) => this.#output(chunk, 'stderr'));
    stream.on('error', (e: Error) =>
      this.#destroy(
        new ConnectError(this.#host, `${this.#host}: remote shell channel error: ${e.message}`, { cause: e }),
      ),
    );
    stream.on('exit', (code: number | null, signal?: string) => {
      this.#exited = code !== null ? `exit status ${code}` : `signal ${signal ?? 'SIGunknown'}`;
      // Output written just before the shell died may still be on its way; the channel closes once it is in,
      // unless a process the command started still holds the channel's stdout open.
      if (this.#running) this.#graceTimer = setTimeout(() => this.#destroy(), EXIT_GRACE_MS);
      else this.#destroy();
    });
    stream.on('close', () => this.#destroy());
  }

  #output(chunk: Buffer, which: 'stdout' | 'stderr'): void {
    const running = this.#running;
    if (!running) {
      this.#stray = true; // while idle: a background process of an earlier command; the shell is retired
      if (this.#state === 'idle') this.#destroy();
      return;
    }
    running[which].push(chunk);
    const out = running.stdout;
    const err = running.stderr;
    if (out.trailer === null || err.trailer === null) return;
    this.#running = null;
    clearTimeout(this.#timeoutTimer);
    if (out.stray || err.stray) this.#stray = true;
    const code = /^\d+$/.exec(out.trailer)?.[0];
    if (code === undefined || err.trailer !== '') {
      const e = new ConnectError(this.#host, `${this.#host}: remote shell sent a malformed frame`);
      running.reject(e);
      this.#destroy(e);
      return;
    }
    this.#state = 'idle';
    const status = Number(code);
    const stderr = err.payload().toString('utf8');
    const signal = signalOfExitCode(status);
    running.resolve({
      code: status,
      stdout: out.payload().toString('utf8'),
      stderr:
        signal === null
          ? stderr
          : withSignalLine(stderr, `command killed by signal ${signal} (or it exited with ${status})`),
    });
    if (this.#exited !== null) this.#destroy(); // the shell is gone: the frame made it, the next one cannot
  }

  /** Close once: fail open() or the running command (with `err`, or as "the shell ended"), free the channel, tell the owner. */
  #destroy(err?: Error): void {
    if (this.#state === 'closed') return;
    const opening = this.#state === 'opening';
    this.#state = 'closed';
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#timeoutTimer);
    this.#live?.inFlight.delete(this.#dropped);
    const running = this.#running;
    this.#running = null;
    const how = this.#exited ? ` (${this.#exited})` : '';
    const said = running ? tail(running.stderr.partial() || running.stdout.partial(), 3) : '';
    const reason =
      err ??
      new ConnectError(
        this.#host,
        opening
          ? `${this.#host}: cannot start a remote shell (sh): it ended before answering${how}${said ? `: ${said}` : ''}`
          : `${this.#host}: the remote shell ended while running the command${how}; the command may have killed its shell, or the host is going down`,
      );
    this.#openFailed?.(reason);
    running?.reject(reason);
    const stream = this.#stream;
    if (stream) {
      try {
        stream.end(); // EOF: sh exits
        stream.close();
      } catch {
        // the connection is already gone
      }
    }
    this.#onClose(this);
  }
}

/** One stream's bytes for one command, up to and including the line that starts with the marker. */
class Frame {
  readonly #marker: Buffer;
  readonly #chunks: Buffer[] = [];
  #length = 0;
  /** The last marker.length - 1 bytes before the current chunk, for a marker split across chunks. */
  #tail = Buffer.alloc(0);
  /** Offset of the marker in the stream, and the bytes from there on, once it has been seen. */
  #markAt = -1;
  #after = Buffer.alloc(0);
  /** What follows the marker on its line ("0" on stdout, "" on stderr), once the line is complete. */
  trailer: string | null = null;
  /** Bytes came after the marker line. */
  stray = false;

  constructor(marker: string) {
    this.#marker = Buffer.from(marker);
  }

  push(chunk: Buffer): void {
    if (this.trailer !== null) {
      this.stray = true;
      return;
    }
    const start = this.#length;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#markAt < 0) {
      const window = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
      const i = window.indexOf(this.#marker);
      if (i < 0) {
        this.#tail = Buffer.from(window.subarray(Math.max(0, window.length - (this.#marker.length - 1))));
        return;
      }
      this.#markAt = start - (window.length - chunk.length) + i;
      this.#after = Buffer.from(window.subarray(i));
    } else {
      this.#after = Buffer.concat([this.#after, chunk]);
    }
    const nl = this.#after.indexOf(0x0a, this.#marker.length);
    if (nl < 0) return;
    this.trailer = this.#after.subarray(this.#marker.length, nl).toString('latin1');
    if (nl + 1 < this.#after.length) this.stray = true;
  }

  /** What came so far, as text (for a command that timed out). */
  partial(): string {
    return Buffer.concat(this.#chunks, this.#length).toString('utf8');
  }

  /** Everything before the marker. */
  payload(): Buffer {
    return Buffer.concat(this.#chunks, this.#length).subarray(0, this.#markAt);
  }
}
