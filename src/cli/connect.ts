// Builds each host's connection spec from the inventory and the command line; the pool connects lazily.
import { resolve } from 'node:path';
import type { Transport } from '../core/transport.js';
import type { Host, Inventory } from '../inventory/types.js';
import { ConnectionPool } from '../transport/pool.js';

export interface ConnectOptions {
  acceptNewHostKeys: boolean;
  /** --ssh-config; wins over the inventory's `ssh.config`. */
  sshConfig?: string | undefined;
}

export interface Connector {
  /** The host's transport; `fresh` replaces a previous one (after a reboot or cold restart). */
  connect: (host: Host, fresh?: boolean) => Transport;
  closeAll: () => Promise<void>;
}

export function createConnector(inventory: Inventory, options: ConnectOptions): Connector {
  const pool = new ConnectionPool();
  const sshConfigFile = options.sshConfig ? resolve(options.sshConfig) : inventory.ssh?.configFile;
  const spec = (host: Host) => ({
    host: host.name,
    address: host.address,
    ...(host.port !== undefined ? { port: host.port } : {}),
    ...(host.user ? { user: host.user } : {}),
    ...(host.identityFile ? { identityFile: host.identityFile } : {}),
    ...(sshConfigFile ? { sshConfigFile } : {}),
    ...(inventory.ssh?.knownHostsFile ? { knownHostsFile: inventory.ssh.knownHostsFile } : {}),
    ...(inventory.ssh?.connectTimeoutMs ? { connectTimeoutMs: inventory.ssh.connectTimeoutMs } : {}),
    acceptNewHostKeys: options.acceptNewHostKeys,
    connection: host.vars['connection'] === 'local' ? ('local' as const) : ('ssh' as const),
  });
  return {
    connect: (host, fresh) => (fresh ? pool.renew(spec(host)) : pool.get(spec(host))),
    closeAll: () => pool.closeAll(),
  };
}
