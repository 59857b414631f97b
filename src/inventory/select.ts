// Host patterns for --limit and a play's `hosts:`: names, groups, globs, ranges, "!" excludes, "&" intersects.
import { ConfigError, UsageError, type SourceLocation } from '../core/errors.js';
import { expandHostlist, hasRange, HostRangeError } from './hostlist.js';
import type { Inventory } from './types.js';

/** Where a pattern came from: a play's `hosts:` (ConfigError at that location); absent means --limit (UsageError). */
export interface PatternOrigin {
  location: SourceLocation | null;
  path: string;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** Host names one term matches: all / *, a group, a host, a glob over hosts and groups, or a range. */
function matchTerm(inventory: Inventory, term: string): Set<string> {
  const all = [...inventory.hosts.keys()];
  if (term === 'all' || term === '*') return new Set(all);
  const group = inventory.groups.get(term);
  if (group) return new Set(membersOf(inventory, term));
  if (inventory.hosts.has(term)) return new Set([term]);
  if (hasRange(term)) return new Set(expandHostlist(term).filter((name) => inventory.hosts.has(name)));
  if (term.includes('*') || term.includes('?')) {
    const re = globToRegExp(term);
    const matched = new Set(all.filter((name) => re.test(name)));
    for (const name of inventory.groups.keys())
      if (re.test(name)) for (const h of membersOf(inventory, name)) matched.add(h);
    return matched;
  }
  return new Set();
}

/** Hosts of a group, through its children. */
function membersOf(inventory: Inventory, groupName: string): string[] {
  if (groupName === 'all') return [...inventory.hosts.keys()];
  return [...inventory.hosts.values()].filter((h) => h.groups.includes(groupName)).map((h) => h.name);
}

/**
 * Selects hosts by pattern; the result is in inventory order. Terms are separated by "," or ":".
 * Plain terms are unioned, then "&" terms intersect, then "!" terms exclude. A plain or "&" term that
 * matches nothing is an error (a typo must not silently shrink a deploy); so is an empty result.
 */
export function selectHosts(inventory: Inventory, pattern: string, origin?: PatternOrigin): string[] {
  // Names the failing term when the pattern has several: "--limit 'lb01,lb9*': 'lb9*' matches no host".
  const fail = (detail: string, term: string): never => {
    if (origin) throw ConfigError.single(origin.location, origin.path, `'${term}' ${detail}`);
    const head = `--limit '${pattern}'`;
    throw new UsageError(term === pattern ? `${head} ${detail}` : `${head}: '${term}' ${detail}`);
  };
  const terms = pattern
    .split(/[,:]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (terms.length === 0) fail('is an empty host pattern', pattern);
  const include = new Set<string>();
  const intersections: Set<string>[] = [];
  const excludes = new Set<string>();
  for (const term of terms) {
    const op = term[0] === '!' || term[0] === '&' ? term[0] : '';
    const body = op === '' ? term : term.slice(1).trim();
    let matched: Set<string>;
    try {
      matched = matchTerm(inventory, body);
    } catch (error) {
      if (error instanceof HostRangeError) {
        if (origin) throw ConfigError.single(origin.location, origin.path, error.message);
        throw new UsageError(`--limit '${pattern}': ${error.message}`);
      }
      throw error;
    }
    if (op === '!') {
      for (const h of matched) excludes.add(h);
      continue;
    }
    if (matched.size === 0) fail('matches no host', terms.length === 1 ? pattern : term);
    if (op === '&') intersections.push(matched);
    else for (const h of matched) include.add(h);
  }
  // A pattern made only of "&"/"!" terms starts from all hosts.
  if (include.size === 0) for (const h of inventory.hosts.keys()) include.add(h);
  const selected = [...inventory.hosts.keys()].filter(
    (h) => include.has(h) && intersections.every((s) => s.has(h)) && !excludes.has(h),
  );
  if (selected.length === 0) fail('leaves no host', pattern);
  return selected;
}
