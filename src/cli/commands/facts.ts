// `ober-push facts`: one round trip per host, printed as a table or JSON.
import pLimit from 'p-limit';
import { ConnectError } from '../../core/errors.js';
import type { HostFacts } from '../../core/facts.js';
import { HostSession } from '../../engine/host-session.js';
import { selectHosts } from '../../inventory/select.js';
import { createConnector } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { makeVmResolver } from '../setup.js';
import { loadCommandInventory } from '../load-inventory.js';

export interface FactsOptions {
  inventory: string;
  limit?: string;
  forks: string;
  json?: boolean;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
}

type FactsRow = { host: string; facts: HostFacts } | { host: string; error: string; unreachable: boolean };

export async function factsCommand(opts: FactsOptions): Promise<number> {
  const inventory = await loadCommandInventory(opts.inventory);
  const names = selectHosts(inventory, opts.limit ?? 'all');
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  const vms = await makeVmResolver(inventory, () => undefined);
  const limit = pLimit(Math.max(1, Number.parseInt(opts.forks, 10) || 50));
  try {
    const rows = await Promise.all(
      names.map((name) =>
        limit(async (): Promise<FactsRow> => {
          const host = inventory.hosts.get(name);
          if (!host) return { host: name, error: 'not in inventory', unreachable: false };
          const session = new HostSession({ host, connect: connector.connect, vms, emit: () => undefined });
          try {
            return { host: name, facts: await session.facts() };
          } catch (error) {
            return {
              host: name,
              error: error instanceof Error ? error.message : String(error),
              unreachable: error instanceof ConnectError,
            };
          } finally {
            await session.close();
          }
        }),
      ),
    );
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
    if (rows.some((r) => 'error' in r && r.unreachable)) return ExitCode.unreachable;
    return rows.some((r) => 'error' in r) ? ExitCode.taskFailed : ExitCode.ok;
  } finally {
    await connector.closeAll();
  }
}

function formatTable(rows: FactsRow[]): string {
  const header = ['HOST', 'OS', 'KERNEL', 'CPUS', 'MEM MB', 'INIT', 'PKG', 'DEFAULT IF'];
  const lines = rows.map((r) => {
    if ('error' in r) return [r.host, `error: ${r.error}`];
    const f = r.facts;
    const iface = f.defaultInterface ? `${f.defaultInterface.name} ${f.defaultInterface.addresses.join(',')}` : '-';
    return [
      r.host,
      `${f.os.id} ${f.os.versionId} (${f.os.family})`,
      f.kernel,
      String(f.cpus),
      String(f.memoryMb),
      f.init,
      f.packageManager,
      iface,
    ];
  });
  return table([header, ...lines]);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return (
    rows
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
      .join('\n') + '\n'
  );
}
