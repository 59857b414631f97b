// Where the stack's files live on a host. Configs use ober-specific names so the distro units
// (haproxy.service, keepalived.service, exabgp.service read the default names) never pick them up.

export interface StackPaths {
  haproxyConfig: string;
  /** Whitelist files, one <name>.lst per referenced whitelist. */
  listsDir: string;
  /** TLS PEMs (certificate + key), mode 0600. */
  certsDir: string;
  /** HAProxy runtime API (master-worker: one worker socket; seamless reload via expose-fd). */
  statsSocket: string;
  /** Written by `haproxy -Ws -p`; systemd tracks the master through sd_notify instead. */
  haproxyPid: string;
  exabgpConfig: string;
  keepalivedConfig: string;
  /** The health announcer ExaBGP runs (templates/files/ober-announcer.py). */
  announcer: string;
  /** While this file exists the node is withdrawn (BGP) or hands its VIPs off (keepalived). */
  withdrawnFile: string;
  /** The announcer's one-line JSON state. */
  announcerState: string;
  /** BGP mode: the nftables table that relays stray packets during a roll (see templates/relay.nft.hbs). */
  relayRules: string;
  /** The nodes being moved that armed the relay here (one name per line); the chain is emptied when none is left. */
  relayHolders: string;
  units: { haproxy: string; exabgp: string; keepalived: string; vip: string; relay: string };
  watchdogDropIn: string;
  modulesLoad: string;
}

export const DEFAULT_PATHS: StackPaths = Object.freeze({
  haproxyConfig: '/etc/haproxy/ober.cfg',
  listsDir: '/etc/haproxy/lists',
  certsDir: '/etc/haproxy/certs',
  statsSocket: '/run/haproxy/admin.sock',
  haproxyPid: '/run/ober-haproxy.pid',
  exabgpConfig: '/etc/exabgp/ober.conf',
  keepalivedConfig: '/etc/keepalived/ober.conf',
  announcer: '/usr/local/lib/ober-push/ober-announcer.py',
  withdrawnFile: '/var/lib/ober-push/withdrawn',
  announcerState: '/run/ober-push/announcer.json',
  relayRules: '/etc/ober-push/relay.nft',
  relayHolders: '/run/ober-push/relay-holders',
  units: Object.freeze({
    haproxy: '/etc/systemd/system/ober-haproxy.service',
    exabgp: '/etc/systemd/system/ober-exabgp.service',
    keepalived: '/etc/systemd/system/ober-keepalived.service',
    vip: '/etc/systemd/system/ober-vip.service',
    relay: '/etc/systemd/system/ober-relay.service',
  }),
  watchdogDropIn: '/etc/systemd/system.conf.d/ober-push-watchdog.conf',
  modulesLoad: '/etc/modules-load.d/ober-push.conf',
});
