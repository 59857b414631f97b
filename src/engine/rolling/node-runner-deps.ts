// What the steps of one node need (a leaf: node-runner.ts and node-work.ts both read it).
import type { RollingSpec } from '../../playbook/types.js';
import type { HostSession } from '../host-session.js';
import type { PlayContext } from '../play-context.js';
import type { ColdRestartSlots } from './cold-restart-slots.js';
import type { Me } from './lock.js';
import type { NodeOps } from './node-ops.js';

export interface NodeRunnerDeps {
  ctx: PlayContext;
  session: HostSession;
  ops: NodeOps;
  /** The fleet's other nodes outside this batch, those --limit left out included (capacity floor, VRRP peers). */
  others: NodeOps[];
  /** Every node of the fleet, this one and those --limit left out included (all relay strays while the ECMP set changes). */
  fleet: NodeOps[];
  spec: RollingSpec;
  me: Me;
  /** The exact node lock text this run may replace (its earlier process's, or the one --break-lock takes over). */
  takeover: string | null;
  timeouts: { healthMs: number; verifyMs: number; reconnectMs: number };
  /** The roll's one set of per-PVE-node slots: one cold restart per PVE node at a time. */
  coldRestartSlots: ColdRestartSlots;
  /** With spread_by: each node's failure domain (the capacity floor counts them); null without. */
  domains: ReadonlyMap<string, string> | null;
}
