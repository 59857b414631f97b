// `doctor` at the routers: does each router forward every VIP to every node that announces it? A router's ECMP
// limit below the fleet size (BIRD's `merge paths` defaults to 16 next hops) silently leaves nodes without
// traffic; a next hop that is no announcing node is a stale route. Read-only: it only asks the RouterViews.
import type { RouterView } from '../engine/rolling/routers.js';
import type { DoctorCheck } from './doctor-checks.js';

/** A BGP node as doctor probed it: its next-hop address and the VIPs its announcer announces now (none when
 * withdrawn). */
export interface AnnouncingNode {
  host: string;
  address: string;
  vips: readonly string[];
}

export interface RouterReport {
  router: string;
  checks: DoctorCheck[];
}

const ECMP_FIX =
  'if the missing nodes have their BGP session to this router up, its ECMP width is below the fleet: ' +
  'BIRD `merge paths on limit N` in the kernel protocol (default 16), FRR `maximum-paths N` (ipv4 unicast)';

export async function routerChecks(
  routers: readonly RouterView[],
  nodes: readonly AnnouncingNode[],
): Promise<RouterReport[]> {
  const vips = [...new Set(nodes.flatMap((n) => n.vips))].sort();
  return Promise.all(
    routers.map(async (r) => ({
      router: r.name,
      checks: await Promise.all(vips.map((vip) => vipCheck(r, vip, nodes))),
    })),
  );
}

async function vipCheck(router: RouterView, vip: string, nodes: readonly AnnouncingNode[]): Promise<DoctorCheck> {
  const id = `ecmp ${vip}`;
  let hops: string[];
  try {
    hops = await router.nextHops(vip);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const level = router.optional ? 'warn' : 'fail';
    return { id, level, message: `could not be asked: ${why}`, fix: 'check the inventory entry' };
  }
  const announcing = nodes.filter((n) => n.vips.includes(vip));
  const missing = announcing.filter((n) => !hops.includes(n.address)).map((n) => n.host);
  const serving = new Set(announcing.map((n) => n.address));
  const nameOf = (hop: string) => nodes.find((n) => n.address === hop)?.host;
  const stale = hops.filter((h) => !serving.has(h)).map((h) => (nameOf(h) ? `${nameOf(h)} (not announcing)` : h));
  const width = `${hops.length} next hop(s) for ${announcing.length} announcing node(s)`;
  if (missing.length > 0)
    return { id, level: 'fail', message: `${width}; missing ${missing.join(', ')}`, fix: ECMP_FIX };
  if (stale.length > 0)
    return {
      id,
      level: 'warn',
      message: `${width}; also via ${stale.join(', ')} (a stale route?)`,
      fix: 'find what keeps it: a node outside this inventory, a static route on the router, a stuck session',
    };
  return { id, level: 'ok', message: `${width}, every one of them`, fix: '' };
}
