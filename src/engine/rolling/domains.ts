// Failure domains of a rolling play (`rolling.spread_by`): which domain each host is in (batches.ts spreads them),
// and the checks that need the hosts: every host has a domain, min_healthy_domains can be met at all. Run by
// planPlays before any connection, so a wrong spread is an input error (exit 2), never a stopped roll.
import { ConfigError, type ConfigIssue } from '../../core/errors.js';
import type { Host, Inventory } from '../../inventory/types.js';
import type { Play, RollingSpread, SpreadKey } from '../../playbook/types.js';
import { toSpreadBatches } from '../batches.js';

/** The PVE node a host's VM runs on (the key of the cold restart slots); by name alone, so two clusters with a
 * node of the same name count as one host: stricter, never looser. */
export function pveNodeOf(host: Host): string | undefined {
  return host.vm?.node;
}

/** A host's failure domain, or undefined when it has none (no vm binding; the variable unset or not a scalar). */
export function domainOf(host: Host, by: SpreadKey): string | undefined {
  if (by.kind === 'pve_node') return pveNodeOf(host);
  const value = host.vars[by.name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function describeSpread(by: SpreadKey): string {
  return by.kind === 'pve_node' ? 'pve_node' : `{ var: ${by.name} }`;
}

/** Each host's domain; the issues name every host without one (the roll cannot place it). */
export function domainsOf(
  hosts: readonly Host[],
  spread: RollingSpread,
  path: string,
): ConfigIssue[] | Map<string, string> {
  const domains = new Map<string, string>();
  const missing: Host[] = [];
  for (const host of hosts) {
    const domain = domainOf(host, spread.by);
    if (domain === undefined) missing.push(host);
    else domains.set(host.name, domain);
  }
  if (missing.length === 0) return domains;
  const why =
    spread.by.kind === 'pve_node'
      ? 'no vm: binding, so no PVE node (bind each to its VM, or give every host a variable and spread by { var: NAME })'
      : `no value for variable ${spread.by.name} (a string or a number, set in the inventory)`;
  const named = missing.map((h) => h.name);
  const shown = named.length > 5 ? [...named.slice(0, 5), `${named.length - 5} more`] : named;
  const message = `spread_by ${describeSpread(spread.by)}: ${shown.join(', ')} ${missing.length > 1 ? 'have' : 'has'} ${why}`;
  return [{ location: spread.at.spreadBy, path, message }];
}

/** The first batch after which fewer than `min` domains keep a node outside the batch (the floor can never hold). */
export function unreachableFloor(
  batches: readonly (readonly string[])[],
  domains: ReadonlyMap<string, string>,
  min: number,
): { index: number; kept: string[] } | null {
  for (const [index, batch] of batches.entries()) {
    const kept = new Set([...domains].filter(([h]) => !batch.includes(h)).map(([, d]) => d));
    if (kept.size < min) return { index, kept: [...kept].sort() };
  }
  return null;
}

/**
 * Plan-time: every rolling play with spread_by can place each host of its fleet (the rolled ones and the ones
 * --limit left out, whose domains the floor counts) and can meet its domain floor while each batch is out.
 */
export function checkRollingSpread(
  inventory: Inventory,
  planned: ReadonlyArray<{ play: Play; hosts: readonly string[]; fleet?: readonly string[] }>,
): void {
  const issues: ConfigIssue[] = [];
  for (const [playIndex, { play, hosts, fleet }] of planned.entries()) {
    const spec = play.rolling;
    if (!spec?.spread) continue;
    const spread = spec.spread;
    const known = (fleet ?? hosts).flatMap((h) => inventory.hosts.get(h) ?? []);
    const domains = domainsOf(known, spread, `[${playIndex}].rolling.spread_by`);
    if (Array.isArray(domains)) {
      issues.push(...domains);
      continue;
    }
    const min = spread.minHealthyDomains;
    if (min === undefined) continue;
    const rolled = hosts.filter((h) => inventory.hosts.has(h));
    const batches = toSpreadBatches(rolled, spec.serial, (h) => domains.get(h) ?? h);
    const gap = unreachableFloor(batches, domains, min);
    if (!gap) continue;
    const batch = batches[gap.index] ?? [];
    issues.push({
      location: spread.at.minHealthyDomains,
      path: `[${playIndex}].rolling.min_healthy_domains`,
      message:
        `min_healthy_domains ${min} can never be met: while batch ${gap.index + 1} (${batch.join(', ')}) is out, ` +
        `the play's other hosts are in ${gap.kept.length} domain(s)${gap.kept.length ? ` (${gap.kept.join(', ')})` : ''}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
