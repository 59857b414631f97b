// End to end: the built CLI against a real OpenSSH server on loopback.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

let sshd: Sshd;
let work: string;
let target: string;

function inventory(extraHosts = '', knownHosts = sshd.knownHostsPath): string {
  const file = join(work, `inv-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    `ssh: { known_hosts: ${JSON.stringify(knownHosts)} }
hosts:
  lb[01-02]:
    address: 127.0.0.1
    port: ${sshd.port}
    user: root
    identity_file: ${JSON.stringify(sshd.clientKeyPath)}
${extraHosts}
groups:
  lb: { hosts: ["lb[01-02]"] }
vars:
  target_dir: ${JSON.stringify(target)}
  greeting: hello
`,
  );
  return file;
}

function playbook(greeting = '{{ greeting }}'): string {
  const file = join(work, `site-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(
    file,
    `- name: files
  hosts: all
  gather_facts: true
  tasks:
    - name: directory per host
      command:
        cmd: "mkdir -p {{ target_dir }}/{{ inventory_hostname }}"
        creates: "{{ target_dir }}/{{ inventory_hostname }}"
    - name: greeting file
      copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}/greeting.txt"
        content: "${greeting} from {{ inventory_hostname }} ({{ facts.os.family }})\\n"
        mode: "0640"
      notify: [touch marker]
  handlers:
    - name: touch marker
      shell:
        cmd: "date +%s%N >> {{ target_dir }}/{{ inventory_hostname }}/handler-runs"
`,
  );
  return file;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const host of readdirSync(dir)) {
    for (const f of readdirSync(join(dir, host)))
      out[`${host}/${f}`] = createHash('sha256')
        .update(readFileSync(join(dir, host, f)))
        .digest('hex');
  }
  return out;
}

beforeAll(async () => {
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'ober-cli-'));
  target = join(work, 'target');
});
afterAll(async () => {
  await sshd?.stop();
});

describe('deploy against a real sshd', () => {
  it('applies, then converges, then --check changes nothing byte for byte', async () => {
    const inv = inventory();
    const first = await runCli(['deploy', '-i', inv, playbook(), '--reporter', 'plain']);
    expect(first.stderr).toBe('');
    expect(first.code, first.stdout).toBe(0);
    expect(readFileSync(join(target, 'lb01', 'greeting.txt'), 'utf8')).toBe('hello from lb01 (debian)\n');
    expect(
      readFileSync(join(target, 'lb02', 'handler-runs'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    expect(first.stdout).toMatch(/lb01\s+ok\s+ok=\d+ changed=3/);

    const again = await runCli(['deploy', '-i', inv, playbook(), '--reporter', 'plain', '--verify']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/lb01\s+ok\s+ok=\d+ changed=0/);
    expect(
      readFileSync(join(target, 'lb02', 'handler-runs'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);

    const before = snapshot(target);
    const check = await runCli([
      'deploy',
      '-i',
      inv,
      playbook('goodbye'),
      '--check',
      '--diff',
      '--reporter',
      'plain',
      '--detailed-exitcode',
    ]);
    expect(check.code).toBe(3);
    expect(check.stdout).toContain('-hello from lb01 (debian)');
    expect(check.stdout).toContain('+goodbye from lb01 (debian)');
    expect(snapshot(target)).toEqual(before);
  });

  it('copies a real PEM and a 300 KiB binary file byte-exact, then converges', async () => {
    const files = join(work, 'files');
    execFileSync('mkdir', ['-p', files]);
    const args = [
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=s3.example.test',
    ];
    execFileSync('openssl', ['req', ...args, '-keyout', join(files, 'k.pem'), '-out', join(files, 'c.pem')], {
      stdio: 'ignore',
    });
    writeFileSync(
      join(files, 'cert.pem'),
      readFileSync(join(files, 'c.pem'), 'utf8') + readFileSync(join(files, 'k.pem'), 'utf8'),
    );
    // Leading '-', NUL and invalid UTF-8 past the 64 KiB switch.
    writeFileSync(join(files, 'blob.bin'), Buffer.concat([Buffer.from('--%s\\\0\xff'), randomBytes(300 * 1024)]));
    const book = join(work, 'certs.yml');
    writeFileSync(
      book,
      `- name: certs
  hosts: lb01
  tasks:
    - name: directory
      command: { cmd: "mkdir -p {{ target_dir }}/certs", creates: "{{ target_dir }}/certs" }
    - name: certificate
      copy: { src: files/cert.pem, dest: "{{ target_dir }}/certs/x.pem", mode: "0600" }
    - name: binary
      copy: { src: files/blob.bin, dest: "{{ target_dir }}/certs/blob.bin" }
`,
    );
    const inv = inventory();
    const first = await runCli(['deploy', '-i', inv, book, '--reporter', 'plain']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const [src, dest] of [
      ['cert.pem', 'x.pem'],
      ['blob.bin', 'blob.bin'],
    ] as const) {
      expect(readFileSync(join(target, 'certs', dest)).equals(readFileSync(join(files, src))), dest).toBe(true);
    }
    const again = await runCli(['deploy', '-i', inv, book, '--check', '--detailed-exitcode', '--reporter', 'plain']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('emits one JSON event per line with --json', async () => {
    const result = await runCli(['deploy', '-i', inventory(), playbook(), '--json', '--limit', 'lb01']);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; host?: string });
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)?.type).toBe('recap');
    expect(events.filter((e) => e.type === 'task-end').every((e) => e.host === 'lb01')).toBe(true);
  });

  it('refuses a changed host key, showing both fingerprints', async () => {
    const wrong = join(work, 'wrong_known_hosts');
    // A valid ed25519 key that is not the server's.
    writeFileSync(
      wrong,
      `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
    );
    const result = await runCli(['deploy', '-i', inventory('', wrong), playbook(), '--reporter', 'plain']);
    expect(result.code).toBe(4);
    expect(result.stdout + result.stderr).toContain(sshd.hostKeyFingerprints[0]);
  });

  it('fails only the host that is down (exit 4), the others succeed', async () => {
    const closed = await freePort();
    const inv = inventory(`  lb03:\n    address: 127.0.0.1\n    port: ${closed}\n    user: root\n`);
    const result = await runCli(['deploy', '-i', inv, playbook(), '--reporter', 'plain']);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/lb03\s+unreachable/);
    expect(existsSync(join(target, 'lb01', 'greeting.txt'))).toBe(true);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
