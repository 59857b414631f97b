// The one shell script `probeNode` runs on a node. Read-only; every section tolerates missing tools and
// stopped daemons (the script always exits 0), so one exec answers everything `status` and `doctor` need.
import { raw, sh, type ShellCommand } from '../core/shell.js';
import { apiPrelude } from '../modules/haproxy/scripts.js';
import { section } from '../modules/common/probe.js';
import type { StackPaths } from '../stack/paths.js';

/** Units whose state is read (ober's own and the distro ones that must stay off). */
export const PROBED_UNITS = [
  'ober-haproxy',
  'ober-exabgp',
  'ober-keepalived',
  'ober-vip',
  'haproxy',
  'keepalived',
  'exabgp',
] as const;
export type ProbedUnit = (typeof PROBED_UNITS)[number];

export const UNIT_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'UnitFileState',
  'MainPID',
  'NRestarts',
  'BindsTo',
  'PartOf',
  'WantedBy',
  'Wants',
];

export interface ProbeScriptOptions {
  paths: StackPaths;
  statsPort: number;
  /** sysctl keys to read (their /proc/sys value and whether they are writable here). */
  sysctlKeys: readonly string[];
  /** NIC to read queues of; null: the default route's interface (else the first global address's). */
  nic: string | null;
  /** Also run `exabgp --validate` (slow: a Python start-up) and read the firewall in full. */
  deep: boolean;
}

export function probeScript(o: ProbeScriptOptions): ShellCommand {
  const p = o.paths;
  const units = PROBED_UNITS.map((u) => `${u}.service`);
  const lines: string[] = [
    'export LC_ALL=C',
    section('boot_id'),
    'cat /proc/sys/kernel/random/boot_id 2>/dev/null',
    section('cpus'),
    'nproc 2>/dev/null',
    section('units'),
    sh`systemctl show ${`-p${UNIT_PROPERTIES.join(',')}`} ${units} 2>/dev/null`.text,
    section('manager'),
    'systemctl show -p RuntimeWatchdogUSec -p RebootWatchdogUSec 2>/dev/null',
    section('watchdog_devices'),
    'ls -1 /dev/watchdog* 2>/dev/null',
    section('haproxy_version'),
    'haproxy -v 2>/dev/null | head -n1',
    section('haproxy_info'),
    // A subshell: the prelude exits when the socket is missing.
    `( ${apiPrelude(p.statsSocket).text}\nhap 'show info' ) 2>&1`,
    section('haproxy_drain'),
    `( ${apiPrelude(p.statsSocket).text}\nhap 'get var proc.ober_drain' ) 2>&1`,
    section('health'),
    sh`if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -w '%{http_code}' --max-time 2 ${`http://127.0.0.1:${o.statsPort}/health`}; echo; else echo nocurl; fi`
      .text,
    section('haproxy_check'),
    sh`if [ -e ${p.haproxyConfig} ]; then out=$(haproxy -c -q -f ${p.haproxyConfig} 2>&1); rc=$?; printf '%s\n' "$out" | tail -n 5; echo "rc=$rc"; else echo missing; fi`
      .text,
    section('keepalived_check'),
    sh`if [ -e ${p.keepalivedConfig} ] && command -v keepalived >/dev/null 2>&1; then out=$(keepalived -t -f ${p.keepalivedConfig} 2>&1); rc=$?; printf '%s\n' "$out" | tail -n 5; echo "rc=$rc"; else echo missing; fi`
      .text,
    section('announcer'),
    sh`cat ${p.announcerState} 2>/dev/null`.text,
    section('bgp_sessions'),
    // ExaBGP's side of BGP: established TCP sessions to/from port 179 (exabgpcli waits for acks the unit turns off).
    `ss -Htn state established '( dport = :179 or sport = :179 )' 2>/dev/null`,
    section('withdrawn'),
    sh`if [ -e ${p.withdrawnFile} ]; then echo yes; else echo no; fi`.text,
    section('addresses'),
    'ip -4 -o addr show 2>/dev/null',
    section('nic'),
    o.nic !== null
      ? sh`nic=${o.nic}`.text
      : `nic=$(ip -4 route show default 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1); [ -n "$nic" ] || nic=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $2; exit}')`,
    'echo "$nic"',
    section('ethtool'),
    'if command -v ethtool >/dev/null 2>&1; then [ -n "$nic" ] && ethtool -l "$nic" 2>&1; else echo noethtool; fi',
    section('sysctl'),
    ...o.sysctlKeys.map((key) => {
      const file = `/proc/sys/${key.replace(/\./g, '/')}`;
      return sh`if [ -e ${file} ]; then printf '%s\t%s\t%s\n' ${key} "$([ -w ${file} ] && echo w || echo r)" "$(tr '\t' ' ' < ${file})"; else printf '%s\t-\t\n' ${key}; fi`
        .text;
    }),
    section('firewall'),
    'if command -v iptables >/dev/null 2>&1; then iptables -S 2>/dev/null; fi',
    section('nft'),
    'if command -v nft >/dev/null 2>&1; then nft list ruleset 2>/dev/null; fi',
  ];
  if (o.deep) {
    lines.push(
      section('exabgp_check'),
      // Debian's exabgp.env would drop privileges; validate as the unit runs it.
      sh`if [ -e ${p.exabgpConfig} ] && command -v exabgp >/dev/null 2>&1; then out=$(exabgp_daemon_user=root timeout 20 exabgp --validate ${p.exabgpConfig} 2>&1); rc=$?; printf '%s\n' "$out" | tail -n 5; echo "rc=$rc"; else echo missing; fi`
        .text,
    );
  }
  lines.push(`exit 0`);
  return raw(lines.join('\n')); // constants, and values through sh
}
