import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FACTS_SCRIPT, parseFacts } from '../../../src/engine/facts.js';

describe('parseFacts', () => {
  it('parses a Debian host with a default route', () => {
    const facts = parseFacts(
      [
        'id=debian',
        'id_like=',
        'version_id=12',
        'pretty=Debian GNU/Linux 12 (bookworm)',
        'hostname=lb01',
        'kernel=6.1.0-18-amd64',
        'arch=x86_64',
        'cpus=4',
        'mem_kb=8048576',
        'default_if=eth0',
        'addr=eth0 10.0.0.11/24',
        'addr=eth1 192.0.2.5/24',
        'init=systemd',
        'pm=apt-get',
        'boot_id=0e9a1c2b-aaaa-bbbb-cccc-111122223333',
      ].join('\n'),
    );
    expect(facts).toEqual({
      hostname: 'lb01',
      os: { id: 'debian', versionId: '12', family: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      cpus: 4,
      memoryMb: 7860,
      defaultInterface: { name: 'eth0', addresses: ['10.0.0.11/24'] },
      init: 'systemd',
      packageManager: 'apt',
      bootId: '0e9a1c2b-aaaa-bbbb-cccc-111122223333',
    });
  });

  it('recognises the RHEL family through ID_LIKE and falls back to the first addressed interface', () => {
    const facts = parseFacts(
      [
        'id=rocky',
        'id_like=rhel centos fedora',
        'version_id=10.0',
        'default_if=',
        'addr=host0 10.99.0.11/24',
        'init=systemd',
        'pm=dnf',
      ].join('\n'),
    );
    expect(facts.os.family).toBe('redhat');
    expect(facts.packageManager).toBe('dnf');
    expect(facts.defaultInterface).toEqual({ name: 'host0', addresses: ['10.99.0.11/24'] });
  });

  it('reports unknown families and non-systemd init honestly', () => {
    const facts = parseFacts('id=alpine\ninit=init\n');
    expect(facts.os.family).toBe('unknown');
    expect(facts.init).toBe('other');
    expect(facts.packageManager).toBe('unknown');
    expect(facts.defaultInterface).toBeNull();
  });

  it('runs under dash on this machine and yields usable facts', () => {
    const out = execFileSync('dash', ['-c', FACTS_SCRIPT], { encoding: 'utf8' });
    const facts = parseFacts(out);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.memoryMb).toBeGreaterThan(0);
    expect(facts.kernel).toMatch(/^\d+\.\d+/);
    expect(facts.bootId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
