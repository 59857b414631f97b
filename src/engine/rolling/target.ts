// What the rolling engine needs to know about one node: where its stack's files are, how it is taken out of
// service (BGP withdraw, VRRP hand-off or nothing) and, where the inventory names one, the router to ask.
import type { RollingSpec } from '../../playbook/types.js';
import { DEFAULT_PATHS, type StackPaths } from '../../stack/paths.js';
import { stackContextFromVars } from '../../stack/from-vars.js';

export type DrainMode = 'bgp' | 'vrrp' | 'none';

export interface RouterRef {
  /** Network namespace of the router (the lab's); the kernel route is read with `ip -n`. */
  netns: string;
  birdcSocket?: string;
}

export interface RollTarget {
  name: string;
  /** The node's address: the next hop the router lists while it announces. */
  address: string;
  mode: DrainMode;
  statsPort: number;
  vips: string[];
  paths: StackPaths;
  router: RouterRef | null;
  /** Frontend names that carry client traffic (the drain counts their sessions). */
  frontends: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The drain mode: `none` stays none; otherwise the host's ha_mode decides (keepalived nodes hand VIPs off). */
export function drainModeFor(spec: RollingSpec['drain'], haMode: unknown): DrainMode {
  if (spec === 'none') return 'none';
  return haMode === 'keepalived' ? 'vrrp' : 'bgp';
}

export function routerFromVars(vars: Readonly<Record<string, unknown>>): RouterRef | null {
  const r = vars['lab_router'];
  if (!isRecord(r) || typeof r['netns'] !== 'string') return null;
  return { netns: r['netns'], ...(typeof r['birdc_socket'] === 'string' ? { birdcSocket: r['birdc_socket'] } : {}) };
}

/** Build the target from a host's merged variables (stack context when the vars derive one, defaults otherwise). */
export function targetFromVars(
  name: string,
  address: string,
  vars: Readonly<Record<string, unknown>>,
  drain: RollingSpec['drain'],
): RollTarget {
  const router = routerFromVars(vars);
  const mode = drainModeFor(drain, vars['ha_mode']);
  try {
    const ober = stackContextFromVars(vars);
    return {
      name,
      address,
      mode,
      statsPort: ober.statsPort,
      vips: ober.vips,
      paths: ober.paths,
      router,
      frontends: ober.frontends.map((f) => f.name),
    };
  } catch {
    // Not a full stack inventory (tests, partial vars): the documented defaults.
    const statsPort = typeof vars['stats_port'] === 'number' ? vars['stats_port'] : 8404;
    const vips = Array.isArray(vars['vips']) ? vars['vips'].filter((v): v is string => typeof v === 'string') : [];
    return { name, address, mode, statsPort, vips, paths: DEFAULT_PATHS, router, frontends: [] };
  }
}
