// One command on its own SSH exec channel (channel open + exec request, run by the login shell): the path for
// execs with stdin, and how a persistent shell's channel is opened (see shell-session.ts).
import { constants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import { ConnectError, TaskError, tail } from '../core/errors.js';
import type { ExecOptions, ExecResult } from '../core/module.js';
import type { Connection } from './ssh-connect.js';

/** A live connection and what runs on it (execs, shells), so a drop can fail exactly those. */
export interface Live {
  conn: Connection;
  inFlight: Set<(err: Error) => void>;
  /** Resolves once the client has closed. */
  closed: Promise<void>;
}

const OPEN_RETRIES = 8; // backoff 10 ms .. 1.3 s, about 2.5 s in all

/**
 * Open an exec channel running `command`; `done` gets the stream or a ConnectError. Retries while sshd refuses
 * the channel: it frees a closed session slightly after we see the close, so MaxSessions can still be full.
 * Once `cancelled()` is true the attempt stops, and a channel that opens anyway is closed at once.
 */
export function openExecChannel(
  host: string,
  live: Live,
  command: string,
  cancelled: () => boolean,
  done: (result: ClientChannel | ConnectError) => void,
): void {
  const open = (attempt: number): void => {
    if (cancelled()) return;
    try {
      live.conn.client.exec(command, (err, stream) => {
        if (cancelled()) {
          if (!err) stream.close(); // failed meanwhile (drop, close): do not leave the channel open
          return;
        }
        if (err && attempt < OPEN_RETRIES && /open failed/.test(err.message)) {
          setTimeout(() => open(attempt + 1), 10 * 2 ** attempt);
          return;
        }
        if (err) {
          done(new ConnectError(host, `${host}: cannot open an exec channel: ${err.message}`, { cause: err }));
          return;
        }
        done(stream);
      });
    } catch (err) {
      // ssh2 throws "Not connected" synchronously once the socket is gone.
      done(new ConnectError(host, `${host}: connection closed before the command started`, { cause: err }));
    }
  };
  open(0);
}

/** Run one command on its own channel; stdout/stderr collected as UTF-8. */
export function runChannel(host: string, live: Live, command: string, options: ExecOptions): Promise<ExecResult> {
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
    openExecChannel(
      host,
      live,
      command,
      () => done,
      (stream) => {
        if (stream instanceof ConnectError) {
          fail(stream);
          return;
        }
        collect(
          host,
          stream,
          options,
          (result) => finish(() => resolve(result)),
          fail,
          (t) => (timer = t),
        );
      },
    );
  });
}

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
    const err = Buffer.concat(stderr).toString('utf8');
    if (code !== null) {
      ok({ code, stdout: out, stderr: err });
    } else if (signal !== null) {
      ok({
        code: signalExitCode(signal),
        stdout: out,
        stderr: withSignalLine(err, `command killed by signal ${signal}`),
      });
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
        fail(
          new TaskError(
            `${host}: command timed out after ${ms} ms; sent SIGKILL and closed the channel`,
            tail(partial, 5) || undefined,
          ),
        );
      }, ms),
    );
  }
  if (options.stdin !== undefined) stream.end(options.stdin);
  else stream.end(); // EOF on stdin, so a command that reads it does not hang
}

/** stderr with a line saying how the command ended, on a line of its own. */
export function withSignalLine(stderr: string, line: string): string {
  return `${stderr}${stderr === '' || stderr.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/**
 * Best effort: ask sshd to SIGKILL the command's process group. OpenSSH refuses signals for root logins
 * ("requires privilege separation") and cannot signal processes sudo started as another user, so a timed-out
 * command may keep running on the host. ssh2's ClientChannel.signal() refuses once our side has sent EOF
 * (exec always does after stdin), hence the protocol object.
 */
export function killRemote(stream: ClientChannel): void {
  const internals = stream as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
  };
  const id = internals.outgoing?.id;
  const protocol = internals._client?._protocol;
  if (
    id === undefined ||
    (internals.outgoing?.state !== 'open' && internals.outgoing?.state !== 'eof') ||
    typeof protocol?.signal !== 'function'
  )
    return;
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

/** The signal a shell's exit status 129..192 stands for (e.g. 137 -> "SIGKILL"), or null. */
export function signalOfExitCode(code: number): string | null {
  if (code <= 128) return null;
  const n = code - 128;
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name;
  return null;
}
