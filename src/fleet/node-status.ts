// One node's live state in ONE exec, parsed by a pure function. Used by `ober-push status`, `doctor`, and by
// the rolling engine (capacity floor, health gate).
//
// API (stable):
//   probeNode(exec, options?) -> Promise<NodeStatus>
//     exec: (command) => Promise<{code, stdout, stderr}>, e.g. (c) => session.exec(c, undefined, true)
//           (run as root: the stats socket, haproxy -c and /proc/sys writability need it).
//     options: ProbeOptions (all optional): stack paths, stats port, expected sysctls, NIC, deep checks.
//   parseNodeStatus(stdout, options?) -> NodeStatus    (pure; what probeNode applies to the script's output)
//   nodeProbeScript(options?) -> string                (the script, for callers that batch execs themselves)
//
//   NodeStatus.healthy  : this node can carry traffic now (HAProxy active, /health 200, config valid, the HA
//                         daemon active; BGP: the announcer announces; not withdrawn by the operator).
//   NodeStatus.serving  : it does carry traffic now (BGP: announced; keepalived: holds at least one VIP).
//   NodeStatus.problems : why it is not healthy (empty when healthy). warnings: drift that does not stop traffic.
//   NodeStatus.haproxy.currConns: open connections (runtime API `show info` CurrConns), null when unknown.
// A probe that cannot run at all (connection lost) rejects with the transport's error; a non-zero exit of the
// script itself rejects with a CommandError.
import type { ExecResult } from '../core/module.js';
import { requireOk } from '../modules/common/probe.js';
import { DEFAULT_PATHS, type StackPaths } from '../stack/paths.js';
import { sysctlMap } from '../stack/tuning.js';
import { parseNodeSections } from './parse-status.js';
import { probeScript } from './probe-script.js';

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

/** Every key the stack may set in either mode: read them all, compare by mode afterwards. */
function allTuningKeys(extra: Record<string, string> | undefined): string[] {
  const keys = new Set([
    ...Object.keys(sysctlMap({ ha_mode: 'bgp', sysctl_extra: {} })),
    ...Object.keys(sysctlMap({ ha_mode: 'keepalived', sysctl_extra: {} })),
  ]);
  for (const k of Object.keys(extra ?? {})) keys.add(k);
  return [...keys];
}

export function resolvePaths(options: ProbeOptions): StackPaths {
  return { ...DEFAULT_PATHS, ...options.paths };
}

export function nodeProbeScript(options: ProbeOptions = {}): string {
  return probeScript({
    paths: resolvePaths(options),
    statsPort: options.statsPort ?? 8404,
    sysctlKeys: allTuningKeys(options.sysctl),
    nic: options.nic ?? null,
    deep: Boolean(options.deep),
  });
}

export function parseNodeStatus(stdout: string, options: ProbeOptions = {}): NodeStatus {
  return parseNodeSections(stdout, options);
}

export async function probeNode(
  exec: (command: string) => Promise<ExecResult>,
  options: ProbeOptions = {},
): Promise<NodeStatus> {
  const result = requireOk(await exec(nodeProbeScript(options)), '', 'ober-push node probe');
  return parseNodeStatus(result.stdout, options);
}
