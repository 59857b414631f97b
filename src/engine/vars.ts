// The variables a task sees: inventory (all < groups < host) < play vars < registered results < extra vars,
// plus read-only "magic" variables describing the inventory and the host.
import type { Inventory } from '../inventory/types.js';
import type { Play } from '../playbook/types.js';
import { RESOLVED_NAMES_VAR, type ResolvedNames } from '../stack/whitelist-names.js';
import type { HostSession } from './host-session.js';
import { varsFor } from './host-vars.js';
import { stackNamespace } from './stack.js';

/**
 * Inventory-wide values every host sees: `groups` (name -> members) and `hostvars` (name -> vars + address), and
 * `resolved_names` when the command resolved the whitelists' host names (it writes lists).
 */
export function magicVars(inventory: Inventory, names?: ResolvedNames): Record<string, unknown> {
  const groups: Record<string, string[]> = {};
  for (const host of inventory.hosts.values()) {
    for (const g of host.groups) (groups[g] ??= []).push(host.name);
  }
  const hostvars: Record<string, unknown> = {};
  for (const host of inventory.hosts.values()) {
    hostvars[host.name] = {
      ...host.vars,
      inventory_hostname: host.name,
      address: host.address,
      port: host.port,
      groups: host.groups,
    };
  }
  return { groups, hostvars, ...(names ? { [RESOLVED_NAMES_VAR]: names } : {}) };
}

export function hostContext(
  session: HostSession,
  play: Play,
  extraVars: Record<string, unknown>,
  magic: Record<string, unknown>,
): Record<string, unknown> {
  const vars = varsFor({
    host: session.host,
    magic,
    play,
    registered: session.registered,
    extraVars,
    facts: session.knownFacts,
  });
  return { ...vars, ...stackNamespace(play, vars) };
}
