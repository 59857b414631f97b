// systemd units (systemd-analyze verify works here even though PID 1 is not systemd) and host tuning data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStackVars } from '../../../src/stack/context.js';
import { DEFAULT_PATHS } from '../../../src/stack/paths.js';
import { BASE_SYSCTL, sysctlMap, WATCHDOG_DROP_IN_CONTENT } from '../../../src/stack/tuning.js';
import { bgpVars, hosts, keepalivedHosts, keepalivedVars } from '../stack/fixtures.js';
import { renderHost, run } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the rendered units into one directory and runs `systemd-analyze verify` on them. */
function verify(units: Array<{ path: string; content: string }>, name: string): { code: number | null; out: string } {
  const unitDir = join(dir, name);
  rmSync(unitDir, { recursive: true, force: true });
  const files = units.map((u) => join(unitDir, basename(u.path)));
  run('mkdir', ['-p', unitDir]);
  units.forEach((u, i) => writeFileSync(files[i]!, u.content));
  return run('bash', [
    '-c',
    `cd ${unitDir} && systemd-analyze verify ${files.map((f) => `./${basename(f)}`).join(' ')}`,
  ]);
}

/** `Key=value` lines of one section. */
function directives(unit: string, section: string): string[] {
  const body = unit.split(/^\[/m).find((s) => s.startsWith(`${section}]`)) ?? '';
  return body.split('\n').filter((l) => /^[A-Za-z]+=/.test(l));
}

describe('units', () => {
  const bgp = renderHost(dir, bgpVars, hosts(1), 0);
  const ka = renderHost(dir, keepalivedVars, keepalivedHosts(), 0);
  const haproxyUnit = bgp.file(DEFAULT_PATHS.units.haproxy);

  it('pass systemd-analyze verify without warnings (BGP and keepalived sets)', () => {
    const b = verify(
      bgp.files.filter((f) => f.path.endsWith('.service')),
      'bgp',
    );
    expect(b.out).toBe('');
    expect(b.code).toBe(0);
    const k = verify(
      ka.files.filter((f) => f.path.endsWith('.service')),
      'ka',
    );
    expect(k.out).toBe('');
    expect(k.code).toBe(0);
  });

  it('systemd-analyze verify really checks: an unknown directive is reported', () => {
    const r = verify(
      [{ path: 'x.service', content: haproxyUnit.replace('KillMode=mixed', 'KillMode=mixed\nProtectHomee=true') }],
      'bad',
    );
    expect(r.out).toContain("Unknown key 'ProtectHomee'");
  });

  it('ober-haproxy: notify + -Ws, checked reload by USR2, one pid mechanism, no ProtectHome', () => {
    const s = directives(haproxyUnit, 'Service');
    expect(s).toContain('Type=notify');
    expect(s).toContain(`ExecStart=/usr/sbin/haproxy -Ws -f \${CONFIG} -p ${DEFAULT_PATHS.haproxyPid}`);
    expect(s).toContain('ExecStartPre=/usr/sbin/haproxy -c -q -f ${CONFIG}');
    expect(s.filter((l) => l.startsWith('ExecReload='))).toEqual([
      'ExecReload=/usr/sbin/haproxy -c -q -f ${CONFIG}',
      'ExecReload=/bin/kill -USR2 $MAINPID',
    ]);
    expect(s).toContain('KillMode=mixed');
    expect(s).toContain('Restart=always');
    expect(s.some((l) => l.startsWith('PIDFile='))).toBe(false);
    for (const unit of [...bgp.files, ...ka.files].filter((f) => f.path.endsWith('.service'))) {
      expect(unit.content).not.toMatch(/^ProtectHome=/m);
      expect(unit.content).not.toMatch(/^ProtectSystem=strict/m);
    }
    expect(ka.file(DEFAULT_PATHS.units.haproxy)).toContain(
      'ExecStartPre=/usr/sbin/sysctl -q -w net.ipv4.ip_nonlocal_bind=1',
    );
    expect(haproxyUnit).not.toContain('ip_nonlocal_bind');
  });

  it('ober-exabgp and ober-keepalived are bound to HAProxy and come back with it', () => {
    for (const unit of [bgp.file(DEFAULT_PATHS.units.exabgp), ka.file(DEFAULT_PATHS.units.keepalived)]) {
      const u = directives(unit, 'Unit');
      expect(u).toContain('BindsTo=ober-haproxy.service');
      expect(u).toContain('PartOf=ober-haproxy.service');
      expect(u.find((l) => l.startsWith('After='))).toContain('ober-haproxy.service');
      expect(directives(unit, 'Install')).toEqual(['WantedBy=ober-haproxy.service']);
      expect(directives(unit, 'Service')).toContain('Restart=always');
    }
    const exa = directives(bgp.file(DEFAULT_PATHS.units.exabgp), 'Service');
    expect(exa).toContain('Environment=exabgp_daemon_user=root');
    expect(exa).toContain('Environment=exabgp_api_ack=false');
    expect(exa).toContain(`ExecStart=/usr/sbin/exabgp ${DEFAULT_PATHS.exabgpConfig}`);
  });
});

describe('tuning', () => {
  it("contains Herr Ober's sysctl table; sysctl_extra overrides and adds", () => {
    const map = sysctlMap(
      parseStackVars({ ...bgpVars, sysctl_extra: { 'net.core.somaxconn': 4096, 'net.ipv4.tcp_fin_timeout': '15' } }),
    );
    for (const [k, e] of Object.entries(BASE_SYSCTL)) if (k !== 'net.core.somaxconn') expect(map[k]).toBe(e.value);
    expect(map['net.core.somaxconn']).toBe('4096');
    expect(map['net.ipv4.tcp_fin_timeout']).toBe('15');
    expect(map['net.ipv4.tcp_congestion_control']).toBe('bbr');
    expect(map['kernel.panic']).toBe('10');
  });

  it('keepalived mode adds ip_nonlocal_bind=1', () => {
    expect(sysctlMap(parseStackVars(keepalivedVars))['net.ipv4.ip_nonlocal_bind']).toBe('1');
  });

  it('the watchdog is a system.conf.d drop-in with a [Manager] section, installed with tcp_bbr loading', () => {
    const files = renderHost(dir, bgpVars, hosts(1), 0).files;
    const dropIn = files.find((f) => f.path === '/etc/systemd/system.conf.d/ober-push-watchdog.conf');
    expect(dropIn?.content).toBe(WATCHDOG_DROP_IN_CONTENT);
    expect(directives(WATCHDOG_DROP_IN_CONTENT, 'Manager')).toEqual([
      'RuntimeWatchdogSec=10s',
      'RebootWatchdogSec=2min',
    ]);
    expect(files.some((f) => f.path === '/etc/systemd/system.conf')).toBe(false);
    expect(files.find((f) => f.path === '/etc/modules-load.d/ober-push.conf')?.content).toMatch(/^tcp_bbr$/m);
  });
});
