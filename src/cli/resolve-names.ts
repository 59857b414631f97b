// The whitelists' host names of a run, resolved on this workstation before any host is contacted: every layer that
// can set `whitelists` (inventory, group and host vars, play vars, -e) is scanned, so an error points at its line.
import { lookup } from 'node:dns/promises';
import type { Inventory } from '../inventory/types.js';
import { hostOwnVars, lookupLocation } from '../inventory/vars.js';
import type { Playbook } from '../playbook/types.js';
import {
  resolveWhitelistNames,
  whitelistNameUses,
  type LookupIPv4,
  type NameLayer,
  type ResolvedNames,
} from '../stack/whitelist-names.js';

/** The system resolver (getaddrinfo: /etc/hosts, DNS), IPv4 only, as HAProxy's `src` lists here are IPv4. */
export const systemLookup: LookupIPv4 = async (name) =>
  (await lookup(name, { all: true, family: 4 })).map((a) => a.address);

export function runNameLayers(
  inventory: Inventory,
  playbook: Playbook | null,
  extraVars: Readonly<Record<string, unknown>>,
): NameLayer[] {
  const scoped = (scope: string, layer: string, vars: Readonly<Record<string, unknown>>): NameLayer => ({
    layer,
    vars,
    locate: (path) => lookupLocation(inventory.varLocations, scope, path),
  });
  return [
    scoped('all', 'vars', inventory.vars),
    ...[...inventory.groups.values()]
      .filter((g) => g.name !== 'all') // its vars are the top-level `vars:`
      .map((g) => scoped(`group:${g.name}`, `groups.${g.name}.vars`, g.vars)),
    ...[...inventory.hosts.values()].map((h) =>
      scoped(`host:${h.name}`, `hosts.${h.name}.vars`, hostOwnVars(inventory, h)),
    ),
    ...(playbook?.plays ?? []).map((play, i) => ({
      layer: `[${i}].vars`,
      vars: play.vars,
      locate: () => play.location,
    })),
    { layer: '-e', vars: extraVars, locate: () => null },
  ];
}

export function resolveRunNames(
  inventory: Inventory,
  playbook: Playbook | null,
  extraVars: Readonly<Record<string, unknown>>,
  resolve: LookupIPv4 = systemLookup,
): Promise<ResolvedNames> {
  return resolveWhitelistNames(whitelistNameUses(runNameLayers(inventory, playbook, extraVars)), resolve);
}
