// One node's live state in ONE exec, parsed by a pure function. Used by `ober-push status`, `doctor`, and by
// the rolling engine (capacity floor, health gate).
//
// API (stable):
//   probeNode(exec, options?) -> Promise<NodeStatus>
//     exec: (command) => Promise<{code, stdout, stderr}>, e.g. (c) => session.exec(c, undefined, true)
//           (run as root: the stats socket, haproxy -c and /proc/sys writability need it).
//     options: ProbeOptions (all optional): stack paths, stats port, expected sysctls, NIC, deep checks.
//   parseNodeStatus(stdout, options?) -> NodeStatus    (pure; what probeNode applies to the script's output)
//   nodeProbeScript(options?) -> ShellCommand              (the script, for callers that batch execs themselves)
//
//   NodeStatus.healthy  : this node can carry traffic now (HAProxy active, /health 200, config valid, the HA
//                         daemon active; BGP: the announcer announces; not withdrawn by the operator).
//   NodeStatus.serving  : it does carry traffic now (BGP: announced; keepalived: holds at least one VIP).
//   NodeStatus.problems : why it is not healthy (empty when healthy). warnings: drift that does not stop traffic.
//   NodeStatus.haproxy.currConns: open connections (runtime API `show info` CurrConns), null when unknown.
// A probe that cannot run at all (connection lost) rejects with the transport's error; a non-zero exit of the
// script itself rejects with a CommandError.
import type { ExecResult } from '../core/module.js';
import type { ShellCommand } from '../core/shell.js';
import { requireOk } from '../modules/common/probe.js';
import { DEFAULT_PATHS, type StackPaths } from '../stack/paths.js';
import { sysctlMap } from '../stack/tuning.js';
import { parseNodeSections } from './parse-status.js';
import { probeScript } from './probe-script.js';

export type { HaMode, NodeStatus, ProbeOptions, SysctlReading, UnitStatus } from './status-types.js';
import type { NodeStatus, ProbeOptions } from './status-types.js';

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

export function nodeProbeScript(options: ProbeOptions = {}): ShellCommand {
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
  exec: (command: ShellCommand) => Promise<ExecResult>,
  options: ProbeOptions = {},
): Promise<NodeStatus> {
  const result = requireOk(await exec(nodeProbeScript(options)), '', 'ober-push node probe');
  return parseNodeStatus(result.stdout, options);
}
