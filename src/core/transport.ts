// How the engine talks to a host: run a command, optionally with stdin. File transfer is exec + stdin.
import type { ExecOptions, ExecResult } from './module.js';
import { quote } from './shell.js';

export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
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
