// Hosts install packages like a real VM, but only from the lab's apt repository (no route out of the lab).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { execOnHost, labSkipReason, labState } from './harness.js';

describe.skipIf(labSkipReason())('lab apt repository', () => {
  it('apt-get update succeeds on every host and offers haproxy, exabgp, keepalived', async () => {
    for (const host of labState().hosts) {
      const update = await execOnHost(host.name, 'apt-get update -q');
      expect(update.code, update.stderr).toBe(0);
      expect(update.stdout).toContain('http://10.99.0.200:8000');
      const policy = await execOnHost(host.name, 'apt-cache policy haproxy exabgp keepalived ethtool');
      for (const pkg of ['haproxy', 'exabgp', 'keepalived', 'ethtool']) {
        expect(policy.stdout).toMatch(new RegExp(`^${pkg}:\\n\\s+Installed: \\(none\\)\\n\\s+Candidate: \\S+`, 'm'));
      }
    }
  });

  it('the base is a fresh cloud image: no haproxy, exabgp or keepalived, only the lab repo as source', async () => {
    const host = labState().hosts[0]!;
    const r = await execOnHost(
      host.name,
      'command -v haproxy exabgp keepalived; cat /etc/apt/sources.list; ls /etc/apt/sources.list.d',
    );
    expect(r.stdout.trim()).toBe('deb [trusted=yes] http://10.99.0.200:8000/ ./');
  });

  it('the router has no route out of the lab', () => {
    const r = spawnSync('ip', ['-n', labState().router.netns, 'route', 'show', 'default'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('');
  });
});
