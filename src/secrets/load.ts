// What a command that reads variables does first: the vault password, then every reference resolved.
import type { Inventory } from '../inventory/types.js';
import { resolveSecretRef } from '../proxmox/secret-ref.js';
import { SecretResolver } from './references.js';
import { readVaultPassword, type VaultPasswordOptions } from './vault-password.js';

export async function createSecretResolver(
  options: VaultPasswordOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SecretResolver> {
  return new SecretResolver({ env, vaultPassword: await readVaultPassword(options) });
}

/** Proxmox token secrets that can be read now join the run's secrets (the client also hides them itself). */
export async function addProxmoxSecrets(
  inventory: Inventory,
  resolver: SecretResolver,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  for (const endpoint of inventory.proxmox.values()) {
    try {
      resolver.add([(await resolveSecretRef(endpoint.tokenSecret, { keyPath: '', location: null }, env)).reveal()]);
    } catch {
      // Unreadable now: the Proxmox client reports it with its location when a request needs it.
    }
  }
}
