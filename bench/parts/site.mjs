// Workload 1 (first run from bare hosts) and 2 (idempotent re-run) with the real playbooks/site.yml: ober-push
// against its Ansible twin (workloads/ansible/site.yml, fed by lib/site-twin.mjs) on the same lab hosts,
// alternating A/B (ab.mjs). Bare hosts = a freshly created bench lab (down + up, ~25 s) before each tool's first
// run, since site.yml masks distro units, writes unit files and drop-ins that a purge would not undo.
// After each tool's re-run, before the next reset: `ober-push deploy --check` on the same hosts (what it would
// still change: the twin must leave none) and the VIP's next hops at the lab router (every node announcing).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { LAB_ENV, recreateLab } from '../lib/bench-lab.mjs';
import { writeAnsibleDir } from '../lib/inventories.mjs';
import { REPO } from '../lib/paths.mjs';
import { SITE_TWIN_YML, SITE_YML, writeSiteTwin } from '../lib/site-twin.mjs';
import { runAnsible, runOberPush, sshFanOut } from '../lib/tools.mjs';
import { abRounds } from './ab.mjs';

// ober.packages in BGP mode (src/stack/context.ts) and the distro units site.yml masks before installing them.
const PACKAGES = ['haproxy', 'exabgp', 'nftables', 'curl', 'ethtool'];
const APT_WORK = `systemctl mask haproxy exabgp keepalived >/dev/null 2>&1; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PACKAGES.join(' ')} >/dev/null`;

export async function site({ state, rounds, log }) {
  const forks = state.hosts.length;
  // The lab's inventory, ssh_config and known_hosts keep their paths across a recreate: written once.
  const ansible = writeAnsibleDir(state, 'site', {});
  await writeSiteTwin(state.inventory, ansible.dir);
  let current = state;
  let lastTool = null;
  let oberRerun = null;
  const afterRuns = { ober: [], ansible: [] };
  const converged = async () => {
    if (lastTool) afterRuns[lastTool].push(await convergence(current, forks, log));
    lastTool = null;
  };
  const result = await abRounds({
    name: 'site',
    rounds,
    log,
    reset: async () => {
      await converged();
      // Ansible's ssh masters (ControlPersist) hold connections to the old lab's hosts: new runs must not reuse them.
      rmSync(ansible.settings.control_path_dir, { recursive: true, force: true });
      current = recreateLab(forks, log);
    },
    ober: async () => {
      lastTool = 'ober';
      oberRerun = await runOberPush(current.inventory, SITE_YML, { forks, countExecs: true });
      return oberRerun;
    },
    ansible: async () => {
      lastTool = 'ansible';
      return runAnsible(ansible, SITE_TWIN_YML);
    },
  });
  await converged();
  // What no tool can go below on the first run: the hosts' own apt work for site.yml's packages (BGP mode), by a
  // plain ssh fan-out on a fresh lab, the distro units masked first as site.yml does (no daemon starts).
  current = recreateLab(forks, log);
  const aptWork = await sshFanOut(current, APT_WORK);
  log(
    `site host work (apt-get update + install of ${PACKAGES.join(' ')} by ssh fan-out): ${(aptWork.wallMs / 1000).toFixed(1)} s`,
  );
  return {
    hosts: forks,
    forks,
    workload: 'playbooks/site.yml vs bench/workloads/ansible/site.yml (inputs rendered by bench/lib/site-twin.mjs)',
    ansibleSettings: ansible.settings,
    ...result,
    aptWorkFloorMs: Math.round(aptWork.wallMs),
    afterRuns,
    slowestRerunTasks: oberRerun ? slowest(oberRerun.stdout) : null,
  };
}

/** How many (host, task) ober-push --check would still change, which tasks, and how many hosts the router routes the VIP to. */
async function convergence(state, forks, log) {
  const check = await runOberPush(state.inventory, SITE_YML, { forks, measureRss: false, extraArgs: ['--check'] });
  const pendingTasks = new Set();
  let pending = 0;
  for (const line of check.stdout.split('\n')) {
    if (!line.includes('"type":"task-end"')) continue;
    const e = JSON.parse(line);
    if (e.status !== 'changed' && e.status !== 'unknown') continue;
    pending += 1;
    pendingTasks.add(`${e.task}: ${e.changes.map((c) => c.summary).join('; ')}`);
  }
  let nextHops = 0;
  // ExaBGP (re)started by the run's handlers needs a few seconds for its session and the first health check.
  for (let waited = 0; waited <= 30_000; waited += 2_000) {
    const r = spawnSync('bash', [`${REPO}test/lab/lab.sh`, 'routes', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ...LAB_ENV },
    });
    nextHops = r.status === 0 ? JSON.parse(r.stdout).nextHops.length : 0;
    if (nextHops === state.hosts.length) break;
    await new Promise((res) => setTimeout(res, 2_000));
  }
  log(
    `site after the re-run: ober-push --check pending ${pending}${pending ? ` (${[...pendingTasks].slice(0, 3).join(' | ')})` : ''}, VIP next hops ${nextHops}/${state.hosts.length}`,
  );
  return { pending, pendingTasks: [...pendingTasks].slice(0, 10), vipNextHops: nextHops };
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
  return [...byTask]
    .map(([task, ds]) => ({ task, medianMs: med(ds) }))
    .sort((a, b) => b.medianMs - a.medianMs)
    .slice(0, 5);
}
