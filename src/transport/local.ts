// Runs commands on this machine with `sh -c`: for `connection: local` and for testing modules.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { TaskError, tail } from '../core/errors.js';
import type { ExecOptions, ExecResult } from '../core/module.js';
import type { Transport } from '../core/transport.js';

export interface LocalTransportOptions {
  /** Working directory for commands; default the process's. */
  cwd?: string;
  /** Environment for commands; default the process's. */
  env?: Record<string, string | undefined>;
}

export class LocalTransport implements Transport {
  constructor(
    readonly host: string = 'localhost',
    private readonly options: LocalTransportOptions = {},
  ) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', command], {
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(this.options.cwd !== undefined ? { cwd: this.options.cwd } : {}),
        ...(this.options.env !== undefined ? { env: this.options.env } : {}),
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              child.kill('SIGKILL');
            }, options.timeoutMs);
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      child.stdin.on('error', () => undefined); // the command may exit without reading its stdin
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const out = Buffer.concat(stdout).toString('utf8');
        let err = Buffer.concat(stderr).toString('utf8');
        if (timedOut) {
          reject(
            new TaskError(
              `${this.host}: command timed out after ${options.timeoutMs} ms and was killed`,
              tail(err || out, 5) || undefined,
            ),
          );
          return;
        }
        if (code !== null) {
          resolve({ code, stdout: out, stderr: err });
          return;
        }
        err += `${err === '' || err.endsWith('\n') ? '' : '\n'}command killed by signal ${signal}\n`;
        resolve({ code: 128 + (signal ? constants.signals[signal] : 127), stdout: out, stderr: err });
      });
      if (options.stdin !== undefined) child.stdin.end(options.stdin);
      else child.stdin.end();
    });
  }

  async close(): Promise<void> {
    // nothing to release
  }
}
