// One task on one host: when → render args → gather → plan → (check stops here) → apply → verify → register.
import { CommandError, ConfigError, ConnectError, TaskError, formatIssue, formatLocation, tail } from '../core/errors.js';
import type { AnyModule, Change, ExecResult } from '../core/module.js';
import type { Task } from '../playbook/types.js';
import { applyOps } from './apply-ops.js';
import type { ChangeReport, EmitEvent, TaskReport, TaskStatus } from './events.js';
import type { Expressions } from './expressions.js';
import type { HostSession } from './host-session.js';
import { readBootId, REBOOT_NEED, waitForNewBoot } from './reboot-wait.js';

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
  if (report.status === 'failed' && !report.ignored) session.stopped = 'failed';
  if (report.status === 'unreachable') session.stopped = 'unreachable';
  env.emit({ type: 'task-end', ...report });
  return report;
}

async function execute(env: TaskEnv, run: TaskRun, started: number): Promise<TaskReport> {
  const { session, task, vars } = run;
  const base = { host: session.name, play: run.play, task: task.name, handler: run.handler, location: formatLocation(task.location) };
  if (task.when !== undefined && !env.expressions.test(task.when, vars, task)) {
    return { ...base, status: 'skipped', changes: [], message: `when: ${task.when}`, durationMs: Date.now() - started };
  }
  const module = env.modules.get(task.module);
  if (!module) throw new TaskError(`unknown module ${task.module}`);
  const args = parseArgs(module, env.renderArgs(task.args, vars), task);
  const ctx = session.readContext(vars, env.baseDir, run.become);

  let facts = await module.gather(ctx, args);
  let changes = module.plan(facts, args);
  let last: ExecResult | null = null;
  if (!env.options.check) {
    const rebooting = changes.some((c) => c.needs?.includes(REBOOT_NEED));
    const bootBefore = rebooting ? await readBootId(session) : '';
    try {
      last = await applyChanges(session, run.become, changes);
    } catch (error) {
      if (!env.isConflict(error)) throw error;
      // The VM changed underneath since we planned: plan again from fresh state, once.
      facts = await module.gather(ctx, args);
      changes = module.plan(facts, args);
      last = await applyChanges(session, run.become, changes);
    }
    if (rebooting) {
      const timeoutS = Number(module.result?.(facts, args, last)['timeout_s'] ?? 600);
      await waitForNewBoot(session, bootBefore, timeoutS * 1000);
    }
    if (env.options.verify) await verifyConverged(module, ctx, args);
  }
  const met = env.options.check ? [] : [REBOOT_NEED];
  for (const change of changes) for (const need of change.needs ?? []) if (!met.includes(need)) session.needs.add(need);

  let status = statusOf(changes, env.options.check);
  const extra = module.result?.(facts, args, last);
  for (const warning of warningsOf(extra)) env.emit({ type: 'warning', host: session.name, message: `${task.name}: ${warning}` });
  const result = registerValue(status, changes, last, extra);
  const withResult = { ...vars, result, ...(task.register ? { [task.register]: result } : {}) };
  if (task.changedWhen !== undefined && status !== 'skipped') {
    status = env.expressions.test(task.changedWhen, withResult, task) ? 'changed' : 'ok';
    result['changed'] = status === 'changed';
  }
  let message: string | undefined;
  if (task.failedWhen !== undefined && env.expressions.test(task.failedWhen, withResult, task)) {
    status = 'failed';
    message = `failed_when: ${task.failedWhen}`;
    result['failed'] = true;
  }
  if (task.register) session.registered[task.register] = result;
  if (status === 'changed' || status === 'unknown') for (const handler of task.notify) session.notified.add(handler);

  return {
    ...base,
    status,
    changes: changes.map((c) => changeReport(c, env.options.diff)),
    ...(message ? { message } : {}),
    ...(last ? { exitCode: last.code } : {}),
    durationMs: Date.now() - started,
  };
}

/** A module's result may carry `warnings: string[]` (e.g. sysctl keys skipped in a container). */
function warningsOf(extra: Record<string, unknown> | undefined): string[] {
  const warnings = extra?.['warnings'];
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [];
}

function parseArgs(module: AnyModule, rendered: unknown, task: Task): unknown {
  const parsed = module.args.safeParse(rendered);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    location: task.location,
    path: [task.module, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ConfigError(issues);
}

async function applyChanges(session: HostSession, become: boolean, changes: Change[]): Promise<ExecResult | null> {
  let last: ExecResult | null = null;
  for (const change of changes) {
    const result = await applyOps(session.applyTarget(become), change.ops);
    if (result) last = result;
  }
  return last;
}

/** --verify: plan again after applying; anything still planned (but actions by design) is an idempotence bug. */
async function verifyConverged(module: AnyModule, ctx: Parameters<AnyModule['gather']>[0], args: unknown): Promise<void> {
  const again = module.plan(await module.gather(ctx, args), args).filter((c) => acts(c) && !c.uncertain && !c.repeats);
  if (again.length > 0) {
    throw new TaskError(`--verify: still plans changes after applying (module ${module.name} did not converge)`, again.map((c) => c.summary).join('\n'));
  }
}

/** A change that does something; probes and notes without ops (e.g. "already pending") leave a task ok. */
function acts(change: Change): boolean {
  return !change.probe && change.ops.length > 0;
}

function statusOf(changes: Change[], check: boolean): TaskStatus {
  const effective = changes.filter(acts);
  if (effective.length === 0) return 'ok';
  if (check && effective.some((c) => c.uncertain)) return 'unknown';
  return 'changed';
}

function registerValue(status: TaskStatus, changes: Change[], last: ExecResult | null, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    status,
    changed: status === 'changed',
    failed: false,
    skipped: false,
    changes: changes.map((c) => c.summary),
    rc: last?.code ?? null,
    stdout: last?.stdout ?? '',
    stderr: last?.stderr ?? '',
    stdout_lines: last ? last.stdout.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1) : [],
    ...extra,
  };
}

function changeReport(change: Change, withDiff: boolean): ChangeReport {
  const report: ChangeReport = { summary: change.summary };
  if (change.impact) report.impact = change.impact;
  if (change.needs?.length) report.needs = change.needs;
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
    return { ...base, status: 'failed', message: `command failed with exit code ${error.exitCode}`, detail: tail(error.stderr || error.stdout, 10), exitCode: error.exitCode };
  }
  if (error instanceof ConfigError) return { ...base, status: 'failed', message: error.issues.map(formatIssue).join('; ') };
  if (error instanceof TaskError) return { ...base, status: 'failed', message: error.message, ...(error.detail ? { detail: error.detail } : {}) };
  return { ...base, status: 'failed', message: error instanceof Error ? error.message : String(error) };
}
