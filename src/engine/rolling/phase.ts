// A node's phases in a roll, in order, and the steps that lead from one to the next.
import type { RollingPhase, RollingStep } from '../events.js';

export const PHASES: readonly RollingPhase[] = [
  'pending',
  'locked',
  'withdrawn',
  'drained',
  'worked',
  'healthy',
  'announced',
];

export function phaseIndex(phase: RollingPhase): number {
  return PHASES.indexOf(phase);
}

export function isPhase(value: unknown): value is RollingPhase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** Between locked and healthy the node is (or may be) out of service: a later run must not ignore it. */
export function isUnfinished(phase: RollingPhase): boolean {
  return phase !== 'pending' && phase !== 'announced';
}

/** The phase each step records once it succeeded (steps without one record nothing). */
export const PHASE_AFTER: Partial<Record<RollingStep, RollingPhase>> = {
  lock: 'locked',
  withdraw: 'withdrawn',
  drain: 'drained',
  work: 'worked',
  health: 'healthy',
  announce: 'announced',
};

/**
 * The phase a FAILED step may already have reached, recorded all the same: a withdraw that could not be verified
 * (a router still lists the node, or the node stopped answering) may have taken the node out of some routers, so
 * no later run or recap may believe it still serves.
 */
export const PHASE_IF_FAILED: Partial<Record<RollingStep, RollingPhase>> = {
  withdraw: 'withdrawn',
};

/**
 * Every step of a node, in order: the one list the real run follows and --check's schedule shows. The
 * vm-cold-restart step skips itself on a node whose VM has no pending hardware change.
 */
export const NODE_STEPS: readonly RollingStep[] = [
  'lock',
  'capacity',
  'withdraw',
  'drain',
  'work',
  'vm-cold-restart',
  'health',
  'announce',
  'settle',
  'unlock',
];

/**
 * The steps left for a node recorded at `phase` (resume). Capacity is re-checked before a node that is still
 * in service leaves; a node already withdrawn does not need it. Work is redone unless it was recorded done.
 */
export function stepsFrom(phase: RollingPhase): RollingStep[] {
  const all = [...NODE_STEPS];
  switch (phase) {
    case 'pending':
      return all;
    case 'locked':
      return all.filter((s) => s !== 'lock');
    case 'withdrawn':
    case 'drained':
      // Withdraw and drain again (idempotent, and verified at the router), then on: no capacity check for a node
      // that is out of service already.
      return all.filter((s) => s !== 'lock' && s !== 'capacity');
    case 'worked':
      return ['health', 'announce', 'settle', 'unlock'];
    case 'healthy':
      return ['announce', 'settle', 'unlock'];
    case 'announced':
      return ['unlock'];
  }
}
