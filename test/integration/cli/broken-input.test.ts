// Every broken inventory and playbook in the corpus: exit 2, the one-line file:line message, no stack trace,
// no host contacted. Inventory cases run in an empty network namespace (a bug could not reach anything);
// playbook cases run against an inventory whose every host is a loopback listener that counts connections.
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
  writeFileSync(validPlaybook, '- hosts: ingress\n  tasks:\n    - name: motd\n      copy: { dest: /tmp/ober-corpus-motd, content: "hi\\n" }\n');
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
  it.concurrent.each(corpusCases('playbook').filter((c) => !FAKE_ONLY.test(readFileSync(c.path, 'utf8'))))('$name', async ({ path, expected }) => {
    const result = await runCli(['deploy', '-i', countingInventory, path, '--reporter', 'plain']);
    const first = expectCleanError(result);
    // Messages that list the known modules depend on the registry; the location and key path do not.
    const prefix = /^(\S+:\d+:\d+ \S+:)/.exec(expected)?.[1] ?? expected;
    expect(first.startsWith(`error: ${prefix}`), `${first}\n  expected to start with: error: ${prefix}`).toBe(true);
  });
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
  it('--start-at-task naming no task is exit 2', async () => {
    const result = await runCli(['deploy', '-i', countingInventory, validPlaybook, '--start-at-task', 'no such task']);
    expectCleanError(result);
    expect(connections).toBe(0);
  });
});
