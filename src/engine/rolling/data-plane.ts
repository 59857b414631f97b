// The node's own traffic as the proof of a withdraw, whatever the router: nftables counts the new connections
// to the VIPs (templates/relay.nft.hbs, counter new_flows). Before the withdraw the engine measures their rate;
// after it, the step is verified once none has arrived for a quiet window long enough that, at that rate, a
// silence by chance is unlikely (about e^-10). After the re-announce, new connections must arrive again.
import { raw } from '../../core/shell.js';
import { StepFailed, type NodeOps } from './node-ops.js';
import type { DataPlaneProof } from './proof.js';
import { poll, sleep } from './wait.js';

const READ = raw('nft list counter ip ober_relay new_flows 2>/dev/null || echo none');
const RATE_WINDOW_MS = 250;
const POLL_MS = 20;

/** New connections per second before the withdraw; null when the node has no counter (deployed before it). */
export interface FlowRate {
  perSecond: number;
}

async function newFlows(ops: NodeOps): Promise<number | null> {
  const r = await ops.exec(READ, 10_000);
  const m = /packets (\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

/** The arrival rate over RATE_WINDOW_MS (a count, a wait for the window, a count). */
export async function measureFlowRate(ops: NodeOps): Promise<FlowRate | null> {
  const start = Date.now();
  const first = await newFlows(ops);
  if (first === null) return null;
  await sleep(Math.max(0, RATE_WINDOW_MS - (Date.now() - start)));
  const last = (await newFlows(ops)) ?? first;
  return { perSecond: ((last - first) * 1000) / Math.max(1, Date.now() - start) };
}

/** The counter at an instant (the withdraw or the re-announce): later reads compare against it. */
export interface FlowMark {
  at: number;
  count: number | null;
}

export async function markFlows(ops: NodeOps): Promise<FlowMark> {
  const at = Date.now();
  return { at, count: await newFlows(ops) };
}

/** No arrival by chance for 10 mean interarrival times at the measured rate; at least 100 ms, at most 3 s. */
export function quietWindowMs(perSecond: number): number {
  return Math.round(Math.min(3000, Math.max(100, 10_000 / perSecond)));
}

/** The step detail's words and the same as data. */
export interface DataPlaneVerdict {
  text: string;
  proof: DataPlaneProof;
}

const UNVERIFIABLE: DataPlaneVerdict = {
  text: 'data plane: unverifiable: no traffic before the withdraw',
  proof: { verdict: 'unverifiable', newPerSecond: 0 },
};

const perSecondText = (r: FlowRate) => `${Math.round(r.perSecond).toLocaleString('en-US')} new/s before`;

/**
 * After the withdraw (marked right after the withdraw file): verified once no new connection arrived for the
 * quiet window. An arrival is dated by the read that saw it, so "last new flow" is an upper bound.
 */
export async function quietAfterWithdraw(
  ops: NodeOps,
  rate: FlowRate | null,
  mark: FlowMark,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DataPlaneVerdict> {
  if (rate === null)
    return { text: 'data plane: no new-flow counter on the node (deploy to add it)', proof: { verdict: 'no-counter' } };
  if (rate.perSecond === 0) return UNVERIFIABLE;
  const window = quietWindowMs(rate.perSecond);
  const since = mark.at;
  let count = mark.count;
  let lastArrival = since;
  const r = await poll(
    async () => {
      const now = await newFlows(ops);
      if (now !== null && count !== null && now > count) lastArrival = Date.now();
      count = now;
      return Date.now() - lastArrival;
    },
    (quietMs) => quietMs >= window,
    { timeoutMs, intervalMs: POLL_MS, signal },
  );
  const last =
    lastArrival === since
      ? 'no new flow after the withdraw'
      : `last new flow ≤ ${lastArrival - since} ms after the withdraw`;
  if (!r.ok)
    throw new StepFailed(
      'withdraw',
      ops.target.name,
      `new connections still arrive ${Date.now() - since} ms after the withdraw (quiet window ${window} ms)`,
      `${perSecondText(rate)}; ${last}`,
    );
  return {
    text: `data plane: ${perSecondText(rate)}; ${last}; none in ${window} ms`,
    proof: {
      verdict: 'verified',
      newPerSecond: Math.round(rate.perSecond),
      lastFlowMs: lastArrival === since ? null : lastArrival - since,
      quietMs: window,
    },
  };
}

/** After the re-announce (marked right after the withdraw file went): verified once a new connection arrived. */
export async function flowsAfterAnnounce(
  ops: NodeOps,
  rate: FlowRate | null,
  mark: FlowMark,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DataPlaneVerdict> {
  if (rate === null) return { text: 'data plane: not measured', proof: { verdict: 'not-measured' } };
  if (rate.perSecond === 0) return UNVERIFIABLE;
  const since = mark.at;
  const first = mark.count;
  const r = await poll(
    () => newFlows(ops),
    (now) => now !== null && first !== null && now > first,
    { timeoutMs, intervalMs: POLL_MS, signal },
  );
  if (!r.ok)
    throw new StepFailed('announce', ops.target.name, `no new connection within ${timeoutMs} ms of the re-announce`);
  const againMs = Date.now() - since;
  return {
    text: `data plane: new flows again ≤ ${againMs} ms after the announce`,
    proof: { verdict: 'verified', newPerSecond: Math.round(rate.perSecond), againMs },
  };
}
