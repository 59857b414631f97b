// Workload 1 with the real playbooks/site.yml (ober-push only: its Ansible twin is pending, see stack.mjs for
// the A/B stand-in). Bare hosts = a freshly created bench lab (down + up, ~25 s), since site.yml masks distro
// units, writes unit files and drop-ins that a purge would not undo. Then the idempotent re-run.
import { existsSync } from 'node:fs';
import { recreateLab } from '../lib/bench-lab.mjs';
import { REPO } from '../lib/paths.mjs';
import { summarize } from '../lib/stats.mjs';
import { runOberPush } from '../lib/tools.mjs';

export async function site({ state, rounds, log }) {
  const playbook = `${REPO}playbooks/site.yml`;
  if (!existsSync(playbook)) return { pending: 'playbooks/site.yml is not in the repo yet' };
  const first = [];
  const rerun = [];
  let execs = null;
  let slowestTasks = null;
  let current = state;
  for (let i = 0; i < rounds; i++) {
    current = recreateLab(current.hosts.length, log);
    const a = await runOberPush(current.inventory, playbook, { forks: current.hosts.length, countExecs: true });
    const b = await runOberPush(current.inventory, playbook, { forks: current.hosts.length, countExecs: true });
    first.push(a.wallMs);
    rerun.push(b.wallMs);
    execs = { first: a.execs, rerun: b.execs };
    slowestTasks = slowest(b.stdout);
    log(`site.yml ober-push: first ${(a.wallMs / 1000).toFixed(2)} s, re-run ${(b.wallMs / 1000).toFixed(2)} s (changed ${a.recap?.changed} → ${b.recap?.changed})`);
  }
  return {
    hosts: current.hosts.length,
    ansible: 'pending: no Ansible twin of site.yml yet',
    timings: { oberFirst: summarize(first), oberRerun: summarize(rerun) },
    execs,
    slowestRerunTasks: slowestTasks,
  };
}

/** The re-run's tasks by median duration over hosts (JSON reporter events), slowest five. */
function slowest(stdout) {
  const byTask = new Map();
  for (const line of stdout.split('\n')) {
    if (!line.includes('"type":"task-end"')) continue;
    const e = JSON.parse(line);
    byTask.set(e.task, [...(byTask.get(e.task) ?? []), e.durationMs]);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return [...byTask].map(([task, ds]) => ({ task, medianMs: med(ds) })).sort((a, b) => b.medianMs - a.medianMs).slice(0, 5);
}
