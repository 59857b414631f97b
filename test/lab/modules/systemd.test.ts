// The systemd module on a lab host (lb03): a manager drop-in (system.conf.d) followed by daemon_reexec.
// nspawn gives the host no /dev/watchdog, yet the manager reports the configured RuntimeWatchdogUSec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyModule } from '../../../src/modules/copy.js';
import { systemdModule } from '../../../src/modules/systemd.js';
import { onHost, planOnLab, runTwice } from '../../support/lab-host.js';
import { labSkipReason } from '../harness.js';

const HOST = 'lb03';
const DROP_IN = '/etc/systemd/system.conf.d/50-lab-watchdog.conf';
const skip = labSkipReason();

const watchdog = async (): Promise<string> =>
  (await onHost(HOST, 'systemctl show -p RuntimeWatchdogUSec --value')).trim();
const summaries = (changes: Array<{ summary: string }>): string[] => changes.map((c) => c.summary);

describe.skipIf(skip)('systemd module on a lab host', () => {
  beforeAll(async () => {
    await onHost(HOST, `mkdir -p /etc/systemd/system.conf.d && rm -f ${DROP_IN} && systemctl daemon-reexec`);
  });

  afterAll(async () => {
    await onHost(HOST, `rm -f ${DROP_IN} && systemctl daemon-reexec`);
  });

  it('re-executes the manager after a system.conf.d drop-in, then plans nothing', async () => {
    expect(await watchdog()).toBe('0');
    const bootId = await onHost(HOST, 'cat /proc/sys/kernel/random/boot_id');
    await runTwice(copyModule, HOST, { dest: DROP_IN, content: '[Manager]\nRuntimeWatchdogSec=30s\n' });

    const first = await runTwice(systemdModule, HOST, { daemon_reexec: true });
    expect(summaries(first.changes)).toEqual(['systemd daemon-reexec (manager config changed since it was last read)']);
    expect(await watchdog()).toBe('30s');
    expect(await onHost(HOST, 'cat /proc/sys/kernel/random/boot_id')).toBe(bootId); // re-executed, not rebooted
  });

  it('re-executes it again when the drop-in is removed', async () => {
    await onHost(HOST, `rm ${DROP_IN}`);
    const first = await runTwice(systemdModule, HOST, { daemon_reexec: true });
    expect(summaries(first.changes)).toEqual(['systemd daemon-reexec (manager config changed since it was last read)']);
    expect(await watchdog()).toBe('0');
  });

  it('plans nothing without daemon_reexec, and a forced reexec always', async () => {
    expect(summaries((await planOnLab(systemdModule, HOST, { daemon_reload: true })).changes)).toEqual([]);
    expect(summaries((await planOnLab(systemdModule, HOST, { daemon_reexec: true, force: true })).changes)).toEqual([
      'systemd daemon-reexec (forced)',
    ]);
  });
});
