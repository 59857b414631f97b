// The shapes of a node's probed state (types only): node-status.ts probes, parse-status.ts parses (no cycle).
import type { StackPaths } from '../stack/paths.js';

export type HaMode = 'bgp' | 'keepalived';

export interface UnitStatus {
  /** not-found when the unit file does not exist. */
  load: string;
  active: string; // active, inactive, failed, activating ...
  sub: string;
  /** enabled, disabled, masked, static, "" (not found) ... */
  enabled: string;
  mainPid: number | null;
  restarts: number | null;
  bindsTo: string[];
  partOf: string[];
  wantedBy: string[];
  wants: string[];
}

export interface SysctlReading {
  key: string;
  expected: string;
  /** null: the kernel has no such key here (e.g. some net.core keys in a network namespace). */
  actual: string | null;
  /** false: read-only here (machine-wide keys in a container). */
  writable: boolean;
}

export interface NodeStatus {
  /** HA mode from the installed units (ober-exabgp or ober-keepalived), null when neither is installed. */
  haMode: HaMode | null;
  bootId: string | null;
  cpus: number | null;
  units: Record<string, UnitStatus>;
  haproxy: {
    version: string | null;
    /** `show info`, null when the runtime API did not answer. */
    info: Record<string, string> | null;
    currConns: number | null;
    /** proc.ober_drain as HAProxy has it; null when unknown. */
    draining: boolean | null;
    /** HTTP status of /health on the stats port; null when nothing answered. */
    health: number | null;
    /** haproxy -c of the installed config; null when there is no config. */
    configValid: boolean | null;
    configErrors: string;
  };
  /** The announcer's state file (BGP), null when absent. */
  announcer: { state: string; reason: string | null; vips: string[]; since: number | null } | null;
  keepalived: { configValid: boolean | null; configErrors: string };
  /** sessions: peers with an established BGP (tcp 179) session; configValid: deep probes only (exabgp --validate). */
  exabgp: { sessions: string[]; configValid: boolean | null; configErrors: string };
  /** IPv4 addresses per interface, "a.b.c.d/len". */
  addresses: Array<{ iface: string; address: string }>;
  /** VIPs (from the options or the announcer) this node holds as a local address. */
  vipsHeld: string[];
  nic: { name: string | null; maxCombined: number | null; combined: number | null; error: string | null };
  watchdog: { runtimeSec: number | null; devices: string[]; armed: boolean };
  sysctl: SysctlReading[];
  /** Keys whose value differs and could be set here. */
  sysctlDrift: SysctlReading[];
  withdrawn: boolean;
  firewall: { iptables: string; nft: string };
  healthy: boolean;
  serving: boolean;
  problems: string[];
  warnings: string[];
}

export interface ProbeOptions {
  paths?: Partial<StackPaths>;
  statsPort?: number;
  /** Expected sysctls; default: the stack's tuning set for the detected HA mode. */
  sysctl?: Record<string, string>;
  /** The VIPs of the stack (to report which this node holds); default: the announcer's list, else none. */
  vips?: string[];
  nic?: string | null;
  /** Expected HA mode; default: detected from the installed units. */
  haMode?: HaMode;
  /** Also exabgp --validate (adds ~1 s). */
  deep?: boolean;
}
