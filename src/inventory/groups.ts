// Groups: expand member ranges, check members and children exist, reject cycles, compute membership.
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { PathSegment } from '../config/key-path.js';
import { expandHostlist, HostRangeError } from './hostlist.js';
import type { Group } from './types.js';

export interface GroupDef {
  name: string;
  hosts: string[]; // as written: names or ranges
  children: string[];
  vars: Record<string, unknown>;
  location: SourceLocation | null;
  /** Location of a path below the group's entry, e.g. ["hosts", 2]. */
  locate(path: PathSegment[]): SourceLocation | null;
}

export interface ResolvedGroups {
  /** "all" first, then groups in definition order. */
  groups: Map<string, Group>;
  /** Host name -> every group it belongs to, directly or through children (without "all"). */
  membership: Map<string, string[]>;
  issues: ConfigIssue[];
}

export function resolveGroups(defs: readonly GroupDef[], hostNames: readonly string[]): ResolvedGroups {
  const issues: ConfigIssue[] = [];
  const known = new Set(hostNames);
  const byName = new Map(defs.map((d) => [d.name, d]));
  const groups = new Map<string, Group>();
  for (const def of defs) {
    const members: string[] = [];
    def.hosts.forEach((pattern, i) => {
      const location = def.locate(['hosts', i]);
      const path = `groups.${def.name}.hosts[${i}]`;
      let names: string[];
      try {
        names = expandHostlist(pattern);
      } catch (error) {
        if (!(error instanceof HostRangeError)) throw error;
        issues.push({ location, path, message: error.message });
        return;
      }
      for (const name of names) {
        if (known.has(name)) members.push(name);
        else issues.push({ location, path, message: `unknown host "${name}"${didYouMean(name, hostNames)}` });
      }
    });
    def.children.forEach((child, i) => {
      const location = def.locate(['children', i]);
      const path = `groups.${def.name}.children[${i}]`;
      if (child === 'all') issues.push({ location, path, message: 'group "all" cannot be a child of another group' });
      else if (!byName.has(child))
        issues.push({ location, path, message: `unknown group "${child}"${didYouMean(child, byName.keys())}` });
    });
    groups.set(def.name, {
      name: def.name,
      hosts: [...new Set(members)],
      children: [...def.children],
      vars: def.vars,
      location: def.location,
    });
  }
  issues.push(...findCycles(defs, byName));
  if (issues.length > 0) return { groups, membership: new Map(), issues };

  const hostsOf = memoizedMembers(groups);
  const membership = new Map<string, string[]>(hostNames.map((h) => [h, []]));
  for (const name of groups.keys()) for (const host of hostsOf(name)) membership.get(host)?.push(name);
  const isChild = new Set(defs.flatMap((d) => d.children));
  const all: Group = {
    name: 'all',
    hosts: [...hostNames],
    children: defs.map((d) => d.name).filter((n) => !isChild.has(n)),
    vars: {},
    location: null,
  };
  return { groups: new Map([['all', all], ...groups]), membership, issues };
}

/** Every cycle through `children`, reported once, at the child entry that closes it. */
function findCycles(defs: readonly GroupDef[], byName: ReadonlyMap<string, GroupDef>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    const def = byName.get(name);
    def?.children.forEach((child, i) => {
      if (!byName.has(child)) return;
      if (state.get(child) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(child)), child].join(' -> ');
        issues.push({
          location: def.locate(['children', i]),
          path: `groups.${name}.children[${i}]`,
          message: `group cycle: ${cycle}`,
        });
      } else if (!state.has(child)) {
        visit(child);
      }
    });
    stack.pop();
    state.set(name, 'done');
  };
  for (const def of defs) if (!state.has(def.name)) visit(def.name);
  return issues;
}

function memoizedMembers(groups: ReadonlyMap<string, Group>): (name: string) => Set<string> {
  const cache = new Map<string, Set<string>>();
  const hostsOf = (name: string): Set<string> => {
    const cached = cache.get(name);
    if (cached) return cached;
    const group = groups.get(name);
    const result = new Set(group?.hosts ?? []);
    for (const child of group?.children ?? []) for (const h of hostsOf(child)) result.add(h);
    cache.set(name, result);
    return result;
  };
  return hostsOf;
}
