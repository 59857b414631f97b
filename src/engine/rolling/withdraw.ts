// Taking a node out of service and bringing it back, each verified where the traffic is decided.
// Out (BGP): HAProxy's drain switch first (keep-alive clients get "Connection: close" and leave gracefully), then
// the withdraw file + SIGHUP to the announcer; verified by announcer.json (withdrawn by the operator) and by
// every router the node peers with no longer listing it as a next hop, and by the node's own traffic: no new
// connection arriving any more (data-plane.ts).
// Out (VRRP): drain switch, withdraw file (keepalived's track_file drops the priority below every backup);
// verified by a peer holding each VIP this node held and this node holding none.
// Back: remove the withdraw file + SIGHUP; verified by the announcer, the routers and new connections arriving
// again (BGP), or the VIPs (VRRP).
import type { NodeOps, StepOutcome } from './node-ops.js';
import { flowsAfterAnnounce, markFlows, measureFlowRate, quietAfterWithdraw, type FlowRate } from './data-plane.js';
import { mustExec, StepFailed } from './node-ops.js';
import { announceScript, setDrainScript, withdrawScript } from './remote-files.js';
import { askRouters, describeAnswers, routersAgree, routersDisagreeing } from './routers.js';
import type { RouterProof } from './proof.js';
import { poll, type PollOptions } from './wait.js';

/** Said in the step detail when the inventory names no router: the announcer is all the evidence there is. */
const NO_ROUTER = '; no router in the inventory: not verified at a router';

export interface WithdrawOptions {
  peers: NodeOps[];
  verifyTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface WithdrawOutcome extends StepOutcome {
  vipsHeld: string[];
  /** BGP: the new-connection rate measured just before (the re-announce checks flows arrive again). */
  flowRate: FlowRate | null;
}

export async function withdraw(ops: NodeOps, o: WithdrawOptions): Promise<WithdrawOutcome> {
  const t = ops.target;
  if (t.mode === 'none') return { status: 'skipped', detail: 'drain: none', vipsHeld: [], flowRate: null };
  const before = await ops.probe(true);
  const flowRate = t.mode === 'bgp' ? await measureFlowRate(ops) : null;
  await mustExec(ops, 'withdraw', 'setting the HAProxy drain switch', setDrainScript(t.paths.statsSocket, true));
  await mustExec(ops, 'withdraw', 'creating the withdraw file', withdrawScript(t.paths));
  const withdrawn = flowRate ? await markFlows(ops) : { at: Date.now(), count: null };
  const poll_ = { timeoutMs: o.verifyTimeoutMs, intervalMs: 20, signal: o.signal };
  if (t.mode === 'bgp') {
    const said = await poll(
      () => ops.probe(true),
      (p) => p.announcer?.state === 'withdrawn' && p.announcer.reason === 'operator',
      { ...poll_, intervalMs: 50 },
    );
    if (!said.ok)
      throw new StepFailed(
        'withdraw',
        t.name,
        `the announcer did not report "withdrawn" within ${o.verifyTimeoutMs} ms`,
        `announcer: ${JSON.stringify(said.last?.announcer ?? null)}`,
      );
    const routers = await routersSettle(ops, false, poll_, said.ms);
    const dataPlane = await quietAfterWithdraw(ops, flowRate, withdrawn, o.verifyTimeoutMs, o.signal);
    const detail = `announcer withdrawn after ${said.ms} ms${routers.text}; ${dataPlane.text}`;
    const proof = { routers: routers.proof, dataPlane: dataPlane.proof };
    return { status: 'ok', detail, proof, vipsHeld: before.vipsHeld, flowRate };
  }
  // VRRP: every VIP this node held must now be on a peer, and none on this node.
  const held = before.vipsHeld;
  const moved = await poll(
    async () => {
      const [self, ...peers] = await Promise.all([ops.probe(true), ...o.peers.map((p) => p.probe(true))]);
      return { self: self.vipsHeld, peers: peers.flatMap((p) => p.vipsHeld) };
    },
    (s) => s.self.length === 0 && held.every((vip) => s.peers.includes(vip)),
    { ...poll_, intervalMs: 50 },
  );
  if (!moved.ok)
    throw new StepFailed(
      'withdraw',
      t.name,
      `VIPs did not move to a peer within ${o.verifyTimeoutMs} ms`,
      `still here: ${moved.last?.self.join(', ') || 'none'}; on peers: ${moved.last?.peers.join(', ') || 'none'}`,
    );
  return {
    status: 'ok',
    detail: `VIPs ${held.join(', ') || '(none held)'} on peers after ${moved.ms} ms`,
    vipsHeld: held,
    flowRate,
  };
}

export interface AnnounceOptions {
  /** VRRP: the VIPs the node held before it left (it takes them back: preempt). */
  vipsHeld: string[];
  /** BGP: the rate the withdraw measured (null: not measured, e.g. restore); new flows must arrive again. */
  flowRate: FlowRate | null;
  verifyTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

export async function announce(ops: NodeOps, o: AnnounceOptions): Promise<StepOutcome> {
  const t = ops.target;
  if (t.mode === 'none') return { status: 'skipped', detail: 'drain: none' };
  await mustExec(ops, 'announce', 'removing the withdraw file', announceScript(t.paths));
  const announced = o.flowRate ? await markFlows(ops) : { at: Date.now(), count: null };
  const poll_ = { timeoutMs: o.verifyTimeoutMs, intervalMs: 50, signal: o.signal };
  if (t.mode === 'bgp') {
    const said = await poll(
      () => ops.probe(true),
      (p) => p.announcer?.state === 'announced',
      poll_,
    );
    if (!said.ok)
      throw new StepFailed(
        'announce',
        t.name,
        `the announcer did not report "announced" within ${o.verifyTimeoutMs} ms`,
        `announcer: ${JSON.stringify(said.last?.announcer ?? null)}`,
      );
    const routers = await routersSettle(ops, true, { ...poll_, intervalMs: 20 }, said.ms);
    const dataPlane = await flowsAfterAnnounce(ops, o.flowRate, announced, o.verifyTimeoutMs, o.signal);
    const detail = `announcer announced after ${said.ms} ms${routers.text}; ${dataPlane.text}`;
    return { status: 'ok', detail, proof: { routers: routers.proof, dataPlane: dataPlane.proof } };
  }
  const back = await poll(
    () => ops.probe(true),
    (p) => o.vipsHeld.every((v) => p.vipsHeld.includes(v)),
    poll_,
  );
  if (!back.ok)
    throw new StepFailed(
      'announce',
      t.name,
      `the node did not take its VIPs ${o.vipsHeld.join(', ')} back within ${o.verifyTimeoutMs} ms`,
    );
  return { status: 'ok', detail: `VIPs ${o.vipsHeld.join(', ') || '(none)'} back after ${back.ms} ms` };
}

/**
 * Wait until every router lists the node (`listed`) or none does; the step fails at the deadline. The text
 * starts with "; " (it follows the announcer's words in the detail).
 */
async function routersSettle(
  ops: NodeOps,
  listed: boolean,
  o: PollOptions,
  sinceMs: number,
): Promise<{ text: string; proof: RouterProof }> {
  const t = ops.target;
  if (t.routers.length === 0) return { text: NO_ROUTER, proof: { verdict: 'no-routers', asked: [], skipped: [] } };
  const step = listed ? 'announce' : 'withdraw';
  const r = await poll(
    () => askRouters(t.routers, t.vips),
    (answers) => routersAgree(answers, t.address, listed),
    o,
  );
  if (!r.ok) {
    const still = listed ? 'does not list' : 'still lists';
    const which = (r.last ? routersDisagreeing(r.last, t.address, listed) : t.routers.map((x) => x.name)).join(', ');
    throw new StepFailed(step, t.name, `router ${which} ${still} ${t.address} after ${o.timeoutMs} ms`, r.error);
  }
  const { asked, skipped, skippedNote } = describeAnswers(r.value);
  if (asked.length === 0)
    return { text: `; no router could be asked${skippedNote}`, proof: { verdict: 'none-asked', asked, skipped } };
  const one = asked.length === 1;
  const who = `${one ? 'router' : 'routers'} ${asked.join(', ')}`;
  const verb = listed ? (one ? 'lists' : 'list') : 'dropped';
  const ms = sinceMs + r.ms;
  return {
    text: `; ${who} ${verb} ${t.address} after ${ms} ms${skippedNote}`,
    proof: { verdict: 'verified', asked, skipped, ms },
  };
}
