import { describe, expect, it } from 'vitest';
import { sha256, type RemoteFile } from '../../../src/modules/common/remote-file.js';
import { raw } from '../../../src/core/shell.js';
import {
  normalizeValue,
  parseSysctlProbe,
  planSysctl,
  procPath,
  sysctlArgs,
  sysctlFileContent,
  type KeyState,
} from '../../../src/modules/sysctl.js';

const absent: RemoteFile = {
  type: 'absent',
  mode: '',
  owner: '',
  group: '',
  uid: '',
  gid: '',
  size: 0,
  linkTarget: null,
  sha256: null,
  content: null,
};

describe('sysctl parsing', () => {
  it.each([
    ['net.core.somaxconn', '/proc/sys/net/core/somaxconn'],
    ['net.ipv4.conf.eth0/100.rp_filter', '/proc/sys/net/ipv4/conf/eth0.100/rp_filter'],
  ])('procPath %s', (k, p) => expect(procPath(k)).toBe(p));
  it.each([
    ['4096\t87380\t134217728\n', '4096 87380 134217728'],
    [' 1 ', '1'],
    [65535, '65535'],
  ])('normalize %j', (v, want) => expect(normalizeValue(v)).toBe(want));
  it('probe sections: rw, missing, read-only', () => {
    const out =
      '@@ober-section:key0@@\nrw\n4096\t87380\t6291456\n@@ober-section:key1@@\nmissing\n@@ober-section:key2@@\nro\n1\n';
    expect(parseSysctlProbe(out, ['a.b', 'c.d', 'e.f'])).toEqual({
      'a.b': { status: 'ok', value: '4096 87380 6291456' },
      'c.d': { status: 'missing' },
      'e.f': { status: 'readonly', value: '1' },
    });
  });
});

describe('sysctl planning', () => {
  const keys: Record<string, KeyState> = {
    'net.core.somaxconn': { status: 'ok', value: '4096' },
    'net.ipv4.tcp_rmem': { status: 'ok', value: '4096 87380 134217728' },
    'net.core.netdev_max_backlog': { status: 'missing' },
    'vm.panic_on_oom': { status: 'readonly', value: '0' },
  };
  const file = '/etc/sysctl.d/99-ober-push.conf';
  const args = (values: Record<string, string | number>, ignore = false) =>
    sysctlArgs.parse({ values, ignore_unavailable: ignore });

  it('one change per changed key, plus the file; multi-value whitespace does not count', () => {
    const a = args({ 'net.core.somaxconn': 65535, 'net.ipv4.tcp_rmem': '4096   87380\t134217728' });
    const changes = planSysctl({ keys, file: absent }, a);
    expect(changes.map((c) => c.summary)).toEqual(['net.core.somaxconn: 4096 → 65535', `create ${file}`]);
    expect(changes[0]?.ops).toEqual([{ kind: 'exec', command: raw('sysctl -q -w net.core.somaxconn=65535') }]);
    expect(changes[1]?.diff?.after).toBe(
      '# Managed by ober-push (sysctl module). Local edits are overwritten.\nnet.core.somaxconn = 65535\nnet.ipv4.tcp_rmem = 4096 87380 134217728\n',
    );
  });

  it('converged: nothing', () => {
    const a = args({ 'net.core.somaxconn': 4096 });
    const content = sysctlFileContent(a.values, keys);
    const file: RemoteFile = { ...absent, type: 'file', sha256: sha256(content) };
    expect(planSysctl({ keys, file }, a)).toEqual([]);
  });

  it('unavailable keys: error naming them, or skipped with a warning and commented out', () => {
    const a = { 'net.core.netdev_max_backlog': 250000, 'vm.panic_on_oom': 1, 'net.core.somaxconn': 65535 };
    expect(() => planSysctl({ keys, file: absent }, args(a))).toThrow(
      /net\.core\.netdev_max_backlog, vm\.panic_on_oom/,
    );
    const changes = planSysctl({ keys, file: absent }, args(a, true));
    expect(changes.map((c) => c.summary)).toEqual([
      'net.core.somaxconn: 4096 → 65535 [skipped with warning: net.core.netdev_max_backlog, vm.panic_on_oom]',
      `create ${file} [skipped with warning: net.core.netdev_max_backlog, vm.panic_on_oom]`,
    ]);
    expect(changes[1]?.diff?.after).toContain('# skipped, readonly on this host: vm.panic_on_oom = 1');
  });

  it('rejects keys that are not sysctl keys', () => {
    expect(sysctlArgs.safeParse({ values: { 'x; rm -rf /': 1 } }).success).toBe(false);
  });
});
