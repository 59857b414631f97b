// Workload 3 (and its re-run): 20 small file/copy/template/sysctl/command tasks on every lab host.
// Reset before each tool's first run: both tools' directories and sysctl files removed, the two sysctls
// set back to other values so the first run changes them live.
import { writeAnsibleDir, writeOberInventory } from '../lib/inventories.mjs';
import { WORKLOADS } from '../lib/paths.mjs';
import { runAnsible, runOberPush, sshFanOut } from '../lib/tools.mjs';
import { abRounds } from './ab.mjs';

const RESET = [
  'rm -rf /srv/ober-bench /srv/ober-bench-ansible /etc/sysctl.d/90-ober-bench.conf /etc/sysctl.d/90-ober-bench-ansible.conf',
  'sysctl -q -w net.core.somaxconn=1024 net.ipv4.tcp_fin_timeout=60',
].join(' && ');

export async function tasks20({ state, rounds, log }) {
  const inventory = writeOberInventory(state, 'tasks20', { bench_dir: '/srv/ober-bench' });
  const ansible = writeAnsibleDir(state, 'tasks20', { bench_dir: '/srv/ober-bench-ansible' });
  const forks = state.hosts.length;
  const result = await abRounds({
    name: 'tasks20',
    rounds,
    log,
    reset: async () => void (await sshFanOut(state, RESET)),
    ober: () => runOberPush(inventory, `${WORKLOADS}tasks20.yml`, { forks, countExecs: true }),
    ansible: () => runAnsible(ansible, `${WORKLOADS}ansible/tasks20.yml`),
  });
  return { hosts: state.hosts.length, forks, ansibleSettings: ansible.settings, ...result };
}
