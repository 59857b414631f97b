// package planning against this machine's real dpkg/apt (read-only: simulations only, nothing is installed).
import { describe, expect, it } from 'vitest';
import { packageModule } from '../../../src/modules/package/index.js';
import { localSh, planModule } from '../../support/local-host.js';

describe('package (apt, plan only)', () => {
  it('an installed package plans nothing; a missing one is named by the simulation', async () => {
    expect((await planModule(packageModule, { name: 'haproxy' })).changes).toEqual([]);
    const missing = (await localSh("dpkg-query -W -f='${Status}' socat 2>/dev/null")).stdout.includes(
      'install ok installed',
    )
      ? null
      : 'socat';
    if (missing !== null) {
      const out = await planModule(packageModule, { name: ['haproxy', missing] });
      expect(out.changes).toHaveLength(1);
      expect(out.changes[0]?.summary).toMatch(/^install socat \S+/);
      const op = out.changes[0]?.ops[0];
      expect(op?.kind === 'exec' ? op.command.text : op?.kind).toContain('apt-get install -y');
    }
  });
  it('absent plans a removal named by the simulation', async () => {
    const out = await planModule(packageModule, { name: 'haproxy', state: 'absent' });
    expect(out.changes[0]?.summary).toMatch(/^remove haproxy /);
  });
  it('an unknown package is an error', async () => {
    await expect(planModule(packageModule, { name: 'no-such-package-xyz' })).rejects.toThrow(
      /Unable to locate package no-such-package-xyz/,
    );
  });
});
