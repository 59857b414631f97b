// SshTransport against a real sshd: exec, stdin, big output, concurrency on one connection, exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, TaskError } from '../../../src/core/errors.js';
import { becomeCommand } from '../../../src/core/transport.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';

describe('SshTransport exec', () => {
  let sshd: Sshd;
  let transport: SshTransport;
  const environment = isolatedSshEnvironment();

  beforeAll(async () => {
    sshd = await startSshd();
    transport = new SshTransport(
      {
        host: 'lb01',
        address: sshd.host,
        port: sshd.port,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile: sshd.knownHostsPath,
        sshConfigFile: null,
      },
      { environment },
    );
  });
  afterAll(async () => {
    await transport?.close();
    await sshd?.stop();
    environment.cleanup();
  });

  it('runs a command and returns code, stdout and stderr', async () => {
    const r = await transport.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes stdin through exactly (binary-safe text, no trailing newline added)', async () => {
    const input = "line 1\n'quoted' $HOME `x` \\ ünïcødé\nno newline at end";
    const r = await transport.exec('cat', { stdin: input });
    expect(r.stdout).toBe(input);
  });

  it('gives a command without stdin an EOF instead of hanging', async () => {
    const r = await transport.exec('cat; echo done');
    expect(r.stdout).toBe('done\n');
  });

  it('returns more than 1 MB of output intact', async () => {
    const r = await transport.exec('head -c 3000000 /dev/zero | tr "\\0" a; printf END');
    expect(r.stdout.length).toBe(3_000_003);
    expect(r.stdout.endsWith('aaaEND')).toBe(true);
  });

  it('takes more than 1 MB on stdin (file transfer is exec + stdin)', async () => {
    const big = Buffer.alloc(2_500_000, 'x');
    const r = await transport.exec('wc -c', { stdin: big });
    expect(r.stdout.trim()).toBe('2500000');
  });

  it('runs 50 concurrent execs on one connection, beyond MaxSessions', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => transport.exec(`sleep 0.05; echo ${i}`)));
    results.forEach((r, i) => expect(r.stdout.split('\n')[0]).toBe(String(i)));
    // One TCP connection: the sshd log shows a single accepted publickey login for this transport so far.
    expect(sshd.log().match(/Accepted publickey/g)).toHaveLength(1);
  });

  it('reports a signal-killed command as a non-zero code and says so', async () => {
    const r = await transport.exec('kill -KILL $$');
    expect(r.code).toBe(137);
    expect(r.stderr).toContain('killed by signal SIGKILL');
  });

  it('returns sudo -n refusals as normal results', async () => {
    const r = await transport.exec(becomeCommand('id -un'));
    // As root on a test machine sudo may be absent (127) or succeed; either way a result, not a throw.
    expect(typeof r.code).toBe('number');
  });

  it('fails a command that runs past timeoutMs with TaskError, promptly, and the connection stays usable', async () => {
    const started = Date.now();
    // `exec sleep` so the remote process is the only one, and the output shows it was running.
    const err = await transport.exec('echo started >&2; exec sleep 7', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toMatch(/lb01: command timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await transport.exec('echo still here')).stdout).toBe('still here\n');
  });

  it('close() fails running and queued execs, and later ones', async () => {
    const t = new SshTransport(
      {
        host: 'x',
        address: sshd.host,
        port: sshd.port,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile: sshd.knownHostsPath,
        sshConfigFile: null,
      },
      { environment },
    );
    expect((await t.exec('true')).code).toBe(0);
    // 10 execs: 4 run in persistent shells, 6 wait in the queue; close() fails them all instead of leaving them pending.
    const pending = Array.from({ length: 10 }, () => t.exec('sleep 5').catch((e: unknown) => e));
    await new Promise((r) => setImmediate(r));
    await t.close();
    for (const e of await Promise.all(pending)) expect(e).toBeInstanceOf(ConnectError);
    await expect(t.exec('true')).rejects.toThrow(/x: transport closed/);
  });
});
