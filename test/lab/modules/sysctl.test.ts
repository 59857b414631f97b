// The sysctl module on a lab host (lb03): only net.* is writable in its network namespace
// (SYSTEMD_NSPAWN_API_VFS_WRITABLE=network); vm.* is read-only and some net.core keys do not exist there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../../src/core/errors.js';
import { sysctlModule } from '../../../src/modules/sysctl.js';
import { onHost, planOnLab, runTwice } from '../../support/lab-host.js';
import { labSkipReason } from '../harness.js';

const HOST = 'lb03';
const FILE = '/etc/sysctl.d/90-lab-sysctl.conf';
const skip = labSkipReason();

const live = async (key: string): Promise<string> => (await onHost(HOST, `sysctl -n ${key}`)).trim();

describe.skipIf(skip)('sysctl module on a lab host', () => {
  let somaxconnBefore = '';
  let wanted = 0;

  beforeAll(async () => {
    somaxconnBefore = await live('net.core.somaxconn');
    wanted = Number(somaxconnBefore) + 1000; // differs from whatever the namespace has now
  });

  afterAll(async () => {
    await onHost(HOST, `sysctl -q -w net.core.somaxconn=${somaxconnBefore}; rm -f ${FILE}`);
  });

  it('sets net.core.somaxconn live and in the file, then plans nothing', async () => {
    const first = await runTwice(sysctlModule, HOST, { values: { 'net.core.somaxconn': wanted }, file: FILE });
    expect(first.changes.map((c) => c.summary)).toEqual([
      `net.core.somaxconn: ${somaxconnBefore} → ${wanted}`,
      `create ${FILE}`,
    ]);
    expect(await live('net.core.somaxconn')).toBe(String(wanted));
    expect(await onHost(HOST, `cat ${FILE}`)).toContain(`net.core.somaxconn = ${wanted}\n`);
  });

  it.each([
    ['vm.swappiness', /vm\.swappiness is read-only here/],
    ['net.core.netdev_max_backlog', /net\.core\.netdev_max_backlog does not exist/],
  ])('fails on %s, naming the key', async (key, why) => {
    const error = await planOnLab(sysctlModule, HOST, {
      values: { 'net.core.somaxconn': wanted, [key]: 1000 },
      file: FILE,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).message).toBe(`sysctl: a key is unavailable: ${key}`);
    expect((error as TaskError).detail).toMatch(why);
  });

  it('skips unavailable keys with ignore_unavailable and still converges', async () => {
    const swappiness = await live('vm.swappiness');
    const args = {
      values: { 'net.core.somaxconn': wanted, 'vm.swappiness': 1, 'net.core.netdev_max_backlog': 5000 },
      file: FILE,
      ignore_unavailable: true,
    };
    const first = await runTwice(sysctlModule, HOST, args);
    expect(first.result).toEqual({
      skipped: ['vm.swappiness', 'net.core.netdev_max_backlog'],
      warnings: [
        expect.stringMatching(/^vm\.swappiness is read-only here/),
        expect.stringMatching(/^net\.core\.netdev_max_backlog does not exist/),
      ],
    });
    expect(first.changes.map((c) => c.summary)).toEqual([
      `update ${FILE} [skipped with warning: vm.swappiness, net.core.netdev_max_backlog]`,
    ]);
    expect(await live('vm.swappiness')).toBe(swappiness);
    const file = await onHost(HOST, `cat ${FILE}`);
    expect(file).toContain('# skipped, readonly on this host: vm.swappiness = 1\n');
    expect(file).toContain('# skipped, missing on this host: net.core.netdev_max_backlog = 5000\n');
    // The file stays loadable at boot: procps applies it without an error.
    await onHost(HOST, `sysctl -q -p ${FILE}`);
  });
});
