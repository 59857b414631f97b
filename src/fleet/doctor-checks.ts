// `doctor`: the failure modes of herr-ober.md checked against one node's probe, each with its fix. Pure.
import type { NodeStatus, UnitStatus } from './node-status.js';

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  level: CheckLevel;
  message: string;
  /** What to do about it (empty when ok). */
  fix: string;
}

const NO_UNIT: UnitStatus = {
  load: 'not-found',
  active: 'inactive',
  sub: '',
  enabled: '',
  mainPid: null,
  restarts: null,
  bindsTo: [],
  partOf: [],
  wantedBy: [],
  wants: [],
};
const SITE = 'run `ober-push deploy -i INV` (playbooks/site.yml)';

type Add = (id: string, level: CheckLevel, message: string, fix?: string) => void;

export function doctorChecks(st: NodeStatus): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const add: Add = (id, level, message, fix = '') => {
    checks.push({ id, level, message, fix: level === 'ok' ? '' : fix });
  };
  for (const group of [watchdogChecks, nicChecks, configChecks, announcerChecks, vipChecks]) group(st, add);
  checks.push(...firewallChecks(st));
  stateChecks(st, add);
  return checks;
}

const unitOf = (st: NodeStatus, n: string): UnitStatus => st.units[n] ?? NO_UNIT;

/** The watchdog: armed in systemd, and a device to arm. */
function watchdogChecks(st: NodeStatus, add: Add): void {
  // Watchdog: systemd must ping a real device (Herr Ober's system.conf edit never applied).
  const wd = st.watchdog.runtimeSec;
  if (wd === null || wd === 0)
    add(
      'watchdog-armed',
      'fail',
      'systemd RuntimeWatchdogSec is off: a frozen guest is never reset',
      `${SITE}: it writes the system.conf.d drop-in and runs systemctl daemon-reexec`,
    );
  else add('watchdog-armed', 'ok', `systemd pings the watchdog (RuntimeWatchdogSec=${wd}s)`);
  if (st.watchdog.devices.length === 0)
    add(
      'watchdog-device',
      'warn',
      'no /dev/watchdog: nothing resets this VM when it freezes',
      'give the VM an i6300esb watchdog with action reset (site.yml play 1, proxmox_vm) and cold-restart it; check `lsmod | grep i6300esb`',
    );
  else add('watchdog-device', 'ok', `watchdog device ${st.watchdog.devices.join(', ')}`);
}

/** NIC queues = vCPUs. */
function nicChecks(st: NodeStatus, add: Add): void {
  // NIC queues = vCPUs (capped by what the NIC offers).
  const { combined, maxCombined, name, error } = st.nic;
  if (combined === null || maxCombined === null)
    add(
      'nic-queues',
      'warn',
      `queues of ${name ?? 'the NIC'} unknown${error ? `: ${error}` : ''}`,
      'install ethtool; on Proxmox set net0 queues = vCPUs (proxmox_vm net.queues: auto)',
    );
  else {
    const want = Math.min(maxCombined, st.cpus ?? maxCombined);
    if (combined < want)
      add(
        'nic-queues',
        'fail',
        `${name ?? 'NIC'} uses ${combined} of ${want} queues`,
        `ethtool -L ${name ?? '<nic>'} combined ${want} (site.yml does it for hosts with a vm binding)`,
      );
    else if (st.cpus !== null && maxCombined < st.cpus)
      add(
        'nic-queues',
        'warn',
        `${name ?? 'NIC'} offers ${maxCombined} queues for ${st.cpus} vCPUs`,
        'set the Proxmox NIC queues = vCPUs (proxmox_vm net.queues: auto) and cold-restart the VM',
      );
    else add('nic-queues', 'ok', `${name ?? 'NIC'} uses ${combined} queues`);
  }
}

/** Configs accepted by their daemons. */
function configChecks(st: NodeStatus, add: Add): void {
  // Configs accepted by their daemons.
  const config = (id: string, what: string, valid: boolean | null, errors: string, fix: string): void => {
    if (valid === null) return;
    add(
      id,
      valid ? 'ok' : 'fail',
      valid ? `${what} config is valid` : `${what} config is invalid: ${errors.split('\n').slice(-3).join(' | ')}`,
      fix,
    );
  };
  if (st.haproxy.configValid === null) add('haproxy-config', 'fail', 'no HAProxy config installed', SITE);
  config(
    'haproxy-config',
    'HAProxy',
    st.haproxy.configValid,
    st.haproxy.configErrors,
    `fix the stack variables and ${SITE} (it validates with haproxy -c before installing)`,
  );
  config(
    'keepalived-config',
    'keepalived',
    st.haMode === 'keepalived' ? st.keepalived.configValid : null,
    st.keepalived.configErrors,
    `${SITE} (keepalived -t validates before installing)`,
  );
  config(
    'exabgp-config',
    'ExaBGP',
    st.haMode === 'bgp' ? st.exabgp.configValid : null,
    st.exabgp.configErrors,
    `${SITE} (exabgp --validate before installing)`,
  );
}

/** The announcer follows HAProxy; the distro units are out of the way. */
function announcerChecks(st: NodeStatus, add: Add): void {
  // The announcer (ExaBGP or keepalived) must follow HAProxy: BindsTo stops it with HAProxy, WantedBy brings it back.
  const ha = st.haMode === 'bgp' ? 'ober-exabgp' : st.haMode === 'keepalived' ? 'ober-keepalived' : null;
  if (ha === null) add('announcer-bound', 'fail', 'neither ober-exabgp nor ober-keepalived is installed', SITE);
  else {
    const u = unitOf(st, ha);
    const missing: string[] = [];
    if (!u.bindsTo.includes('ober-haproxy.service')) missing.push('BindsTo=ober-haproxy.service');
    if (!u.partOf.includes('ober-haproxy.service')) missing.push('PartOf=ober-haproxy.service');
    if (!unitOf(st, 'ober-haproxy').wants.includes(`${ha}.service`))
      missing.push(`enabled as WantedBy=ober-haproxy.service (systemctl enable ${ha})`);
    if (missing.length > 0)
      add(
        'announcer-bound',
        'fail',
        `${ha} is not bound to ober-haproxy: ${missing.join(', ')}`,
        `${SITE}: it installs ${ha}.service and enables it`,
      );
    else add('announcer-bound', 'ok', `${ha} follows ober-haproxy (BindsTo, PartOf, wanted by it)`);
    if (u.active !== 'active')
      add(
        'announcer-running',
        'fail',
        `${ha} is ${u.active}`,
        `systemctl start ${ha} (or restart ober-haproxy, which pulls it in)`,
      );
  }
  for (const distro of ['haproxy', 'keepalived', 'exabgp']) {
    const d = unitOf(st, distro);
    if (d.active === 'active' || d.enabled === 'enabled')
      add(
        `distro-${distro}`,
        'fail',
        `distro ${distro}.service is ${d.active}/${d.enabled}: it competes with ober's`,
        `systemctl disable --now ${distro} && systemctl mask ${distro} (site.yml masks it)`,
      );
  }
}

/** VIPs bindable. */
function vipChecks(st: NodeStatus, add: Add): void {
  // VIPs bindable: keepalived backups bind VIPs they do not hold; BGP nodes hold them on lo.
  const sysctl = (key: string): string | null => st.sysctl.find((r) => r.key === key)?.actual ?? null;
  if (st.haMode === 'keepalived') {
    const nb = sysctl('net.ipv4.ip_nonlocal_bind');
    if (nb !== '1')
      add(
        'vip-bindable',
        'fail',
        `net.ipv4.ip_nonlocal_bind=${nb ?? '?'}: HAProxy cannot bind VIPs this node does not hold`,
        'sysctl -w net.ipv4.ip_nonlocal_bind=1 and persist it (site.yml does both)',
      );
    else add('vip-bindable', 'ok', 'ip_nonlocal_bind=1: backups can bind every VIP');
  } else if (st.haMode === 'bgp') {
    const vips = st.announcer?.vips ?? [];
    const missing = vips.filter((v) => !st.vipsHeld.includes(v));
    if (missing.length > 0)
      add(
        'vip-bindable',
        'fail',
        `VIP(s) ${missing.join(', ')} are not local addresses: HAProxy cannot bind them`,
        'systemctl start ober-vip (puts the VIPs on lo; site.yml enables it)',
      );
    else add('vip-bindable', 'ok', `VIPs on lo: ${st.vipsHeld.join(', ') || 'none listed'}`);
  }
}

/** Tuning applied, and not withdrawn. */
function stateChecks(st: NodeStatus, add: Add): void {
  if (st.sysctlDrift.length > 0)
    add(
      'sysctl-drift',
      'warn',
      `sysctl drift: ${st.sysctlDrift.map((r) => `${r.key}=${r.actual ?? '?'} (want ${r.expected})`).join(', ')}`,
      `${SITE} (sysctl -w and /etc/sysctl.d/99-ober-push.conf)`,
    );
  else add('sysctl-drift', 'ok', 'sysctl tuning applied');
  if (st.withdrawn)
    add(
      'withdrawn',
      'warn',
      'the operator withdraw file is present: this node carries no traffic',
      '`ober-push restore -i INV --limit HOST` (or remove /var/lib/ober-push/withdrawn and SIGHUP the announcer)',
    );
}

/** iptables/nft rules that would block BGP (179), the stats/health port (8404) or VRRP (protocol 112). */
export function firewallChecks(st: NodeStatus): DoctorCheck[] {
  const ipt = st.firewall.iptables;
  const nft = st.firewall.nft;
  if (ipt.trim() === '' && nft.trim() === '')
    return [{ id: 'firewall', level: 'ok', message: 'no iptables/nft rules', fix: '' }];
  const iptInputDrops = /^-P INPUT (DROP|REJECT)/m.test(ipt) || /^-A INPUT .*-j (DROP|REJECT)/m.test(ipt);
  const nftDrops = /hook input[^\n]*policy drop/.test(nft) || /chain input \{[^}]*\b(drop|reject)\b/s.test(nft);
  const out: DoctorCheck[] = [];
  const need: Array<{ what: string; present: boolean; ipt: RegExp; nft: RegExp; fix: string }> = [
    {
      what: 'BGP (tcp 179)',
      present: st.haMode === 'bgp',
      ipt: /--[ds]port 179\b.*-j ACCEPT|ESTABLISHED.*-j ACCEPT/,
      nft: /\b179\b[^\n]*accept|established[^\n]*accept/,
      fix: 'iptables -I INPUT -p tcp --sport 179 -m state --state ESTABLISHED -j ACCEPT (ExaBGP connects out to the router)',
    },
    {
      what: 'stats/health (tcp 8404)',
      present: true,
      ipt: /--dport 8404\b.*-j ACCEPT/,
      nft: /\b8404\b[^\n]*accept/,
      fix: 'iptables -I INPUT -p tcp --dport 8404 -j ACCEPT (monitoring; /health is polled on 127.0.0.1)',
    },
    {
      what: 'VRRP (protocol 112)',
      present: st.haMode === 'keepalived',
      ipt: /-p (112|vrrp)\b.*-j ACCEPT/,
      nft: /\b(vrrp|112)\b[^\n]*accept/,
      fix: 'iptables -I INPUT -p vrrp -j ACCEPT (keepalived adverts)',
    },
  ];
  for (const n of need.filter((x) => x.present)) {
    const blockedIpt = iptInputDrops && !n.ipt.test(ipt);
    const blockedNft = nftDrops && !n.nft.test(nft);
    if (blockedIpt || blockedNft)
      out.push({
        id: 'firewall',
        level: 'fail',
        message: `${blockedIpt ? 'iptables' : 'nft'} drops input and has no accept rule for ${n.what}`,
        fix: n.fix,
      });
  }
  return out.length > 0
    ? out
    : [{ id: 'firewall', level: 'ok', message: 'firewall rules let BGP/VRRP and 8404 through', fix: '' }];
}
