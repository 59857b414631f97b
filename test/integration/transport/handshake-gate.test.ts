// A wide fan-out to one sshd that drops unauthenticated connections past MaxStartups (a bastion, or one sshd
// behind many inventory aliases): through the pool's handshake gate every host connects; without a shared gate
// the sshd drops some, which is what the gate is for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeGate } from '../../../src/transport/handshake-gate.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import type { Transport } from '../../../src/core/transport.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';

const HOSTS = 40;
const STARTUPS = 4;
// sshd counts a connection as unauthenticated until its parent reads the child's word, a moment after the client
// sees the login: a gate a little under MaxStartups (as the default 8 is under sshd's default 10) absorbs that lag.
const GATE = STARTUPS - 2;

describe('handshakes to one sshd with MaxStartups', () => {
  let sshd: Sshd;
  const environment = isolatedSshEnvironment();

  beforeAll(async () => {
    // Every unauthenticated connection past STARTUPS is dropped (start:rate:full = 4:100:4).
    sshd = await startSshd({ maxStartups: `${STARTUPS}:100:${STARTUPS}` });
  });
  afterAll(async () => {
    await sshd?.stop();
    environment.cleanup();
  });

  const spec = (i: number) => ({
    host: `n${i}`,
    address: sshd.host,
    port: sshd.port,
    user: 'root',
    identityFile: sshd.clientKeyPath,
    knownHostsFile: sshd.knownHostsPath,
    sshConfigFile: null,
  });
  const fanOut = async (transports: Transport[]) => {
    const results = await Promise.allSettled(transports.map((t) => t.exec('echo up')));
    await Promise.all(transports.map((t) => t.close()));
    return results;
  };

  it('connects every host, and the sshd drops none, when the pool keeps handshakes under its MaxStartups', async () => {
    const pool = new ConnectionPool({ environment, handshakes: new HandshakeGate(GATE, 64) });
    const results = await fanOut(Array.from({ length: HOSTS }, (_, i) => pool.get(spec(i))));
    const failed = results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value.stdout === 'up\n')).toBe(true);
    expect(sshd.log()).not.toMatch(/past MaxStartups/);
  });

  it('loses hosts to the drops when every connection handshakes at once (no shared gate)', async () => {
    const results = await fanOut(
      Array.from(
        { length: HOSTS },
        (_, i) => new SshTransport(spec(i), { environment, handshakes: new HandshakeGate(HOSTS, HOSTS) }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    expect(sshd.log()).toMatch(/past MaxStartups/);
  });
});
