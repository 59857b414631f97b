// The types a play runner shares with the engine, as a leaf: run-playbook.ts and rolling/* import it (no cycle).
import type { Play, Task } from '../playbook/types.js';
import type { HostRecap } from './events.js';
import type { HostSession } from './host-session.js';
import type { RollingRunOptions } from './rolling/options.js';
import type { TaskEnv, TaskRunOptions } from './task-env.js';
import type { ResolvedNames } from '../stack/whitelist-names.js';

export interface RunOptions extends TaskRunOptions {
  forks: number;
  limit?: string;
  tags: string[];
  skipTags: string[];
  startAtTask?: string;
  extraVars: Record<string, unknown>;
  /** The whitelists' host names, resolved by the command before the run (none given: resolved to nothing). */
  resolvedNames?: ResolvedNames;
  signal?: AbortSignal;
  /** Rolling plays: take over a stale roll lock. */
  breakLock?: boolean;
  /** Options only rolling plays read (resume journal, timeouts). */
  rolling?: RollingRunOptions;
}

export interface RunSummary {
  hosts: HostRecap[];
  durationMs: number;
  interrupted: boolean;
}

export interface PlannedPlay {
  play: Play;
  /** The hosts the play runs on (a rolling play: the nodes it rolls), --limit applied. */
  hosts: string[];
  tasks: Task[];
  /**
   * Rolling plays only: the play's hosts before --limit, in inventory order. The ones not in `hosts` are not rolled
   * but still count (capacity floor, domains), relay strays and carry the fleet lock while the roll runs.
   */
  fleet?: string[];
}

/** What a play runner gets: the shared task environment, the host sessions, and the per-host runners. */
export interface PlayContext {
  env: TaskEnv;
  item: PlannedPlay;
  sessions: Map<string, HostSession>;
  options: RunOptions;
  magic: Record<string, unknown>;
  runHostTasks: (session: HostSession) => Promise<void>;
  runHandlers: (session: HostSession) => Promise<void>;
}
