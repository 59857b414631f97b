// Runs the built CLI (dist/, built by `npm test` before vitest) as a child process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/ober-push.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run inside a fresh network namespace (only a downed loopback): nothing can leave the machine. */
  isolateNetwork?: boolean;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const [command, argv] = options.isolateNetwork
    ? ['unshare', ['--net', process.execPath, bin, ...args]]
    : [process.execPath, [bin, ...args]];
  return runProcess(command, argv, { cwd: options.cwd ?? repoRoot, env: { NO_COLOR: '1', CI: '1', ...options.env } });
}

/** Runs a command to completion, collecting its output; `env` is added to this process's environment. */
export function runProcess(
  command: string,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
