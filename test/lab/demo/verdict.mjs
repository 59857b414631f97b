// Step 4: the numbers. Builds the machine-readable verdict from what the steps measured, checks the claims, and
// formats it for people: the rolling restart and the naive one side by side, and the rolling per-node timeline.
import { PHASE_STEPS } from './roll.mjs';

/** The documented bound for a rolling restart under load: at most 2 failed requests per 20k (ECMP rehash). */
export function allowedFailures(requests) {
  return Math.max(2, Math.floor((2 * requests) / 20_000));
}

const PHASE_NAMES = {
  withdraw: 'withdrawn',
  drain: 'drained',
  work: 'restarted',
  health: 'healthy',
  announce: 'announced',
};
const sec = (ms) => Math.round(ms / 100) / 10;

function loadSummary(load, t0) {
  return {
    seconds: sec(load.elapsedMs),
    windows: load.windows,
    gapsMs: load.gapsMs,
    requests: load.requests,
    failed: load.failed,
    errors: load.errors,
    rps: load.rps,
    p99Ms: load.p99Ms,
    // Each second of the load that had failures: when it began (seconds since t0), how many, which kinds.
    failuresPerSecond: load.failedSeconds.map((b) => ({ at: sec(b.at - t0), failed: b.failed, errors: b.errors })),
  };
}

/** The load flowed from before the first node was touched until after the roll ended. */
function covered(load, firstTouchAt, endedAt) {
  return load.firstRequestAt <= firstTouchAt && load.endedAt >= endedAt;
}

function hopChanges(changes, t0) {
  return changes.map((c) => ({ at: sec(c.at - t0), hops: c.hops }));
}

/** Per node: when each phase was reached (seconds since the load started) and how long its step took. */
export function rollingTimeline(events, t0) {
  const hosts = [...new Set(events.filter((e) => e.type === 'rolling-step').map((e) => e.host))];
  return hosts.map((host) => {
    const steps = events.filter((e) => e.type === 'rolling-step' && e.host === host);
    const phases = {};
    for (const step of PHASE_STEPS) {
      const done = steps.find((e) => e.step === step && e.status === 'ok');
      if (done)
        phases[PHASE_NAMES[step]] = {
          at: sec(Date.parse(done.time) - t0),
          tookSeconds: sec(done.ms),
          detail: done.detail ?? null,
        };
    }
    const withdrawStart = steps.find((e) => e.step === 'withdraw' && e.status === 'start');
    const announced = phases.announced;
    const failed = steps.find((e) => e.status === 'failed');
    return {
      host,
      phases,
      // From the start of the withdraw to the verified re-announce: the node carried no new connections.
      outOfRotationSeconds:
        withdrawStart && announced
          ? sec(
              Date.parse(steps.find((e) => e.step === 'announce' && e.status === 'ok').time) -
                Date.parse(withdrawStart.time),
            )
          : null,
      ...(failed ? { failed: { step: failed.step, detail: failed.detail ?? null } } : {}),
    };
  });
}

function firstWithdrawAt(events) {
  const e = events.find((x) => x.type === 'rolling-step' && x.step === 'withdraw');
  return e ? Date.parse(e.time) : null;
}

function inOrder(node) {
  const times = Object.values(PHASE_NAMES).map((p) => node.phases[p]?.at);
  return times.every((t) => t !== undefined) && times.every((t, i) => i === 0 || t >= times[i - 1]);
}

export function buildVerdict({ lab, deploy, rolling, naive, timings }) {
  const hostNames = lab.hosts;
  const nodes = rollingTimeline(rolling.events, rolling.t0);
  const r = {
    exitCode: rolling.exitCode,
    rollSeconds: sec(rolling.endedAt - rolling.startedAt),
    load: loadSummary(rolling.load, rolling.t0),
    allowedFailures: allowedFailures(rolling.load.requests),
    loadCoveredRoll: covered(rolling.load, firstWithdrawAt(rolling.events) ?? rolling.startedAt, rolling.endedAt),
    nextHops: {
      before: rolling.hops[0]?.hops ?? [],
      after: rolling.hops.at(-1)?.hops ?? [],
      changes: hopChanges(rolling.hops, rolling.t0),
    },
    nodes,
  };
  const n = naive && {
    rollSeconds: sec(naive.endedAt - naive.startedAt),
    load: loadSummary(naive.load, naive.t0),
    loadCoveredRoll: covered(naive.load, naive.nodes[0]?.restartAt ?? naive.startedAt, naive.endedAt),
    nextHops: {
      before: naive.hops[0]?.hops ?? [],
      after: naive.hops.at(-1)?.hops ?? [],
      changes: hopChanges(naive.hops, naive.t0),
    },
    nodes: naive.nodes.map((x) => ({
      host: x.host,
      restartedAt: sec(x.restartedAt - naive.t0),
      restartTookSeconds: sec(x.restartedAt - x.restartAt),
      backAt: sec(x.backAt - naive.t0),
    })),
  };
  const checks = [
    { name: 'deploy succeeded', ok: deploy.exitCode === 0, detail: `exit ${deploy.exitCode}` },
    {
      name: 'the VIP has every host as a next hop after deploy',
      ok: deploy.allAnnounced,
      detail: deploy.nextHops.join(' ') || 'none',
    },
    { name: 'rolling-restart succeeded', ok: r.exitCode === 0, detail: `exit ${r.exitCode}` },
    {
      name: 'the load ran for the whole roll',
      ok: r.loadCoveredRoll,
      detail: `load ${r.load.seconds} s in ${r.load.windows} window(s), roll ${r.rollSeconds} s`,
    },
    {
      name: 'every node went withdrawn → drained → restarted → healthy → announced, in order',
      ok: hostNames.every((h) => nodes.some((x) => x.host === h && inOrder(x))),
      detail: hostNames.filter((h) => !nodes.some((x) => x.host === h && inOrder(x))).join(' ') || 'all nodes',
    },
    {
      name: 'every host is a next hop again after the roll',
      ok: r.nextHops.after.join() === hostNames.join(),
      detail: r.nextHops.after.join(' ') || 'none',
    },
  ];
  // Goals the project has not reached yet (issue 7): reported with their numbers, not part of the pass/fail verdict.
  // The router's hash-threshold ECMP resets in-flight connections at every next-hop change (withdraw and re-announce).
  const targets = [
    {
      name: `rolling-restart fails at most 2 per 20k requests (here ${r.allowedFailures} of ${r.load.requests})`,
      met: r.load.failed <= r.allowedFailures,
      detail: `${r.load.failed} failed`,
    },
    ...(n
      ? [
          {
            name: 'the naive restart fails more requests than rolling-restart',
            met: n.load.failed > r.load.failed,
            detail: `${n.load.failed} vs ${r.load.failed}`,
          },
        ]
      : []),
  ];
  return { ok: checks.every((c) => c.ok), lab, deploy, rolling: r, naive: n ?? null, checks, targets, timings };
}

const pad = (s, n) => String(s).padEnd(n);
const errorKinds = (errors) =>
  Object.entries(errors)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
const per20k = (l) => (l.requests ? ((l.failed * 20_000) / l.requests).toFixed(1) : '-');

/** Route changes as "lb01 out" / "lb01 in", each with its time. */
function routeEvents(changes) {
  const out = [];
  for (let i = 1; i < changes.length; i++) {
    const [before, after] = [changes[i - 1].hops, changes[i].hops];
    for (const h of before.filter((x) => !after.includes(x))) out.push({ at: changes[i].at, text: `${h} out` });
    for (const h of after.filter((x) => !before.includes(x))) out.push({ at: changes[i].at, text: `${h} in` });
  }
  return out;
}

/** The router's view and each second with failed requests, next to the route changes around it. */
function routerLines(roll) {
  const events = routeEvents(roll.nextHops.changes);
  const lines = [`  router: ${events.map((e) => `${e.at.toFixed(1)} ${e.text}`).join(', ') || 'no change'}`];
  for (const b of roll.load.failuresPerSecond) {
    const near = events
      .filter((e) => e.at >= b.at - 1 && e.at <= b.at + 2)
      .map((e) => `${e.text} at ${e.at.toFixed(1)}`);
    lines.push(
      `  failed ${String(b.failed).padStart(3)} in ${b.at.toFixed(1)}–${(b.at + 1).toFixed(1)} s (${errorKinds(b.errors)})${near.length ? `; router: ${near.join(', ')}` : ''}`,
    );
  }
  return lines;
}

/** The verdict for people: a few dozen lines. */
export function formatVerdict(v) {
  const lines = [];
  const r = v.rolling;
  const n = v.naive;
  const rows = [];
  const row = (label, a, b) => rows.push([label, String(a ?? ''), String(b ?? '')]);
  lines.push('', `VERDICT: ${v.ok ? 'PASS' : 'FAIL'}`, '');
  row('', 'ober-push rolling-restart', n ? 'naive restart (no withdraw)' : '');
  row('requests sent', r.load.requests, n?.load.requests);
  row(
    'failed',
    r.load.failed + (r.load.failed ? ` (${errorKinds(r.load.errors)})` : ''),
    n && n.load.failed + (n.load.failed ? ` (${errorKinds(n.load.errors)})` : ''),
  );
  row('failed per 20k', per20k(r.load), n && per20k(n.load));
  row('target', `at most ${r.allowedFailures} (2 per 20k, at least 2)`);
  row('roll took', `${r.rollSeconds} s`, n && `${n.rollSeconds} s`);
  const loadText = (l) => `${l.seconds} s, ${l.rps} req/s${l.windows > 1 ? `, ${l.windows} windows` : ''}`;
  row('load', loadText(r.load), n && loadText(n.load));
  row('p99 latency', `${r.load.p99Ms} ms`, n && `${n.load.p99Ms} ms`);
  row('next hops before', r.nextHops.before.join(' '), n?.nextHops.before.join(' '));
  row('next hops after', r.nextHops.after.join(' '), n?.nextHops.after.join(' '));
  const width = Math.max(...rows.map((x) => x[1].length)) + 3;
  for (const [label, a, b] of rows) lines.push(`  ${pad(label, 18)}${pad(a, width)}${b}`.trimEnd());
  const gaps = (name, l) =>
    l.windows > 1
      ? [
          `  ${name}: the load ran in ${l.windows} windows; between them (ms, negative = overlap): ${l.gapsMs.join(', ')}`,
        ]
      : [];
  lines.push(...gaps('rolling-restart', r.load), ...(n ? gaps('naive', n.load) : []));
  lines.push('', '  rolling-restart per node (seconds since the load started; the step took [ ])');
  lines.push(
    `  ${pad('', 6)}${['withdrawn', 'drained', 'restarted', 'healthy', 'announced'].map((p) => pad(p, 14)).join('')}out of rotation`,
  );
  for (const node of r.nodes) {
    const cells = Object.values(PHASE_NAMES).map((p) =>
      pad(node.phases[p] ? `${node.phases[p].at.toFixed(1)} [${node.phases[p].tookSeconds.toFixed(1)}]` : '—', 14),
    );
    lines.push(
      `  ${pad(node.host, 6)}${cells.join('')}${node.outOfRotationSeconds ?? '—'} s${node.failed ? `   FAILED at ${node.failed.step}: ${node.failed.detail}` : ''}`,
    );
  }
  lines.push(...routerLines(r));
  if (n) {
    lines.push('', '  naive restart per node');
    for (const node of n.nodes)
      lines.push(
        `  ${pad(node.host, 6)}restarted ${node.restartedAt.toFixed(1)} [${node.restartTookSeconds.toFixed(1)}], router lists it again at ${node.backAt.toFixed(1)}`,
      );
    lines.push(...routerLines(n));
  }
  const t = v.timings;
  lines.push(
    '',
    `  timings: lab up ${t.labUpSeconds} s, deploy ${v.deploy.seconds} s (announced after ${v.deploy.announcedAfterSeconds} s), rolling ${r.rollSeconds} s, naive ${n?.rollSeconds ?? '—'} s, total ${t.totalSeconds} s`,
  );
  lines.push('', '  checks:');
  for (const c of v.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  lines.push('', '  targets (reported):');
  for (const t of v.targets) lines.push(`  ${t.met ? 'met    ' : 'not met'}  ${t.name}: ${t.detail}`);
  return lines.join('\n');
}
