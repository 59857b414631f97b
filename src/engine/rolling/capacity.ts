// The capacity floor: before a batch leaves, at least min_healthy OTHER nodes must be healthy and carrying
// traffic right now (asked live: /health, the announcer or keepalived, and every router the nodes peer with).
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

/** Pure: the verdict for a batch given its peers' states. */
export function capacityVerdict(peers: PeerState[], minHealthy: number): { ok: boolean; text: string } {
  const serving = peers.filter((p) => p.serving);
  const list = peers.map((p) => `${p.name}: ${p.why}`).join('; ');
  const text = `${serving.length} of ${peers.length} other node(s) serving, min_healthy ${minHealthy}${peers.length ? ` (${list})` : ''}`;
  return { ok: serving.length >= minHealthy, text };
}

export async function checkCapacity(self: NodeOps, others: NodeOps[], minHealthy: number): Promise<StepOutcome> {
  const { routers, vips, mode } = self.target;
  const hops = routers.length > 0 && vips.length > 0 && mode === 'bgp' ? await listedByAll(routers, vips) : null;
  const peers = await Promise.all(
    others.map(async (o) => {
      const probe = await o.probe(true).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      return judgePeer(o.target.name, probe, o.target.mode, hops ? hops.includes(o.target.address) : null);
    }),
  );
  const verdict = capacityVerdict(peers, minHealthy);
  if (!verdict.ok) throw new StepFailed('capacity', self.target.name, `capacity floor not met: ${verdict.text}`);
  return { status: 'ok', detail: verdict.text };
}

/** The next hops every router that answered lists for every VIP (null when none answered). */
async function listedByAll(routers: readonly RouterView[], vips: readonly string[]): Promise<string[] | null> {
  const lists = (await askRouters(routers, vips)).flatMap((a) => ('hops' in a ? [a.hops] : []));
  const [first, ...rest] = lists;
  return first ? first.filter((hop) => rest.every((l) => l.includes(hop))) : null;
}
