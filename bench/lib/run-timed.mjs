// Run a command to completion and measure it: wall time (ms, monotonic clock) and the peak RSS of the
// largest process it ran (GNU time's %M, KiB → MB). Output is kept for checks and failures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {string} file
 * @param {string[]} args
 * @param {{env?: Record<string,string>, cwd?: string, timeoutMs?: number, measureRss?: boolean}} opts
 */
export async function runTimed(file, args, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ober-bench-time-'));
  const timeFile = join(dir, 'time');
  const [cmd, argv] = opts.measureRss ? ['/usr/bin/time', ['-f', '%M', '-o', timeFile, file, ...args]] : [file, args];
  const started = process.hrtime.bigint();
  const child = spawn(cmd, argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
  const code = await new Promise((resolve) => child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1))));
  if (timer) clearTimeout(timer);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  let peakRssMb = null;
  if (opts.measureRss) {
    const kib = Number.parseInt(readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '', 10);
    if (Number.isFinite(kib)) peakRssMb = Math.round(kib / 1024);
  }
  rmSync(dir, { recursive: true, force: true });
  return { code, wallMs, peakRssMb, stdout, stderr };
}

/** Throws with the tail of the output when the command failed. */
export function mustSucceed(result, what) {
  if (result.code === 0) return result;
  const tail = (result.stdout + result.stderr)
    .trim()
    .split('\n')
    .slice(-12)
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
    .join('\n');
  throw new Error(`${what} failed (exit ${result.code}):\n${tail}`);
}
