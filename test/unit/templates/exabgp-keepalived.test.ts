// exabgp.conf.hbs and keepalived.conf.hbs against the daemons' own checkers (Debian's ExaBGP 4.2 and keepalived 2.2).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bgpVars, hosts, keepalivedHosts, keepalivedVars } from '../stack/fixtures.js';
import { renderHost, run } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-bgp-vrrp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `exabgp --validate`, run as root the way the unit does (Debian's exabgp.env would drop to user exabgp). */
function exabgpValidate(file: string): { code: number | null; out: string } {
  return run('exabgp', ['--validate', file], { exabgp_daemon_user: 'root', exabgp_api_cli: 'false' });
}

describe('exabgp.conf.hbs', { timeout: 30_000 }, () => {
  const vars = {
    ...bgpVars,
    vips: ['10.99.100.1', '10.99.100.2'],
    bgp: { local_as: 65001, peer_as: 65000, neighbors: ['10.99.0.1', '10.99.0.2'], hold_time: 3 },
  };

  it('passes exabgp --validate for each of 3 nodes, one neighbor block per router', () => {
    const all = hosts(3);
    for (let i = 0; i < 3; i++) {
      const r = renderHost(dir, vars, all, i);
      const file = r.local(r.paths.exabgpConfig);
      const check = exabgpValidate(file);
      expect(check.out).toContain('loaded new configuration successfully');
      expect(check.code).toBe(0);
      // ExaBGP prints the parsed neighbors: both routers, this host as router-id and local-address.
      expect(check.out).toContain('neighbor 10.99.0.1 {');
      expect(check.out).toContain('neighbor 10.99.0.2 {');
      expect(check.out).toContain(`router-id 10.99.0.${11 + i};`);
      expect(check.out).toContain(`local-address 10.99.0.${11 + i};`);
      expect(check.out).toContain('processes [ announcer ];');
    }
  });

  it('has no bfd block (ExaBGP has none; the validator rejects one)', () => {
    const r = renderHost(dir, vars, hosts(1), 0);
    const cfg = r.file(r.paths.exabgpConfig);
    expect(cfg).not.toMatch(/^\s*bfd\b/m);
    const withBfd = join(dir, 'bfd.conf');
    writeFileSync(withBfd, cfg.replace('hold-time 3;', 'hold-time 3;\n    bfd { enabled; }'));
    expect(exabgpValidate(withBfd).code).not.toBe(0);
  });

  it('runs the announcer with every VIP, the health URL and the withdraw/state files', () => {
    const r = renderHost(dir, vars, hosts(1), 0);
    const run = /^\s*run (.*);$/m.exec(r.file(r.paths.exabgpConfig))?.[1] ?? '';
    expect(run).toBe(
      `/usr/bin/python3 ${r.paths.announcer} --health-url http://127.0.0.1:8404/health --withdrawn-file /var/lib/ober-push/withdrawn --state-file /run/ober-push/announcer.json --vip 10.99.100.1 --vip 10.99.100.2`,
    );
    expect(r.files.find((f) => f.path === r.paths.announcer)?.mode).toBe('0755');
  });
});

describe('keepalived.conf.hbs', { timeout: 30_000 }, () => {
  it('passes keepalived -t on each of 3 nodes with 3 VIPs', () => {
    const all = keepalivedHosts();
    for (let i = 0; i < 3; i++) {
      const r = renderHost(dir, keepalivedVars, all, i);
      const check = run('keepalived', ['-t', '-f', r.local(r.paths.keepalivedConfig)]);
      expect(check.out).toBe('');
      expect(check.code).toBe(0);
    }
  });

  // (An undeclared track_file makes keepalived 2.2.7 -t segfault, so the control uses a track script.)
  it('keepalived -t really checks: an undeclared track script fails', () => {
    const all = keepalivedHosts();
    const r = renderHost(dir, keepalivedVars, all, 0);
    const broken = join(dir, 'broken.conf');
    writeFileSync(
      broken,
      r.file(r.paths.keepalivedConfig).replace(/track_script \{\n(\s+)chk_haproxy/, 'track_script {\n$1chk_missing'),
    );
    expect(run('keepalived', ['-t', '-f', broken]).code).not.toBe(0);
  });

  it('one instance per VIP with explicit VRID, owner at 250, unicast peers and a withdraw hand-off', () => {
    const all = keepalivedHosts();
    const cfg = renderHost(dir, keepalivedVars, all, 2).file('/etc/keepalived/ober.conf');
    const instances = [...cfg.matchAll(/vrrp_instance (\S+) \{([^]*?)\n\}/g)];
    expect(instances.map((m) => m[1])).toEqual(['VI_51', 'VI_52', 'VI_53']);
    const body = (n: number): string => instances[n]?.[2] ?? '';
    expect(body(2)).toMatch(/priority 250\n/);
    expect(body(0)).toMatch(/priority 148\n/);
    expect(body(2)).toContain('virtual_ipaddress {\n        10.99.100.3/32 dev eth0\n    }');
    expect(body(2)).toContain('unicast_src_ip 10.99.0.13');
    expect(body(2)).toContain('unicast_peer {\n        10.99.0.11\n        10.99.0.12\n    }');
    expect(cfg).toContain('enable_script_security');
    expect(cfg).toContain('script_user root');
    expect(cfg).toMatch(/vrrp_script chk_haproxy \{[^}]*interval 1\n[^}]*fall 2\n[^}]*rise 2\n[^}]*weight -200\n/);
    expect(cfg).toMatch(/track_file ober_withdrawn \{\n\s+file "\/var\/lib\/ober-push\/withdrawn"\n\s+weight -200\n/);
  });
});

describe(
  'keepalived hand-off through the withdraw file (real keepalived in a private network namespace)',
  { timeout: 30_000 },
  () => {
    it('a missing file counts 0; "1" drops the owner from 250 to 50; removing it restores 250', () => {
      const paths = { withdrawnFile: join(dir, 'withdrawn'), keepalivedConfig: '/etc/keepalived/ober.conf' };
      const vars = { ...keepalivedVars, vips: ['10.99.100.1'], keepalived: { interface: 'ober0' } };
      const all = hosts(2, (i) => ({ vrrp_vips: i === 0 ? ['10.99.100.1'] : [] }));
      const r = renderHost(dir, vars, all, 0, paths);
      // Only the track_file is under test: drop the HAProxy check (nothing serves /health in the namespace).
      const cfg = join(dir, 'handoff.conf');
      writeFileSync(cfg, r.file(paths.keepalivedConfig).replace(/\s+track_script \{\s+chk_haproxy\s+\}/g, ''));
      const log = join(dir, 'keepalived.log');
      // Every wait polls the log for the next expected line.
      const script = `
      waitlog() { for i in $(seq 200); do grep -q "$1" ${log} && return 0; sleep 0.05; done; echo "TIMEOUT $1"; return 1; }
      ip link set lo up
      ip link add ober0 type veth peer name ober1
      ip addr add 10.99.0.11/24 dev ober0
      ip link set ober0 up; ip link set ober1 up
      keepalived -n -l --vrrp -f ${cfg} -p ${dir}/k.pid -r ${dir}/kv.pid > ${log} 2>&1 & pid=$!
      waitlog "Entering MASTER STATE" && echo 1 > ${paths.withdrawnFile} && waitlog "priority from 250 to 50" && rm ${paths.withdrawnFile} && waitlog "priority from 50 to 250"
      kill $pid; wait $pid; cat ${log}`;
      const out = run('unshare', ['-n', 'bash', '-c', script]).out;
      expect(out).not.toContain('TIMEOUT');
      expect(out).toContain('(VI_51) Entering MASTER STATE');
      expect(out).toContain('(VI_51) Changing effective priority from 250 to 50');
      expect(out).toContain('(VI_51) Changing effective priority from 50 to 250');
    });
  },
);
