// The service module against systemd on a lab host (lb03), with tiny units written by the copy module.
// The units live in /usr/local/lib/systemd/system: a unit file in /etc/systemd/system cannot be masked
// (`systemctl mask` puts its /dev/null symlink there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../../src/core/errors.js';
import { copyModule } from '../../../src/modules/copy.js';
import { serviceModule } from '../../../src/modules/service.js';
import { onHost, planOnLab, runOnLab, runTwice } from '../../support/lab-host.js';
import { labSkipReason } from '../harness.js';

const HOST = 'lb03';
const UNIT_DIR = '/usr/local/lib/systemd/system';
const skip = labSkipReason();

const TINY_UNIT = `[Unit]
Description=ober-push lab test unit

[Service]
ExecStart=/bin/sleep infinity

[Install]
WantedBy=multi-user.target
`;

// Type=oneshot: `systemctl start` waits for the process, so its failure reaches the task.
const FAILING_UNIT = `[Unit]
Description=ober-push lab unit that fails to start

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo lab-fail-marker: cannot bind 10.99.0.13:1 >&2; exit 3'
`;

const systemctl = async (...args: string[]): Promise<string> =>
  (await onHost(HOST, `systemctl ${args.join(' ')} || true`)).trim();
const summaries = (changes: Array<{ summary: string }>): string[] => changes.map((c) => c.summary);

describe.skipIf(skip)('service module on a lab host', () => {
  beforeAll(async () => {
    await onHost(HOST, `mkdir -p ${UNIT_DIR}`);
    await runOnLab(copyModule, HOST, { dest: `${UNIT_DIR}/lab-tiny.service`, content: TINY_UNIT });
    await runOnLab(copyModule, HOST, { dest: `${UNIT_DIR}/lab-fail.service`, content: FAILING_UNIT });
  });

  afterAll(async () => {
    await onHost(
      HOST,
      'systemctl unmask lab-tiny.service; systemctl disable --now lab-tiny.service; systemctl stop lab-fail.service; ' +
        `rm -rf ${UNIT_DIR}/lab-tiny.service ${UNIT_DIR}/lab-fail.service /etc/systemd/system/lab-tiny.service.d; ` +
        'systemctl daemon-reload; systemctl reset-failed',
    );
  });

  it('starts and enables a new unit, then plans nothing', async () => {
    const first = await runTwice(serviceModule, HOST, {
      name: 'lab-tiny',
      state: 'started',
      enabled: true,
      daemon_reload: true,
    });
    expect(summaries(first.changes)).toEqual([
      expect.stringMatching(/^lab-tiny\.service: (daemon-reload, )?enable, start/),
    ]);
    expect(await systemctl('is-active', 'lab-tiny')).toBe('active');
    expect(await systemctl('is-enabled', 'lab-tiny')).toBe('enabled');
  });

  it('stops and disables it, then plans nothing', async () => {
    const first = await runTwice(serviceModule, HOST, { name: 'lab-tiny.service', state: 'stopped', enabled: false });
    expect(summaries(first.changes)).toEqual(['lab-tiny.service: disable, stop']);
    expect(await systemctl('is-active', 'lab-tiny')).toBe('inactive');
    expect(await systemctl('is-enabled', 'lab-tiny')).toBe('disabled');
  });

  it('masks it (a start then fails) and unmasks it', async () => {
    await onHost(HOST, 'systemctl start lab-tiny');
    const masked = await runTwice(serviceModule, HOST, { name: 'lab-tiny', masked: true });
    expect(summaries(masked.changes)).toEqual(['lab-tiny.service: stop, mask']);
    expect(await systemctl('is-enabled', 'lab-tiny')).toBe('masked');
    expect(await systemctl('is-active', 'lab-tiny')).toBe('inactive');
    expect(await onHost(HOST, 'systemctl start lab-tiny 2>&1 && echo started || echo refused')).toMatch(
      /masked[\s\S]*refused/,
    );

    const unmasked = await runTwice(serviceModule, HOST, { name: 'lab-tiny', masked: false });
    expect(summaries(unmasked.changes)).toEqual(['lab-tiny.service: unmask']);
    expect(await systemctl('is-enabled', 'lab-tiny')).toBe('disabled');
  });

  it('reports systemctl status and the journal when a unit fails to start', async () => {
    const error = await runOnLab(serviceModule, HOST, { name: 'lab-fail', state: 'started' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    const { stderr, exitCode } = error as CommandError;
    expect(exitCode).not.toBe(0);
    expect(stderr).toMatch(/lab-fail\.service - ober-push lab unit that fails to start/); // systemctl status
    expect(stderr).toMatch(/Active: failed/);
    expect(stderr).toMatch(/lab-fail-marker: cannot bind/); // the unit's own output, from the journal
    expect(await systemctl('is-failed', 'lab-fail')).toBe('failed');
  });

  it('picks up a drop-in written by copy: daemon-reload first, without being asked', async () => {
    // Only a loaded unit goes stale: an inactive one is read afresh from disk anyway.
    await onHost(HOST, 'systemctl start lab-tiny && mkdir -p /etc/systemd/system/lab-tiny.service.d');
    await runTwice(copyModule, HOST, {
      dest: '/etc/systemd/system/lab-tiny.service.d/10-lab.conf',
      content: '[Service]\nEnvironment=LAB_DROPIN=applied\n',
    });
    // systemd 252 itself says NeedDaemonReload=no for a drop-in directory that is new since the unit was
    // loaded (it caches the unit paths); the module compares the files on disk with DropInPaths.
    expect(await systemctl('show', '-p', 'DropInPaths', 'lab-tiny')).toBe('DropInPaths=');

    const restarted = await runOnLab(serviceModule, HOST, { name: 'lab-tiny', state: 'restarted' });
    expect(summaries(restarted.changes)).toEqual(['lab-tiny.service: daemon-reload, restart']);
    expect(await systemctl('show', '-p', 'NeedDaemonReload', 'lab-tiny')).toBe('NeedDaemonReload=no');
    expect(await systemctl('show', '-p', 'Environment', 'lab-tiny')).toBe('Environment=LAB_DROPIN=applied');
    const pid = await systemctl('show', '-p', 'MainPID', '--value', 'lab-tiny');
    expect(await onHost(HOST, `tr '\\0' '\\n' < /proc/${pid}/environ`)).toContain('LAB_DROPIN=applied');
    expect(summaries((await planOnLab(serviceModule, HOST, { name: 'lab-tiny', state: 'started' })).changes)).toEqual(
      [],
    );
  });
});
