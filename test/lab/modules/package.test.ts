// The package module against real apt on a lab host (lb03), packages from the lab repo (10.99.0.200:8000).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageModule } from '../../../src/modules/package/index.js';
import { onHost, planOnLab, runOnLab, runTwice } from '../../support/lab-host.js';
import { labSkipReason, waitFor } from '../harness.js';

const HOST = 'lb03';
const skip = labSkipReason();

const installedVersion = async (name: string): Promise<string | null> => {
  const out = await onHost(HOST, `dpkg-query -W -f='\${db:Status-Abbrev} \${Version}\\n' ${name} 2>/dev/null || true`);
  const [status, version] = out.trim().split(/\s+/);
  return status === 'ii' && version ? version : null;
};

/** Holds apt's frontend lock like a concurrent apt/unattended-upgrades would: an fcntl lock (flock(1) is ignored by apt). */
const HOLD_LOCK = `rm -f /run/lab-lock-held /run/lab-lock-released
nohup python3 -c '
import fcntl, os, time
f = open("/var/lib/dpkg/lock-frontend", "w")
fcntl.lockf(f, fcntl.LOCK_EX)
open("/run/lab-lock-held", "w").close()
time.sleep(3)
open("/run/lab-lock-released", "w").close()
' >/dev/null 2>&1 &`;

describe.skipIf(skip)('package module on a lab host', () => {
  beforeAll(async () => {
    // A fresh host has never fetched the lists: apt-get purge of an unknown name would fail.
    await onHost(
      HOST,
      'apt-get update -q >/dev/null && apt-get purge -y -q haproxy ethtool >/dev/null && apt-get autoremove --purge -y -q >/dev/null',
    );
  });

  afterAll(async () => {
    await onHost(
      HOST,
      'apt-get purge -y -q haproxy ethtool >/dev/null && apt-get autoremove --purge -y -q >/dev/null; rm -f /run/lab-lock-held /run/lab-lock-released',
    );
  });

  it('check mode names what apt would install and changes nothing', async () => {
    const before = await onHost(HOST, 'dpkg -l');
    const { changes, facts } = await planOnLab(packageModule, HOST, { name: 'haproxy' });
    const after = await onHost(HOST, 'dpkg -l');
    expect(after).toBe(before);

    const names = (facts.simulation?.actions ?? []).filter((a) => a.kind === 'install').map((a) => a.name);
    expect(names).toContain('haproxy');
    expect(names.length).toBeGreaterThan(1); // haproxy pulls in its libraries from the lab repo
    expect(changes).toHaveLength(1);
    for (const name of names) expect(changes[0]?.summary).toContain(name);
    expect(changes[0]?.summary).toMatch(/^install .*\bhaproxy 2\.\S+/);
  });

  it('installs haproxy from the lab repo (state present) and converges', async () => {
    const first = await runTwice(packageModule, HOST, { name: 'haproxy', update_cache: true });
    expect(first.changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^install .*\bhaproxy 2\./)]);
    expect(await installedVersion('haproxy')).toMatch(/^2\./);
    expect(await onHost(HOST, 'haproxy -v')).toMatch(/HAProxy version 2\./);
  });

  it('waits for a held dpkg frontend lock, then installs', async () => {
    await onHost(HOST, HOLD_LOCK);
    await waitFor(() => onHost(HOST, 'test -e /run/lab-lock-held').then(() => true), {
      what: 'the lock holder to take the dpkg frontend lock',
    });

    const { changes } = await runOnLab(packageModule, HOST, { name: 'ethtool' });
    expect(changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^install ethtool /)]);
    // The install could only finish after the holder let go.
    await onHost(HOST, 'test -e /run/lab-lock-released');
    expect(await installedVersion('ethtool')).not.toBeNull();
  });

  it('removes haproxy (state absent) and converges', async () => {
    const first = await runTwice(packageModule, HOST, { name: ['haproxy', 'ethtool'], state: 'absent' });
    expect(first.changes.map((c) => c.summary)).toEqual([
      expect.stringMatching(/^remove (haproxy|ethtool).*(haproxy|ethtool)/),
    ]);
    expect(await installedVersion('haproxy')).toBeNull();
    expect(await installedVersion('ethtool')).toBeNull();
  });
});
