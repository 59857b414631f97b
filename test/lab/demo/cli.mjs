// Runs the ober-push CLI (bin/ober-push.js, built by `npm ci`) the way an operator would, from the repository root.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from './lab.mjs';

export const BIN = `${REPO_ROOT}bin/ober-push.js`;

/** True when dist/ is built (npm ci runs the prepare script that builds it). */
export function cliBuilt() {
  return existsSync(`${REPO_ROOT}dist/cli/main.js`);
}

/**
 * Starts `ober-push ARGS`. stdio as for child_process.spawn: 'inherit' hands the terminal over (listr2 tree),
 * ['ignore', 'pipe', fd] captures stdout. Resolves `exit` with the exit code (128 + n for a signal).
 */
export function startCli(args, stdio) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio });
  const exit = new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 128)));
  });
  return { child, exit };
}
