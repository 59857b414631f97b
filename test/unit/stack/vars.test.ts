import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { deriveStackContext, parseStackVars } from '../../../src/stack/context.js';
import { stackContextFromVars } from '../../../src/stack/from-vars.js';
import { bgpVars, hosts, keepalivedHosts, keepalivedVars } from './fixtures.js';

/** The key paths of the ConfigError `fn` throws. */
function issuePaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => i.path);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const withVars = (patch: Record<string, unknown>) => ({ ...bgpVars, ...patch });

describe('stackVarsSchema', () => {
  it('accepts the documented example and applies defaults', () => {
    const v = parseStackVars({
      ...bgpVars,
      sysctl_extra: {},
      sysctl_ignore_unavailable: false,
      unrelated_inventory_var: 1,
    });
    expect(v.timeouts.server).toBe('300s');
    expect(v.hard_stop_after).toBe('30s');
    expect(v.bgp?.hold_time).toBe(9);
    expect(v.backends[0]?.check_interval_ms).toBe(1000);
  });

  it.each([
    [
      'newline in a backend name',
      { backends: [{ name: 'rgw\n  server evil 1.2.3.4:80', servers: ['10.99.0.200:8080'] }] },
      'backends[0].name',
    ],
    ['a command after a VIP', { vips: ['10.99.100.1; rm -rf /'] }, 'vips[0]'],
    ['a non-IP VIP', { vips: ['s3.example.com'] }, 'vips[0]'],
    ['a port out of range', { frontends: [{ port: 70000 }] }, 'frontends[0].port'],
    ['port 0', { frontends: [{ port: 0 }] }, 'frontends[0].port'],
    [
      'a health path with a space',
      { backends: [{ name: 'rgw', servers: ['10.99.0.200:8080'], health_check_path: '/ HTTP/1.1\r\nHost: x' }] },
      'backends[0].health_check_path',
    ],
    [
      'a relative health path',
      { backends: [{ name: 'rgw', servers: ['10.99.0.200:8080'], health_check_path: 'health' }] },
      'backends[0].health_check_path',
    ],
    [
      'a server with junk',
      { backends: [{ name: 'rgw', servers: ['10.99.0.200:8080 backup'] }] },
      'backends[0].servers[0]',
    ],
    ['AS 0', { bgp: { ...bgpVars.bgp, local_as: 0 } }, 'bgp.local_as'],
    ['AS above 32 bits', { bgp: { ...bgpVars.bgp, peer_as: 4294967296 } }, 'bgp.peer_as'],
    ['hold time 2', { bgp: { ...bgpVars.bgp, hold_time: 2 } }, 'bgp.hold_time'],
    ['a bfd key (ExaBGP has no BFD)', { bgp: { ...bgpVars.bgp, bfd_enabled: true } }, 'bgp.bfd_enabled'],
    [
      'a frontend routed to a missing backend',
      { frontends: [{ port: 80, backend: 's3_back' }] },
      'frontends[0].backend',
    ],
    ['an unknown whitelist', { frontends: [{ port: 80, allow: ['admins'] }] }, 'frontends[0].allow[0]'],
    ['a bad whitelist entry', { whitelists: { admins: ['10.0.0.1 10.0.0.2'] } }, 'whitelists.admins[0]'],
    ['a bad whitelist name', { whitelists: { 'a b': ['10.0.0.1'] } }, 'whitelists."a b"'],
    [
      'duplicate backend names',
      {
        backends: [
          { name: 'a', servers: ['10.0.0.1:80'] },
          { name: 'a', servers: ['10.0.0.2:80'] },
        ],
      },
      'backends[1].name',
    ],
    ['a frontend on the stats port', { frontends: [{ port: 8404 }] }, 'frontends[0].port'],
    [
      'two different certificates with one file name',
      {
        frontends: [
          { port: 443, tls: { cert: 'eu/s3.pem' } },
          { port: 8443, tls: { cert: 'us/s3.pem' } },
        ],
      },
      'frontends[1].tls.cert',
    ],
    ['bgp mode without bgp', { bgp: undefined }, 'bgp'],
    ['a bad duration', { timeouts: { server: '5 minutes' } }, 'timeouts.server'],
    [
      'a sysctl value with a newline',
      { sysctl_extra: { 'net.core.somaxconn': '1\nkernel.panic=0' } },
      'sysctl_extra.net.core.somaxconn',
    ],
  ])('rejects %s', (_, patch, path) => {
    expect(issuePaths(() => parseStackVars(withVars(patch)))).toContain(path);
  });

  it('lets two frontends share one certificate file, and names the clash of two', () => {
    const shared = {
      frontends: [
        { port: 443, tls: { cert: 'eu/s3.pem' } },
        { port: 8443, tls: { cert: 'eu/s3.pem' } },
      ],
    };
    expect(() => parseStackVars(withVars(shared))).not.toThrow();
    const clash = {
      frontends: [
        { port: 443, tls: { cert: 'eu/s3.pem' } },
        { port: 8443, tls: { cert: 'us/s3' } },
      ],
    };
    expect(() => parseStackVars(withVars(clash))).toThrow(
      'lands on the host as s3.pem, as eu/s3.pem of frontends[0] does: give one of them another file name',
    );
  });
  it('accepts whitelist CIDRs and address ranges', () => {
    const v = parseStackVars(
      withVars({
        whitelists: { admins: ['10.0.0.0/8', '192.168.1.[10-12,20]'] },
        frontends: [{ port: 80, allow: ['admins'] }],
      }),
    );
    expect(v.whitelists.admins).toHaveLength(2);
  });
});

describe('deriveStackContext, BGP', () => {
  it('uses the host address as router id and local address, and routes frontends to the first backend', () => {
    const all = hosts(3);
    const ctx = deriveStackContext(bgpVars, all[1]!, all);
    expect(ctx.bgp).toMatchObject({
      routerId: '10.99.0.12',
      localAddress: '10.99.0.12',
      localAs: 65001,
      peerAs: 65000,
      holdTime: 9,
    });
    expect(ctx.frontends[0]).toMatchObject({ name: 'fe_80', binds: ['10.99.100.1:80'], backend: 'rgw', tlsCert: null });
    expect(ctx.keepalived).toBeNull();
  });

  it('renders only referenced whitelists, with ranges expanded', () => {
    const vars = withVars({
      whitelists: { admins: ['192.168.1.[1-3]', '10.0.0.0/8'], unused: ['1.2.3.4'] },
      frontends: [{ port: 80, allow: ['admins'] }],
    });
    const all = hosts(1);
    const ctx = deriveStackContext(vars, all[0]!, all);
    expect(ctx.whitelists).toEqual([
      {
        name: 'admins',
        file: '/etc/haproxy/lists/admins.lst',
        entries: ['192.168.1.1', '192.168.1.2', '192.168.1.3', '10.0.0.0/8'],
      },
    ]);
    expect(ctx.frontends[0]?.allowFiles).toEqual(['/etc/haproxy/lists/admins.lst']);
  });

  it('rejects a host without an IPv4 address unless local_address is set', () => {
    const all = [{ name: 'lb01', address: 'lb01.example', vars: {} }];
    expect(issuePaths(() => deriveStackContext(bgpVars, all[0]!, all))).toEqual(['hosts.lb01.local_address']);
    const fixed = [{ name: 'lb01', address: 'lb01.example', vars: { local_address: '10.99.0.11' } }];
    expect(deriveStackContext(bgpVars, fixed[0]!, fixed).bgp?.routerId).toBe('10.99.0.11');
  });
});

describe('deriveStackContext, keepalived', () => {
  it('assigns owners, VRIDs, distinct priorities and peers', () => {
    const all = keepalivedHosts();
    const ctx = deriveStackContext(keepalivedVars, all[1]!, all);
    const k = ctx.keepalived!;
    expect(k.srcIp).toBe('10.99.0.12');
    expect(k.peers).toEqual(['10.99.0.11', '10.99.0.13']);
    expect(k.instances.map((i) => [i.vip, i.vrid, i.owner, i.priority])).toEqual([
      ['10.99.100.1', 51, 'lb01', 149],
      ['10.99.100.2', 52, 'lb02', 250],
      ['10.99.100.3', 53, 'lb03', 149],
    ]);
    // An owner that fails its check lands below every backup of every host.
    const backups = all.flatMap((h) =>
      deriveStackContext(keepalivedVars, h, all)
        .keepalived!.instances.filter((i) => !i.isOwner)
        .map((i) => i.priority),
    );
    expect(Math.min(...backups)).toBeGreaterThan(250 + k.weight);
  });

  it('uses explicit VRIDs', () => {
    const all = keepalivedHosts();
    const vars = { ...keepalivedVars, keepalived: { interface: 'eth0', vrids: { '10.99.100.2': 7 } } };
    expect(deriveStackContext(vars, all[0]!, all).keepalived!.instances.map((i) => i.vrid)).toEqual([51, 7, 53]);
  });

  it('rejects VRID collisions', () => {
    const all = keepalivedHosts();
    const vars = { ...keepalivedVars, keepalived: { interface: 'eth0', vrids: { '10.99.100.3': 51 } } };
    expect(issuePaths(() => deriveStackContext(vars, all[0]!, all))).toContain('keepalived.vrids.10.99.100.3');
    const unknown = { ...keepalivedVars, keepalived: { interface: 'eth0', vrids: { '10.1.1.1': 9 } } };
    expect(issuePaths(() => deriveStackContext(unknown, all[0]!, all))).toContain('keepalived.vrids.10.1.1.1');
  });

  it('rejects a VIP owned by two hosts, a VIP owned by none, and an owned address that is not a VIP', () => {
    const two = hosts(3, (i) => ({ vrrp_vips: i === 2 ? ['10.99.100.1', '10.99.100.3'] : [`10.99.100.${i + 1}`] }));
    expect(issuePaths(() => deriveStackContext(keepalivedVars, two[0]!, two))).toEqual(['hosts.lb03.vrrp_vips[0]']);
    const none = hosts(3, (i) => ({ vrrp_vips: i === 2 ? [] : [`10.99.100.${i + 1}`] }));
    expect(issuePaths(() => deriveStackContext(keepalivedVars, none[0]!, none))).toEqual(['vips[2]']);
    const stray = hosts(3, (i) => ({ vrrp_vips: [`10.99.100.${i + 1}`, ...(i === 0 ? ['10.99.200.9'] : [])] }));
    expect(issuePaths(() => deriveStackContext(keepalivedVars, stray[0]!, stray))).toEqual(['hosts.lb01.vrrp_vips[1]']);
  });

  it('rejects equal backup priorities and a bad interface name', () => {
    const clash = hosts(3, (i) => ({ vrrp_vips: [`10.99.100.${i + 1}`], vrrp_priority: 120 }));
    expect(issuePaths(() => deriveStackContext(keepalivedVars, clash[0]!, clash))).toContain(
      'hosts.lb02.vrrp_priority',
    );
    const all = keepalivedHosts();
    expect(
      issuePaths(() =>
        deriveStackContext({ ...keepalivedVars, keepalived: { interface: 'eth0 dev lo' } }, all[0]!, all),
      ),
    ).toContain('keepalived.interface');
  });

  it('derives from engine variables (hostvars, groups, inventory_hostname)', () => {
    const all = keepalivedHosts();
    const hostvars = Object.fromEntries(all.map((h) => [h.name, { ...h.vars, address: h.address }]));
    const vars = {
      ...keepalivedVars,
      ...all[2]!.vars,
      hostvars,
      groups: { all: all.map((h) => h.name) },
      inventory_hostname: 'lb03',
    };
    const ctx = stackContextFromVars(vars);
    expect(ctx.host).toEqual({ name: 'lb03', address: '10.99.0.13' });
    expect(ctx.keepalived!.instances.find((i) => i.isOwner)?.vip).toBe('10.99.100.3');
  });
});
