// End to end: secrets given by env, file, vault value and vault vars file reach the host in clear, and appear in
// no output (plain, tty, --json, --diff, errors, inventory) and no local file the run writes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptVault } from '../../../src/secrets/vault.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

const SECRETS = {
  env: "env-secret-9f3k'quoted",
  file: 'file-secret-J2mQx7',
  vault: 'vault-secret-Zp41wE',
  vaultFile: 'vaultfile-secret-Hc88Lr',
  clearAuth: 'admin:clear-stats-pw-5T',
};
const PASSWORD = 'correct horse battery';

let sshd: Sshd;
let work: string;
let target: string;
let inventoryFile: string;
let playbookFile: string;
const outputs: { name: string; text: string }[] = [];

async function run(name: string, args: string[]): Promise<CliResult> {
  const result = await runCli(args, { cwd: work, env: { OBER_TEST_PW: SECRETS.env } });
  outputs.push({ name: `${name} stdout`, text: result.stdout }, { name: `${name} stderr`, text: result.stderr });
  return result;
}

/** Every file under `dir` except the inputs the test wrote itself. */
function filesUnder(dir: string, skip: Set<string>): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.has(path) || path === target) return [];
    return statSync(path).isDirectory() ? filesUnder(path, skip) : [path];
  });
}

beforeAll(async () => {
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'ober-secrets-'));
  target = join(work, 'target');
  writeFileSync(join(work, 'vault-pass'), `${PASSWORD}\n`);
  writeFileSync(join(work, 'file-secret'), `${SECRETS.file}\n`);
  writeFileSync(
    join(work, 'vault-vars.yml'),
    encryptVault(`vaultfile_pw: ${SECRETS.vaultFile}\n`, PASSWORD, { label: 'prod' }),
  );
  const vaultLines = encryptVault(SECRETS.vault, PASSWORD)
    .trimEnd()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  inventoryFile = join(work, 'inventory.yml');
  writeFileSync(
    inventoryFile,
    `ssh: { known_hosts: ${JSON.stringify(sshd.knownHostsPath)} }
hosts:
  lb01:
    address: 127.0.0.1
    port: ${sshd.port}
    user: root
    identity_file: ${JSON.stringify(sshd.clientKeyPath)}
    vars:
      vault_pw: |
${vaultLines}
vars:
  target_dir: ${JSON.stringify(target)}
  env_pw: { env: OBER_TEST_PW }
  haproxy:
    stats_auth: ${JSON.stringify(SECRETS.clearAuth)}
    nested: { pass: { file: file-secret } }
`,
  );
  playbookFile = join(work, 'site.yml');
  writeFileSync(
    playbookFile,
    `- name: secrets
  hosts: all
  gather_facts: false
  tasks:
    - name: directory
      command: { cmd: "mkdir -p {{ target_dir }}", creates: "{{ target_dir }}" }
    - name: config with every secret
      copy:
        dest: "{{ target_dir }}/app.conf"
        content: "env={{ env_pw }}\\nfile={{ haproxy.nested.pass }}\\nvault={{ vault_pw }}\\nvaultfile={{ vaultfile_pw }}\\nauth={{ haproxy.stats_auth }}\\n"
        mode: "0640"
    - name: command with a secret in its text
      command: { cmd: "touch {{ target_dir }}/done-{{ vault_pw }}", creates: "{{ target_dir }}/done-{{ vault_pw }}" }
    - name: failing command that prints secrets
      shell: { cmd: "printf '%s\\n' \\"leaking {{ env_pw }} {{ vaultfile_pw }}\\" >&2; exit 3" }
`,
  );
});
afterAll(async () => {
  await sshd?.stop();
});

const common = () => [
  '-i',
  inventoryFile,
  playbookFile,
  '--vault-password-file',
  join(work, 'vault-pass'),
  '-e',
  `@${join(work, 'vault-vars.yml')}`,
];

describe('secrets given by reference', () => {
  it('reach the host in clear and no output, whatever the reporter', async () => {
    const plain = await run('deploy --diff (plain)', ['deploy', ...common(), '--diff', '--reporter', 'plain']);
    expect(plain.code).toBe(1);
    expect(readFileSync(join(target, 'app.conf'), 'utf8')).toBe(
      `env=${SECRETS.env}\nfile=${SECRETS.file}\nvault=${SECRETS.vault}\nvaultfile=${SECRETS.vaultFile}\nauth=${SECRETS.clearAuth}\n`,
    );
    expect(existsSync(join(target, `done-${SECRETS.vault}`))).toBe(true);
    // The diff and the failure are there, with [redacted] where the values were.
    expect(plain.stdout).toContain('+env=[redacted]\n');
    expect(plain.stdout).toContain('+vault=[redacted]\n');
    expect(plain.stdout).toContain(`touch ${target}/done-[redacted]`);
    expect(plain.stdout).toContain('leaking [redacted] [redacted]');

    // Change the file on the host so the next runs have a diff again.
    writeFileSync(join(target, 'app.conf'), 'old\n');
    const json = await run('deploy --check --diff --json', ['deploy', ...common(), '--check', '--diff', '--json']);
    expect(json.stdout).toContain('"after":"env=[redacted]\\nfile=[redacted]\\nvault=[redacted]');
    const tty = await run('deploy --check --diff (tty)', [
      'deploy',
      ...common(),
      '--check',
      '--diff',
      '--reporter',
      'tty',
    ]);
    expect(tty.stdout).toContain('vault=[redacted]');
    const list = await run('inventory --list', [
      'inventory',
      '-i',
      inventoryFile,
      '--vault-password-file',
      join(work, 'vault-pass'),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('stats_auth: "[redacted]"');
    const host = await run('inventory --host --json', [
      'inventory',
      '-i',
      inventoryFile,
      '--host',
      'lb01',
      '--json',
      '--vault-password-file',
      join(work, 'vault-pass'),
    ]);
    expect(JSON.parse(host.stdout).vars).toMatchObject({
      env_pw: '[redacted]',
      vault_pw: '[redacted]',
      haproxy: { nested: { pass: '[redacted]' } },
    });
  });

  it('refuse a wrong vault password with the file:line of the value, exit 2, no host contacted', async () => {
    writeFileSync(join(work, 'wrong-pass'), 'not the password\n');
    const before = readFileSync(join(target, 'app.conf'), 'utf8');
    const wrong = await run('deploy, wrong password', [
      'deploy',
      '-i',
      inventoryFile,
      playbookFile,
      '--vault-password-file',
      join(work, 'wrong-pass'),
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      `error: ${relative(work, inventoryFile)}:9:17 hosts.lb01.vars.vault_pw: cannot decrypt: the vault password is wrong, or the value was altered (HMAC mismatch)\n`,
    );
    expect(readFileSync(join(target, 'app.conf'), 'utf8')).toBe(before);
    const none = await run('deploy, no password', ['deploy', '-i', inventoryFile, playbookFile]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('the value is vault-encrypted: give --vault-password-file PATH or --ask-vault-pass');
    const noTty = await run('deploy --ask-vault-pass without a TTY', [
      'deploy',
      '-i',
      inventoryFile,
      playbookFile,
      '--ask-vault-pass',
    ]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toBe(
      'error: --ask-vault-pass needs a terminal to prompt on (stdin is not a TTY): use --vault-password-file PATH\n',
    );
  });

  it('leave no secret in any output or local file', () => {
    // A deploy writes no local file today; any it wrote (the work dir is its cwd) would be scanned here.
    const inputs = new Set(
      ['vault-pass', 'wrong-pass', 'file-secret', 'vault-vars.yml', 'inventory.yml', 'site.yml'].map((f) =>
        join(work, f),
      ),
    );
    const files = filesUnder(work, inputs).map((path) => ({
      name: relative(work, path),
      text: readFileSync(path, 'latin1'),
    }));
    const scanned = [...outputs, ...files];
    const leaks = scanned.flatMap(({ name, text }) =>
      Object.values(SECRETS)
        .filter((s) => text.includes(s))
        .map((s) => `${name}: ${s}`),
    );
    // 8 runs, stdout and stderr each: the README's Reliability table quotes these figures.
    expect(outputs.length).toBe(16);
    expect(leaks).toEqual([]);
  });
});
