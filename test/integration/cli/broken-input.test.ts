// Every broken inventory and playbook in the corpus: exit 2, the one-line file:line message, no stack trace,
// no host contacted. Inventory cases run in an empty network namespace (a bug could not reach anything);
// playbook cases run against an inventory whose every host is a loopback listener that counts connections.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { corpusCases } from '../../support/corpus.js';

// Modules that exist only in the unit tests' fake registry: those cases are covered there.
const FAKE_ONLY = /\bhaproxy_stats\b/;

let listener: Server;
let validPlaybook: string;
let connections = 0;
let countingInventory: string;

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The valid fixture inventory's names and groups, every host on the counting listener.
  const dir = mkdtempSync(join(tmpdir(), 'ober-corpus-'));
  countingInventory = join(dir, 'inventory.yml');
  validPlaybook = join(dir, 'playbook.yml');
  writeFileSync(
    validPlaybook,
    '- hosts: ingress\n  tasks:\n    - name: motd\n      copy: { dest: /tmp/ober-corpus-motd, content: "hi\\n" }\n',
  );
  writeFileSync(
    countingInventory,
    `hosts:
  lb[01-03]: { address: 127.0.0.1, port: ${port} }
  rgw[1-2,5].internal: { address: 127.0.0.1, port: ${port} }
  bastion: { address: 127.0.0.1, port: ${port} }
groups:
  ingress: { hosts: [lb01, lb02, lb03], vars: { role: ingress } }
  edge: { hosts: [lb01], vars: { role: edge } }
  backends: { hosts: ['rgw[1-2,5].internal'] }
  s3: { children: [ingress, backends] }
`,
  );
});
afterAll(() => listener?.close());

/** A clean, one-line error: exit 2, "error: ", no stack trace. */
function expectCleanError(result: { code: number; stdout: string; stderr: string }): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return result.stderr.split('\n')[0] ?? '';
}

describe('broken inventories, through the CLI', () => {
  it.concurrent.each(corpusCases('inventory'))('$name', async ({ path, expected }) => {
    const result = await runCli(['deploy', '-i', path, validPlaybook, '--reporter', 'plain'], { isolateNetwork: true });
    expect(expectCleanError(result)).toBe(`error: ${expected}`);
  });
});

describe('broken playbooks, through the CLI', () => {
  it.concurrent.each(corpusCases('playbook').filter((c) => !FAKE_ONLY.test(readFileSync(c.path, 'utf8'))))(
    '$name',
    async ({ path, expected }) => {
      const result = await runCli(['deploy', '-i', countingInventory, path, '--reporter', 'plain']);
      const first = expectCleanError(result);
      // Messages that list the known modules depend on the registry; the location and key path do not.
      const prefix = /^(\S+:\d+:\d+ \S+:)/.exec(expected)?.[1] ?? expected;
      expect(first.startsWith(`error: ${prefix}`), `${first}\n  expected to start with: error: ${prefix}`).toBe(true);
    },
  );
  it('contacted no host', () => expect(connections).toBe(0));
});

describe('bad command-line input', () => {
  it('a --limit that matches nothing is exit 2 and contacts nobody', async () => {
    const result = await runCli(['deploy', '-i', countingInventory, validPlaybook, '--limit', 'lb9*']);
    expect(expectCleanError(result)).toContain("'lb9*' matches no host");
    expect(connections).toBe(0);
  });
  it('an unknown flag is exit 2', async () => {
    const result = await runCli(['deploy', '-i', countingInventory, '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });
  it.each(['--diff', '--verify', '--tags=x', '-e', '--forks=2'])(
    'restore does not take %s, which it would ignore (exit 2)',
    async (flag) => {
      const result = await runCli([
        'restore',
        '-i',
        countingInventory,
        '--limit',
        'lb01',
        flag,
        ...(flag === '-e' ? ['a=1'] : []),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`unknown option '${flag}'`);
    },
  );
  it('--start-at-task naming no task is exit 2', async () => {
    const result = await runCli(['deploy', '-i', countingInventory, validPlaybook, '--start-at-task', 'no such task']);
    expectCleanError(result);
    expect(connections).toBe(0);
  });
});

// Inputs too big or too odd to keep as fixtures, made here. Each must end in exit 2 with its location, within the
// test's timeout and a 300 MB heap (a run that needed more would crash and fail the test).
describe('hostile input, generated', () => {
  const bounded = { isolateNetwork: true, env: { NODE_OPTIONS: '--max-old-space-size=300' } };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ober-hostile-'));
  });
  const deployWith = (inventory: string) =>
    runCli(['deploy', '-i', inventory, validPlaybook, '--reporter', 'plain'], bounded);

  it('a FIFO as inventory is refused, not waited on', async () => {
    const fifo = join(dir, 'fifo.yml');
    execFileSync('mkfifo', [fifo]);
    expect(expectCleanError(await deployWith(fifo))).toBe(
      `error: cannot read ${fifo}: it is a FIFO, not a regular file`,
    );
  });
  it('a device as inventory is refused, not read forever', async () => {
    expect(expectCleanError(await deployWith('/dev/zero'))).toBe(
      'error: cannot read /dev/zero: it is a device, not a regular file',
    );
  });
  it('an inventory over 16 MiB is refused before it is parsed', async () => {
    const big = join(dir, 'big.yml');
    writeFileSync(big, `hosts:\n  lb01: {}\n#${'x'.repeat(17 * 1024 * 1024)}\n`);
    expect(expectCleanError(await deployWith(big))).toMatch(
      /^error: cannot read .*big\.yml: \d+ bytes, over the 16777216-byte limit$/,
    );
  });
  it('a 100,000-key vars map is read in linear time, and the bad value after it is found', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `      k${i}: ${i}\n`).join('');
    const many = join(dir, 'many-keys.yml');
    writeFileSync(many, `hosts:\n  lb01:\n    vars:\n${keys}    port: ssh\n`);
    expect(expectCleanError(await deployWith(many))).toBe(
      `error: ${many}:100004:11 hosts.lb01.port: expected an integer 1-65535, got "ssh"`,
    );
  });
  it('a when of 2,000 nested parentheses is a parse error, not a stack overflow', async () => {
    const deep = join(dir, 'deep-when.yml');
    writeFileSync(
      deep,
      `- hosts: ingress\n  tasks:\n    - name: x\n      when: "${'('.repeat(2000)}true${')'.repeat(2000)}"\n      command: { cmd: "true" }\n`,
    );
    const result = await runCli(['deploy', '-i', countingInventory, deep, '--reporter', 'plain'], bounded);
    expect(expectCleanError(result)).toMatch(
      /^error: .*deep-when\.yml:4:\d+ \[0\]\.tasks\[0\]\.when: invalid condition: /,
    );
  });
  it('contacted no host', () => expect(connections).toBe(0));
});
