// The reboot module's op on a lab host (lb03), over ssh like the engine: the lab's launcher boots the
// container again when nspawn exits 133, so the host comes back on the same overlay and address.
import { afterAll, describe, expect, it } from 'vitest';
import { rebootModule } from '../../../src/modules/reboot.js';
import { onHost, runOnLab } from '../../support/lab-host.js';
import { labSkipReason, waitFor } from '../harness.js';

const HOST = 'lb03';
const skip = labSkipReason();

const bootId = async (): Promise<string> => (await onHost(HOST, 'cat /proc/sys/kernel/random/boot_id', 'ssh')).trim();

describe.skipIf(skip)('reboot module on a lab host', () => {
  afterAll(async () => {
    await onHost(HOST, 'rm -f /etc/lab-reboot-marker /run/lab-reboot-marker');
  });

  it('reboots: the host comes back with a new boot id, sshd answering, its disk kept and /run emptied', async () => {
    const before = await bootId();
    await onHost(HOST, 'touch /etc/lab-reboot-marker /run/lab-reboot-marker');

    const started = Date.now();
    const { changes, result } = await runOnLab(rebootModule, HOST, { msg: 'lab reboot test' }, { via: 'ssh' });
    expect(changes.map((c) => c.needs)).toEqual([[{ kind: 'reboot', timeoutS: 600 }]]);
    expect(result).toEqual({ boot_id_before: before, timeout_s: 600 });

    const after = await waitFor(
      async () => {
        const id = await bootId();
        return id !== before ? id : null;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${HOST} to answer ssh with a new boot id` },
    );
    expect(after).toMatch(/^[0-9a-f-]{36}$/);
    const state = await waitFor(
      async () => {
        const s = (await onHost(HOST, 'systemctl is-system-running || true', 'ssh')).trim();
        return s === 'running' || s === 'degraded' ? s : null;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `${HOST} to finish booting` },
    );
    expect(state).toMatch(/running|degraded/);
    process.stdout.write(`[lab] ${HOST} rebooted in ${Date.now() - started} ms\n`);

    await onHost(HOST, 'test -e /etc/lab-reboot-marker && ! test -e /run/lab-reboot-marker');
    // The journal of the previous boot ends with the module's message (logged before the reboot).
    expect(await onHost(HOST, 'journalctl -b -1 -t ober-push --no-pager -o cat || true')).toContain('lab reboot test');
  });
});
