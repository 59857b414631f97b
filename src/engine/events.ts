// Run events: the engine emits them, reporters render them. Plain data, JSON-serialisable.
import type { FileDiff, Impact } from '../core/module.js';

export type TaskStatus = 'ok' | 'changed' | 'unknown' | 'skipped' | 'failed' | 'unreachable';

export interface ChangeReport {
  summary: string;
  impact?: Impact;
  needs?: string[];
  /** Present with --diff; content is null-ed out for sensitive changes. */
  diff?: FileDiff & { hidden?: boolean };
}

export interface TaskReport {
  host: string;
  play: string;
  task: string;
  handler: boolean;
  status: TaskStatus;
  changes: ChangeReport[];
  /** Why it failed or was skipped, one line. */
  message?: string;
  /** Command output tail or validator output for a failure. */
  detail?: string;
  exitCode?: number;
  ignored?: boolean;
  durationMs: number;
  location?: string; // file:line of the task
}

export interface HostRecap {
  host: string;
  ok: number;
  changed: number;
  unknown: number;
  skipped: number;
  failed: number;
  unreachable: boolean;
  /** The task that stopped this host, with its message. */
  failure?: { task: string; message: string; detail?: string; exitCode?: number };
  needs: string[];
}

export type RunEvent =
  | { type: 'run-start'; playbook: string; check: boolean; hosts: string[] }
  | { type: 'play-start'; play: string; hosts: string[]; batches: string[][] }
  | { type: 'host-connected'; host: string; durationMs: number }
  | { type: 'host-unreachable'; host: string; message: string }
  | { type: 'task-start'; host: string; play: string; task: string; handler: boolean }
  | ({ type: 'task-end' } & TaskReport)
  | { type: 'play-end'; play: string; aborted?: string }
  | { type: 'warning'; host?: string; message: string }
  | { type: 'recap'; hosts: HostRecap[]; durationMs: number; check: boolean };

export type EmitEvent = (event: RunEvent) => void;
