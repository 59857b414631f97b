// Run events: the engine emits them, reporters render them. Plain data, JSON-serialisable.
import type { NodeProofs, StepProof } from './rolling/proof.js';
import type { FileDiff, Impact } from '../core/module.js';
import type { Convergence } from './convergence.js';

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
  /** --verify's verdict (real runs only): converged, or what was applied and what is still planned. */
  verify?: Convergence;
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
  | { type: 'task-start'; host: string; play: string; task: string; handler: boolean }
  | ({ type: 'task-end' } & TaskReport)
  | { type: 'play-end'; play: string; aborted?: string }
  | { type: 'warning'; host?: string; message: string }
  | { type: 'recap'; hosts: HostRecap[]; durationMs: number; check: boolean }
  | RollingStepEvent
  // `batches` and `nodes` name the rolled nodes only; `counted`, the fleet's nodes --limit left out, which the roll
  // counts on (capacity floor, relay, fleet lock) but never rolls.
  | { type: 'rolling-schedule'; runId: string; batches: RollingScheduleBatch[]; counted?: string[] }
  | {
      type: 'rolling-recap';
      runId: string;
      journal: string;
      nodes: RollingNodeRecap[];
      stopped?: string;
      counted?: string[];
    };

/** Rolling plays: the steps every node goes through, in order (see src/engine/rolling). */
export type RollingStep =
  'lock' | 'capacity' | 'withdraw' | 'drain' | 'work' | 'vm-cold-restart' | 'health' | 'announce' | 'settle' | 'unlock';

/** Where a node stands in a roll; recorded locally (journal) and on the node. */
export type RollingPhase = 'pending' | 'locked' | 'withdrawn' | 'drained' | 'worked' | 'healthy' | 'announced';

export interface RollingStepEvent {
  type: 'rolling-step';
  host: string;
  step: RollingStep;
  status: 'start' | 'ok' | 'failed' | 'skipped';
  ms: number;
  /** What was measured or why it failed, one line. */
  detail?: string;
  /** The same evidence as data: routers, data plane (withdraw, announce), loss counters (settle). */
  proof?: StepProof;
}

export interface RollingScheduleBatch {
  hosts: string[];
  steps: RollingStep[];
  /** Hosts of this batch whose VM gets a Proxmox cold restart inside the drained window. */
  coldRestarts: string[];
  /** With spread_by: each host's failure domain, in the order of `hosts`. */
  domains?: string[];
  /** Cold restarts of this batch on one PVE node: they run one after the other, in this order. */
  coldRestartQueues?: Array<{ pveNode: string; hosts: string[] }>;
}

export interface RollingNodeRecap {
  host: string;
  phase: RollingPhase;
  /** Carries traffic right now (announced) or not (withdrawn, by this roll or by hand). */
  serving: boolean;
  /** What to do next, e.g. "ober-push resume -i INV". */
  note?: string;
  /** What verified the node's withdraw and announce, and what its roll cost (this run's steps only). */
  proofs?: NodeProofs;
}

export type EmitEvent = (event: RunEvent) => void;
