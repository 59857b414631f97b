// The real steps for one node over its session (the fake in the unit tests replaces this whole function): one
// function per step, and the little state a node carries from one step to the next.
import type { RollingStep } from '../events.js';
import { checkCapacity, type CapacityFloor } from './capacity.js';
import { inColdRestartSlot, type ColdRestartTurn } from './cold-restart-slots.js';
import { pveNodeOf } from './domains.js';
import { drain } from './drain.js';
import { healthGate } from './health-gate.js';
import { holderKey, lockContent } from './lock.js';
import type { FlowRate } from './data-plane.js';
import type { StepOutcome } from './node-ops.js';
import { mustExec, StepFailed } from './node-ops.js';
import { acquireScript, releaseScript, rollFiles } from './remote-files.js';
import { relayNote, setRelay } from './relay.js';
import {
  countedSince,
  fleetCounters,
  readFleetAt,
  waitStraysQuiet,
  type CountersAt,
  type RelayCounters,
} from './relay-counters.js';
import type { NodeRunnerDeps } from './node-runner-deps.js';
import { coldRestartStep, workStep } from './node-work.js';
import { needsColdRestart } from './schedule.js';
import { sleep } from './wait.js';
import { announce, withdraw } from './withdraw.js';

/** What a node's steps hand on: the VIPs it held before it left (VRRP: it takes them back). */
interface NodeRunState {
  vipsHeld: string[];
  /** BGP: the new-connection rate the withdraw measured. */
  flowRate: FlowRate | null;
  /** BGP: the fleet's relay counters just before the withdraw (the loss budget counts from here). */
  countersBefore: Map<string, RelayCounters>;
}

/** The relay stays armed until no stray arrived for this long anywhere (at most STRAYS_CAP_MS). */
const STRAYS_QUIET_MS = 500;
const STRAYS_CAP_MS = 10_000;

export function makeNodeRunner(d: NodeRunnerDeps): (step: RollingStep) => Promise<StepOutcome> {
  const state: NodeRunState = { vipsHeld: d.ops.target.vips, flowRate: null, countersBefore: new Map() };
  const steps: Record<RollingStep, () => Promise<StepOutcome>> = {
    lock: () => lockStep(d),
    capacity: () => checkCapacity(d.ops, d.others, floorOf(d)),
    withdraw: () => withdrawStep(d, state),
    drain: () => drainStep(d),
    work: () => workStep(d),
    'vm-cold-restart': () => inColdRestartSlot(d.coldRestartSlots, coldRestartTurn(d), () => coldRestartStep(d)),
    health: () => healthGate(d.ops, d.timeouts.healthMs, d.ctx.options.signal),
    announce: () => announceStep(d, state),
    settle: () => settleStep(d, state),
    unlock: () => unlockStep(d),
  };
  return (step) => steps[step]();
}

function floorOf(d: NodeRunnerDeps): CapacityFloor {
  const min = d.spec.spread?.minHealthyDomains;
  return {
    minHealthy: d.spec.minHealthy,
    ...(d.domains && min !== undefined ? { domains: d.domains, minDomains: min } : {}),
  };
}

function coldRestartTurn(d: NodeRunnerDeps): ColdRestartTurn {
  const host = d.session.host;
  return { host: host.name, pveNode: pveNodeOf(host), restarts: needsColdRestart(d.session.needs.keys()) };
}

async function lockStep(d: NodeRunnerDeps): Promise<StepOutcome> {
  const file = rollFiles(d.ops.target.paths).lock;
  const script = acquireScript(file, lockContent(d.me, new Date()), d.takeover);
  const r = await mustExec(d.ops, 'lock', 'taking the node lock', script);
  if (!r.stdout.startsWith('acquired')) {
    const holder = r.stdout.split('\n').slice(1).join(' ').trim();
    throw new StepFailed('lock', d.ops.target.name, `node lock held: ${holder}`);
  }
  return { status: 'ok', detail: file };
}

async function withdrawStep(d: NodeRunnerDeps, state: NodeRunState): Promise<StepOutcome> {
  const t = d.ops.target;
  state.countersBefore = await fleetCounters(d.fleet);
  // Armed before the route changes, disarmed once drained: connections still open here keep their packets.
  const relay = await setRelay(d.fleet, t.name, true);
  const r = await withdraw(d.ops, {
    peers: d.others,
    verifyTimeoutMs: d.timeouts.verifyMs,
    signal: d.ctx.options.signal,
  });
  if (r.vipsHeld.length > 0 || t.mode !== 'vrrp') state.vipsHeld = r.vipsHeld;
  state.flowRate = r.flowRate;
  const detail = `${r.detail ?? ''}${relayNote(relay)}`;
  return { status: r.status, ...(detail ? { detail } : {}), ...(r.proof ? { proof: r.proof } : {}) };
}

async function drainStep(d: NodeRunnerDeps): Promise<StepOutcome> {
  const r = await drain(d.ops, d.spec.drainTimeoutMs);
  const strays = await disarmWhenQuiet(d);
  return { ...r, detail: `${r.detail ?? ''}${strays}` };
}

/** Disarm the relay once no stray arrives any more (the moved connections closed); the note says when. */
async function disarmWhenQuiet(d: NodeRunnerDeps, since?: CountersAt): Promise<string> {
  const q = await waitStraysQuiet(d.fleet, STRAYS_QUIET_MS, STRAYS_CAP_MS, d.ctx.options.signal, since);
  await setRelay(d.fleet, d.ops.target.name, false);
  if (q.ms === 0) return '';
  return q.quiet
    ? `; relay disarmed ${q.ms} ms later, once no stray for ${STRAYS_QUIET_MS} ms (${q.strays} meanwhile)`
    : `; relay disarmed at the ${STRAYS_CAP_MS} ms cap, strays still arriving (${q.strays} meanwhile)`;
}

async function announceStep(d: NodeRunnerDeps, state: NodeRunState): Promise<StepOutcome> {
  // Armed before the route changes and held through settle: connections the new hash moves keep their node.
  const relay = await setRelay(d.fleet, d.ops.target.name, true);
  const r = await announce(d.ops, {
    vipsHeld: state.vipsHeld,
    flowRate: state.flowRate,
    verifyTimeoutMs: d.timeouts.verifyMs,
    signal: d.ctx.options.signal,
  });
  const detail = `${r.detail ?? ''}${relayNote(relay)}`;
  return { status: r.status, ...(detail ? { detail } : {}), ...(r.proof ? { proof: r.proof } : {}) };
}

async function settleStep(d: NodeRunnerDeps, state: NodeRunState): Promise<StepOutcome> {
  const since = await readFleetAt(d.fleet);
  if (d.spec.settleMs > 0) await sleep(d.spec.settleMs);
  const strays = await disarmWhenQuiet(d, since);
  const loss = state.countersBefore.size > 0 ? countedSince(state.countersBefore, await fleetCounters(d.fleet)) : null;
  const budget = loss ? `; while out: ${loss.strays} stray(s), ${loss.resets} reset(s) sent` : '';
  const t = d.ops.target;
  if (loss && d.spec.maxResets !== undefined && loss.resets > d.spec.maxResets)
    throw new StepFailed(
      'settle',
      t.name,
      `${loss.resets} reset(s) sent while ${t.name} was out (max_resets ${d.spec.maxResets})`,
    );
  const detail = `${d.spec.settleMs} ms${strays}${budget}`;
  if (loss) return { status: 'ok', detail, proof: { loss } };
  return d.spec.settleMs > 0 || strays ? { status: 'ok', detail } : { status: 'skipped' };
}

async function unlockStep(d: NodeRunnerDeps): Promise<StepOutcome> {
  const script = releaseScript(rollFiles(d.ops.target.paths).lock, holderKey(d.me));
  await mustExec(d.ops, 'unlock', 'releasing the node lock', script);
  return { status: 'ok' };
}
