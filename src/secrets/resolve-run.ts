// Resolves the references of a run's inputs (inventory vars, play vars) before anything reads them.
import { dirname } from 'node:path';
import type { Inventory } from '../inventory/types.js';
import { groupsByPrecedence, hostOwnVars, lookupLocation, mergeVars } from '../inventory/vars.js';
import type { Playbook } from '../playbook/types.js';
import type { SecretResolver } from './references.js';

/** A copy of the inventory with every variable reference replaced (every layer, then each host re-merged). */
export function resolveInventorySecrets(inventory: Inventory, resolver: SecretResolver): Inventory {
  const baseDir = dirname(inventory.files[0] ?? '.');
  const scope = (key: string, name: string) => ({
    name,
    baseDir,
    locate: (path: Parameters<typeof lookupLocation>[2]) => lookupLocation(inventory.varLocations, key, path),
  });
  const vars = resolver.resolveVars(inventory.vars, scope('all', 'vars'));
  const groups = new Map(inventory.groups);
  for (const [name, group] of inventory.groups) {
    const resolved =
      name === 'all' ? vars : resolver.resolveVars(group.vars, scope(`group:${name}`, `groups.${name}.vars`));
    groups.set(name, { ...group, vars: resolved });
  }
  const resolvedInventory: Inventory = { ...inventory, vars, groups, hosts: new Map() };
  for (const [name, host] of inventory.hosts) {
    const own = resolver.resolveVars(hostOwnVars(inventory, host), scope(`host:${name}`, `hosts.${name}.vars`));
    const groupVars = groupsByPrecedence(inventory, host).map((g) => groups.get(g)?.vars);
    resolvedInventory.hosts.set(name, { ...host, vars: mergeVars(vars, ...groupVars, own) });
  }
  return resolvedInventory;
}

/** A copy of the playbook with each play's vars resolved; `{ file: }` paths are relative to the playbook. */
export function resolvePlaybookSecrets(playbook: Playbook, resolver: SecretResolver): Playbook {
  const baseDir = dirname(playbook.file);
  return {
    ...playbook,
    plays: playbook.plays.map((play, i) => ({
      ...play,
      vars: resolver.resolveVars(play.vars, { name: `[${i}].vars`, baseDir, locate: () => play.location }),
    })),
  };
}
