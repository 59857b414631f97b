// The inventory's routers, asked over SSH with the nodes' connector (a real sshd on loopback, strict known_hosts):
// a vendor command's answer parsed by its regex, an optional router that is down skipped and said so, and a
// required one that is down failing the question.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, type Connector } from '../../../src/cli/connect.js';
import { routerLookup } from '../../../src/cli/routers.js';
import { askRouters } from '../../../src/engine/rolling/routers.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

let sshd: Sshd;
let closedPort: number;
let dir: string;
const connectors: Connector[] = [];

/** A port nothing listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function routersOf(routers: string): Promise<ReturnType<ReturnType<typeof routerLookup>>> {
  const file = join(dir, `inventory-${connectors.length}.yml`);
  writeFileSync(
    file,
    `ssh: { config: ./ssh_config, known_hosts: ${sshd.knownHostsPath} }\nhosts:\n  lb01: { address: 127.0.0.1 }\nrouters:\n${routers}`,
  );
  const inventory = await loadInventory(file);
  const connector = createConnector(inventory, { acceptNewHostKeys: false });
  connectors.push(connector);
  return routerLookup(inventory, connector.connect)({});
}

beforeAll(async () => {
  sshd = await startSshd();
  closedPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'ober-routers-'));
  writeFileSync(join(dir, 'ssh_config'), `Host 127.0.0.1\n  IdentityFile ${sshd.clientKeyPath}\n  User root\n`);
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.closeAll()));
  await sshd.stop();
});

describe('routers over SSH', () => {
  const edge = (port: number) => `  edge:
    kind: command
    ssh: { address: 127.0.0.1, port: ${port} }
    command: "printf '%s via 10.5.0.12\\\\n%s via 10.5.0.11\\\\n' {vip} {vip}"
    parse: { regex: "via (\\\\S+)" }
`;
  it('asks a vendor command with the VIP in place and parses its answer', async () => {
    const [view] = await routersOf(edge(sshd.port));
    expect(await view?.nextHops('10.5.100.1')).toEqual(['10.5.0.11', '10.5.0.12']);
  });
  it('an optional router that is down is skipped and named; a required one fails the question', async () => {
    const optional = `  down: { kind: linux, ssh: { address: 127.0.0.1, port: ${closedPort} }, optional: true }\n`;
    const answers = await askRouters(await routersOf(edge(sshd.port) + optional), ['10.5.100.1']);
    expect(answers.map((a) => ('hops' in a ? `${a.router}: ${a.hops.join(' ')}` : `${a.router}: skipped`))).toEqual([
      'edge: 10.5.0.11 10.5.0.12',
      'down: skipped',
    ]);
    const required = `  down: { kind: linux, ssh: { address: 127.0.0.1, port: ${closedPort} } }\n`;
    await expect(askRouters(await routersOf(required), ['10.5.100.1'])).rejects.toThrow(/^router down: /);
  });
});
