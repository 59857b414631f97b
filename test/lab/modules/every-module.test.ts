// One playbook that uses every module, through the CLI, on a bare lab host of its own (a private 1-host lab):
// it runs, a re-run changes nothing (--verify), --check on changed input reports the change and leaves the host
// byte for byte as it was (file checksums and the package list), and a template whose validate fails exits 1
// with the old file in place.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { execOnHost, LAB_DIR, labSkipReason, runLab } from '../harness.js';

const STATE = `${LAB_DIR}.state-every`;
const ENV = { LAB_PREFIX: 'oberevery-', LAB_STATE: STATE };
const INVENTORY = `${STATE}/inventory.yml`;
const ROOT = '/var/lib/ober-every';

let dir: string;

function playbook(marker: string, templateCheck = 'ok'): string {
  const template = join(dir, `every-${marker}.cfg.hbs`);
  writeFileSync(template, `# {{ inventory_hostname }} ({{ facts.os.id }})\nmarker {{ marker }}\n${templateCheck}\n`);
  const file = join(dir, `every-${marker}-${templateCheck}.yml`);
  writeFileSync(
    file,
    `- name: every module
  hosts: all
  become: true
  vars: { marker: "${marker}" }
  tasks:
    - name: "proxmox_vm (skipped: the lab hosts have no vm binding)"
      when: host.vm != null
      proxmox_vm: { cpu: host }
    - name: file
      file: { path: ${ROOT}, state: directory, mode: "0755" }
    - name: copy
      copy: { dest: ${ROOT}/copy.txt, content: "marker {{ marker }}\\n", mode: "0644" }
    - name: template
      template: { src: ${template}, dest: ${ROOT}/every.cfg, validate: "grep -qx ok %s" }
    - name: command
      command: { cmd: "touch ${ROOT}/command.done", creates: ${ROOT}/command.done }
    - name: shell
      shell: { cmd: "echo shell > ${ROOT}/shell.done", creates: ${ROOT}/shell.done }
    - name: package
      package: { name: [haproxy, ethtool], state: present, update_cache: true }
    - name: sysctl
      sysctl: { file: /etc/sysctl.d/91-every.conf, values: { net.ipv4.tcp_fin_timeout: 31 } }
    - name: a haproxy with a stats socket of its own
      copy:
        dest: /etc/haproxy/every.cfg
        content: "global\\n  stats socket /run/haproxy-every.sock mode 600 level admin\\ndefaults\\n  mode http\\n  timeout client 5s\\n  timeout server 5s\\n  timeout connect 1s\\nfrontend f\\n  bind 127.0.0.1:8999\\n  default_backend b\\nbackend b\\n  server s1 127.0.0.1:9\\n"
        validate: "haproxy -c -q -f %s"
    - name: its unit
      copy:
        dest: /etc/systemd/system/every-haproxy.service
        content: "[Service]\\nExecStart=/usr/sbin/haproxy -Ws -f /etc/haproxy/every.cfg\\nType=notify\\n[Install]\\nWantedBy=multi-user.target\\n"
    - name: systemd
      systemd: { daemon_reload: true }
    - name: service
      service: { name: every-haproxy, state: started, enabled: true }
    - name: wait_for
      wait_for: { port: 8999, timeout: 30 }
    - name: haproxy
      haproxy: { socket: /run/haproxy-every.sock, action: info }
      register: info
    - name: assert
      assert: { that: "facts.init == 'systemd'", msg: "systemd expected" }
    - name: reboot
      reboot: { timeout: 120 }
      tags: [reboot]
`,
  );
  return file;
}

const deploy = (file: string, ...args: string[]) =>
  runCli(['deploy', '-i', INVENTORY, file, '--reporter', 'plain', ...args]);
const fingerprint = async () =>
  (
    await execOnHost(
      'lb01',
      `sha256sum ${ROOT}/* /etc/sysctl.d/91-every.conf /etc/haproxy/every.cfg; dpkg-query -W -f='\${Package} \${Version}\\n'`,
      { via: 'nsenter' },
    )
  ).stdout;

describe.skipIf(labSkipReason())('a playbook with every module (private 1-host lab)', () => {
  beforeAll(() => {
    process.env.LAB_STATE = STATE; // the harness helpers read it
    dir = mkdtempSync(join(tmpdir(), 'every-'));
    const up = runLab(['up', '--hosts', '1'], ENV);
    if (up.code !== 0) throw new Error(`private lab up failed: ${up.stderr}`);
  });
  afterAll(() => {
    if (process.env.LAB_KEEP !== '1') runLab(['down'], ENV);
  });

  it('runs every module on a bare host, reboot included', async () => {
    const r = await deploy(playbook('one'), '--verbose');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lb01 \| skipped \| proxmox_vm/);
    expect(r.stdout).toMatch(/lb01 \| ok \| haproxy/);
    expect(r.stdout).toMatch(/lb01 \| ok \| assert/);
    expect(r.stdout).toMatch(/lb01 \| changed \| package/);
    expect(r.stdout).toMatch(/lb01 \| changed \| reboot/);
  });

  it('a re-run changes nothing (--verify)', async () => {
    const r = await deploy(playbook('one'), '--verify', '--skip-tags', 'reboot');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lb01\s+ok\s+ok=\d+ changed=0 /);
  });

  it('--check on changed input reports exactly the change and leaves the host untouched', async () => {
    const before = await fingerprint();
    const r = await deploy(playbook('two'), '--check', '--diff', '--detailed-exitcode', '--skip-tags', 'reboot');
    expect(r.code, r.stdout).toBe(3);
    expect(r.stdout).toMatch(/lb01 \| changed \| copy/);
    expect(r.stdout).toContain('-marker one');
    expect(r.stdout).toContain('+marker two');
    expect(r.stdout).toMatch(/lb01\s+ok\s+ok=\d+ changed=2 /); // copy and template, nothing else
    expect(await fingerprint()).toBe(before);
  });

  it('a template whose validate fails exits 1 and leaves the old file in place', async () => {
    const before = (await execOnHost('lb01', `cat ${ROOT}/every.cfg`, { via: 'nsenter' })).stdout;
    const r = await deploy(playbook('three', 'not-ok'), '--skip-tags', 'reboot');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /lb01 \| failed \| template \| validation of .*every.cfg failed; the live file was not replaced/,
    );
    expect((await execOnHost('lb01', `cat ${ROOT}/every.cfg`, { via: 'nsenter' })).stdout).toBe(before);
    expect(
      (await execOnHost('lb01', `ls -A ${ROOT} | grep -c ober-push || true`, { via: 'nsenter' })).stdout.trim(),
    ).toBe('0');
  });
});
