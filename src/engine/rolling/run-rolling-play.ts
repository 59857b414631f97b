// A rolling play: batch by batch, every node goes lock → capacity floor → withdraw (verified) → drain → the play's
// tasks and handlers (+ a Proxmox cold restart for pending hardware) → health gate → re-announce (verified) →
// settle → unlock. The first failure stops the roll: that node stays out of service, later nodes are untouched.
// Phases are journaled locally and on each node; see preflight.ts for how a later run treats what is left.
import { hostname, userInfo } from 'node:os';
import pLimit from 'p-limit';
import { ConnectError } from '../../core/errors.js';
import type { RollingNodeRecap, RollingPhase } from '../events.js';
import type { HostSession } from '../host-session.js';
import type { PlayContext } from '../play-context.js';
import { toBatches } from '../batches.js';
import { hostContext } from '../vars.js';
import { withError, withPhase, writeJournal, type Journal } from './journal.js';
import { holderKey, pidAlive, type Me } from './lock.js';
import { clearRelay } from './relay.js';
import { makeNodeRunner } from './node-runner.js';
import { sessionOps, StepFailed, type NodeOps } from './node-ops.js';
import { DEFAULTS } from './options.js';
import { isUnfinished, stepsFrom } from './phase.js';
import { preflight } from './preflight.js';
import { releaseScript, rollFiles, writePhaseScript } from './remote-files.js';
import { takeRollLocks } from './take-locks.js';
import { lockContent } from './lock.js';
import { readNextHops } from './router.js';
import { runNodeSteps } from './run-node.js';
import { newRunId, planSchedule } from './schedule.js';
import { targetFromVars } from './target.js';

export async function runRollingPlay(ctx: PlayContext): Promise<void> {
  const { play } = ctx.item;
  const spec = play.rolling;
  if (!spec) throw new Error('runRollingPlay: play has no rolling spec');
  const ro = ctx.options.rolling ?? {};
  const resume = ro.resume ?? null;
  const hosts = ctx.item.hosts;
  const batches = resume
    ? resume.batches.map((b) => b.filter((h) => hosts.includes(h))).filter((b) => b.length > 0)
    : toBatches(hosts, spec.serial);
  const me: Me = {
    runId: resume?.runId ?? newRunId(new Date()),
    user: userInfo().username,
    workstation: hostname(),
    pid: process.pid,
    command: play.location.file.split('/').pop() ?? 'rolling',
  };
  const emit = ctx.env.emit;
  emit({ type: 'play-start', play: play.name, hosts, batches });

  const sessions = new Map<string, HostSession>();
  const ops = new Map<string, NodeOps>();
  for (const h of hosts) {
    const s = ctx.sessions.get(h);
    if (!s) continue;
    sessions.set(h, s);
    const vars = hostContext(s, play, ctx.options.extraVars, ctx.magic);
    ops.set(h, sessionOps(s, targetFromVars(h, s.host.address, vars, spec.drain), true));
  }
  const fail = (host: string, step: string, error: unknown) => {
    const s = sessions.get(host);
    const unreachable = error instanceof ConnectError;
    if (s) s.stop(unreachable ? 'unreachable' : 'failed');
    const message = error instanceof Error ? error.message : String(error);
    const detail = error instanceof StepFailed ? error.detail : undefined;
    emit({
      type: 'task-end',
      host,
      play: play.name,
      task: `rolling: ${step}`,
      handler: false,
      status: unreachable ? 'unreachable' : 'failed',
      changes: [],
      message,
      ...(detail ? { detail } : {}),
      durationMs: 0,
    });
  };

  if (ctx.options.check) {
    await checkSchedule(ctx, hosts, sessions, spec.serial, me.runId);
    emit({ type: 'play-end', play: play.name });
    return;
  }

  // Preflight: every node's roll state, read before anything is touched.
  const inventory = ro.inventory ?? '<inventory>';
  const states = await Promise.all(
    hosts.map(async (h) => {
      try {
        const p = await (ops.get(h) as NodeOps).probe(true);
        return {
          host: h,
          phaseRaw: p.phaseRaw,
          lockRaw: p.lockRaw,
          fleetLockRaw: p.fleetLockRaw,
          withdrawnFile: p.withdrawnFile,
        };
      } catch (error) {
        fail(h, 'preflight', error);
        return null;
      }
    }),
  );
  const plan = preflight({
    nodes: states.filter((s) => s !== null),
    me,
    now: new Date(),
    resume,
    breakLock: Boolean(ctx.options.breakLock),
    pidAlive,
    inventory,
  });
  for (const w of plan.warnings) emit({ type: 'warning', message: w });
  for (const p of plan.problems) fail(p.host, 'preflight', new Error(p.message));
  const baseDir = ro.journalBaseDir ?? process.cwd();
  if (states.some((s) => s === null) || plan.problems.length > 0) {
    emit({ type: 'play-end', play: play.name, aborted: 'preflight: nothing was touched' });
    return;
  }

  // The journal and the roll locks.
  let journal: Journal = resume ?? {
    runId: me.runId,
    playbook: play.location.file,
    play: play.name,
    user: me.user,
    workstation: me.workstation,
    pid: me.pid,
    startedAt: new Date().toISOString(),
    status: 'running',
    // -e by name only: values (secrets among them) never land on disk; resume asks for the same -e again.
    options: {
      ...(ctx.options.limit ? { limit: ctx.options.limit } : {}),
      tags: ctx.options.tags,
      skipTags: ctx.options.skipTags,
      extraVarNames: Object.keys(ctx.options.extraVars).sort(),
    },
    batches,
    nodes: {},
  };
  for (const h of hosts) journal = withPhase(journal, h, plan.start.get(h) ?? 'pending', new Date());
  journal = { ...journal, status: 'running', pid: me.pid };
  let writes = writeJournal(baseDir, journal);
  const journalFile = await writes;
  const save = (update: (j: Journal) => Journal): Promise<unknown> => {
    journal = update(journal);
    const snapshot = journal;
    writes = writes.then(() => writeJournal(baseDir, snapshot));
    return writes;
  };
  const locks = await takeRollLocks({
    hosts,
    ops,
    takeover: plan.takeover,
    content: lockContent(me, new Date()),
    // A node resumed (or adopted) past its lock step keeps the old process's node lock: swapped to ours, atomically.
    pastLockStep: (h) => !stepsFrom(plan.start.get(h) ?? 'pending', true).includes('lock'),
  });
  for (const f of locks.failures) fail(f.host, 'lock', f.error);
  if (locks.givenBack > 0)
    emit({ type: 'warning', message: `not every roll lock could be taken: gave back the ${locks.givenBack} taken` });
  const phases = new Map<string, RollingPhase>(hosts.map((h) => [h, plan.start.get(h) ?? 'pending']));
  let stopped: string | undefined = locks.ok ? undefined : 'the fleet lock could not be taken on every node';
  const limit = pLimit(Math.max(1, ctx.options.forks));
  const fleetOps = hosts.map((h) => ops.get(h)).filter((o): o is NodeOps => o !== undefined);
  // A run killed while the relay was armed left it so: nothing is moving now, so no arm is valid.
  if (!stopped) await clearRelay(fleetOps);
  for (const batch of stopped ? [] : batches) {
    if (ctx.options.signal?.aborted) {
      stopped = 'interrupted';
      break;
    }
    const others = fleetOps.filter((o) => !batch.includes(o.target.name));
    const results = await Promise.all(
      batch.map((h) =>
        limit(async () => {
          const session = sessions.get(h) as HostSession;
          const o = ops.get(h) as NodeOps;
          const start = phases.get(h) ?? 'pending';
          const run = makeNodeRunner({
            ctx,
            session,
            ops: o,
            others,
            fleet: fleetOps,
            spec,
            me,
            takeover: plan.takeover.get(h)?.node ?? null,
            nextHops: ro.nextHops ?? readNextHops,
            timeouts: {
              healthMs: ro.healthTimeoutMs ?? healthTimeoutFromVars(play.vars) ?? DEFAULTS.healthTimeoutMs,
              verifyMs: ro.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs,
              reconnectMs: ro.reconnectTimeoutMs ?? DEFAULTS.reconnectTimeoutMs,
            },
          });
          const result = await runNodeSteps(stepsFrom(start, true), start, {
            run,
            emit: (e) => emit({ type: 'rolling-step', host: h, ...e }),
            aborted: () => ctx.options.signal?.aborted ?? false,
            record: async (phase) => {
              phases.set(h, phase);
              await save((j) => withPhase(j, h, phase, new Date()));
              const record = JSON.stringify({ runId: me.runId, phase, at: new Date().toISOString() });
              await o.exec(writePhaseScript(rollFiles(o.target.paths).phase, record), 10_000).catch((e: unknown) =>
                emit({
                  type: 'warning',
                  host: h,
                  message: `phase ${phase} not recorded on the node: ${e instanceof Error ? e.message : String(e)}`,
                }),
              );
            },
          });
          if (result.failed) {
            // A failed task already reported itself (and stopped the session); anything else is reported here.
            if (result.failed.step !== 'work' || !session.stopped) fail(h, result.failed.step, result.failed.error);
            const message =
              result.failed.error instanceof Error ? result.failed.error.message : String(result.failed.error);
            await save((j) => withError(j, h, result.failed?.step ?? 'work', message));
          }
          return result;
        }),
      ),
    );
    const failed = results.filter((r) => r.failed).length;
    if (failed > 0) stopped = `${failed} node(s) of the batch failed: the roll stopped`;
    else if (results.some((r) => r.interrupted)) stopped = 'interrupted';
    if (stopped) break;
  }

  // A step that failed or was interrupted between arm and disarm leaves no arm behind: nothing moves any more.
  if (locks.ok) {
    const relay = await clearRelay(fleetOps);
    if (relay.unavailable.length > 0 && stopped)
      emit({
        type: 'warning',
        message: `the stray-packet relay could not be cleared on ${relay.unavailable.join(', ')}`,
      });
  }
  // Release the fleet lock only when no node is left mid-roll (otherwise it tells the next run to resume).
  const unfinished = hosts.filter((h) => isUnfinished(phases.get(h) ?? 'pending'));
  if (unfinished.length === 0 && locks.ok) {
    await Promise.all(
      hosts.map((h) => {
        const o = ops.get(h) as NodeOps;
        return o.exec(releaseScript(rollFiles(o.target.paths).fleetLock, holderKey(me)), 10_000).catch(() => undefined);
      }),
    );
  }
  await save((j) => ({
    ...j,
    status: stopped === 'interrupted' ? 'interrupted' : stopped ? 'failed' : unfinished.length ? 'failed' : 'done',
  }));
  await writes;
  emit({
    type: 'rolling-recap',
    runId: me.runId,
    journal: journalFile,
    nodes: hosts.map((h) => nodeRecap(h, phases.get(h) ?? 'pending', journal, inventory)),
    ...(stopped ? { stopped } : {}),
  });
  emit({ type: 'play-end', play: play.name, ...(stopped ? { aborted: stopped } : {}) });
}

/** Play var `rolling_health_timeout` (seconds): how long the health gate waits (default 60). */
function healthTimeoutFromVars(vars: Record<string, unknown>): number | undefined {
  const v = vars['rolling_health_timeout'];
  return typeof v === 'number' && v > 0 ? v * 1000 : undefined;
}

function nodeRecap(host: string, phase: RollingPhase, journal: Journal, inventory: string): RollingNodeRecap {
  const error = journal.nodes[host]?.error;
  if (phase === 'announced') return { host, phase, serving: true, note: 'rolled' };
  if (phase === 'pending')
    return { host, phase, serving: true, note: error ? `untouched (${error.step} stopped it)` : 'untouched' };
  const where = error ? `stopped at ${error.step}` : 'interrupted';
  const serving = phase === 'locked';
  return {
    host,
    phase,
    serving,
    note: `${where}; ${serving ? 'still serving' : 'withdrawn'}: \`ober-push resume -i ${inventory}\`${serving ? '' : ` or \`ober-push restore -i ${inventory} --limit ${host}\``}`,
  };
}

/** --check: the play's tasks in check mode on every node (for the needs they would leave), then the schedule. */
async function checkSchedule(
  ctx: PlayContext,
  hosts: string[],
  sessions: Map<string, HostSession>,
  serial: number | string,
  runId: string,
): Promise<void> {
  const limit = pLimit(Math.max(1, ctx.options.forks));
  await Promise.all(
    hosts.map((h) =>
      limit(async () => {
        const s = sessions.get(h);
        if (!s || s.stopped) return;
        await ctx.runHostTasks(s);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runHostTasks may have stopped it
        if (!s.stopped) await ctx.runHandlers(s);
      }),
    ),
  );
  const needs = new Map(hosts.map((h) => [h, [...(sessions.get(h)?.needs.keys() ?? [])]]));
  ctx.env.emit({ type: 'rolling-schedule', runId, batches: planSchedule(hosts, serial, needs) });
}
