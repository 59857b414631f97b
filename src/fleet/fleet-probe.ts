// Probe every selected host of an inventory in parallel (one exec each), with the probe options each host's
// own stack variables imply (VIPs, stats port, expected sysctls, HA mode). Shared by `status` and `doctor`.
import pLimit from 'p-limit';
import { ConnectError } from '../core/errors.js';
import type { ExecResult } from '../core/module.js';
import type { ShellCommand } from '../core/shell.js';
import type { Transport } from '../core/transport.js';
import { HostSession } from '../engine/host-session.js';
import { magicVars } from '../engine/vars.js';
import type { Host, Inventory } from '../inventory/types.js';
import { stackContextFromVars } from '../stack/from-vars.js';
import { probeNode, type NodeStatus, type ProbeOptions } from './node-status.js';

export type FleetRow =
  { host: string; status: NodeStatus; options: ProbeOptions } | { host: string; error: string; unreachable: boolean };

/** Probe options from the host's stack variables; defaults when they do not validate (status still works). */
export function probeOptionsFor(inventory: Inventory, host: Host, magic: Record<string, unknown>): ProbeOptions {
  try {
    const ober = stackContextFromVars({ ...magic, ...host.vars, inventory_hostname: host.name });
    const nic = typeof host.vars['nic'] === 'string' ? host.vars['nic'] : null;
    return {
      paths: ober.paths,
      statsPort: ober.statsPort,
      sysctl: ober.sysctl,
      vips: ober.vips,
      haMode: ober.haMode,
      nic,
    };
  } catch {
    return {};
  }
}

export interface FleetProbeDeps {
  inventory: Inventory;
  names: string[];
  connect: (host: Host) => Transport;
  deep?: boolean;
  forks?: number;
}

export async function probeFleet(deps: FleetProbeDeps): Promise<FleetRow[]> {
  const magic = magicVars(deps.inventory);
  const limit = pLimit(Math.max(1, deps.forks ?? 50));
  const vms = { forHost: () => Promise.resolve(null) };
  return Promise.all(
    deps.names.map((name) =>
      limit(async (): Promise<FleetRow> => {
        const host = deps.inventory.hosts.get(name);
        if (!host) return { host: name, error: 'not in inventory', unreachable: false };
        const options: ProbeOptions = { ...probeOptionsFor(deps.inventory, host, magic), deep: Boolean(deps.deep) };
        const session = new HostSession({ host, connect: deps.connect, vms, emit: () => undefined });
        try {
          const exec = (command: ShellCommand): Promise<ExecResult> =>
            session.exec(command, { timeoutMs: 60_000 }, true);
          return { host: name, status: await probeNode(exec, options), options };
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
}
