// Every lab host boots real systemd and answers ssh with strict host key checking.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { execOnHost, labSkipReason, labState, sshArgs } from './harness.js';

describe.skipIf(labSkipReason())('lab hosts', () => {
  it('boot with systemd as PID 1 and reach running state', async () => {
    const { hosts } = labState();
    expect(hosts.length).toBeGreaterThanOrEqual(1);
    const ids = new Set<string>();
    for (const host of hosts) {
      const r = await execOnHost(
        host.name,
        'cat /proc/1/comm; systemctl is-system-running; hostname; cat /etc/machine-id',
      );
      const [comm, state, hostname, machineId] = r.stdout.trim().split('\n');
      expect(comm).toBe('systemd');
      expect(['running', 'degraded']).toContain(state);
      expect(hostname).toBe(host.name);
      ids.add(machineId ?? '');
    }
    expect(ids.size).toBe(hosts.length); // each host has its own machine-id
  });

  it('answer ssh through the router with strict host keys from the lab known_hosts', () => {
    const { hosts } = labState();
    for (const host of hosts) {
      // The system ssh client with the lab's ssh_config: StrictHostKeyChecking yes, lab known_hosts only.
      const r = spawnSync('ssh', [...sshArgs(), host.name, 'hostname; ip -4 -o addr show host0'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(host.name);
      expect(r.stdout).toContain(`${host.address}/24`);
    }
  });

  it('refuses a host whose key is not in known_hosts (strict checking is really on)', () => {
    const state = labState();
    const host = state.hosts[0]!;
    const dir = mkdtempSync(`${tmpdir()}/lab-ssh-`);
    const foreign = `${dir}/known_hosts`;
    // Same names, but every key belongs to a different host: ssh must refuse.
    const other = state.hosts[1] ?? host;
    const lines = readFileSync(state.knownHosts, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(`${other.name},`));
    writeFileSync(
      foreign,
      lines.map((l) => l.replace(`${other.name},${other.address}`, `${host.name},${host.address}`)).join('\n') + '\n',
    );
    const r = spawnSync('ssh', [...sshArgs(), '-o', `UserKnownHostsFile=${foreign}`, host.name, 'true'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    if (other !== host) expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});
