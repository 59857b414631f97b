// The relay table's counters on every BGP node (templates/relay.nft.hbs): `strays` (packets of flows the node
// does not know, relayed copies excluded) and `resets` (TCP resets it sends from the VIPs' frontends). The relay
// is disarmed only once no stray has arrived anywhere for a quiet window, and each node's roll reports the
// strays and resets the fleet counted while it was out (its loss budget).
import { raw } from '../../core/shell.js';
import type { NodeOps } from './node-ops.js';
import { sleep } from './wait.js';

const READ = raw(
  'for c in strays resets; do printf "%s " "$c"; nft list counter ip ober_relay "$c" 2>/dev/null ' +
    "| sed -n 's/.*packets \\([0-9]*\\).*/\\1/p' | grep . || echo none; done",
);
const POLL_MS = 50;

export interface RelayCounters {
  strays: number;
  resets: number;
}

/** The counters of one node; null when its relay table has none (deployed before them) or it cannot be read. */
export async function readRelayCounters(ops: NodeOps): Promise<RelayCounters | null> {
  const r = await ops.exec(READ, 10_000).catch(() => null);
  const strays = /^strays (\d+)$/m.exec(r?.stdout ?? '');
  const resets = /^resets (\d+)$/m.exec(r?.stdout ?? '');
  return strays && resets ? { strays: Number(strays[1]), resets: Number(resets[1]) } : null;
}

/** Every BGP node's counters, by node name (nodes without counters left out). */
export async function fleetCounters(fleet: readonly NodeOps[]): Promise<Map<string, RelayCounters>> {
  const bgp = fleet.filter((n) => n.target.mode === 'bgp');
  const read = await Promise.all(bgp.map(async (n) => [n.target.name, await readRelayCounters(n)] as const));
  return new Map(read.flatMap(([name, c]) => (c ? [[name, c] as const] : [])));
}

/** The fleet's sums since `before` (nodes missing on either side count nothing). */
export function countedSince(before: Map<string, RelayCounters>, after: Map<string, RelayCounters>): RelayCounters {
  let strays = 0;
  let resets = 0;
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) continue;
    strays += Math.max(0, a.strays - b.strays);
    resets += Math.max(0, a.resets - b.resets);
  }
  return { strays, resets };
}

export interface StraysQuiet {
  quiet: boolean;
  /** How long the wait took. */
  ms: number;
  /** Strays counted during the wait. */
  strays: number;
}

/** A reading of the fleet's counters and when it was taken. */
export interface CountersAt {
  at: number;
  counters: Map<string, RelayCounters>;
}

export async function readFleetAt(fleet: readonly NodeOps[]): Promise<CountersAt> {
  const at = Date.now();
  return { at, counters: await fleetCounters(fleet) };
}

/**
 * Wait until no node counted a stray for `windowMs` (or `capMs` passed). The connections a next-hop change moved
 * keep sending strays until they close; while they do, the relay must stay armed or they are reset. With
 * `since`, the quiet time counts from that reading when nothing changed after it (settle waited already).
 */
export async function waitStraysQuiet(
  fleet: readonly NodeOps[],
  windowMs: number,
  capMs: number,
  signal?: AbortSignal,
  since?: CountersAt,
): Promise<StraysQuiet> {
  const started = Date.now();
  const first = await fleetCounters(fleet);
  if (first.size === 0) return { quiet: true, ms: 0, strays: 0 };
  let last = first;
  let lastChange = since && countedSince(since.counters, first).strays === 0 ? since.at : started;
  for (;;) {
    const now = Date.now();
    if (now - lastChange >= windowMs)
      return { quiet: true, ms: now - started, strays: countedSince(first, last).strays };
    if (now - started >= capMs || signal?.aborted)
      return { quiet: false, ms: now - started, strays: countedSince(first, last).strays };
    await sleep(POLL_MS);
    const next = await fleetCounters(fleet);
    if (countedSince(last, next).strays > 0) lastChange = Date.now();
    last = next;
  }
}
