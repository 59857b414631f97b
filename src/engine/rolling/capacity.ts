// The capacity floor: before a batch leaves, at least min_healthy OTHER nodes must be healthy and carrying
// traffic right now (asked live: /health, the announcer or keepalived, and every router the nodes peer with),
// and with min_healthy_domains those serving nodes must be in at least that many failure domains.
import type { NodeProbe } from './node-probe.js';
import { isServing } from './node-probe.js';
import type { NodeOps, StepOutcome } from './node-ops.js';
import { StepFailed } from './node-ops.js';
import { askRouters, type RouterView } from './routers.js';

export interface PeerState {
  name: string;
  serving: boolean;
  why: string;
}

export function judgePeer(
  name: string,
  probe: NodeProbe | Error,
  mode: NodeOps['target']['mode'],
  routed: boolean | null,
): PeerState {
  if (probe instanceof Error) return { name, serving: false, why: `unreachable: ${probe.message}` };
  if (!isServing(probe, mode)) {
    const why = probe.withdrawnFile
      ? 'withdrawn'
      : probe.health !== 200
        ? `/health ${probe.health || 'no answer'}`
        : mode === 'bgp'
          ? `announcer ${probe.announcer?.state ?? 'unknown'}, BGP sessions ${probe.bgpEstablished}`
          : `keepalived ${probe.units.keepalived}`;
    return { name, serving: false, why };
  }
  if (routed === false) return { name, serving: false, why: 'not a next hop at the router' };
  return { name, serving: true, why: 'serving' };
}

/** What must still serve while a batch is out: nodes, and with spread_by the domains they are in. */
export interface CapacityFloor {
  minHealthy: number;
  /** Each node's failure domain (spread_by); with minDomains, the serving peers must span that many. */
  domains?: ReadonlyMap<string, string>;
  minDomains?: number;
}

/** Pure: the verdict for a batch given its peers' states. */
export function capacityVerdict(peers: PeerState[], floor: CapacityFloor): { ok: boolean; text: string } {
  const serving = peers.filter((p) => p.serving);
  const list = peers.map((p) => `${p.name}: ${p.why}`).join('; ');
  const nodes = `${serving.length} of ${peers.length} other node(s) serving, min_healthy ${floor.minHealthy}`;
  const domains = domainVerdict(serving, floor);
  const text = `${nodes}${domains ? `; ${domains.text}` : ''}${peers.length ? ` (${list})` : ''}`;
  return { ok: serving.length >= floor.minHealthy && (domains?.ok ?? true), text };
}

/** The domains the serving peers span against min_healthy_domains (null without a domain floor). */
function domainVerdict(serving: PeerState[], floor: CapacityFloor): { ok: boolean; text: string } | null {
  if (!floor.domains || floor.minDomains === undefined) return null;
  const domains = floor.domains;
  const spanned = [...new Set(serving.flatMap((p) => domains.get(p.name) ?? []))].sort();
  return {
    ok: spanned.length >= floor.minDomains,
    text: `${spanned.length} domain(s) serving [${spanned.join(', ')}], min_healthy_domains ${floor.minDomains}`,
  };
}

export async function checkCapacity(self: NodeOps, others: NodeOps[], floor: CapacityFloor): Promise<StepOutcome> {
  const { routers, vips, mode } = self.target;
  const hops = routers.length > 0 && vips.length > 0 && mode === 'bgp' ? await listedByAll(routers, vips) : null;
  const peers = await Promise.all(
    others.map(async (o) => {
      const probe = await o.probe(true).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      return judgePeer(o.target.name, probe, o.target.mode, hops ? hops.includes(o.target.address) : null);
    }),
  );
  const verdict = capacityVerdict(peers, floor);
  if (!verdict.ok) throw new StepFailed('capacity', self.target.name, `capacity floor not met: ${verdict.text}`);
  return { status: 'ok', detail: verdict.text };
}

/** The next hops every router that answered lists for every VIP (null when none answered). */
async function listedByAll(routers: readonly RouterView[], vips: readonly string[]): Promise<string[] | null> {
  const lists = (await askRouters(routers, vips)).flatMap((a) => ('hops' in a ? [a.hops] : []));
  const [first, ...rest] = lists;
  return first ? first.filter((hop) => rest.every((l) => l.includes(hop))) : null;
}
