// What the rolling engine needs to know about one node: where its stack's files are, how it is taken out of
// service (BGP withdraw, VRRP hand-off or nothing) and the routers to ask about it.
import type { RollingSpec } from '../../playbook/types.js';
import { DEFAULT_PATHS, type StackPaths } from '../../stack/paths.js';
import { stackContextFromVars } from '../../stack/from-vars.js';
import { NO_ROUTERS, type RouterLookup, type RouterView } from './routers.js';

export type DrainMode = 'bgp' | 'vrrp' | 'none';

export interface RollTarget {
  name: string;
  /** The node's address: the next hop the routers list while it announces. */
  address: string;
  mode: DrainMode;
  statsPort: number;
  vips: string[];
  paths: StackPaths;
  /** The routers that must stop (withdraw) or start (announce) listing this node; empty when none is known. */
  routers: readonly RouterView[];
  /** Frontend names that carry client traffic (the drain counts their sessions). */
  frontends: string[];
}

/** The drain mode: `none` stays none; otherwise the host's ha_mode decides (keepalived nodes hand VIPs off). */
export function drainModeFor(spec: RollingSpec['drain'], haMode: unknown): DrainMode {
  if (spec === 'none') return 'none';
  return haMode === 'keepalived' ? 'vrrp' : 'bgp';
}

/** Vars without frontends or backends describe no stack: a plain host, with the default paths. */
function describesStack(vars: Readonly<Record<string, unknown>>): boolean {
  return vars['frontends'] !== undefined || vars['backends'] !== undefined;
}

/**
 * Build the target from a host's merged variables: the stack context where they describe a stack (its errors
 * propagate: the inventory was validated, so one here is a bug to see), the documented defaults otherwise.
 */
export function targetFromVars(
  name: string,
  address: string,
  vars: Readonly<Record<string, unknown>>,
  drain: RollingSpec['drain'],
  routers: RouterLookup = NO_ROUTERS,
): RollTarget {
  const mode = drainModeFor(drain, vars['ha_mode']);
  const statsPort = typeof vars['stats_port'] === 'number' ? vars['stats_port'] : 8404;
  const base = { name, address, mode, routers: routers(vars) };
  if (!describesStack(vars)) {
    const vips = Array.isArray(vars['vips']) ? vars['vips'].filter((v): v is string => typeof v === 'string') : [];
    return { ...base, statsPort, vips, paths: DEFAULT_PATHS, frontends: [] };
  }
  const ober = stackContextFromVars(vars);
  return {
    ...base,
    statsPort: ober.statsPort,
    vips: ober.vips,
    paths: ober.paths,
    frontends: ober.frontends.map((f) => f.name),
  };
}
