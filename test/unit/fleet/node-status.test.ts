// The node probe's parser and doctor's checks, on outputs captured from the lab's hosts (BGP stack deployed).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doctorChecks, firewallChecks } from '../../../src/fleet/doctor-checks.js';
import { nodeProbeScript, parseNodeStatus } from '../../../src/fleet/node-status.js';
import { parseBgpSessions, parseEthtoolChannels, parseTimespanSec } from '../../../src/fleet/parse-status.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseNodeStatus', () => {
  it('a healthy BGP node (lb01, deep probe)', () => {
    const st = parseNodeStatus(fixture('bgp-healthy.txt'));
    expect(st).toMatchObject({
      haMode: 'bgp',
      healthy: true,
      serving: true,
      withdrawn: false,
      problems: [],
      cpus: 2,
      vipsHeld: ['10.99.100.1'],
    });
    expect(st.units['ober-haproxy']).toMatchObject({ active: 'active', enabled: 'enabled' });
    expect(st.units['ober-exabgp']?.bindsTo).toContain('ober-haproxy.service');
    expect(st.units['haproxy']?.load).toBe('masked');
    expect(st.haproxy).toMatchObject({
      version: '2.6.12-1+deb12u4',
      health: 200,
      configValid: true,
      draining: false,
      currConns: 0,
    });
    expect(st.announcer).toMatchObject({ state: 'announced', reason: null, vips: ['10.99.100.1'] });
    expect(st.exabgp).toMatchObject({ sessions: ['10.99.0.1'], configValid: true });
    expect(st.watchdog).toEqual({ runtimeSec: 10, devices: [], armed: false });
    expect(st.sysctlDrift).toEqual([]);
    // net.core.default_qdisc does not exist in a network namespace: not drift, reported as unavailable.
    expect(st.sysctl.find((r) => r.key === 'net.core.default_qdisc')?.actual).toBeNull();
    expect(st.warnings).toEqual(['no /dev/watchdog device']);
  });

  it('HAProxy stopped: unhealthy, ExaBGP stopped with it (BindsTo), announcer withdrew while stopping', () => {
    const st = parseNodeStatus(fixture('bgp-haproxy-stopped.txt'));
    expect(st.healthy).toBe(false);
    expect(st.serving).toBe(false);
    expect(st.problems).toEqual(['ober-haproxy is inactive', 'ober-exabgp is inactive']);
    expect(st.announcer).toMatchObject({ state: 'withdrawn', reason: 'stopping' });
    expect(st.haproxy.info).toBeNull();
    expect(st.haproxy.currConns).toBeNull();
  });

  it('the expected HA mode and sysctl set from options win over detection', () => {
    const st = parseNodeStatus(fixture('bgp-healthy.txt'), {
      haMode: 'keepalived',
      sysctl: { 'net.ipv4.ip_nonlocal_bind': '1' },
    });
    expect(st.problems).toContain('ober-keepalived is inactive');
    expect(st.sysctlDrift).toEqual([{ key: 'net.ipv4.ip_nonlocal_bind', expected: '1', actual: '0', writable: true }]);
  });

  it('the probe script reads every expected key, quotes paths, and always exits 0', () => {
    const { text: script } = nodeProbeScript({
      sysctl: { 'net.ipv4.tcp_fin_timeout': '15' },
      paths: { haproxyConfig: "/etc/it's.cfg" },
    });
    expect(script).toContain('/proc/sys/net/ipv4/tcp_fin_timeout');
    expect(script).toContain(`'/etc/it'\\''s.cfg'`);
    expect(script.trim().endsWith('exit 0')).toBe(true);
  });
});

describe('parsers', () => {
  it('ethtool -l of a virtio NIC and of a veth', () => {
    const virtio =
      'Channel parameters for ens18:\nPre-set maximums:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t8\nCurrent hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t1\n';
    expect(parseEthtoolChannels(virtio)).toEqual({ maxCombined: 8, combined: 1 });
    const veth =
      'Channel parameters for host0:\nPre-set maximums:\nRX:\t\t2\nTX:\t\t2\nOther:\t\tn/a\nCombined:\tn/a\nCurrent hardware settings:\nRX:\t\t1\nTX:\t\t1\nOther:\t\tn/a\nCombined:\tn/a\n';
    expect(parseEthtoolChannels(veth)).toEqual({ maxCombined: null, combined: null });
  });

  it('systemd time spans', () => {
    expect(parseTimespanSec('0')).toBe(0);
    expect(parseTimespanSec('10s')).toBe(10);
    expect(parseTimespanSec('1min 30s')).toBe(90);
    expect(parseTimespanSec('infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(parseTimespanSec('bogus')).toBeNull();
  });

  it('BGP sessions from ss, either direction', () => {
    expect(
      parseBgpSessions(
        '0      0      10.99.0.11:11115 10.99.0.1:179\n0 0 10.99.0.11:179 10.99.0.2:40000\n0 0 10.99.0.11:22 10.99.0.1:5000',
      ),
    ).toEqual(['10.99.0.1', '10.99.0.2']);
  });
  it('BGP sessions in address order, whatever order ss printed them in', () => {
    const ss =
      '0 0 10.99.0.11:40000 10.99.0.10:179\n0 0 10.99.0.11:40001 10.99.0.2:179\n0 0 10.99.0.11:1 10.99.0.2:179';
    expect(parseBgpSessions(ss)).toEqual(['10.99.0.2', '10.99.0.10']);
  });
});

describe('doctorChecks', () => {
  const healthy = parseNodeStatus(fixture('bgp-healthy.txt'));

  it('a healthy lab node: no failures; the missing watchdog device and unknown queues are warnings with fixes', () => {
    const checks = doctorChecks(healthy);
    expect(checks.filter((c) => c.level === 'fail')).toEqual([]);
    expect(checks.filter((c) => c.level === 'warn').map((c) => c.id)).toEqual(['watchdog-device', 'nic-queues']);
    for (const c of checks.filter((x) => x.level !== 'ok')) expect(c.fix).not.toBe('');
  });

  it('watchdog off, queues short, announcer unbound, nonlocal bind off in keepalived mode', () => {
    const broken = parseNodeStatus(
      fixture('bgp-healthy.txt')
        .replace('RuntimeWatchdogUSec=10s', 'RuntimeWatchdogUSec=0')
        .replace('BindsTo=ober-haproxy.service', 'BindsTo='),
    );
    const ids = doctorChecks({
      ...broken,
      nic: { name: 'ens18', maxCombined: 8, combined: 1, error: null },
      cpus: 8,
    }).filter((c) => c.level === 'fail');
    expect(ids.map((c) => c.id)).toEqual(['watchdog-armed', 'nic-queues', 'announcer-bound']);
    expect(ids[1]?.fix).toContain('ethtool -L ens18 combined 8');
    const ka = doctorChecks(parseNodeStatus(fixture('bgp-healthy.txt'), { haMode: 'keepalived' }));
    expect(ka.find((c) => c.id === 'vip-bindable')).toMatchObject({
      level: 'fail',
      fix: expect.stringContaining('ip_nonlocal_bind=1'),
    });
  });

  it('a firewall that drops input without accepting BGP/8404 fails; accept rules pass', () => {
    const base = {
      ...healthy,
      firewall: {
        iptables: '-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT',
        nft: '',
      },
    };
    expect(firewallChecks(base).map((c) => [c.level, c.message])).toEqual([
      ['fail', 'iptables drops input and has no accept rule for BGP (tcp 179)'],
      ['fail', 'iptables drops input and has no accept rule for stats/health (tcp 8404)'],
    ]);
    const open = {
      ...base,
      firewall: {
        iptables: `${base.firewall.iptables}\n-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 8404 -j ACCEPT`,
        nft: '',
      },
    };
    expect(firewallChecks(open).map((c) => c.level)).toEqual(['ok']);
    const vrrp = {
      ...base,
      haMode: 'keepalived' as const,
      firewall: {
        iptables: '',
        nft: 'table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport 8404 accept\n }\n}',
      },
    };
    expect(firewallChecks(vrrp).map((c) => c.message)).toEqual([
      'nft drops input and has no accept rule for VRRP (protocol 112)',
    ]);
  });
});
