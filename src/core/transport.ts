// How the engine talks to a host: run a command, optionally with stdin. File transfer is exec + stdin.
import type { ExecOptions, ExecResult } from './module.js';
import { quote } from './shell.js';

/**
 * Why the engine runs a command: a module's gather (read-only), the ops of a change the engine applies, or the
 * engine's own work (facts, roll locks, the rolling steps). Transports pass it on to nothing; tests record it.
 */
export type ExecPurpose = 'gather' | 'apply' | 'engine';

export interface TransportExecOptions extends ExecOptions {
  purpose?: ExecPurpose;
}

export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  exec(command: string, options?: TransportExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** Run `command` as root through sudo, never prompting (-n). */
export function becomeCommand(command: string): string {
  return `sudo -n -- sh -c ${quote(command)}`;
}

/** True when stderr says sudo wanted a password or the user has no sudo right. */
export function isSudoDenied(stderr: string): boolean {
  return /sudo: (a password is required|a terminal is required)|is not in the sudoers file|may not run sudo/.test(
    stderr,
  );
}
