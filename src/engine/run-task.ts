// One task on one host: `when`, `loop`, then one invocation per item (task-invocation.ts), register, notify, report.
import {
  CommandError,
  ConfigError,
  ConnectError,
  TaskError,
  formatIssue,
  formatLocation,
  tail,
} from '../core/errors.js';
import { needLabel, type Change } from '../core/module.js';
import type { Task } from '../playbook/types.js';
import type { ChangeReport, TaskReport, TaskStatus } from './events.js';
import { NotConverged } from './convergence.js';
import { invoke, type Invocation } from './task-invocation.js';
import type { TaskEnv, TaskRun } from './task-env.js';

export type { TaskEnv, TaskRun, TaskRunOptions } from './task-env.js';

/** Runs the task, emits its events, updates the session (registered, notified, needs, stopped). */
export async function runTask(env: TaskEnv, run: TaskRun): Promise<TaskReport> {
  const { session, task } = run;
  const started = Date.now();
  env.emit({ type: 'task-start', host: session.name, play: run.play, task: task.name, handler: run.handler });
  let report: TaskReport;
  try {
    report = await execute(env, run, started);
  } catch (error) {
    report = failure(run, started, error);
  }
  if (report.status === 'failed' && task.ignoreErrors) report.ignored = true;
  if (report.status === 'failed' && !report.ignored) session.stop('failed');
  if (report.status === 'unreachable') session.stop('unreachable');
  env.emit({ type: 'task-end', ...report });
  return report;
}

async function execute(env: TaskEnv, run: TaskRun, started: number): Promise<TaskReport> {
  const { session, task, vars } = run;
  const base = {
    host: session.name,
    play: run.play,
    task: task.name,
    handler: run.handler,
    location: formatLocation(task.location),
  };
  const skipped = (message: string): TaskReport => ({
    ...base,
    status: 'skipped',
    changes: [],
    message,
    durationMs: Date.now() - started,
  });
  const module = env.modules.get(task.module);
  if (!module) throw new TaskError(`unknown module ${task.module}`);

  const items = task.loop === undefined ? null : loopItems(env.renderArgs(task.loop, vars), task);
  const runs: Invocation[] = [];
  for (const [index, item] of (items ?? [undefined]).entries()) {
    const itemVars = items ? { ...vars, item, loop_index: index } : vars;
    // With a loop, `when` is evaluated per item (it may test `item`), as Ansible does.
    if (task.when !== undefined && !env.expressions.test(task.when, itemVars)) continue;
    const invocation = await invoke(env, run, module, itemVars);
    runs.push(invocation);
    if (invocation.status === 'failed') break;
  }
  if (runs.length === 0) return skipped(items?.length === 0 ? 'loop: no items' : `when: ${task.when}`);

  const status = worstStatus(runs.map((r) => r.status));
  const result = items ? { ...loopResult(runs, status), results: runs.map((r) => r.result) } : (runs[0]?.result ?? {});
  if (task.register) session.register(task.register, result);
  if (status === 'changed' || status === 'unknown') for (const handler of task.notify) session.notify(handler);
  const last = runs.at(-1)?.last;
  const message = runs.find((r) => r.message)?.message;
  const verified = runs.every((r) => r.verified === true);
  return {
    ...base,
    status,
    ...(verified ? { verify: { converged: true } as const } : {}),
    changes: runs.flatMap((r) => r.changes).map((c) => changeReport(c, env.options.diff)),
    ...(message ? { message } : {}),
    ...(last ? { exitCode: last.code } : {}),
    durationMs: Date.now() - started,
  };
}

function loopItems(rendered: unknown, task: Task): unknown[] {
  if (!Array.isArray(rendered))
    throw new TaskError(`loop of task "${task.name}" must be a list, got ${typeof rendered}`);
  return rendered;
}

const STATUS_ORDER: TaskStatus[] = ['ok', 'skipped', 'changed', 'unknown', 'failed', 'unreachable'];

function worstStatus(statuses: TaskStatus[]): TaskStatus {
  return statuses.reduce((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst), 'ok');
}

function loopResult(runs: Invocation[], status: TaskStatus): Record<string, unknown> {
  return { status, changed: runs.some((r) => r.status === 'changed'), failed: status === 'failed', skipped: false };
}

function changeReport(change: Change, withDiff: boolean): ChangeReport {
  const report: ChangeReport = { summary: change.summary };
  if (change.impact) report.impact = change.impact;
  if (change.needs?.length) report.needs = change.needs.map((n) => needLabel(n.kind));
  if (withDiff && change.diff) {
    report.diff = change.sensitive ? { path: change.diff.path, before: null, after: null, hidden: true } : change.diff;
  }
  return report;
}

function failure(run: TaskRun, started: number, error: unknown): TaskReport {
  const base = {
    host: run.session.name,
    play: run.play,
    task: run.task.name,
    handler: run.handler,
    changes: [],
    durationMs: Date.now() - started,
    location: formatLocation(run.task.location),
  };
  if (error instanceof ConnectError) return { ...base, status: 'unreachable', message: error.message };
  if (error instanceof CommandError) {
    return {
      ...base,
      status: 'failed',
      message: `${error.what} failed with exit code ${error.exitCode}`,
      detail: tail(error.stderr || error.stdout, 10),
      exitCode: error.exitCode,
    };
  }
  if (error instanceof ConfigError)
    return { ...base, status: 'failed', message: error.issues.map(formatIssue).join('; ') };
  if (error instanceof NotConverged)
    return { ...base, status: 'failed', message: error.message, detail: error.detail, verify: error.convergence };
  if (error instanceof TaskError)
    return { ...base, status: 'failed', message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  return { ...base, status: 'failed', message: error instanceof Error ? error.message : String(error) };
}
