// A/B runner for one lab workload: per round, reset → tool's first run → its idempotent re-run, for ober-push
// and Ansible in alternating order (round 0: ober-push first), so drift in machine load hits both.
import { summarize, ratio } from '../lib/stats.mjs';

/**
 * @param {{rounds:number, log:Function, reset:() => Promise<void>, ober:() => Promise<any>, ansible:() => Promise<any>}} p
 */
export async function abRounds({ name, rounds, log, reset, ober, ansible }) {
  const t = { oberFirst: [], oberRerun: [], ansibleFirst: [], ansibleRerun: [] };
  const checks = { ober: [], ansible: [] };
  let execs = null;
  let peakRssMb = 0;
  const runOber = async () => {
    await reset();
    const first = await ober();
    const rerun = await ober();
    t.oberFirst.push(first.wallMs);
    t.oberRerun.push(rerun.wallMs);
    execs = { first: first.execs, rerun: rerun.execs };
    peakRssMb = Math.max(peakRssMb, first.peakRssMb ?? 0, rerun.peakRssMb ?? 0);
    checks.ober.push({ first: first.recap, rerun: rerun.recap });
    log(
      `${name} ober-push: first ${ms(first.wallMs)}, re-run ${ms(rerun.wallMs)} (changed ${first.recap?.changed} → ${rerun.recap?.changed})`,
    );
  };
  const runAnsible = async () => {
    await reset();
    const first = await ansible();
    const rerun = await ansible();
    t.ansibleFirst.push(first.wallMs);
    t.ansibleRerun.push(rerun.wallMs);
    checks.ansible.push({ first: first.recap, rerun: rerun.recap });
    log(
      `${name} ansible:   first ${ms(first.wallMs)}, re-run ${ms(rerun.wallMs)} (changed ${first.recap?.changed} → ${rerun.recap?.changed})`,
    );
  };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      await runOber();
      await runAnsible();
    } else {
      await runAnsible();
      await runOber();
    }
  }
  const s = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, summarize(v)]));
  return {
    timings: s,
    ratios: {
      first: ratio(s.ansibleFirst.median, s.oberFirst.median),
      rerun: ratio(s.ansibleRerun.median, s.oberRerun.median),
    },
    execs,
    oberPeakRssMb: peakRssMb,
    checks: { ober: checks.ober[0], ansible: checks.ansible[0] },
    raw: t,
  };
}

const ms = (x) => `${(x / 1000).toFixed(2)} s`;
