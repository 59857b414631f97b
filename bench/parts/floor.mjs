// The floor: what the round trips alone cost. Two measures, both over the lab's ProxyCommand path:
//  - ssh floor (as specified): median wall time of a parallel `ssh host true` to every host (system ssh,
//    ControlMaster off, a fresh connection each) × the round trips ober-push's plan needed per host;
//  - transport floor: ober-push's own transport without the engine: connect all, then the same number of
//    sequential `true` execs per host (persistent connections, the floor ober-push's design can approach).
// Round trips are counted from the workload runs (ssh2 exec channels per host, bench/lib/count-execs.mjs).
import { BENCH } from '../lib/paths.mjs';
import { writeOberInventory } from '../lib/inventories.mjs';
import { mustSucceed, runTimed } from '../lib/run-timed.mjs';
import { ratio, summarize } from '../lib/stats.mjs';
import { sshFanOut } from '../lib/tools.mjs';

export async function floor({ state, results, log, quick }) {
  const reps = quick ? 3 : 5;
  const fanOut = [];
  for (let i = 0; i < reps; i++) fanOut.push((await sshFanOut(state, 'true')).wallMs);
  const fan = summarize(fanOut);
  log(`ssh fan-out (${state.hosts.length} hosts, ssh true): median ${fan.median} ms`);
  const inventory = writeOberInventory(state, 'floor', {});
  const rows = [];
  for (const [workload, r] of Object.entries({ site: results.site, tasks20: results.tasks20, stack: results.stack })) {
    if (!r?.execs) continue;
    for (const phase of ['first', 'rerun']) {
      const roundTrips = r.execs[phase]?.maxPerHost;
      if (!roundTrips) continue;
      const oberMs = r.timings[phase === 'first' ? 'oberFirst' : 'oberRerun'].median;
      const tf = JSON.parse(
        mustSucceed(
          await runTimed(process.execPath, [`${BENCH}lib/transport-floor.mjs`, inventory, String(roundTrips)]),
          'transport floor',
        ).stdout,
      );
      const sshFloorMs = fan.median * roundTrips;
      rows.push({
        ...(r.measuredAt && !results.thisRun?.includes(workload)
          ? { note: `(${workload} timed in an earlier run, ${r.measuredAt})` }
          : {}),
        workload,
        phase,
        roundTripsPerHost: roundTrips,
        connections: r.execs[phase].connections,
        oberMs,
        sshFloorMs: Math.round(sshFloorMs),
        oberVsSshFloor: ratio(oberMs, sshFloorMs),
        transportFloorMs: tf.totalMs,
        transportConnectMs: tf.firstExecMs,
        oberVsTransportFloor: ratio(oberMs, tf.totalMs),
      });
      log(
        `floor ${workload}/${phase}: ${roundTrips} round trips/host, ssh floor ${Math.round(sshFloorMs)} ms, transport floor ${tf.totalMs} ms, ober-push ${oberMs} ms`,
      );
    }
  }
  return { sshFanOutMs: fan, rows };
}
