// ober-push itself against the lab's systemd hosts: strict host keys, facts, a playbook that converges.
// (A reboot through the engine is tested on a private host: test/lab/modules/every-module.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { execOnHost, labSkipReason, labState } from '../harness.js';

interface FactsRow {
  host: string;
  facts?: {
    init: string;
    packageManager: string;
    os: { id: string; family: string };
    defaultInterface: { name: string } | null;
  };
  error?: string;
}

function writePlaybook(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lab-cli-')), 'playbook.yml');
  writeFileSync(file, body);
  return file;
}

describe.skipIf(labSkipReason())('ober-push on the lab', () => {
  it('gathers facts from every host over ssh with strict host keys', async () => {
    const { inventory, hosts } = labState();
    const result = await runCli(['facts', '-i', inventory, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as FactsRow[];
    expect(rows.map((r) => r.host).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const row of rows) {
      expect(row.error).toBeUndefined();
      expect(row.facts?.init).toBe('systemd');
      expect(row.facts?.packageManager).toBe('apt');
      expect(row.facts?.os.family).toBe('debian');
      expect(row.facts?.defaultInterface?.name).toBe('host0');
    }
  });

  it('runs a playbook, re-runs it with no change (--verify), and --check leaves the hosts untouched', async () => {
    const { inventory } = labState();
    const smoke = (somaxconn: number) => `- name: lab smoke
  hosts: all
  tasks:
    - name: motd
      copy: { dest: /etc/motd, content: "{{ inventory_hostname }} is managed by ober-push ({{ facts.cpus }} cpus)\\n", mode: "0644" }
    - name: a directory
      file: { path: /var/lib/ober-push-smoke, state: directory, mode: "0750" }
    - name: somaxconn
      sysctl: { file: /etc/sysctl.d/90-smoke.conf, values: { net.core.somaxconn: ${somaxconn} } }
    - name: guarded command
      command: { cmd: "touch /var/lib/ober-push-smoke/done", creates: /var/lib/ober-push-smoke/done }
`;
    const playbook = writePlaybook(smoke(8192));
    const first = await runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/lb01\s+ok\s+ok=\d+ changed=4/);
    const again = await runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain', '--verify']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toMatch(/changed=[1-9]/);

    const before = await execOnHost(
      'lb01',
      'sha256sum /etc/motd /etc/sysctl.d/90-smoke.conf; sysctl -n net.core.somaxconn',
    );
    const changed = writePlaybook(smoke(4096));
    const check = await runCli([
      'deploy',
      '-i',
      inventory,
      changed,
      '--check',
      '--diff',
      '--reporter',
      'plain',
      '--detailed-exitcode',
    ]);
    expect(check.code, check.stdout).toBe(3);
    expect(check.stdout).toContain('net.core.somaxconn: 8192 → 4096');
    const after = await execOnHost(
      'lb01',
      'sha256sum /etc/motd /etc/sysctl.d/90-smoke.conf; sysctl -n net.core.somaxconn',
    );
    expect(after.stdout).toBe(before.stdout);
  });
});
