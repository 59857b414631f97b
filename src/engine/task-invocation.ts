// One invocation of a task's module on one host (a task runs once, or once per loop item):
// render args → gather → plan → (check stops here) → apply → reboot wait → verify → result.
import { ConfigError } from '../core/errors.js';
import { changeKind, type AnyModule, type Change, type ExecResult } from '../core/module.js';
import { validateRenderedArgs } from '../playbook/task.js';
import type { Task } from '../playbook/types.js';
import { applyOps } from './apply-ops.js';
import { checkConvergence, NotConverged } from './convergence.js';
import type { TaskStatus } from './events.js';
import type { HostSession } from './host-session.js';
import { readBootId, waitForNewBoot } from './reboot-wait.js';
import type { TaskEnv, TaskRun } from './task-env.js';

export interface Invocation {
  status: TaskStatus;
  changes: Change[];
  last: ExecResult | null;
  /** What `register` stores (and `changed_when` / `failed_when` see as `result`). */
  result: Record<string, unknown>;
  message?: string;
  /** --verify: this invocation was planned again after applying and nothing was left to do. */
  verified?: boolean;
}

export async function invoke(
  env: TaskEnv,
  run: TaskRun,
  module: AnyModule,
  vars: Record<string, unknown>,
): Promise<Invocation> {
  const { session, task } = run;
  const args = parseArgs(module, env.renderArgs(task.args, vars), task);
  const ctx = session.readContext(vars, env.baseDir, run.become);

  let facts = await module.gather(ctx, args);
  let changes = module.plan(facts, args);
  let last: ExecResult | null = null;
  let verified = false;
  if (!env.options.check) {
    const reboot = changes.flatMap((c) => c.needs ?? []).find((n) => n.kind === 'reboot');
    const bootBefore = reboot ? await readBootId(session) : '';
    try {
      last = await applyChanges(session, run.become, changes);
    } catch (error) {
      if (!env.isConflict(error)) throw error;
      // The VM changed underneath since we planned: plan again from fresh state, once.
      facts = await module.gather(ctx, args);
      changes = module.plan(facts, args);
      last = await applyChanges(session, run.become, changes);
    }
    if (reboot) await waitForNewBoot(session, bootBefore, reboot.timeoutS * 1000);
    if (env.options.verify) {
      const convergence = await checkConvergence(module, ctx, args, changes);
      if (!convergence.converged) throw new NotConverged(convergence);
      verified = true;
    }
  }
  // A real run has met a reboot already (it waited above); the others are the rolling engine's to meet.
  for (const change of changes)
    for (const need of change.needs ?? []) if (env.options.check || need.kind !== 'reboot') session.addNeed(need);

  let status = statusOf(changes, env.options.check);
  const extra = module.result?.(facts, args, last);
  for (const warning of warningsOf(extra))
    env.emit({ type: 'warning', host: session.name, message: `${task.name}: ${warning}` });
  const result = registerValue(status, changes, last, extra);
  const withResult = { ...vars, result, ...(task.register ? { [task.register]: result } : {}) };
  if (task.changedWhen !== undefined) {
    status = env.expressions.test(task.changedWhen, withResult) ? 'changed' : 'ok';
    result['changed'] = status === 'changed';
  }
  if (task.failedWhen !== undefined && env.expressions.test(task.failedWhen, withResult)) {
    result['failed'] = true;
    return { status: 'failed', changes, last, result, message: `failed_when: ${task.failedWhen}` };
  }
  return { status, changes, last, result, ...(verified ? { verified } : {}) };
}

/** A module's result may carry `warnings: string[]` (e.g. sysctl keys skipped in a container). */
function warningsOf(extra: Record<string, unknown> | undefined): string[] {
  const warnings = extra?.['warnings'];
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [];
}

function parseArgs(module: AnyModule, rendered: unknown, task: Task): unknown {
  const parsed = module.args.safeParse(rendered);
  if (parsed.success) return parsed.data;
  throw new ConfigError(validateRenderedArgs(task, module, rendered));
}

async function applyChanges(session: HostSession, become: boolean, changes: Change[]): Promise<ExecResult | null> {
  let last: ExecResult | null = null;
  for (const change of changes) {
    const result = await applyOps(session.applyTarget(become), change.ops);
    if (result) last = result;
  }
  return last;
}

/** A change that does something; observations and notes (e.g. "already pending") leave a task ok. */
function acts(change: Change): boolean {
  const kind = changeKind(change);
  return (kind === 'write' || kind === 'action') && change.ops.length > 0;
}

function statusOf(changes: Change[], check: boolean): TaskStatus {
  const effective = changes.filter(acts);
  if (effective.length === 0) return 'ok';
  if (check && effective.some((c) => c.uncertain)) return 'unknown';
  return 'changed';
}

function registerValue(
  status: TaskStatus,
  changes: Change[],
  last: ExecResult | null,
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> {
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
