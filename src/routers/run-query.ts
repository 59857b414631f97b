// Running a router query: on this machine (execFile, bounded output and time), or over SSH with the connector the
// nodes use (strict known_hosts). With `sudo`, through `sudo -n` (never a password prompt).
import { execFile } from 'node:child_process';
import type { ExecResult } from '../core/module.js';
import { becomeCommand, type Transport } from '../core/transport.js';
import type { Host } from '../inventory/types.js';
import type { RunRouterQuery } from './inventory-routers.js';

const QUERY_TIMEOUT_MS = 5000;
const MAX_OUTPUT = 1024 * 1024;

function runLocal(command: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { timeout: QUERY_TIMEOUT_MS, maxBuffer: MAX_OUTPUT }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 124) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code === 124 ? error.message : '') });
    });
  });
}

/** A query runner; `connect` opens (and pools) an SSH connection to a router as it does for a host. */
export function routerQueryRunner(connect: (host: Host) => Transport): RunRouterQuery {
  return (spec, command) => {
    const text = spec.sudo ? becomeCommand(command.text) : command.text;
    if ('local' in spec.via) return runLocal(text);
    const { address, user, port } = spec.via.ssh;
    const host: Host = {
      name: `router ${spec.name}`,
      address,
      ...(user !== undefined ? { user } : {}),
      ...(port !== undefined ? { port } : {}),
      groups: [],
      vars: {},
      location: spec.location,
    };
    return connect(host).exec(text, { timeoutMs: QUERY_TIMEOUT_MS });
  };
}
