// The loaded playbook: plays and tasks as data. Args are still raw (strings may be templates).
import type { SourceLocation } from '../core/errors.js';

export interface Task {
  name: string;
  module: string;
  args: unknown;
  when?: string;
  /** A list (or a template rendering to one): the module runs once per item, which tasks see as `item`. */
  loop?: unknown;
  notify: string[];
  tags: string[];
  become?: boolean;
  register?: string;
  changedWhen?: string;
  failedWhen?: string;
  ignoreErrors: boolean;
  location: SourceLocation;
}

export interface RollingSpec {
  serial: number | string; // 1, or "25%"
  drain: 'bgp' | 'vrrp' | 'none';
  minHealthy: number;
  drainTimeoutMs: number;
  settleMs: number;
  /** Per node: resets the fleet may send while the node is out (relay counter `resets`); unset: no limit. */
  maxResets?: number;
  /** Failure domains (`spread_by`, `min_healthy_domains`); unset: batches are plain slices of the host list. */
  spread?: RollingSpread;
}

/** What a host's failure domain is: the PVE node of its `vm:` binding, or one of its inventory variables. */
export type SpreadKey = { kind: 'pve_node' } | { kind: 'var'; name: string };

export interface RollingSpread {
  by: SpreadKey;
  /** Before a batch leaves, the nodes outside it must be serving in at least this many domains. */
  minHealthyDomains?: number;
  /** Where the playbook sets each key: the errors found once the hosts are known point there. */
  at: { spreadBy: SourceLocation | null; minHealthyDomains: SourceLocation | null };
}

export interface Play {
  name: string;
  hosts: string; // a host pattern, as for --limit
  vars: Record<string, unknown>;
  gatherFacts: boolean;
  become?: boolean;
  serial?: number | string;
  maxFailPercentage?: number;
  rolling?: RollingSpec;
  /** A stack whose variables are validated for every host before any connection, and derived into `ober`. */
  stack?: 'herr-ober';
  tasks: Task[];
  handlers: Task[];
  location: SourceLocation;
}

export interface Playbook {
  file: string;
  plays: Play[];
}
