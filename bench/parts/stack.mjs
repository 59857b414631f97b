// site.yml's earlier stand-in (run only when named: `npm run bench -- stack`): workloads/stack-lite.yml and its
// Ansible twin, first run from bare hosts and idempotent re-run. The site part now runs the real playbook.
// "Bare" = what the lab boots: no haproxy/exabgp/keepalived, no apt lists, none of the configs.
// Reset purges the packages, their configs and the apt lists (faster than a lab down/up, same state).
import { writeAnsibleDir, writeOberInventory } from '../lib/inventories.mjs';
import { WORKLOADS } from '../lib/paths.mjs';
import { runAnsible, runOberPush, sshFanOut } from '../lib/tools.mjs';
import { abRounds } from './ab.mjs';

const RESET = [
  'systemctl stop haproxy exabgp keepalived 2>/dev/null || true',
  // leftovers of a site.yml run on the same lab (--keep-lab): its units, and the distro units it masks
  'for u in /etc/systemd/system/ober-*.service; do [ -e "$u" ] && systemctl disable --now "${u##*/}" >/dev/null 2>&1; done; true',
  'rm -rf /etc/systemd/system/ober-* && systemctl unmask haproxy exabgp keepalived >/dev/null 2>&1 && systemctl daemon-reload',
  'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq haproxy exabgp keepalived >/dev/null 2>&1 || true',
  'DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null 2>&1 || true',
  'rm -rf /etc/haproxy /etc/exabgp /etc/keepalived /etc/sysctl.d/90-ober-stack.conf /etc/sysctl.d/90-ober-stack-ansible.conf',
  'rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/apt/lists/partial',
  'sysctl -q -w net.ipv4.ip_nonlocal_bind=0 net.ipv4.tcp_max_syn_backlog=512 net.ipv4.tcp_keepalive_time=7200',
  '! dpkg -l haproxy exabgp keepalived 2>/dev/null | grep -q ^ii',
].join('; ');

const APT_WORK =
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy exabgp keepalived >/dev/null';

export async function stack({ state, rounds, log }) {
  const inventory = writeOberInventory(state, 'stack', {});
  const ansible = writeAnsibleDir(state, 'stack', {});
  const forks = state.hosts.length;
  const result = await abRounds({
    name: 'stack',
    rounds,
    log,
    reset: async () => void (await sshFanOut(state, RESET)),
    ober: () => runOberPush(inventory, `${WORKLOADS}stack-lite.yml`, { forks, countExecs: true }),
    ansible: () => runAnsible(ansible, `${WORKLOADS}ansible/stack-lite.yml`),
  });
  // The host-side work any tool pays here (hosts share the machine's 2 cores): apt-get update + install by a
  // plain ssh fan-out from the same bare state, measured once.
  await sshFanOut(state, RESET);
  const work = await sshFanOut(state, APT_WORK);
  log(`stack host work (apt-get update + install by ssh fan-out): ${(work.wallMs / 1000).toFixed(1)} s`);
  return {
    hosts: state.hosts.length,
    forks,
    workload: "bench/workloads/stack-lite.yml (site.yml's earlier stand-in)",
    ansibleSettings: ansible.settings,
    aptWorkFloorMs: Math.round(work.wallMs),
    ...result,
  };
}
