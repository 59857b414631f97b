// Runs a playbook: plays in order, hosts in batches (serial), forks in parallel, tasks in order per host,
// handlers at the end of each batch. Host selection is resolved for every play before anything is contacted.
import pLimit from 'p-limit';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { needLabel, type AnyModule, type VmResolver } from '../core/module.js';
import type { Transport } from '../core/transport.js';
import { selectHosts } from '../inventory/select.js';
import type { Host, Inventory } from '../inventory/types.js';
import { filterTasksByTags, findStartTask } from '../playbook/select-tasks.js';
import type { Play, Playbook, Task } from '../playbook/types.js';
import type { EmitEvent, HostRecap, TaskReport } from './events.js';
import { Expressions } from './expressions.js';
import { HostSession } from './host-session.js';
import { guardRollLock } from './roll-guard.js';
import { toBatches } from './batches.js';
import type { PlannedPlay, RunOptions, RunSummary } from './play-context.js';
import { runTask } from './run-task.js';
import type { TaskEnv } from './task-env.js';
import { checkRollingSpread } from './rolling/domains.js';
import { runRollingPlay } from './rolling/run-rolling-play.js';
import { checkPlayInputs, type InputCheckDeps } from './input-check.js';
import { validateStackPlays } from './stack.js';
import { hostContext, magicVars } from './vars.js';

export type { PlannedPlay, PlayContext, RunOptions, RunSummary } from './play-context.js';
export { toBatches } from './batches.js';

export interface EngineDeps {
  inventory: Inventory;
  modules: ReadonlyMap<string, AnyModule>;
  connect: (host: Host) => Transport;
  vms: VmResolver;
  emit: EmitEvent;
  renderArgs: TaskEnv['renderArgs'];
  isConflict: TaskEnv['isConflict'];
}

/**
 * Resolve every play's hosts and tasks up front: a pattern that matches nothing, a bad stack variable and (given
 * `inputs`) an unknown variable or a missing template fail before any connection.
 */
export function planPlays(
  inventory: Inventory,
  playbook: Playbook,
  options: RunOptions,
  inputs?: InputCheckDeps,
): PlannedPlay[] {
  const limited = options.limit ? new Set(selectHosts(inventory, options.limit)) : null;
  const start = options.startAtTask ? findStartTask(playbook, options.startAtTask) : null;
  const planned = playbook.plays.map((play, playIndex): PlannedPlay => {
    const all = selectHosts(inventory, play.hosts, { location: play.location, path: `[${playIndex}].hosts` });
    const hosts = all.filter((h) => !limited || limited.has(h));
    if (hosts.length === 0) {
      throw ConfigError.single(
        play.location,
        'hosts',
        `play "${play.name}" matches no host (hosts: ${play.hosts}${options.limit ? `, --limit ${options.limit}` : ''})`,
      );
    }
    let tasks = filterTasksByTags(play.tasks, options.tags, options.skipTags);
    if (start)
      tasks =
        playIndex < start.playIndex
          ? []
          : playIndex === start.playIndex
            ? tasks.filter((t) => play.tasks.indexOf(t) >= start.taskIndex)
            : tasks;
    // --limit says which nodes a rolling play rolls; the rest of its hosts are still the fleet it counts on.
    return play.rolling ? { play, hosts, tasks, fleet: all } : { play, hosts, tasks };
  });
  // A rolling play reads the stack of every node of its fleet (its target), rolled or not.
  const stackHosts = planned.map((p) => ({ play: p.play, hosts: p.fleet ?? p.hosts }));
  validateStackPlays(inventory, stackHosts, options.extraVars, magicVars(inventory, options.resolvedNames ?? {}));
  checkRollingSpread(inventory, planned);
  if (inputs) checkPlayInputs(inventory, planned, options.extraVars, inputs);
  return planned;
}

export async function runPlaybook(
  deps: EngineDeps,
  playbook: Playbook,
  options: RunOptions,
  baseDir: string,
): Promise<RunSummary> {
  const started = Date.now();
  const planned = planPlays(deps.inventory, playbook, options, { modules: deps.modules, baseDir });
  const sessions = new Map<string, HostSession>();
  const reports = new Map<string, TaskReport[]>();
  const env: TaskEnv = {
    modules: deps.modules,
    expressions: new Expressions(),
    renderArgs: deps.renderArgs,
    isConflict: deps.isConflict,
    options,
    emit: (event) => {
      if (event.type === 'task-end') reports.get(event.host)?.push(event);
      deps.emit(event);
    },
    baseDir,
  };
  const magic = magicVars(deps.inventory, options.resolvedNames ?? {});
  const allHosts = [...new Set(planned.flatMap((p) => p.hosts))];
  // Rolling plays' fleet nodes left out by --limit: sessions for the roll's probes, relay and locks, no task.
  const countedOnly = [...new Set(planned.flatMap((p) => p.fleet ?? []))].filter((h) => !allHosts.includes(h));
  deps.emit({ type: 'run-start', playbook: playbook.file, check: options.check, hosts: allHosts });
  for (const name of [...allHosts, ...countedOnly]) {
    reports.set(name, []);
    const host = deps.inventory.hosts.get(name);
    if (host) sessions.set(name, new HostSession({ host, connect: deps.connect, vms: deps.vms, emit: deps.emit }));
  }
  // A host's connection closes as soon as its last play is done with it: open connections stay bounded by --forks.
  const lastPlay = new Map<string, number>();
  planned.forEach((item, index) => item.hosts.forEach((h) => lastPlay.set(h, index)));
  try {
    for (const [index, item] of planned.entries()) {
      if (options.signal?.aborted) break;
      await runPlay(env, item, sessions, options, magic, (host) => lastPlay.get(host) === index);
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
  // A counted node appears in the recap only when it stopped a roll (its lock or state refused it): the exit code.
  const recapHosts = [...allHosts, ...countedOnly.filter((h) => (reports.get(h) ?? []).length > 0)];
  const hosts = recapHosts.map((name) => recapFor(name, reports.get(name) ?? [], sessions.get(name)));
  const summary = { hosts, durationMs: Date.now() - started, interrupted: options.signal?.aborted ?? false };
  deps.emit({ type: 'recap', hosts, durationMs: summary.durationMs, check: options.check });
  return summary;
}

async function runPlay(
  env: TaskEnv,
  item: PlannedPlay,
  sessions: Map<string, HostSession>,
  options: RunOptions,
  magic: Record<string, unknown>,
  isLastPlayOf: (host: string) => boolean,
): Promise<void> {
  const { play } = item;
  if (play.rolling) {
    await runRollingPlay({
      env,
      item,
      sessions,
      options,
      magic,
      runHostTasks: (s) => runHostTasks(env, play, item.tasks, s, options, magic),
      runHandlers: (s) => runHandlers(env, play, s, options, magic),
    });
    return;
  }
  const batches = toBatches(item.hosts, play.serial);
  env.emit({ type: 'play-start', play: play.name, hosts: item.hosts, batches });
  const limit = pLimit(Math.max(1, options.forks));
  for (const batch of batches) {
    const live = batch.map((n) => sessions.get(n)).filter((s): s is HostSession => !!s && !s.stopped);
    // Each host's handlers run right after its own tasks: a host only ever sees its own notifications.
    await Promise.all(
      live.map((s) =>
        limit(async () => {
          if (!(await guardRollLock(env, play, s, hostContext(s, play, options.extraVars, magic)))) return;
          await runHostTasks(env, play, item.tasks, s, options, magic);
          await runHandlers(env, play, s, options, magic);
          if (isLastPlayOf(s.name)) await s.close();
        }),
      ),
    );
    const failed = live.filter((s) => s.stopped).length;
    const tooMany =
      play.maxFailPercentage !== undefined
        ? (failed / batch.length) * 100 > play.maxFailPercentage
        : failed === batch.length && batches.length > 1;
    if (tooMany) {
      env.emit({
        type: 'play-end',
        play: play.name,
        aborted: `${failed} of ${batch.length} hosts failed in a batch (max_fail_percentage ${play.maxFailPercentage ?? 'unset: all failed'})`,
      });
      return;
    }
    if (options.signal?.aborted) break;
  }
  env.emit({ type: 'play-end', play: play.name, ...(options.signal?.aborted ? { aborted: 'interrupted' } : {}) });
}

async function runHostTasks(
  env: TaskEnv,
  play: Play,
  tasks: Task[],
  session: HostSession,
  options: RunOptions,
  magic: Record<string, unknown>,
): Promise<void> {
  if (play.gatherFacts) {
    const gathered = await runGatherFacts(env, play, session);
    if (!gathered) return;
  }
  for (const task of tasks) {
    if (session.stopped || options.signal?.aborted) return;
    await runTask(env, taskRun(play, task, session, options, magic, false));
  }
}

async function runHandlers(
  env: TaskEnv,
  play: Play,
  session: HostSession,
  options: RunOptions,
  magic: Record<string, unknown>,
): Promise<void> {
  for (const handler of play.handlers) {
    if (session.stopped || options.signal?.aborted) return;
    if (!session.takeNotified(handler.name)) continue;
    await runTask(env, taskRun(play, handler, session, options, magic, true));
  }
}

function taskRun(
  play: Play,
  task: Task,
  session: HostSession,
  options: RunOptions,
  magic: Record<string, unknown>,
  handler: boolean,
) {
  const become = task.become ?? play.become ?? false;
  return {
    session,
    task,
    play: play.name,
    handler,
    become,
    vars: hostContext(session, play, options.extraVars, magic),
  };
}

/** Facts as a task of its own, so an unreachable host shows up at once with the connection error. */
async function runGatherFacts(env: TaskEnv, play: Play, session: HostSession): Promise<boolean> {
  const task: Task = {
    name: 'gather facts',
    module: 'facts',
    args: {},
    notify: [],
    tags: [],
    ignoreErrors: false,
    location: play.location,
  };
  const gatherEnv: TaskEnv = { ...env, modules: new Map([['facts', factsModule]]) };
  const report = await runTask(gatherEnv, { session, task, play: play.name, handler: false, become: false, vars: {} });
  return report.status !== 'failed' && report.status !== 'unreachable';
}

const factsModule: AnyModule = {
  name: 'facts',
  description: 'gather host facts',
  args: z.unknown(),
  gather: async (ctx) => ctx.facts(),
  plan: () => [],
};

/** A host's recap line from its task reports. */
function recapFor(name: string, reports: TaskReport[], session: HostSession | undefined): HostRecap {
  const count = (status: TaskReport['status']) => reports.filter((r) => r.status === status && !r.ignored).length;
  const stop = reports.find((r) => (r.status === 'failed' && !r.ignored) || r.status === 'unreachable');
  return {
    host: name,
    ok: count('ok') + reports.filter((r) => r.ignored).length,
    changed: count('changed'),
    unknown: count('unknown'),
    skipped: count('skipped'),
    failed: count('failed'),
    unreachable: session?.stopped === 'unreachable',
    ...(stop
      ? {
          failure: {
            task: stop.task,
            message: stop.message ?? stop.status,
            ...(stop.detail ? { detail: stop.detail } : {}),
            ...(stop.exitCode !== undefined ? { exitCode: stop.exitCode } : {}),
          },
        }
      : {}),
    needs: [...(session?.needs.keys() ?? [])].map(needLabel),
  };
}
