// `ober-push doctor`: the known failure modes (herr-ober.md) per node, each failed check with its fix; then each
// router of `routers:` against the nodes that announce (ECMP width, stale next hops).
// Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 4 when a node is unreachable.
import { selectHosts } from '../../inventory/select.js';
import { doctorChecks, type DoctorCheck } from '../../fleet/doctor-checks.js';
import { probeFleet, type FleetRow } from '../../fleet/fleet-probe.js';
import { routerChecks, type AnnouncingNode, type RouterReport } from '../../fleet/router-checks.js';
import type { Inventory } from '../../inventory/types.js';
import { createConnector } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { routerLookup } from '../routers.js';
import type { FleetCommandOptions } from './status.js';
import { loadCommandInventory } from '../load-inventory.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export async function doctorCommand(opts: FleetCommandOptions): Promise<number> {
  const inventory = await loadCommandInventory(opts.inventory);
  const names = selectHosts(inventory, opts.limit ?? 'all');
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  let rows;
  let routers: RouterReport[];
  try {
    rows = await probeFleet({ inventory, names, connect: connector.connect, deep: true });
    routers = await routerChecks(routerLookup(inventory, connector.connect)({}), announcingNodes(inventory, rows));
  } finally {
    await connector.closeAll();
  }
  const results = rows.map((r) =>
    'status' in r
      ? { host: r.host, checks: doctorChecks(r.status) }
      : { host: r.host, error: r.error, unreachable: r.unreachable },
  );
  const failed = results.filter((r) => 'checks' in r && (r.checks ?? []).some((c) => c.level === 'fail')).length;
  const unreachable = results.filter((r) => 'error' in r).length;
  const routersFailed = routers.filter((r) => r.checks.some((c) => c.level === 'fail')).length;
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ hosts: results, failed, unreachable, routers, routersFailed }, null, 2)}\n`,
    );
  else {
    for (const r of results) {
      if ('error' in r) {
        process.stdout.write(`${r.host}: ${r.unreachable ? 'UNREACHABLE' : 'ERROR'}: ${r.error}\n`);
        continue;
      }
      process.stdout.write(`${r.host}\n${r.checks.map(formatCheck).join('')}`);
    }
    for (const r of routers) process.stdout.write(`router ${r.router}\n${r.checks.map(formatCheck).join('')}`);
    const counts = [
      failed > 0 ? `${failed} host(s) with failures` : '',
      unreachable > 0 ? `${unreachable} unreachable` : '',
      routersFailed > 0 ? `${routersFailed} router(s) with failures` : '',
    ].filter(Boolean);
    process.stdout.write(`${counts.length ? counts.join(', ') : 'no failures'}\n`);
  }
  if (unreachable > 0) return ExitCode.unreachable;
  return failed > 0 || routersFailed > 0 ? ExitCode.taskFailed : ExitCode.ok;
}

/** The BGP nodes probed, each with the VIPs it announces right now (none when withdrawn). */
function announcingNodes(inventory: Inventory, rows: readonly FleetRow[]): AnnouncingNode[] {
  return rows.flatMap((r) => {
    const address = inventory.hosts.get(r.host)?.address;
    if (!('status' in r) || r.status.haMode !== 'bgp' || address === undefined) return [];
    const announcing = r.status.announcer?.state === 'announced' && !r.status.withdrawn;
    return [{ host: r.host, address, vips: announcing ? (r.status.announcer?.vips ?? []) : [] }];
  });
}

function formatCheck(c: DoctorCheck): string {
  return `  ${MARK[c.level]}  ${c.id}: ${c.message}\n${c.fix ? `        fix: ${c.fix}\n` : ''}`;
}
