// `ober-push status`: one probe (one exec) per node, one line per node, then a verdict.
// Exit 0 when every node is healthy, 1 when one is not, 4 when one is unreachable.
import { selectHosts } from '../../inventory/select.js';
import { probeFleet, type FleetRow } from '../../fleet/fleet-probe.js';
import type { NodeStatus } from '../../fleet/node-status.js';
import { createConnector } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { table } from './facts.js';
import { loadCommandInventory } from '../load-inventory.js';

export interface FleetCommandOptions {
  inventory: string;
  limit?: string;
  json?: boolean;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
}

export async function statusCommand(opts: FleetCommandOptions): Promise<number> {
  const inventory = await loadCommandInventory(opts.inventory);
  const names = selectHosts(inventory, opts.limit ?? 'all');
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  let rows: FleetRow[];
  try {
    rows = await probeFleet({ inventory, names, connect: connector.connect });
  } finally {
    await connector.closeAll();
  }
  const verdict = fleetVerdict(rows);
  if (opts.json) {
    const nodes = rows.map((r) => ('status' in r ? { host: r.host, ...r.status, firewall: undefined } : r));
    process.stdout.write(`${JSON.stringify({ nodes, verdict }, null, 2)}\n`);
  } else {
    process.stdout.write(formatStatus(rows));
    process.stdout.write(`${verdict.text}\n`);
  }
  return verdict.code;
}

export function fleetVerdict(rows: FleetRow[]): {
  code: number;
  text: string;
  healthy: number;
  serving: number;
  total: number;
} {
  const ok = rows.filter((r): r is Extract<FleetRow, { status: NodeStatus }> => 'status' in r);
  const healthy = ok.filter((r) => r.status.healthy).length;
  const serving = ok.filter((r) => r.status.serving).length;
  const unreachable = rows.filter((r) => 'error' in r).length;
  const total = rows.length;
  const text = `${healthy === total ? 'HEALTHY' : 'DEGRADED'}: ${healthy}/${total} healthy, ${serving} serving${unreachable > 0 ? `, ${unreachable} unreachable` : ''}`;
  const code = unreachable > 0 ? ExitCode.unreachable : healthy === total ? ExitCode.ok : ExitCode.taskFailed;
  return { code, text, healthy, serving, total };
}

function haColumn(st: NodeStatus): string {
  if (st.haMode === 'bgp') {
    const a = st.announcer;
    return `bgp ${st.units['ober-exabgp']?.active ?? '?'} ${a ? `${a.state}${a.reason ? `(${a.reason})` : ''}` : 'no-state'}`;
  }
  if (st.haMode === 'keepalived')
    return `vrrp ${st.units['ober-keepalived']?.active ?? '?'} ${st.vipsHeld.length > 0 ? `MASTER ${st.vipsHeld.join(',')}` : 'BACKUP'}`;
  return '-';
}

function formatStatus(rows: FleetRow[]): string {
  const header = ['HOST', 'HAPROXY', 'CONNS', 'HEALTH', 'HA', 'QUEUES', 'WATCHDOG', 'SYSCTL', 'STATE'];
  const lines = rows.map((r) => {
    if ('error' in r) return [r.host, `${r.unreachable ? 'UNREACHABLE' : 'ERROR'}: ${r.error}`];
    const st = r.status;
    const hap = `${st.haproxy.version ?? '?'} ${st.units['ober-haproxy']?.active ?? '?'}${st.haproxy.draining ? ' draining' : ''}`;
    const queues =
      st.nic.combined !== null
        ? `${st.nic.name ?? ''} ${st.nic.combined}/${st.nic.maxCombined ?? '?'}`
        : `${st.nic.name ?? '-'} ?`;
    const watchdog = st.watchdog.runtimeSec
      ? `${st.watchdog.runtimeSec}s${st.watchdog.devices.length > 0 ? '' : ' no-dev'}`
      : 'off';
    const sysctl = st.sysctlDrift.length === 0 ? 'ok' : `drift ${st.sysctlDrift.length}`;
    const state = st.healthy ? (st.withdrawn ? 'withdrawn' : 'healthy') : `UNHEALTHY: ${st.problems.join('; ')}`;
    return [
      r.host,
      hap,
      st.haproxy.currConns === null ? '-' : String(st.haproxy.currConns),
      st.haproxy.health === null ? '-' : String(st.haproxy.health),
      haColumn(st),
      queues,
      watchdog,
      sysctl,
      state,
    ];
  });
  return table([header, ...lines]);
}
