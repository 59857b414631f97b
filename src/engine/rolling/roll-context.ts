// One roll's shared state: who runs it, its batches, and every node as {session, ops}. Built once by startRoll;
// the roll's steps (preflight, journal, fleet lock, batches, finish) read it and never rebuild a node.
import type { NodeProofs } from './proof.js';
import { hostname, userInfo } from 'node:os';
import { ConnectError } from '../../core/errors.js';
import type { RollingSpec, SpreadKey } from '../../playbook/types.js';
import { toBatches, toSpreadBatches } from '../batches.js';
import type { EmitEvent, RollingPhase } from '../events.js';
import type { HostSession } from '../host-session.js';
import type { PlayContext } from '../play-context.js';
import { hostContext } from '../vars.js';
import { ColdRestartSlots } from './cold-restart-slots.js';
import { domainOf } from './domains.js';
import type { Me } from './lock.js';
import { sessionOps, StepFailed, type NodeOps } from './node-ops.js';
import { DEFAULTS, type RollingRunOptions } from './options.js';
import { NO_ROUTERS } from './routers.js';
import { newRunId } from './schedule.js';
import { targetFromVars } from './target.js';

export interface RollNode {
  readonly session: HostSession;
  readonly ops: NodeOps;
}

export interface RollContext {
  readonly play: PlayContext;
  readonly spec: RollingSpec;
  readonly options: RollingRunOptions;
  readonly me: Me;
  /** The nodes this roll rolls (the play's hosts after --limit) that have a session, in inventory order. */
  readonly hosts: readonly string[];
  /**
   * The fleet's nodes --limit left out: never withdrawn, drained or worked on, but counted by the capacity floor,
   * armed for the stray relay and under the fleet lock while the roll runs. Empty without --limit.
   */
  readonly counted: readonly string[];
  /** Every node of the fleet (rolled and counted), in inventory order. */
  readonly fleet: readonly string[];
  readonly batches: readonly string[][];
  /** With spread_by: each fleet node's failure domain (the batches never take two of one); null without. */
  readonly domains: ReadonlyMap<string, string> | null;
  /** One cold restart per PVE node at a time, across the roll's nodes. */
  readonly coldRestartSlots: ColdRestartSlots;
  /** Every node of the fleet, rolled or counted. */
  readonly nodes: ReadonlyMap<string, RollNode>;
  /** How the operator names the inventory in the commands we suggest. */
  readonly inventory: string;
  /** Each node's phase as the roll goes (the journal's and the recap's source). */
  readonly phases: Map<string, RollingPhase>;
  /** What verified each node's withdraw and announce and what its roll cost, as this run saw it. */
  readonly proofs: Map<string, NodeProofs>;
  readonly timeouts: { healthMs: number; verifyMs: number; reconnectMs: number };
  readonly emit: EmitEvent;
}

export function startRoll(play: PlayContext): RollContext {
  const spec = play.item.play.rolling;
  if (!spec) throw new Error('startRoll: play has no rolling spec');
  const options = play.options.rolling ?? {};
  const resume = options.resume ?? null;
  const nodes = rollNodes(play, spec, options);
  const hosts = play.item.hosts.filter((h) => nodes.has(h));
  const fleet = (play.item.fleet ?? play.item.hosts).filter((h) => nodes.has(h));
  const domains = spec.spread ? domainMap(fleet, nodes, spec.spread.by) : null;
  const batches = resume
    ? resume.batches.map((b) => b.filter((h) => hosts.includes(h))).filter((b) => b.length > 0)
    : domains
      ? toSpreadBatches(hosts, spec.serial, (h) => domains.get(h) ?? h)
      : toBatches(hosts, spec.serial);
  return {
    play,
    spec,
    options,
    me: {
      runId: resume?.runId ?? newRunId(new Date()),
      user: userInfo().username,
      workstation: hostname(),
      pid: process.pid,
      command: play.item.play.location.file.split('/').pop() ?? 'rolling',
    },
    hosts,
    counted: fleet.filter((h) => !hosts.includes(h)),
    fleet,
    batches,
    domains,
    coldRestartSlots: new ColdRestartSlots(),
    nodes,
    inventory: options.inventory ?? '<inventory>',
    phases: new Map(hosts.map((h) => [h, 'pending'])),
    proofs: new Map(),
    timeouts: {
      healthMs: options.healthTimeoutMs ?? healthTimeoutFromVars(play.item.play.vars) ?? DEFAULTS.healthTimeoutMs,
      verifyMs: options.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs,
      reconnectMs: options.reconnectTimeoutMs ?? DEFAULTS.reconnectTimeoutMs,
    },
    emit: play.env.emit,
  };
}

/** Every node of the fleet with a session: its target from its variables (a counted node's too: it is probed). */
function rollNodes(play: PlayContext, spec: RollingSpec, options: RollingRunOptions): Map<string, RollNode> {
  const nodes = new Map<string, RollNode>();
  for (const h of play.item.fleet ?? play.item.hosts) {
    const session = play.sessions.get(h);
    if (!session) continue;
    const vars = hostContext(session, play.item.play, play.options.extraVars, play.magic);
    const target = targetFromVars(h, session.host.address, vars, spec.drain, options.routers ?? NO_ROUTERS);
    nodes.set(h, { session, ops: sessionOps(session, target, true) });
  }
  return nodes;
}

/** Each host's failure domain (planPlays checked that every host has one; a host without falls back to itself). */
function domainMap(hosts: readonly string[], nodes: ReadonlyMap<string, RollNode>, by: SpreadKey): Map<string, string> {
  return new Map(
    hosts.map((h) => {
      const host = nodes.get(h)?.session.host;
      return [h, (host ? domainOf(host, by) : undefined) ?? h];
    }),
  );
}

/** The node of a host the roll knows (hosts and batches only name those). */
export function nodeOf(rc: RollContext, host: string): RollNode {
  const node = rc.nodes.get(host);
  if (!node) throw new Error(`rolling: ${host} is not a node of this roll`);
  return node;
}

/** Every fleet node's ops, counted ones included, in inventory order (all relay strays, all carry the fleet lock). */
export function fleetOps(rc: RollContext): NodeOps[] {
  return rc.fleet.map((h) => nodeOf(rc, h).ops);
}

/** Report a node's failed step as a task result, and stop its session (nothing more runs on it). */
export function failNode(rc: RollContext, host: string, step: string, error: unknown): void {
  const unreachable = error instanceof ConnectError;
  rc.nodes.get(host)?.session.stop(unreachable ? 'unreachable' : 'failed');
  const detail = error instanceof StepFailed ? error.detail : undefined;
  rc.emit({
    type: 'task-end',
    host,
    play: rc.play.item.play.name,
    task: `rolling: ${step}`,
    handler: false,
    status: unreachable ? 'unreachable' : 'failed',
    changes: [],
    message: error instanceof Error ? error.message : String(error),
    ...(detail ? { detail } : {}),
    durationMs: 0,
  });
}

/** Play var `rolling_health_timeout` (seconds): how long the health gate waits (default 60). */
function healthTimeoutFromVars(vars: Record<string, unknown>): number | undefined {
  const v = vars['rolling_health_timeout'];
  return typeof v === 'number' && v > 0 ? v * 1000 : undefined;
}
