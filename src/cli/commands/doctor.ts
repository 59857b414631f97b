// `ober-push doctor`: the known failure modes (herr-ober.md) per node, each failed check with its fix.
// Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 4 when a node is unreachable.
import { loadInventory } from '../../inventory/load.js';
import { selectHosts } from '../../inventory/select.js';
import { doctorChecks, type DoctorCheck } from '../../fleet/doctor-checks.js';
import { probeFleet } from '../../fleet/fleet-probe.js';
import { createConnector } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import type { FleetCommandOptions } from './status.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export async function doctorCommand(opts: FleetCommandOptions): Promise<number> {
  const inventory = await loadInventory(opts.inventory);
  const names = selectHosts(inventory, opts.limit ?? 'all');
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  let rows;
  try {
    rows = await probeFleet({ inventory, names, connect: connector.connect, deep: true });
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
  if (opts.json) process.stdout.write(`${JSON.stringify({ hosts: results, failed, unreachable }, null, 2)}\n`);
  else {
    for (const r of results) {
      if ('error' in r) {
        process.stdout.write(`${r.host}: ${r.unreachable ? 'UNREACHABLE' : 'ERROR'}: ${r.error}\n`);
        continue;
      }
      process.stdout.write(`${r.host}\n${r.checks.map(formatCheck).join('')}`);
    }
    process.stdout.write(
      `${failed === 0 && unreachable === 0 ? 'no failures' : `${failed} host(s) with failures${unreachable > 0 ? `, ${unreachable} unreachable` : ''}`}\n`,
    );
  }
  return unreachable > 0 ? ExitCode.unreachable : failed > 0 ? ExitCode.taskFailed : ExitCode.ok;
}

function formatCheck(c: DoctorCheck): string {
  return `  ${MARK[c.level]}  ${c.id}: ${c.message}\n${c.fix ? `        fix: ${c.fix}\n` : ''}`;
}
