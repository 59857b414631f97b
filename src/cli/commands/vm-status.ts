// `ober-push vm status`: each bound VM's hardware as Proxmox has it, pending changes, and drift from
// the desired values (the Herr Ober defaults: cpu host, no balloon, queues = vCPUs, i6300esb reset).
import pLimit from 'p-limit';
import { selectHosts } from '../../inventory/select.js';
import { gatherVm, proxmoxVmArgs, vmStatusRows, type VmStatusInput } from '../../modules/proxmox-vm/index.js';
import { ExitCode } from '../exit-codes.js';
import { makeVmResolver } from '../setup.js';
import { table } from './facts.js';
import { loadCommandInventory } from '../load-inventory.js';

export interface VmStatusOptions {
  inventory: string;
  limit?: string;
  json?: boolean;
}

const DESIRED = proxmoxVmArgs.parse({
  cpu: 'host',
  balloon: 0,
  net: { index: 0, model: 'virtio', queues: 'auto' },
  watchdog: { model: 'i6300esb', action: 'reset' },
});

export async function vmStatusCommand(opts: VmStatusOptions): Promise<number> {
  const inventory = await loadCommandInventory(opts.inventory);
  const names = selectHosts(inventory, opts.limit ?? 'all').filter((n) => inventory.hosts.get(n)?.vm);
  const warnings: string[] = [];
  const vms = await makeVmResolver(inventory, (e) => e.type === 'warning' && warnings.push(e.message));
  const limit = pLimit(8);
  const results = await Promise.all(
    names.map((host) =>
      limit(async (): Promise<VmStatusInput | { host: string; error: string }> => {
        try {
          const vm = await vms.forHost(host);
          if (!vm) return { host, error: 'no vm: binding' };
          return { host, facts: await gatherVm(vm), args: DESIRED };
        } catch (error) {
          return { host, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    ),
  );
  const ok = results.filter((r): r is VmStatusInput => 'facts' in r);
  const failed = results.filter((r): r is { host: string; error: string } => 'error' in r);
  const rows = vmStatusRows(ok);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify({ vms: rows, errors: failed }, null, 2)}\n`);
  else {
    const header = ['HOST', 'NODE/VMID', 'STATE', 'CPU', 'CORES', 'QUEUES', 'WATCHDOG', 'BALLOON', 'PENDING', 'DRIFT'];
    const lines = rows.map((r) => [
      r.host,
      `${r.node}/${r.vmid}`,
      r.status,
      r.cpu,
      `${r.sockets}x${r.cores}`,
      r.queues === null ? '-' : String(r.queues),
      r.watchdog ?? '-',
      r.balloon === null ? '-' : String(r.balloon),
      r.pending.join(' ') || '-',
      r.drift.join(',') || 'none',
    ]);
    process.stdout.write(table([header, ...lines, ...failed.map((f) => [f.host, `error: ${f.error}`])]));
    if (names.length === 0) process.stdout.write('no host in the selection has a vm: binding\n');
  }
  return failed.length > 0 ? ExitCode.unreachable : ExitCode.ok;
}
