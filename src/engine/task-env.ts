// What running a task needs, as types only: a leaf both run-task.ts and task-invocation.ts import (no cycle).
import type { AnyModule } from '../core/module.js';
import type { Task } from '../playbook/types.js';
import type { EmitEvent } from './events.js';
import type { Expressions } from './expressions.js';
import type { HostSession } from './host-session.js';

export interface TaskRunOptions {
  check: boolean;
  diff: boolean;
  verify: boolean;
}

export interface TaskEnv {
  modules: ReadonlyMap<string, AnyModule>;
  expressions: Expressions;
  /** Renders every template string in a task's args. */
  renderArgs: (args: unknown, vars: Record<string, unknown>) => unknown;
  /** Re-plans once after a Proxmox digest conflict when true for the error. */
  isConflict: (error: unknown) => boolean;
  options: TaskRunOptions;
  emit: EmitEvent;
  baseDir: string;
}

export interface TaskRun {
  session: HostSession;
  task: Task;
  play: string;
  handler: boolean;
  become: boolean;
  vars: Record<string, unknown>;
}
