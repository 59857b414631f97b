// Host tuning as data for the sysctl module and file writes: Herr Ober's sysctl table (herr-ober.md §2),
// mode-specific keys, the BBR module load and the systemd watchdog drop-in.
import type { StackVars } from './vars.js';

export interface SysctlEntry {
  value: string;
  /** Why the key is set (shown by the sysctl module, written as a comment). */
  why: string;
}

/** Herr Ober's table. Values are strings exactly as /proc/sys shows them (tabs normalised to spaces). */
export const BASE_SYSCTL: Readonly<Record<string, SysctlEntry>> = Object.freeze({
  'net.core.netdev_max_backlog': { value: '250000', why: 'absorb micro-bursts without drops' },
  'net.core.somaxconn': { value: '65535', why: 'large accept queue' },
  'net.core.rmem_max': { value: '134217728', why: '128 MB socket buffers' },
  'net.core.wmem_max': { value: '134217728', why: '128 MB socket buffers' },
  'net.ipv4.tcp_rmem': { value: '4096 87380 134217728', why: 'TCP autotuning up to 128 MB' },
  'net.ipv4.tcp_wmem': { value: '4096 65536 134217728', why: 'TCP autotuning up to 128 MB' },
  'net.core.default_qdisc': { value: 'fq', why: 'pacing for BBR' },
  'net.ipv4.tcp_congestion_control': { value: 'bbr', why: 'congestion control (tcp_bbr loaded via modules-load.d)' },
  'net.ipv4.ip_local_port_range': { value: '1024 65535', why: 'more ephemeral ports for backend connections' },
  'vm.panic_on_oom': { value: '1', why: 'an OOM panics the box instead of limping on' },
  'kernel.panic': { value: '10', why: 'reboot 10 s after a panic' },
});

/** keepalived mode: HAProxy binds the VIPs on every node, including backups that do not hold them. */
const KEEPALIVED_SYSCTL: Readonly<Record<string, SysctlEntry>> = Object.freeze({
  'net.ipv4.ip_nonlocal_bind': { value: '1', why: 'bind VIPs this node does not hold (VRRP backups)' },
});

/** BGP mode: VIPs live on lo; do not answer or source ARP for them on the uplink. */
const BGP_SYSCTL: Readonly<Record<string, SysctlEntry>> = Object.freeze({
  'net.ipv4.conf.all.arp_ignore': {
    value: '1',
    why: 'answer ARP only for addresses of the asking interface (VIPs are on lo)',
  },
  'net.ipv4.conf.all.arp_announce': { value: '2', why: 'never use a VIP as the ARP source address' },
});

/** The full sysctl set for the stack: base, then the HA mode's keys, then `sysctl_extra` (which wins). */
export function sysctlTuning(vars: Pick<StackVars, 'ha_mode' | 'sysctl_extra'>): Record<string, SysctlEntry> {
  const out: Record<string, SysctlEntry> = {
    ...BASE_SYSCTL,
    ...(vars.ha_mode === 'keepalived' ? KEEPALIVED_SYSCTL : BGP_SYSCTL),
  };
  for (const [key, value] of Object.entries(vars.sysctl_extra))
    out[key] = { value: String(value), why: 'sysctl_extra' };
  return out;
}

/** Just key -> value, the shape the sysctl module takes. */
export function sysctlMap(vars: Pick<StackVars, 'ha_mode' | 'sysctl_extra'>): Record<string, string> {
  return Object.fromEntries(Object.entries(sysctlTuning(vars)).map(([k, e]) => [k, e.value]));
}

/** /etc/modules-load.d/ober-push.conf: load BBR at boot instead of relying on auto-load. */
export const MODULES_LOAD_CONTENT =
  '# Written by ober-push: BBR congestion control (net.ipv4.tcp_congestion_control=bbr)\ntcp_bbr\n';

/**
 * /etc/systemd/system.conf.d/ober-push-watchdog.conf. A drop-in, not an edit of system.conf (whose
 * commented defaults fooled Herr Ober's substring check). Needs `systemctl daemon-reexec` to apply.
 * PID 1 pings the (i6300esb) watchdog; 10 s without a ping resets the VM.
 */
export const WATCHDOG_DROP_IN_CONTENT = [
  '# Written by ober-push: hardware watchdog (Proxmox i6300esb, action reset)',
  '[Manager]',
  'RuntimeWatchdogSec=10s',
  '# Reboots that hang for 2 minutes are forced (ShutdownWatchdogSec is the old name)',
  'RebootWatchdogSec=2min',
  '',
].join('\n');
